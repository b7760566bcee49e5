"""Benchmarks: each measures one promise of SPEC §9 and writes its section of docs/benchmarks.md."""

"""Every benchmark that writes a section of docs/benchmarks.md, one after the other (`make bench`).

`python -m bench` runs all of them; `python -m bench throughput core_load` only those named.
"""

from __future__ import annotations

import subprocess
import sys

# each writes its own section; the simulator's tables take the longest, so they come last
BENCHMARKS = ("caller", "display", "kiosk", "core_load", "followers", "core_day", "throughput", "simulate")


def main(argv: list[str] | None = None) -> int:
    names = list(argv if argv is not None else sys.argv[1:]) or list(BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}", file=sys.stderr)
        return 2
    failed = []
    for name in names:
        print(f"--- bench.{name}", flush=True)
        # each in its own interpreter, as its command in docs/benchmarks.md runs it
        if subprocess.run([sys.executable, "-m", f"bench.{name}"]).returncode != 0:
            failed.append(name)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

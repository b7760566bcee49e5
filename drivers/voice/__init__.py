"""voice drivers."""

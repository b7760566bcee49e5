"""The one command: `onewindow <role>` starts each process of the hall."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    print("onewindow: not yet", file=sys.stderr)
    return 2

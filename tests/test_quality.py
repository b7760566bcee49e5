"""The code's own checks (STYLE §9): ruff's lint and format, and mypy on every package."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_ruff_finds_nothing():
    result = run(str(BIN / "ruff"), "check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_code_is_formatted():
    result = run(str(BIN / "ruff"), "format", "--check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_finds_nothing():
    result = run(
        str(BIN / "mypy"),
        "onewindow",
        "dispatch",
        "drivers",
        "kiosk",
        "display",
        "caller",
        "bench",
        "simulator",
        "demo",
        "tools",
    )
    assert result.returncode == 0, result.stdout + result.stderr

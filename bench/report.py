"""Writing a benchmark's results into its own section of docs/benchmarks.md, with the machine and the command."""

from __future__ import annotations

import os
import platform
import re
import sys
from datetime import datetime
from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
HEADER = """# Benchmarks

Each section below is written by the benchmark named in it, with the machine and the command that produced
it. Run them all with `make bench`, or one with its command. Timings come from a shared, noisy machine: compare
figures from the same run, side by side, not across sections.
"""


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kib = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))  # type: ignore[union-attr]
        memory = f", {kib / 1024 / 1024:.0f} GiB RAM"
    except (OSError, AttributeError):
        pass
    return (
        f"{cpu}, {os.cpu_count()} cores{memory}; {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()}"
    )


def write_section(name: str, title: str, body: str, command: str | None = None) -> None:
    """Replace (or add) the section `name` of docs/benchmarks.md."""
    command = command or "python -m " + " ".join([f"bench.{name}", *sys.argv[1:]])
    stamp = datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    section = (
        f"<!-- bench:{name} -->\n## {title}\n\n"
        f"Machine: {machine()}  \nCommand: `{command}`  \nRun: {stamp}\n\n{body.strip()}\n"
        f"<!-- /bench:{name} -->"
    )
    text = DOC.read_text(encoding="utf-8") if DOC.exists() else HEADER
    pattern = re.compile(rf"<!-- bench:{re.escape(name)} -->.*?<!-- /bench:{re.escape(name)} -->", re.S)
    text = pattern.sub(lambda _: section, text) if pattern.search(text) else text.rstrip() + "\n\n" + section + "\n"
    DOC.parent.mkdir(parents=True, exist_ok=True)
    DOC.write_text(text, encoding="utf-8")


def table(headers: list[str], rows: list[list[object]]) -> str:
    out = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(out)

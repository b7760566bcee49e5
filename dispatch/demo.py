"""`onewindow demo`: the core on the example hall over a fresh SQLite day under var/, until Ctrl-C."""

from __future__ import annotations

import argparse
import logging
import shutil
from pathlib import Path

from onewindow.hallfile import load_hall

from .core import Core
from .server import run
from .store import Store

ROOT = Path(__file__).resolve().parents[1]
log = logging.getLogger(__name__)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="onewindow demo", description=__doc__)
    parser.add_argument("--config", default=str(ROOT / "config" / "examples" / "hall.toml"), metavar="HALL")
    parser.add_argument("--var", default="var/demo", help="where the demo keeps its database (default var/demo)")
    parser.add_argument("--port", type=int, default=8080)
    args = parser.parse_args(argv)
    hall = load_hall(args.config)
    var = Path(args.var)
    shutil.rmtree(var, ignore_errors=True)  # every run starts a fresh day
    var.mkdir(parents=True)
    core = Core(hall, Store(str(var / "core.sqlite")))
    print(f"onewindow demo: {hall.name}")
    print(f"  hall state  http://127.0.0.1:{args.port}/api/v1/hall")
    print(f"  events      http://127.0.0.1:{args.port}/api/v1/events")
    print("  stop with Ctrl-C")
    return run(core, "127.0.0.1", args.port)

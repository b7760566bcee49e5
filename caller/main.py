"""`onewindow caller --config ROLE`: the process of a caller or evaluator Pi (USB keypads and RS-485 pads)."""

from __future__ import annotations

import argparse
import logging
import signal
import threading
import time

from onewindow import systemd
from onewindow.client import CoreClient
from onewindow.rolefile import load_role

from .settings import read_settings

log = logging.getLogger(__name__)

PRESS_TIMEOUT_S = 3.0  # a press the core has not answered by then has failed, and the clerk is told
TICK_S = 0.5

DESCRIPTION = """\
Run the caller keypads (呼叫器) or the evaluation keypads (评价器) of one Pi. The role file names the core,
this device and its token, the USB keypads ([[keypad]], read through evdev) and the RS-485 pad lines ([[bus]],
protocol ff68); whether the device is a caller or an evaluator comes from the hall file. Every press goes to
the core at once and only once; a refused press beeps on its pad and shows a short text on the window's LED
board. Missing keypads and lines are reported to the core and reopened by themselves.
"""

EPILOG = """\
clerk's numpad: + call, - recall, Enter finish, / pause or resume, n * transfer to the hall's n-th service,
. . no-show, NumLock start, 工号 Enter PIN Enter sign in, 0 Enter sign out, Backspace clear.
evaluator: 5 非常满意, 4 满意, 3 基本满意, 2 不满意, 1 非常不满意. See docs/caller.md.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="onewindow caller",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--config", required=True, metavar="ROLE", help="the role file (TOML) of this Pi")
    return parser


def main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    # ConfigError: the command prints every error and refuses to start
    role = load_role(args.config, "caller", read_settings)
    from .station import CallerStation  # here, so that --help needs nothing beyond the standard library

    client = CoreClient(role.core, role.token, timeout=PRESS_TIMEOUT_S)
    station = CallerStation(role, client)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    station.start()
    log.info("caller %s started: %s", role.device, role.path)
    systemd.notify("READY=1")
    watchdog = systemd.watchdog_interval_s()
    fed = 0.0
    try:
        while not stop.wait(TICK_S):
            station.tick()
            if watchdog is not None and time.monotonic() - fed >= watchdog:
                systemd.notify("WATCHDOG=1")
                fed = time.monotonic()
    finally:
        systemd.notify("STOPPING=1")
        station.stop()  # closes the client too
    log.info("caller %s stopped", role.device)
    return 0

"""`onewindow kiosk`: the ticket kiosk, from its role file to the touchscreen loop."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from pathlib import Path

from onewindow.configfile import ConfigError
from onewindow.rolefile import load_role

from .settings import read_settings

log = logging.getLogger(__name__)


def _size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(v) for v in text.lower().split("x"))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not WIDTHxHEIGHT, e.g. 1080x1920") from exc
    if not (240 <= width <= 7680 and 240 <= height <= 7680):
        raise argparse.ArgumentTypeError(f"{text!r}: each side 240 to 7680 pixels")
    return width, height


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="onewindow kiosk",
        description="The ticket kiosk: a touchscreen listing the hall's services with their live waits, and the "
        "ticket printer. Reads the role file's [printer], [screen] and [kiosk] tables (docs/kiosk.md), "
        "follows the core's event stream and reports its health to the core every few seconds.",
        epilog="Check the role file first with `onewindow check-config HALL ROLE`; test the printer with "
        "`onewindow print-test --config ROLE`.",
    )
    parser.add_argument("--config", required=True, metavar="ROLE", help="the kiosk's role file (TOML)")
    parser.add_argument(
        "--windowed", action="store_true", help="run in a window instead of fullscreen (a desk, the demo)"
    )
    parser.add_argument(
        "--size",
        type=_size,
        metavar="WxH",
        help="window or screen size in pixels, e.g. 1080x1920 (overrides [screen] size)",
    )
    parser.add_argument(
        "--screenshot-dir", type=Path, metavar="DIR", help="save a PNG of every screen as it first shows"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        role = load_role(args.config, "kiosk", read_settings)
    except ConfigError as exc:
        for line in exc.errors:
            print(line, file=sys.stderr)
        print("onewindow kiosk: refusing to start with an invalid configuration", file=sys.stderr)
        return 1
    # pygame is imported only now: --help and a bad file never need it
    from .app import KioskApp, Options

    app = KioskApp(role, Options(windowed=args.windowed, size=args.size, screenshot_dir=args.screenshot_dir))
    signal.signal(signal.SIGTERM, lambda *_: app.stop())
    signal.signal(signal.SIGINT, lambda *_: app.stop())
    log.info("kiosk %s for %s, printer %s", role.device, role.core, app.printer.where)
    app.open()
    try:
        return app.run()
    finally:
        app.close()


if __name__ == "__main__":
    sys.exit(main())

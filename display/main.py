"""`onewindow display`: the call display process, or with `--snapshot` one picture of the TV page."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from pathlib import Path
from typing import Any

from onewindow.rolefile import RoleConfig, load_role

from .settings import read_settings

DESCRIPTION = """\
The hall's call display: the TV page (newest call large and flashing, every window's number, the last
calls, who waits, a scrolling notice), the LED boards over the windows and the hall's main board, and the
voice that announces each call. Everything comes from the role file's [display], [screen], [[led]] and
[voice] tables; see docs/display.md. Without a screen ([screen] enabled = false) it drives only the boards
and the voice. It keeps running while the core, a serial adapter or the sound card is away."""

EPILOG = """\
examples:
  onewindow display --config /etc/onewindow/display-1.toml
  onewindow display --config display-1.toml --snapshot page.png            # one picture, then exit
  onewindow display --config display-1.toml --snapshot page.png --size 1080x1920
  onewindow display --config display-1.toml --windowed --size 1280x720      # on a desktop"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="onewindow display",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--config", required=True, metavar="ROLE", help="the display's role file (TOML)")
    parser.add_argument(
        "--snapshot",
        metavar="FILE.png",
        help="render the TV page for the hall's current state once, write it to FILE.png and exit "
        "(needs no screen; exit 1 when the core cannot be reached)",
    )
    parser.add_argument(
        "--size",
        metavar="WxH",
        type=_size,
        help="page size in pixels, e.g. 1920x1080 or 1080x1920 (default: [screen] size, else the screen's own "
        "or 1920x1080 for a snapshot)",
    )
    parser.add_argument(
        "--windowed", action="store_true", help="a window instead of the full screen (a desktop, the demo)"
    )
    parser.add_argument("--no-screen", action="store_true", help="run without the TV, as [screen] enabled = false")
    return parser


def _size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not WIDTHxHEIGHT, e.g. 1920x1080") from None
    if not (160 <= width <= 7680 and 120 <= height <= 4320):
        raise argparse.ArgumentTypeError(f"{text!r}: width 160 to 7680, height 120 to 4320")
    return width, height


def main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # ConfigError: the command prints every error and refuses
    config = load_role(args.config, "display", read_settings)
    if args.snapshot:
        return snapshot(config, Path(args.snapshot), args.size)
    return run(config, size=args.size, windowed=args.windowed, screen=False if args.no_screen else None)


def run(
    config: RoleConfig, *, size: tuple[int, int] | None = None, windowed: bool = False, screen: bool | None = None
) -> int:
    from dataclasses import replace

    from .app import DisplayApp

    settings = config.settings
    if size is not None or windowed:
        screen_settings = replace(
            settings.screen, size=size or settings.screen.size, fullscreen=settings.screen.fullscreen and not windowed
        )
        config = replace(config, settings=replace(settings, screen=screen_settings))
    app = DisplayApp(config, screen=screen)

    def stop(signum: int, _frame: Any) -> None:
        logging.getLogger(__name__).info("stopping on signal %d", signum)
        app.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    return app.run()


def snapshot(config: RoleConfig, path: Path, size: tuple[int, int] | None = None) -> int:
    """Fetch the hall once, render the page, write the PNG. 0 when written, 1 with a plain message if not."""
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    import pygame

    from onewindow.client import CoreClient, CoreRefused, CoreUnreachable

    from .page import Page
    from .screen import logical_size
    from .state import scene_from_snapshot

    settings = config.settings
    options = settings.display
    if size is None:
        size = logical_size(settings.screen.size, settings.screen.rotate or 0) if settings.screen.size else (1920, 1080)
    with CoreClient(config.core, config.token) as client:
        try:
            hall = client.hall()
        except (CoreUnreachable, CoreRefused) as exc:
            print(f"onewindow display: cannot take a snapshot: {exc}", file=sys.stderr)
            return 1
    scene = scene_from_snapshot(
        hall,
        windows=options.windows,
        calls_kept=max(12, options.calls_shown + 1),
        locale=options.locale,
        title=options.title,
    )
    surface = Page(size, options).render(scene)
    try:
        pygame.image.save(surface, str(path))
    except (pygame.error, OSError) as exc:
        print(f"onewindow display: cannot write {path}: {exc}", file=sys.stderr)
        return 1
    print(f"{path}: the TV page at {size[0]}x{size[1]} for {scene.hall_name}, {len(scene.windows)} windows")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""What every screen role shares: the `[screen]` table, and opening a screen that may not be there yet.

One reader, so a technician writes a kiosk's and a display's screen the same way (on or off, fullscreen, size,
turn, frame rate). Nothing here imports pygame.
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from onewindow.configfile import Table, show

ROTATIONS = (0, 90, 180, 270)
RETRY_S = 10.0  # how often a screen that would not open (TV or panel unplugged at boot) is tried again


@dataclass(frozen=True)
class ScreenSettings:
    """`enabled = false` on a Pi without a screen (a display that only drives LED boards and the voice)."""

    enabled: bool = True
    fullscreen: bool = True
    size: tuple[int, int] | None = None  # width, height; None: the screen's own mode (or the role's window size)
    # degrees clockwise the picture is turned on the screen; None: as the role needs (a kiosk turns its picture
    # when the panel's shape is not its orientation; a display does not turn)
    rotate: int | None = None
    fps: int = 30  # frames a second at most


def read_screen(table: Table) -> ScreenSettings | None:
    enabled = table.bool("enabled", True)
    fullscreen = table.bool("fullscreen", True)
    size_text = table.str("size", None, pattern=r"\d{3,4}x\d{3,4}", pattern_help='width x height, e.g. "1920x1080"')
    rotate = table.int("rotate", None)
    fps = table.int("fps", 30, minval=1, maxval=60)
    if rotate is not None and rotate not in ROTATIONS:
        table.error("rotate", f"{rotate} is not allowed (allowed: {', '.join(map(str, ROTATIONS))})")
    size = None
    if size_text is not None:
        width, height = (int(v) for v in re.findall(r"\d+", size_text))
        if not (320 <= width <= 7680 and 240 <= height <= 4320):
            table.error("size", f"{show(size_text)} is not allowed (width 320 to 7680, height 240 to 4320)")
        size = (width, height)
    table.finish()
    if not table.ok or enabled is None or fullscreen is None or fps is None:
        return None
    return ScreenSettings(enabled=enabled, fullscreen=fullscreen, size=size, rotate=rotate, fps=fps)


def choose_video_driver() -> None:
    """A Pi OS Lite console has no X or Wayland: SDL must use KMSDRM (HARDWARE.md §4). A desktop keeps its own."""
    if "SDL_VIDEODRIVER" not in os.environ and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ["SDL_VIDEODRIVER"] = "kmsdrm"
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")


class ScreenOpener:
    """Opens a role's screen, which may not be there: a screen that will not open is no reason to stop the role.

    `open_screen` raises one of `errors` when it cannot (SDL says why). The reason is kept in `problem` for the health
    report and logged on the role's own `log` with `failed` (the reason and `RETRY_S`) when it is new; `due()`
    says when to try again, every `RETRY_S` seconds, while the rest of the role goes on. `reopened` is logged
    when a screen that had failed opens.
    """

    def __init__(
        self,
        open_screen: Callable[[], object],
        log: logging.Logger,
        *,
        failed: str,
        reopened: str,
        clock: Callable[[], float] = time.monotonic,
        errors: tuple[type[Exception], ...] = (Exception,),
    ):
        self._open_screen = open_screen
        self._log = log
        self._failed = failed
        self._reopened = reopened
        self._clock = clock
        self._errors = errors
        self.problem: str | None = None
        self._next_try = float("-inf")

    def due(self) -> bool:
        """True when the screen may be tried again."""
        return self._clock() >= self._next_try

    def open(self) -> bool:
        """Try to open the screen; False, with `problem` set, when it would not."""
        try:
            self._open_screen()
        except self._errors as exc:  # a missing driver or display, never fatal
            problem = str(exc) or type(exc).__name__
            if problem != self.problem:
                self._log.error(self._failed, problem, RETRY_S)
            self.problem = problem
            self._next_try = self._clock() + RETRY_S
            return False
        if self.problem is not None:
            self._log.info(self._reopened)
        self.problem = None
        return True

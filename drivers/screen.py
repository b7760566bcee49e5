"""The `[screen]` table every screen role shares: on or off, fullscreen, size, turn, frame rate.

One reader, so a technician writes a kiosk's and a display's screen the same way. Nothing here imports pygame.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from onewindow.configfile import Table, show

ROTATIONS = (0, 90, 180, 270)


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

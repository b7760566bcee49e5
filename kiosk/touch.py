"""Taps from SDL events, and where a tap lands on a picture turned to fit how the panel is mounted.

One touch arrives twice (FINGERDOWN and a MOUSEBUTTONDOWN with touch=True): only the finger counts, so one
tap is one tap. A real mouse (or a touch panel the kernel presents as a mouse) sends no finger event and
counts through its button.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

FINGERDOWN = 0x700  # SDL_FINGERDOWN; the same number pygame gives, kept here so this module needs no pygame
MOUSEBUTTONDOWN = 0x401  # SDL_MOUSEBUTTONDOWN


def taps(events: Iterable[Any], screen_size: tuple[int, int]) -> list[tuple[int, int]]:
    """Panel pixel positions of the taps among `events`."""
    width, height = screen_size
    out = []
    for event in events:
        if event.type == FINGERDOWN:
            x = min(width - 1, max(0, int(event.x * width)))
            y = min(height - 1, max(0, int(event.y * height)))
            out.append((x, y))
        elif event.type == MOUSEBUTTONDOWN and getattr(event, "button", 0) == 1 and not getattr(event, "touch", False):
            out.append((int(event.pos[0]), int(event.pos[1])))
    return out


def drawn_size(screen_size: tuple[int, int], rotate: int) -> tuple[int, int]:
    """The size of the picture before it is turned onto a panel of `screen_size`."""
    width, height = screen_size
    return (height, width) if rotate in (90, 270) else (width, height)


def to_drawn(pos: tuple[int, int], screen_size: tuple[int, int], rotate: int) -> tuple[int, int]:
    """A panel pixel as a pixel of the picture, which the panel shows turned `rotate` degrees clockwise."""
    px, py = pos
    width, height = screen_size
    if rotate == 90:
        return py, width - 1 - px
    if rotate == 180:
        return width - 1 - px, height - 1 - py
    if rotate == 270:
        return height - 1 - py, px
    return px, py


def rotation_for(orientation: str, screen_size: tuple[int, int], rotate: int | None) -> int:
    """How far to turn the picture: as the role file says, else a quarter turn when the panel's shape is not the
    orientation asked for (a landscape TV panel mounted upright in a portrait stand)."""
    if rotate is not None:
        return rotate
    width, height = screen_size
    tall = height > width
    return 0 if tall == (orientation == "portrait") or width == height else 90

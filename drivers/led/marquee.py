"""Fitting text to a board's width: Chinese characters take two cells of an LED board, ASCII one."""

from __future__ import annotations

from ..textfit import longest_start


def cells(text: str) -> int:
    """How many half-width cells `text` takes on a board."""
    return sum(_cells(ch) for ch in text)


def fit(text: str, width: int) -> str:
    """The longest start of `text` that fits in `width` cells (never half a Chinese character)."""
    return longest_start(text, width, _cells)


def marquee(text: str, width: int, step: int, spacer: str = "    ") -> str:
    """What a board `width` cells wide shows at scroll position `step` (one character a step).

    Text that fits is shown as it is; longer text runs round with `spacer` between the end and the start.
    Each result is padded with spaces to exactly `width` cells so that nothing of the previous one stays lit.
    """
    if cells(text) <= width:
        return text
    loop = text + spacer
    start = step % len(loop)
    shown = fit((loop[start:] + loop) * 2, width)
    return shown + " " * (width - cells(shown))


def _cells(ch: str) -> int:
    return 1 if ord(ch) < 0x80 else 2

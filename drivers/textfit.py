"""Fitting text to a width, a number of lines and a height, whatever measures it: dots, pixels or LED cells.

Each user brings only its own measure (a Pillow font on the printer, pygame.freetype on the screens, cells on an
LED board); wrapping and choosing the size are done here, the same way for all.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

Measure = Callable[[str, int], float]  # the width of a text at a size

_NO_LINE_START = set("，。、：；！？）》」』】〕,.:;!?)%’”")


@dataclass(frozen=True)
class Fit:
    """A text wrapped at the size it was given; `whole` is False when even the smallest size needed more lines
    than allowed, and `lines` then holds only the first of them."""

    size: int
    lines: list[str]
    whole: bool = True


def _is_wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


def _tokens(text: str) -> list[str]:
    """Words for wrapping: every CJK character alone, Latin words together with the space after them."""
    out: list[str] = []
    word = ""
    for ch in text:
        if _is_wide(ch):
            if word:
                out.append(word)
                word = ""
            out.append(ch)
        elif ch == " ":
            out.append(word + ch)
            word = ""
        else:
            word += ch
    if word:
        out.append(word)
    return out


def wrap(text: str, fits: Callable[[str], bool]) -> list[str]:
    """Greedy wrap; `fits(s)` says whether s fits on one line. A word wider than a line is split by characters;
    closing punctuation stays at the end of the line it follows rather than starting the next."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line, start = "", len(lines)
        for token in _tokens(paragraph):
            if fits((line + token).rstrip()):
                line += token
                continue
            if line and token[0] in _NO_LINE_START and len(line.rstrip()) > 1:
                # closing punctuation may not start a line: the character before it goes down with it
                carried = line.rstrip()[-1]
                lines.append(line.rstrip()[:-1].rstrip())
                line = carried + token
                continue
            if line:
                lines.append(line.rstrip())
                line = ""
            while token and not fits(token.rstrip()):
                cut = max(1, len(token) - 1)  # a character wider than the line still goes on a line of its own
                while cut > 1 and not fits(token[:cut]):
                    cut -= 1
                lines.append(token[:cut])
                token = token[cut:]
            line = token
        if line.rstrip() or len(lines) == start:  # an empty paragraph is a blank line; a split word leaves none
            lines.append(line.rstrip())
    return lines


def longest_start(text: str, width: int, char_width: Callable[[str], int]) -> str:
    """The longest start of `text` that fits `width` when every character has a width of its own (fixed-width
    text: an LED board's cells); a character is never cut in half."""
    out, used = [], 0
    for ch in text:
        used += char_width(ch)
        if used > width:
            break
        out.append(ch)
    return "".join(out)


def largest_size(fits: Callable[[int], bool], floor: int, ceiling: int) -> int:
    """The largest size above `floor`, up to `ceiling`, at which `fits(size)`; `floor` when none does (it is
    never asked). Found by halving, so sizes must fit the less the larger they get."""
    low, high = floor, ceiling
    while low < high:
        mid = (low + high + 1) // 2
        if fits(mid):
            low = mid
        else:
            high = mid - 1
    return low


def fit_lines(text: str, measure: Measure, width: float, lines: int, size: int, smallest: int) -> Fit:
    """The largest size from `size` down to `smallest` at which `text` wraps into `lines` lines of `width`;
    at `smallest`, and not `whole`, when even that needs more lines."""
    tried: dict[int, list[str]] = {}

    def fits(at: int) -> bool:
        tried[at] = wrap(text, lambda s: measure(s, at) <= width)
        return len(tried[at]) <= lines

    if fits(size):
        return Fit(size, tried[size])
    found = largest_size(fits, smallest - 1, size - 1)
    if found >= smallest:
        return Fit(found, tried[found])
    at_smallest = wrap(text, lambda s: measure(s, smallest) <= width)
    return Fit(smallest, at_smallest[:lines], whole=False)


def fit_box(
    text: str,
    measure: Measure,
    line_height: Callable[[int], float],
    box: tuple[float, float],
    lines: int,
    size: int,
    smallest: int,
) -> Fit | None:
    """The largest size from `size` down to `smallest` at which `text` fits `box` (width, height) in at most
    `lines` lines; None when it does not even at `smallest`.

    Every line count up to `lines` is tried and the largest type wins: a name that fits on one line is not
    shrunk to leave room for a second line it does not need.
    """
    width, height = box
    best: Fit | None = None
    for n in range(1, lines + 1):
        at = size
        while True:
            fit = fit_lines(text, measure, width, n, at, smallest)
            if not fit.whole:
                break
            tall = len(fit.lines) * line_height(fit.size)
            if tall <= height:
                if best is None or fit.size > best.size:
                    best = fit
                break
            if fit.size <= smallest:
                break
            at = max(smallest, int(fit.size * height / tall))
        if best is not None and best.size == size:
            break  # already the size asked for: more lines cannot make it larger
    return best

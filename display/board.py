"""The TV's number→window pairs: sizes that keep every pair 50 mm tall on a 55-inch set, and how a pair is drawn.

A pair is one row, "A1027 … 26号窗口": the ticket number on the left, the window's name on the right, and between
them the tags of a priority ticket (优先, with a green stripe down the row's edge) and of a citizen called long
ago who has not come (请尽快, with a gold box round the row). The name's digits and Latin letters are drawn at
the number's size, its Chinese characters a little smaller (their ink, even 口's, is then as tall as the digits'
caps), so that every part of the pair reads from as far as the number does.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from onewindow.drivers.textfit import largest_size

from .palette import NUMBER, PANEL, PRIORITY, TEXT, Color
from .texts import Words
from .typeface import Typeface, rect

# A 55-inch 16:9 TV is 1217.6 x 684.9 mm: 0.634 mm a pixel at 1920x1080 (and upright at 1080x1920).
TV_55_SHORT_MM = 684.9
PAIR_MM = 50.0  # the least letter height of a pair: read from 10 m under 17' of arc (ISO 9241-3: 16' minimum)
WORD_SCALE = 0.9  # a name's Chinese characters to the number's size: 口 then stands as tall as a digit's cap
TAG_SCALE = 0.3
PITCH = 1.06  # rows: a row's height (its gap included) to the number's size
CAP_SAMPLE = "H147"  # flat-topped, flat-bottomed letters and digits: their ink height is the cap height
WORD_SAMPLE = "口"  # the shortest common character of window names (号, 窗 are taller)


def least_letter(short_side: int) -> int:
    """The least cap height, in pixels, of a pair on a screen whose shorter side has `short_side` pixels: 50 mm
    on a 55-inch TV (79 px at 1080), the same share of the screen on any other resolution."""
    return math.ceil(short_side * PAIR_MM / TV_55_SHORT_MM)


def is_wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


def name_runs(name: str) -> list[tuple[str, bool]]:
    """A window's name cut into runs of (text, wide): "26号窗口" -> [("26", False), ("号窗口", True)]."""
    runs: list[tuple[str, bool]] = []
    for ch in name:
        wide = is_wide(ch)
        if runs and runs[-1][1] == wide:
            runs[-1] = (runs[-1][0] + ch, wide)
        else:
            runs.append((ch, wide))
    return runs


@dataclass(frozen=True)
class PairSizes:
    """The type sizes of a pair row, all from the number's size."""

    value: int  # the ticket number, the name's digits and Latin letters
    word: int  # the name's Chinese characters
    tag: int  # 优先, 请尽快

    @classmethod
    def of(cls, value: int) -> PairSizes:
        return cls(value, max(6, round(value * WORD_SCALE)), max(6, round(value * TAG_SCALE)))

    @property
    def pad(self) -> int:
        return max(2, round(self.value * 0.12))

    @property
    def stripe(self) -> int:
        """The priority stripe down the row's left edge."""
        return max(3, round(self.value * 0.1))

    @property
    def frame(self) -> int:
        """The gold box round an overdue row."""
        return max(2, round(self.value * 0.05))


def letter_height(t: Typeface, sizes: PairSizes) -> int:
    """The least letter height of a pair drawn at `sizes`: the digits' cap height or 口's ink, whichever is
    lower."""
    cap = t.ink(CAP_SAMPLE, sizes.value, True).height
    word = t.ink(WORD_SAMPLE, sizes.word, True).height
    return int(min(cap, word))


def least_value(t: Typeface, target: int) -> int:
    """The smallest number size whose pair letters are at least `target` pixels tall."""
    size = max(6, int(target / 0.8))
    while letter_height(t, PairSizes.of(size)) < target:
        size += 1
    return size


def name_width(t: Typeface, name: str, sizes: PairSizes) -> float:
    return float(sum(t.advance(text, sizes.word if wide else sizes.value, True) for text, wide in name_runs(name)))


def tag_width(t: Typeface, w: Words, sizes: PairSizes) -> float:
    return max(t.advance(w.priority, sizes.tag, True), t.advance(w.overdue, sizes.tag, True)) + sizes.tag * 0.8


def row_width(t: Typeface, w: Words, number: str, names: Sequence[str], sizes: PairSizes) -> float:
    """The width a row needs for the widest number and name, with the tags' room between them."""
    widest = max((name_width(t, n, sizes) for n in names), default=0.0)
    gap = sizes.pad
    return (
        sizes.stripe + 3 * sizes.pad + t.advance(number, sizes.value, True) + tag_width(t, w, sizes) + 2 * gap + widest
    )


def widest_value(t: Typeface, w: Words, number: str, names: Sequence[str], width: float, most: int) -> int:
    """The largest number size at which a row of the widest number and name fits `width`."""
    return largest_size(lambda s: row_width(t, w, number, names, PairSizes.of(s)) <= width, 6, max(6, most))


@dataclass(frozen=True)
class PairRow:
    """One number→window pair as the page shows it."""

    number: str
    window: int
    name: str
    called: bool  # called and not yet served: the citizen should go there (gold); else being served (white)
    priority: bool
    overdue: bool  # called at least `overdue_s` ago and the citizen has not come


@dataclass(frozen=True)
class PairDrawn:
    """Where a pair was drawn: its row, and the spans of its number and of each run of its name (the row's
    height inside its box), for measuring the letters on the rendered pixels."""

    block: str  # "calls" (the last calls) or "windows" (every window's current number)
    row: PairRow
    slot: Any
    number_box: Any
    name_parts: tuple[Any, ...]  # one span per run of the name: "26", "号窗口"


def draw_pair(
    surface: Any,
    t: Typeface,
    w: Words,
    slot: Any,
    row: PairRow,
    sizes: PairSizes,
    number_room: float,
) -> tuple[Any, tuple[Any, ...], bool]:
    """One row in `slot`; `number_room` is the widest number's width, so that the tags line up from row to row.
    Returns the spans of the number and of the name's runs, and whether the number had to be drawn smaller."""
    import pygame

    radius = max(2, sizes.pad // 2)
    pygame.draw.rect(surface, PANEL, slot, border_radius=radius)
    if row.priority:
        stripe = rect(slot.x, slot.y, sizes.stripe, slot.height)
        pygame.draw.rect(surface, PRIORITY, stripe, border_top_left_radius=radius, border_bottom_left_radius=radius)
    if row.overdue:
        pygame.draw.rect(surface, NUMBER, slot, width=sizes.frame, border_radius=radius)
    baseline = _pair_baseline(t, slot, sizes)
    x = slot.x + sizes.stripe + sizes.pad
    name_w = name_width(t, row.name, sizes)
    right = slot.right - sizes.pad
    value = sizes.value
    room = right - name_w - sizes.pad - x
    shrunk = t.advance(row.number, value, True) > room  # longer than the hall's longest number (A9999)
    if shrunk:
        value = t.fit(row.number, room, slot.height, bold=True)
    number_w = t.advance(row.number, value, True)
    t.draw(surface, row.number, x, baseline, value, NUMBER if row.called else TEXT, bold=True)
    inset = sizes.frame + 1
    number_box = rect(x, slot.y + inset, number_w, slot.height - 2 * inset)
    name_x = right - name_w
    parts = []
    for text, wide in name_runs(row.name):
        size = sizes.word if wide else sizes.value
        t.draw(surface, text, name_x, baseline, size, TEXT, bold=True)
        advance = t.advance(text, size, True)
        if text.strip():
            parts.append(rect(name_x, slot.y + inset, advance, slot.height - 2 * inset))
        name_x += advance
    _draw_tags(surface, t, w, slot, row, sizes, x + number_room + sizes.pad)
    return number_box, tuple(parts), shrunk


def _pair_baseline(t: Typeface, slot: Any, sizes: PairSizes) -> float:
    """The baseline that centres the digits' and the characters' ink together in the row."""
    digit, word = t.ink("0", sizes.value, True), t.ink("窗", sizes.word, True)
    above = max(digit.y, word.y)
    below = max(digit.height - digit.y, word.height - word.y)
    return float(slot.centery - (above + below) / 2 + above)


def _draw_tags(surface: Any, t: Typeface, w: Words, slot: Any, row: PairRow, sizes: PairSizes, x: float) -> None:
    """优先 (white on green) and 请尽快 (gold in a gold outline), stacked in the middle of the row."""
    import pygame

    tags: list[tuple[str, Color, bool]] = []
    if row.priority:
        tags.append((w.priority, PRIORITY, True))
    if row.overdue:
        tags.append((w.overdue, NUMBER, False))
    if not tags:
        return
    size = sizes.tag
    tag_h = size * 1.35
    gap = size * 0.3
    top = slot.centery - (len(tags) * tag_h + (len(tags) - 1) * gap) / 2
    for text, color, filled in tags:
        box = rect(x, top, t.advance(text, size, True) + size * 0.8, tag_h)
        if filled:
            pygame.draw.rect(surface, color, box, border_radius=max(2, size // 4))
        else:
            pygame.draw.rect(surface, color, box, width=max(2, size // 10), border_radius=max(2, size // 4))
        t.draw(
            surface,
            text,
            box.x + size * 0.4,
            t.baseline_in(box, size, True, "优先"),
            size,
            TEXT if filled else color,
            True,
        )
        top += tag_h + gap


# --- lines of short items: the windows without a number, the waiting counts ------------------------------
Item = tuple[tuple[str, Color], ...]  # pieces drawn one after the other, never split over two lines


def item_width(t: Typeface, item: Item, size: int) -> float:
    return float(sum(t.advance(text, size, True) for text, _ in item))


def flow(t: Typeface, items: Sequence[Item], width: float, size: int) -> list[list[Item]]:
    """Items in lines of `width`, an em between two on a line."""
    lines: list[list[Item]] = []
    used = 0.0
    for item in items:
        wide = item_width(t, item, size)
        if lines and used + size + wide <= width:
            lines[-1].append(item)
            used += size + wide
        else:
            lines.append([item])
            used = wide
    return lines


def flow_size(t: Typeface, items: Sequence[Item], width: float, height: float, lines: int) -> int:
    """The largest size at which `items` fill at most `lines` lines of `width` within `height`."""

    def fits(size: int) -> bool:
        laid = flow(t, items, width, size)
        return (
            len(laid) <= lines
            and all(item_width(t, i, size) <= width for i in items)
            and len(laid) * size * 1.3 <= height
        )

    return largest_size(fits, 6, max(6, int(height / 1.3)))


def draw_flow(surface: Any, t: Typeface, box: Any, items: Sequence[Item], size: int) -> None:
    lines = flow(t, items, box.width, size)
    line_h = size * 1.3
    top = box.centery - len(lines) * line_h / 2
    for line in lines:
        x = float(box.x)
        baseline = t.baseline_in(rect(box.x, top, box.width, line_h), size, True)
        for item in line:
            for text, color in item:
                t.draw(surface, text, x, baseline, size, color, bold=True)
                x += t.advance(text, size, True)
            x += size
        top += line_h

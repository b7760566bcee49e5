"""The TV page: the newest call across the top, the last calls and every window's number as number→window
pairs, the windows without a number, who waits, a notice.

Every pair (ticket number and window name) is at least 50 mm tall on a 55-inch TV, whatever the hall's size:
the last calls stay put, and every window's current number is shown a page at a time when the windows take
more rows than fit (26 windows: five rows, pages of five, turned every `page_s` seconds). Landscape puts the
two lists side by side, portrait (1080x1920) stacks them; whichever arrangement shows the more pairs at that
height wins, so a narrow screen or long window names stack them too. Type sizes are the largest that fit the
worst case the hall can produce (its longest prefix with four digits, its widest window name), so a day that
reaches A1000 never overflows, and the layout does not jump when it does.

Drawing is by regions (header, call, calls, windows, states, services, notice): each frame redraws only the
regions whose content changed and returns their rectangles, so an idle page costs next to nothing and the
notice line scrolls without repainting the screen.

Letter heights, measured on a 55-inch 1080p TV (0.634 mm pixels), are in docs/display.md; `type_heights()`
gives them for any size.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from onewindow.drivers.textfit import largest_size

from .board import (
    PITCH,
    Item,
    PairDrawn,
    PairRow,
    PairSizes,
    draw_flow,
    draw_pair,
    flow_size,
    least_letter,
    least_value,
    widest_value,
)
from .palette import (
    AWAY,
    BACKGROUND,
    CLOSED,
    DIM,
    FLASH,
    NOTICE_BG,
    NOTICE_TEXT,
    NUMBER,
    PANEL,
    PANEL_DARK,
    PAUSED,
    PRIORITY,
    TEXT,
)
from .settings import PageOptions
from .state import Call, Scene, WindowShown
from .texts import Words, call_lines, hours_text, window_numbers, words
from .typeface import Typeface, rect

__all__ = ["AWAY", "BACKGROUND", "FLASH", "PANEL", "Layout", "Page", "Typeface", "type_heights"]

# The words of the call sentence at this share of the numbers' size: their ink (号, 0.9 em) then stands about
# as tall as the digits (0.75 em), so both read from as far, while the numbers stay the widest strokes.
WORD_RATIO = 0.72
FLASH_PERIOD_S = 1.0  # one flash a second: far below the three a second that can trigger seizures
REGIONS = ("header", "call", "calls", "windows", "states", "services", "notice")
BAND_OVER_PAIRS = 1.25  # the newest call stays at least this much larger than the pairs below it


@dataclass
class Layout:
    """Where each region sits and the type sizes chosen for them."""

    size: tuple[int, int]
    portrait: bool
    regions: dict[str, Any]
    margin: int
    band_value: int = 0  # the newest call's number
    band_word: int = 0
    band_lines: int = 1
    band_tag: int = 0  # 再次呼叫 and 优先 in the band's top row
    arrangement: str = "side"  # side (two lists side by side), stack (one above the other), windows (no last calls)
    pair: PairSizes = field(default_factory=lambda: PairSizes.of(6))
    pair_target: int = 0  # the least letter height of a pair in pixels: 50 mm on a 55-inch TV
    call_slots: list[Any] = field(default_factory=list)  # the last calls' rows, newest first
    window_slots: list[Any] = field(default_factory=list)  # one page of every window's current number
    titles: dict[str, Any] = field(default_factory=dict)  # each list's title line
    title_size: int = 0
    number_room: float = 0.0  # the widest number's width at the pairs' size
    header_name: int = 0
    header_clock: int = 0
    notice_size: int = 0


# Shares of the screen's height: header, newest call, the line of windows without a number, the waiting
# counts, the notice; and how many lines each of the last two may take.
SHARES = {
    False: {"header": 0.052, "call": 0.2, "states": 0.042, "services": 0.042, "notice": 0.048, "lines": 1},
    True: {"header": 0.04, "call": 0.19, "states": 0.05, "services": 0.05, "notice": 0.028, "lines": 2},
}


class Page:
    """Draws scenes onto a surface of `size`; `draw()` returns the rectangles it changed."""

    def __init__(self, size: tuple[int, int], options: PageOptions | None = None):
        self.size = (int(size[0]), int(size[1]))
        self.options = options or PageOptions()
        self._typefaces: dict[str, Typeface] = {}
        self._layout: Layout | None = None
        self._layout_key: Any = None
        self._keys: dict[str, Any] = {}
        self._notice_surface: Any = None
        self._notice_key: Any = None
        self.overflows: set[str] = set()  # numbers drawn smaller than their region's size to fit them
        self.drawn: dict[str, list[PairDrawn]] = {"calls": [], "windows": []}  # the pairs on the surface now
        self._fresh = True  # the whole surface needs its background

    # --- the public side ----------------------------------------------------------------------
    def typeface(self, locale: str) -> Typeface:
        if locale not in self._typefaces:
            self._typefaces[locale] = Typeface(locale)
        return self._typefaces[locale]

    def layout(self, scene: Scene) -> Layout:
        key = (
            scene.locale,
            self._value_sample(scene),
            tuple(w.name for w in scene.windows),
            bool(self.notice_text(scene)),
        )
        if key != self._layout_key or self._layout is None:
            self._layout = self._make_layout(scene)
            self._layout_key = key
            self._keys.clear()
            self._fresh = True
        return self._layout

    def invalidate(self) -> None:
        """Draw everything at the next frame (a new screen surface, a window exposed again)."""
        self._keys.clear()
        self._fresh = True

    def draw(self, surface: Any, scene: Scene, now: float) -> list[Any]:
        """Bring `surface` up to `scene` at the display's monotonic time `now`; the changed rectangles."""
        layout = self.layout(scene)
        t = self.typeface(scene.locale)
        w = words(scene.locale)
        pages = self.window_pages(scene)
        page = self.page_at(now, len(pages))
        keys = {
            "header": self._header_key(scene, w),
            "call": self._call_key(scene, now),
            "calls": (tuple(self.call_rows(scene)), scene.loaded, scene.locale),
            "windows": (tuple(pages[page]) if pages else (), page, len(pages), scene.loaded, scene.locale),
            "states": (self._states_key(scene), scene.loaded, scene.locale),
            "services": (scene.services, scene.loaded, scene.locale),
            "notice": self._notice_key_at(layout, t, self.notice_text(scene), now),
        }
        away = scene.loaded and not scene.connected
        whole = self._keys.get("away") != away or self._fresh
        if whole:
            self._keys.clear()
            self._keys["away"] = away
            self._fresh = False
            self.overflows.clear()
            surface.fill(BACKGROUND)
        dirty = []
        for region, key in keys.items():
            if self._keys.get(region) == key:
                continue
            self._keys[region] = key
            box = layout.regions[region]
            if box.width <= 0 or box.height <= 0:
                continue
            getattr(self, f"_draw_{region}")(surface, box, layout, t, w, scene, now)
            dirty.append(box)
        if whole:
            dirty = [surface.get_rect()]
        if away and dirty:
            dirty += self._draw_away_frame(surface, layout)
        return dirty

    def render(self, scene: Scene, now: float = 0.0) -> Any:
        """A new surface with the whole page (snapshots, tests)."""
        import pygame

        surface = pygame.Surface(self.size)
        surface.fill(BACKGROUND)
        self.invalidate()
        self.draw(surface, scene, now)
        return surface

    def animating(self, scene: Scene, now: float) -> bool:
        """True while something moves by itself (a scrolling notice, a flashing call): frames are needed. The
        windows' pages turn every few seconds: the half-second clock tick of a still page draws them."""
        layout = self.layout(scene)
        scrolling = self._notice_scrolls(layout, self.typeface(scene.locale), self.notice_text(scene))
        return scrolling or self._flashing(scene, now) is not None

    def notice_text(self, scene: Scene) -> str:
        """The bottom line: the hall's hours today (and, while no ticket is issued, when that starts again),
        then the role file's notice."""
        parts = []
        if scene.hours is not None:
            parts.append(hours_text(scene.hours, datetime.fromtimestamp(scene.hall_now, _zone(scene)), scene.locale))
        if self.options.notice.strip():
            parts.append(self.options.notice.strip())
        return "    ".join(parts)

    # --- what the lists show --------------------------------------------------------------------
    def overdue(self, scene: Scene, window: WindowShown | None, number: str) -> bool:
        """Called at least `overdue_s` ago at `window`, and its citizen has not come (the clerk has not started)."""
        if window is None or window.state != "called" or window.ticket != number or window.called_at is None:
            return False
        return self.options.overdue_s > 0 and scene.hall_now - window.called_at >= self.options.overdue_s

    def call_rows(self, scene: Scene) -> list[PairRow]:
        """The last calls before the newest, newest first, as many as the page has rows for."""
        layout = self.layout(scene)
        w = words(scene.locale)
        rows = []
        for call in scene.calls[1 : 1 + len(layout.call_slots)]:
            window = scene.window(call.window)
            name = window.name if window is not None else w.window_name.format(call.window)
            called = window is not None and window.state == "called" and window.ticket == call.number
            rows.append(
                PairRow(call.number, call.window, name, called, call.priority, self.overdue(scene, window, call.number))
            )
        return rows

    def window_pages(self, scene: Scene) -> list[list[PairRow]]:
        """Every window with a ticket called or being served, in the hall's order, a page of rows at a time."""
        per = max(1, len(self.layout(scene).window_slots))
        rows = [
            PairRow(w.ticket, w.number, w.name, w.state == "called", w.priority, self.overdue(scene, w, w.ticket))
            for w in scene.windows
            if w.state in ("called", "serving") and w.ticket
        ]
        return [rows[i : i + per] for i in range(0, len(rows), per)]

    def page_at(self, now: float, count: int) -> int:
        """The page of the windows' list shown at the display's monotonic time `now`."""
        return int(now // self.options.page_s) % count if count > 1 else 0

    def pairs(self) -> list[PairDrawn]:
        """The pairs now on the surface, where they were drawn."""
        return [*self.drawn["calls"], *self.drawn["windows"]]

    # --- layout -------------------------------------------------------------------------------
    def _value_sample(self, scene: Scene) -> tuple[str, int]:
        """The widest ticket number and window number this hall can show: prefix + 4 digits (up to A9999)."""
        prefixes = [s.prefix for s in scene.services if s.prefix] or ["A"]
        widest = max(prefixes, key=len)
        highest = max((w.number for w in scene.windows), default=26)
        return widest + "0000", highest

    def _make_layout(self, scene: Scene) -> Layout:
        W, H = self.size
        portrait = H > W * 1.1
        share = SHARES[portrait]
        t = self.typeface(scene.locale)
        m = max(4, round(min(W, H) * 0.008))
        header_h = round(H * share["header"])
        notice_h = round(H * share["notice"]) if self.notice_text(scene) else 0
        services = rect(m, H - notice_h - m - H * share["services"], W - 2 * m, H * share["services"])
        states = rect(m, services.top - H * share["states"], W - 2 * m, H * share["states"])
        band = rect(m, header_h + m, W - 2 * m, H * share["call"])
        board = rect(m, band.bottom + m, W - 2 * m, states.top - m - band.bottom - m)
        layout = Layout(
            size=(W, H),
            portrait=portrait,
            margin=m,
            regions={
                "header": rect(0, 0, W, header_h),
                "call": band,
                "states": states,
                "services": services,
                "notice": rect(0, H - notice_h, W, notice_h),
            },
        )
        self._layout_band(layout, t, scene)
        self._layout_board(layout, t, scene, board)
        header = layout.regions["header"]
        layout.header_name = t.fit(scene.hall_name or "onewindow", W * 0.5, header.height * 0.62, bold=True)
        clock_sample = words(scene.locale).date_text(datetime(2026, 12, 30)) + "  00:00"
        layout.header_clock = t.fit(clock_sample, W * 0.38, header.height * 0.62)
        notice = layout.regions["notice"]
        layout.notice_size = t.fit("通知Ag", W, notice.height * 0.62) if notice.height else 0
        return layout

    def _band_lines(self, scene: Scene, number: str, window: int, lines: int) -> list[list[tuple[str, bool]]]:
        return call_lines(scene.locale, number, window, lines)

    def _line_width(self, t: Typeface, parts: Sequence[tuple[str, bool]], value: int, word: int) -> float:
        gap = self._gap(t, value)
        return sum(t.advance(text, value if v else word, bold=True) for text, v in parts) + gap * (len(parts) - 1)

    def _gap(self, t: Typeface, value: int) -> float:
        return value * (0.18 if t.locale == "en" else 0.07)

    def _layout_band(self, layout: Layout, t: Typeface, scene: Scene) -> None:
        """The newest call, on one line or two, under a row for 再次呼叫 and 优先."""
        band = layout.regions["call"]
        m = layout.margin
        layout.band_tag = round(band.height * (0.11 if layout.portrait else 0.14))
        inner_w, inner_h = band.width - 4 * m, band.height - layout.band_tag - 3 * m
        number, window = self._value_sample(scene)
        best = (0, 1)
        for lines in (1, 2):
            value = self._band_fit(t, self._band_lines(scene, number, window, lines), inner_w, inner_h)
            if value > best[0]:
                best = (value, lines)
        layout.band_value, layout.band_lines = best
        layout.band_word = max(6, round(best[0] * WORD_RATIO))

    def _band_fit(self, t: Typeface, lines: list[list[tuple[str, bool]]], width: float, height: float) -> int:

        def fits(value: int) -> bool:
            word = max(6, round(value * WORD_RATIO))
            wide = max(self._line_width(t, parts, value, word) for parts in lines)
            tall = len(lines) * self._line_height(t, value, word) + (len(lines) - 1) * value * 0.18
            return wide <= width and tall <= height

        return largest_size(fits, 6, int(height * 1.5))  # ink is about 0.8 of the size: larger sizes can fit

    def _line_height(self, t: Typeface, value: int, word: int) -> float:
        top = max(t.ink("0", value, True).y, t.ink("号", word, True).y)
        below = max(0, t.ink("号", word, True).height - t.ink("号", word, True).y)
        return float(top + below)

    def _layout_board(self, layout: Layout, t: Typeface, scene: Scene, box: Any) -> None:
        """The last calls and every window's number as rows of pairs, each at least 50 mm tall on a 55-inch
        TV: the arrangement that shows the most pairs at that height wins, then the one with the largest."""
        w = words(scene.locale)
        n = max(1, len(scene.windows))
        recent = min(self.options.calls_shown, n)  # more calls than windows would list finished tickets
        number, _ = self._value_sample(scene)
        names = [x.name for x in scene.windows] or [w.window_name.format(26)]
        layout.pair_target = least_letter(min(self.size))
        smallest = least_value(t, layout.pair_target)
        title_h = round(min(self.size) * 0.034)
        most = max(smallest, int(layout.band_value / BAND_OVER_PAIRS))
        best: tuple[Any, ...] | None = None
        plans = [("side", 2), ("stack", 1)] if recent else [("windows", 2), ("windows", 1)]
        for arrangement, cols in plans:
            col_w = (box.width - (cols - 1) * layout.margin) / cols
            rows_h = box.height - (2 if arrangement == "stack" else 1) * title_h
            fit = max(0, int(rows_h // (smallest * PITCH)))
            if arrangement == "side":
                tall = min(fit, max(recent, n))
                call_rows, window_rows = min(recent, tall), min(n, tall)
            elif arrangement == "stack":
                call_rows = min(recent, max(1, fit // 2))
                window_rows = min(n, fit - call_rows)
                tall = call_rows + window_rows
            else:
                tall = min(fit, math.ceil(n / cols))
                call_rows, window_rows = 0, min(n, tall * cols)
            value = min(widest_value(t, w, number, names, col_w, most), int(rows_h / (max(1, tall) * PITCH)))
            valid = value >= smallest and window_rows > 0
            # at 50 mm: the most pairs, then the largest; short of it (names too wide): the largest
            score = (valid, call_rows + window_rows if valid else 0, value)
            if best is None or score > best[0]:
                best = (score, arrangement, cols, col_w, call_rows, window_rows, value)
        assert best is not None
        _, arrangement, cols, col_w, call_rows, window_rows, value = best
        layout.arrangement = arrangement
        layout.pair = PairSizes.of(value)
        layout.number_room = t.advance(number, value, True)
        pitch = value * PITCH
        gap = max(2, layout.margin // 2)

        def rows_in(x: float, top: float, width: float, count: int) -> list[Any]:
            return [rect(x, top + i * pitch, width, pitch - gap) for i in range(count)]

        if arrangement == "side":
            calls = rect(box.x, box.y, col_w, box.height)
            windows = rect(box.right - col_w, box.y, col_w, box.height)
            layout.call_slots = rows_in(calls.x, calls.y + title_h, col_w, call_rows)
            layout.window_slots = rows_in(windows.x, windows.y + title_h, col_w, window_rows)
        elif arrangement == "stack":
            calls = rect(box.x, box.y, box.width, title_h + call_rows * pitch)
            windows = rect(box.x, calls.bottom, box.width, box.bottom - calls.bottom)
            layout.call_slots = rows_in(box.x, calls.y + title_h, box.width, call_rows)
            layout.window_slots = rows_in(box.x, windows.y + title_h, box.width, window_rows)
        else:
            calls = rect(box.x, box.y, 0, 0)
            windows = box
            per_col = math.ceil(window_rows / cols)
            layout.window_slots = [
                slot
                for c in range(cols)
                for slot in rows_in(box.x + c * (col_w + layout.margin), box.y + title_h, col_w, per_col)
            ][:window_rows]
        layout.regions["calls"], layout.regions["windows"] = calls, windows
        layout.titles = {name: rect(r.x, r.y, r.width, title_h) for name, r in (("calls", calls), ("windows", windows))}
        title_sample = max((w.last_calls, w.windows_title + " 00/00"), key=lambda s: t.advance(s, 100))
        layout.title_size = t.fit(title_sample, col_w, title_h * 0.72)

    # --- region keys ----------------------------------------------------------------------------
    def _clock_texts(self, scene: Scene, w: Words) -> tuple[str, str]:
        when = datetime.fromtimestamp(scene.hall_now, _zone(scene))
        return w.date_text(when), when.strftime("%H:%M")

    def _header_key(self, scene: Scene, w: Words) -> Any:
        away = None
        if scene.loaded and not scene.connected and scene.away_since is not None:
            away = self._clock_at(scene, scene.away_since)
        return (scene.hall_name, self._clock_texts(scene, w), scene.loaded and not scene.connected, away)

    def _clock_at(self, scene: Scene, at: float) -> str:
        return datetime.fromtimestamp(at, _zone(scene)).strftime("%H:%M")

    def _flashing(self, scene: Scene, now: float) -> Call | None:
        """The newest call while it flashes: learned of live, less than flash_s ago."""
        if not scene.calls:
            return None
        call = scene.calls[0]
        if call.seen is None or not call.fresh or now - call.seen >= self.options.flash_s:
            return None
        return call

    def _call_key(self, scene: Scene, now: float) -> Any:
        call = scene.calls[0] if scene.calls else None
        flashing = self._flashing(scene, now)
        phase = None
        if flashing is not None and flashing.seen is not None:
            phase = int((now - flashing.seen) / (FLASH_PERIOD_S / 2)) % 2 == 0
        return (call and (call.kind, call.number, call.window, call.seen), phase, scene.loaded, scene.locale)

    def _notice_scrolls(self, layout: Layout, t: Typeface, text: str) -> bool:
        box = layout.regions["notice"]
        if not box.height:
            return False
        return t.advance(text, layout.notice_size) > box.width - 4 * layout.margin

    def _notice_speed(self, layout: Layout) -> float:
        return self.options.notice_speed * layout.notice_size  # pixels a second

    def _notice_key_at(self, layout: Layout, t: Typeface, text: str, now: float) -> Any:
        if not layout.regions["notice"].height:
            return None
        if not self._notice_scrolls(layout, t, text):
            return ("still", text, t.locale)
        loop = t.advance(text, layout.notice_size) + layout.regions["notice"].width * 0.3
        return ("at", text, int(now * self._notice_speed(layout) % loop), t.locale)

    def _states_key(self, scene: Scene) -> tuple[tuple[str, tuple[int, ...]], ...]:
        """The windows without a ticket, by what they show: 暂停服务 (paused, or nobody signed in), 未开放
        (closed for the day), 空闲 (staffed and free)."""
        groups: dict[str, list[int]] = {"paused": [], "closed": [], "idle": []}
        for window in scene.windows:
            if window.state in ("paused", "unstaffed"):
                groups["paused"].append(window.number)
            elif window.state in ("closed", "idle"):
                groups[window.state].append(window.number)
        return tuple((state, tuple(numbers)) for state, numbers in groups.items() if numbers)

    # --- regions ------------------------------------------------------------------------------
    def _draw_header(self, surface: Any, box: Any, layout: Layout, t: Typeface, w: Words, scene: Scene, now: float):
        import pygame

        away = scene.loaded and not scene.connected
        surface.fill(AWAY if away else PANEL_DARK, box)
        m = layout.margin * 2
        baseline = t.baseline_in(box, layout.header_name, True)
        t.draw(surface, scene.hall_name or "onewindow", box.x + m, baseline, layout.header_name, TEXT, bold=True)
        date, clock = self._clock_texts(scene, w)
        size = layout.header_clock
        clock_w = t.advance(clock, size, True)
        right = box.right - m
        t.draw(surface, clock, right - clock_w, baseline, size, TEXT, bold=True)
        if away:
            since = self._clock_at(scene, scene.away_since) if scene.away_since is not None else "—"
            text = w.away.format(since)
            left = box.x + m + t.advance(scene.hall_name, layout.header_name, True) + m
            space = right - clock_w - m - left
            fitted = min(size, t.fit(text, space, box.height * 0.5, bold=True))
            t.draw(surface, text, right - clock_w - m - t.advance(text, fitted, True), baseline, fitted, TEXT, True)
        else:
            t.draw(surface, date, right - clock_w - size - t.advance(date, size), baseline, size, DIM)
        pygame.draw.line(surface, NUMBER if not away else TEXT, box.bottomleft, box.bottomright, max(1, m // 6))

    def _draw_call(self, surface: Any, box: Any, layout: Layout, t: Typeface, w: Words, scene: Scene, now: float):
        import pygame

        surface.fill(BACKGROUND, box)
        flashing = self._flashing(scene, now)
        lit = flashing is not None and int((now - (flashing.seen or 0)) / (FLASH_PERIOD_S / 2)) % 2 == 0
        radius = layout.margin
        pygame.draw.rect(surface, FLASH if lit else PANEL, box, border_radius=radius)
        if flashing is not None:
            pygame.draw.rect(surface, NUMBER, box, width=max(2, layout.margin // 3), border_radius=radius)
        if not scene.loaded or not scene.calls:
            text = w.connecting if not scene.loaded else w.welcome
            size = t.fit(text, box.width * 0.8, box.height * 0.3, bold=True)
            x = box.centerx - t.advance(text, size, True) / 2
            t.draw(surface, text, x, t.baseline_in(box, size, True), size, DIM, bold=True)
            return
        call = scene.calls[0]
        self._draw_band_tags(surface, box, layout, t, w, call)
        lines = self._band_lines(scene, call.number, call.window, layout.band_lines)
        value, word = layout.band_value, layout.band_word
        inner_w = box.width - 4 * layout.margin
        widest = max(self._line_width(t, parts, value, word) for parts in lines)
        if widest > inner_w:  # a number longer than the hall's worst case (five digits): shrink this call only
            scale = inner_w / widest
            value, word = max(6, int(value * scale)), max(6, int(word * scale))
            self.overflows.add(call.number)
        line_h = self._line_height(t, value, word)
        block = len(lines) * line_h + (len(lines) - 1) * value * 0.18
        top = box.centery + (layout.band_tag + layout.margin) / 2 - block / 2  # centred below the tags' row
        ascent = max(t.ink("0", value, True).y, t.ink("号", word, True).y)
        gap = self._gap(t, value)
        for i, parts in enumerate(lines):
            baseline = top + ascent + i * (line_h + value * 0.18)
            x = box.centerx - self._line_width(t, parts, value, word) / 2
            for text, is_value in parts:
                size = value if is_value else word
                t.draw(surface, text, x, baseline, size, NUMBER if is_value else TEXT, bold=True)
                x += t.advance(text, size, True) + gap

    def _draw_band_tags(self, surface: Any, box: Any, layout: Layout, t: Typeface, w: Words, call: Call) -> None:
        """再次呼叫 at the left of the band's top row, 优先 (white on green) at its right."""
        import pygame

        size, m = layout.band_tag, layout.margin
        middle = box.y + m + size * 0.6
        if call.kind == "recall":
            ink = t.ink(w.recall, size, True)
            t.draw(surface, w.recall, box.x + 2 * m, middle + ink.y - ink.height / 2, size, TEXT, bold=True)
        if call.priority:
            badge_w, badge_h = t.advance(w.priority, size, True) + size * 0.8, size * 1.3
            badge = rect(box.right - 2 * m - badge_w, middle - badge_h / 2, badge_w, badge_h)
            pygame.draw.rect(surface, PRIORITY, badge, border_radius=max(2, size // 4))
            t.draw(
                surface, w.priority, badge.x + size * 0.4, t.baseline_in(badge, size, True, "优先"), size, TEXT, True
            )

    def _draw_pairs(
        self, surface: Any, box: Any, layout: Layout, t: Typeface, w: Words, block: str, title: str, rows: list[PairRow]
    ) -> None:
        surface.fill(BACKGROUND, box)
        slots = layout.call_slots if block == "calls" else layout.window_slots
        title_box = layout.titles[block]
        t.draw(surface, title, title_box.x, t.baseline_in(title_box, layout.title_size), layout.title_size, DIM)
        drawn = []
        for slot, row in zip(slots, rows, strict=False):
            number_box, name_parts, shrunk = draw_pair(surface, t, w, slot, row, layout.pair, layout.number_room)
            if shrunk:
                self.overflows.add(row.number)
            drawn.append(PairDrawn(block, row, slot, number_box, name_parts))
        self.drawn[block] = drawn

    def _draw_calls(self, surface: Any, box: Any, layout: Layout, t: Typeface, w: Words, scene: Scene, now: float):
        self._draw_pairs(surface, box, layout, t, w, "calls", w.last_calls, self.call_rows(scene))

    def _draw_windows(self, surface: Any, box: Any, layout: Layout, t: Typeface, w: Words, scene: Scene, now: float):
        pages = self.window_pages(scene)
        page = self.page_at(now, len(pages))
        title = w.windows_title + (f"  {page + 1}/{len(pages)}" if len(pages) > 1 else "")
        self._draw_pairs(surface, box, layout, t, w, "windows", title, pages[page] if pages else [])

    def _draw_lines(self, surface: Any, box: Any, layout: Layout, t: Typeface, items: list[Item]) -> None:
        surface.fill(BACKGROUND, box)
        if items:
            size = line_size(layout, t, items, box)
            draw_flow(
                surface, t, rect(box.x + layout.margin, box.y, box.width - 2 * layout.margin, box.height), items, size
            )

    def _draw_states(self, surface: Any, box: Any, layout: Layout, t: Typeface, w: Words, scene: Scene, now: float):
        word = {"paused": (w.paused_value, PAUSED), "closed": (w.closed_value, CLOSED), "idle": (w.state["idle"], DIM)}
        items: list[Item] = []
        for state, numbers in self._states_key(scene):
            text, color = word[state]
            items.append(((text + " ", color), (window_numbers(list(numbers), scene.locale), TEXT)))
        self._draw_lines(surface, box, layout, t, items)

    def _draw_services(self, surface: Any, box: Any, layout: Layout, t: Typeface, w: Words, scene: Scene, now: float):
        items: list[Item] = [((w.waiting, DIM),)]
        for s in scene.services:
            if s.available or s.waiting:
                items.append(((s.name + " ", TEXT), (w.people.format(s.waiting), NUMBER)))
            else:
                items.append(((s.name + " ", TEXT), (w.unavailable, CLOSED)))
        self._draw_lines(surface, box, layout, t, items if scene.services else [])

    def _draw_notice(self, surface: Any, box: Any, layout: Layout, t: Typeface, w: Words, scene: Scene, now: float):
        import pygame

        surface.fill(NOTICE_BG, box)
        text, size = self.notice_text(scene), layout.notice_size
        baseline = t.baseline_in(box, size)
        if not self._notice_scrolls(layout, t, text):
            t.draw(surface, text, box.centerx - t.advance(text, size) / 2, baseline, size, NOTICE_TEXT)
            return
        key = (text, size, t.locale)
        if self._notice_key != key:
            strip = pygame.Surface((t.advance(text, size) + 4, box.height))
            strip.fill(NOTICE_BG)
            t.draw(strip, text, 0, baseline - box.y, size, NOTICE_TEXT)
            self._notice_surface, self._notice_key = strip, key
        text_w = t.advance(text, size)
        loop = text_w + box.width * 0.3
        start = box.right - now * self._notice_speed(layout) % loop
        clip = surface.get_clip()
        surface.set_clip(box)
        for x in (start - loop, start):  # the copy leaving on the left and the one coming in from the right
            if x < box.right and x + text_w > box.x:
                surface.blit(self._notice_surface, (round(x), box.y))
        surface.set_clip(clip)

    def _draw_away_frame(self, surface: Any, layout: Layout) -> list[Any]:
        """A red frame round the page while the core is away; its four sides as rectangles."""
        width, height = surface.get_size()
        band = max(3, layout.margin // 2)
        sides = [rect(0, 0, width, band), rect(0, height - band, width, band)]
        sides += [rect(0, 0, band, height), rect(width - band, 0, band, height)]
        for side in sides:
            surface.fill(AWAY, side)
        return sides


def line_size(layout: Layout, t: Typeface, items: list[Item], box: Any) -> int:
    """The size of the lines below the pairs (windows without a number, who waits): the largest that fits their
    region, but at most half the pairs' so that they never outshout a number to go to."""
    lines = int(SHARES[layout.portrait]["lines"])
    return min(layout.pair.word // 2, flow_size(t, items, box.width - 2 * layout.margin, box.height, lines))


def _zone(scene: Scene) -> Any:
    from zoneinfo import ZoneInfo

    try:
        return ZoneInfo(scene.timezone)
    except Exception:
        return ZoneInfo("UTC")


@dataclass(frozen=True)
class TypeHeight:
    """One kind of text on the page: its letter height in pixels."""

    what: str
    sample: str
    pixels: int

    def millimetres(self, pixel_mm: float) -> float:
        return self.pixels * pixel_mm


def type_heights(page: Page, scene: Scene) -> list[TypeHeight]:
    """The ink height of each kind of text at the page's size: the cap height (H, 1, 4, 7: flat top and
    bottom) for numbers and Latin letters, the character's ink for Chinese (号; 口 for the pairs' names, the
    shortest)."""
    layout = page.layout(scene)
    t = page.typeface(scene.locale)
    caps = "H147"

    def height(text: str, size: int, bold: bool = True) -> int:
        return int(t.ink(text, size, bold).height)

    pair = layout.pair
    line = line_size(layout, t, [(("暂停服务 15-18、20号窗口", TEXT),)], layout.regions["states"])
    return [
        TypeHeight("newest call: ticket and window number", caps, height(caps, layout.band_value)),
        TypeHeight("newest call: words (请, 号到, 号窗口)", "号", height("号", layout.band_word)),
        TypeHeight("pair: ticket number", caps, height(caps, pair.value)),
        TypeHeight("pair: window name, digits", caps, height(caps, pair.value)),
        TypeHeight("pair: window name, characters", "口", height("口", pair.word)),
        TypeHeight("pair: 优先 and 请尽快 tags", "号", height("号", pair.tag)),
        TypeHeight("list titles", "号", height("号", layout.title_size, False)),
        TypeHeight("windows without a number (one short line)", "号", height("号", line)),
        TypeHeight("hall name", "号", height("号", layout.header_name)),
        TypeHeight("clock", caps, height(caps, layout.header_clock)),
        TypeHeight("scrolling notice", "号", height("号", layout.notice_size, False)),
    ]

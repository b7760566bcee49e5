"""The TV page: the newest call across the top, every window's number, the last calls, who waits, a notice.

The page is laid out for any size from the screen's own proportions: landscape (1280x720, 1920x1080,
3840x2160) puts the last calls and the waiting counts in a column beside the windows; portrait (1080x1920)
stacks them. Type sizes are not fixed numbers but the largest that fit the worst case the hall can produce
(the longest prefix with four digits, the highest window number), so a day that reaches A1000 never
overflows, and the layout does not jump when it does.

Drawing is by regions (header, call, calls, windows, services, notice): each frame redraws only the regions
whose content changed and returns their rectangles, so an idle page costs next to nothing and the notice
line scrolls without repainting the screen.

Type heights, measured on a 55-inch 1080p TV (0.634 mm pixels), are in docs/display.md; `type_heights()`
gives them for any size.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from onewindow.drivers.fonts import face
from onewindow.drivers.textfit import largest_size

from .settings import PageOptions
from .state import Call, Scene, WindowShown
from .texts import Words, call_lines, hours_text, words

Color = tuple[int, int, int]
BACKGROUND: Color = (8, 28, 58)
PANEL: Color = (17, 45, 88)
PANEL_DARK: Color = (11, 34, 68)
TEXT: Color = (242, 245, 250)
DIM: Color = (150, 170, 200)
NUMBER: Color = (255, 209, 102)  # gold on navy: contrast about 9.6:1
FLASH: Color = (178, 34, 42)
PAUSED: Color = (255, 145, 77)
CLOSED: Color = (112, 126, 150)
AWAY: Color = (196, 36, 36)
NOTICE_BG: Color = (4, 18, 40)
NOTICE_TEXT: Color = (255, 232, 170)

# The words of the call sentence at this share of the numbers' size: their ink (号, 0.9 em) then stands about
# as tall as the digits (0.75 em), so both read from as far, while the numbers stay the widest strokes.
WORD_RATIO = 0.72
FLASH_PERIOD_S = 1.0  # one flash a second: far below the three a second that can trigger seizures
REGIONS = ("header", "call", "calls", "services", "windows", "notice")


def rect(x: float, y: float, w: float, h: float) -> Any:
    import pygame

    return pygame.Rect(round(x), round(y), max(0, round(w)), max(0, round(h)))


class Typeface:
    """The hall locale's CJK face, regular and bold, through pygame.freetype (never pygame.font, which takes
    the Japanese face of Noto CJK). Sizes are pixels; every measure is cached."""

    def __init__(self, locale: str):
        import pygame.freetype

        pygame.freetype.init()
        self.locale = locale
        self._fonts = {}
        for bold in (False, True):
            found = face(locale, bold)
            font = pygame.freetype.Font(str(found.path), 32, font_index=found.index)
            font.origin = True  # draw at the pen position on the baseline
            font.pad = False
            font.strong = found.stroke_for_bold
            self._fonts[bold] = font
        self._ink: dict[tuple[str, int, bool], Any] = {}
        self._advance: dict[tuple[str, int, bool], int] = {}

    def ink(self, text: str, size: int, bold: bool = False) -> Any:
        """The text's ink box: x = left bearing, y = height above the baseline, width, height."""
        key = (text, size, bold)
        found = self._ink.get(key)
        if found is None:
            if len(self._ink) > 4096:
                self._ink.clear()
            found = self._ink[key] = self._fonts[bold].get_rect(text, size=size)
        return found

    def advance(self, text: str, size: int, bold: bool = False) -> int:
        """How far the pen moves: the width the text takes in a line."""
        key = (text, size, bold)
        found = self._advance.get(key)
        if found is None:
            if len(self._advance) > 4096:
                self._advance.clear()
            metrics = self._fonts[bold].get_metrics(text, size=size)
            found = round(sum(m[4] for m in metrics if m)) if text else 0
            found = max(found, self.ink(text, size, bold).right) if text else 0
            self._advance[key] = found
        return found

    def fit(self, text: str, width: float, height: float, bold: bool = False, most: int = 2000) -> int:
        """The largest size at which `text` fits `width` (advance) and `height` (ink), at least 6."""

        def fits(size: int) -> bool:
            return self.advance(text, size, bold) <= width and self.ink(text, size, bold).height <= height

        # ink is at least about 1/1.6 of the size tall: no larger size can fit the height
        return largest_size(fits, 6, max(6, min(most, int(height * 1.6) + 1)))

    def draw(self, surface: Any, text: str, x: float, baseline: float, size: int, color: Color, bold: bool = False):
        if text:
            self._fonts[bold].render_to(surface, (round(x), round(baseline)), text, color, size=size)

    def baseline_in(self, box: Any, size: int, bold: bool = False, sample: str = "A0号") -> float:
        """The baseline that centres a line of this size in `box`, the same for every text of the size."""
        ink = self.ink(sample, size, bold)
        return float(box.centery + ink.y - ink.height / 2)


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
    band_tag: int = 0
    grid_cols: int = 1
    grid_rows: int = 1
    tiles: list[Any] = field(default_factory=list)
    tile_value: int = 0
    tile_label: int = 0
    list_cols: dict[str, int] = field(default_factory=dict)
    list_rows: dict[str, int] = field(default_factory=dict)
    list_size: dict[str, int] = field(default_factory=dict)
    list_title: dict[str, int] = field(default_factory=dict)
    header_name: int = 0
    header_clock: int = 0
    notice_size: int = 0


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
            len(scene.services),
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
        keys = {
            "header": self._header_key(scene, w),
            "call": self._call_key(scene, now),
            "calls": (tuple((c.number, c.window) for c in self._listed_calls(scene)), scene.loaded, scene.locale),
            "services": (scene.services, scene.loaded, scene.locale),
            "windows": (scene.windows, scene.loaded, scene.locale),
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
        """True while something moves by itself (a scrolling notice, a flashing call): frames are needed."""
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
        t = self.typeface(scene.locale)
        m = max(4, round(min(W, H) * 0.011))
        has_notice = bool(self.notice_text(scene))
        if portrait:
            header_h = round(H * 0.055)
            notice_h = round(H * 0.04) if has_notice else 0
            band_h = round(H * 0.27)
            calls_h = round(H * 0.12) if self.options.calls_shown else 0
            services_h = round(H * 0.1)
            y = header_h + m
            band = rect(m, y, W - 2 * m, band_h)
            y = band.bottom + m
            calls = rect(m, y, W - 2 * m, calls_h)
            y = calls.bottom + (m if calls_h else 0)
            services = rect(m, H - notice_h - m - services_h, W - 2 * m, services_h)
            windows = rect(m, y, W - 2 * m, services.top - m - y)
        else:
            header_h = round(H * 0.085)
            notice_h = round(H * 0.065) if has_notice else 0
            band_h = round(H * 0.27)
            band = rect(m, header_h + m, W - 2 * m, band_h)
            top, bottom = band.bottom + m, H - notice_h - m
            side_w = round(W * 0.25)
            side_x = W - m - side_w
            if self.options.calls_shown:
                # each list gets the height of its rows, plus its title
                share = (self.options.calls_shown + 1.5) / (self.options.calls_shown + len(scene.services) + 3)
                calls_h = round((bottom - top - m) * share)
                calls = rect(side_x, top, side_w, calls_h)
                services = rect(side_x, calls.bottom + m, side_w, bottom - calls.bottom - m)
            else:
                calls = rect(side_x, top, side_w, 0)
                services = rect(side_x, top, side_w, bottom - top)
            windows = rect(m, top, side_x - 2 * m, bottom - top)
        layout = Layout(
            size=(W, H),
            portrait=portrait,
            margin=m,
            regions={
                "header": rect(0, 0, W, header_h),
                "call": band,
                "calls": calls,
                "services": services,
                "windows": windows,
                "notice": rect(0, H - notice_h, W, notice_h),
            },
        )
        self._layout_band(layout, t, scene)
        self._layout_grid(layout, t, scene)
        self._layout_lists(layout, t, scene)
        header = layout.regions["header"]
        layout.header_name = t.fit(scene.hall_name or "onewindow", W * 0.5, header.height * 0.5, bold=True)
        clock_sample = words(scene.locale).date_text(datetime(2026, 12, 30)) + "  00:00"
        layout.header_clock = t.fit(clock_sample, W * 0.38, header.height * 0.5)
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
        band = layout.regions["call"]
        tag = round(band.height * 0.11)
        layout.band_tag = tag
        inner_w = band.width - 2 * layout.margin * 2
        inner_h = band.height - 2 * (tag + layout.margin)
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

        return largest_size(fits, 6, int(height))

    def _line_height(self, t: Typeface, value: int, word: int) -> float:
        top = max(t.ink("0", value, True).y, t.ink("号", word, True).y)
        below = max(0, t.ink("号", word, True).height - t.ink("号", word, True).y)
        return float(top + below)

    def _layout_grid(self, layout: Layout, t: Typeface, scene: Scene) -> None:
        box = layout.regions["windows"]
        n = max(1, len(scene.windows))
        gap = max(3, layout.margin * 0.6)
        sample, _ = self._value_sample(scene)
        names = [w.name for w in scene.windows] or ["26号窗口"]
        longest_name = max(names, key=lambda s: t.advance(s, 100))
        best: tuple[float, int, int] = (-1, 1, 1)
        for cols in range(1, n + 1):
            rows = math.ceil(n / cols)
            tile_w = (box.width - (cols - 1) * gap) / cols
            tile_h = (box.height - (rows - 1) * gap) / rows
            if tile_w <= 0 or tile_h <= 0:
                continue
            pad = tile_w * 0.06
            value = t.fit(sample, tile_w - 2 * pad, tile_h * 0.56, bold=True)
            # a little weight on the label too, so that tiles do not become slivers
            label = t.fit(longest_name, tile_w * 0.6 - pad, tile_h * 0.2)
            score = value + 0.25 * label
            if score > best[0]:
                best = (score, cols, rows)
        _, cols, rows = best
        tile_w = (box.width - (cols - 1) * gap) / cols
        tile_h = (box.height - (rows - 1) * gap) / rows
        pad = tile_w * 0.06
        layout.grid_cols, layout.grid_rows = cols, rows
        layout.tile_value = t.fit(sample, tile_w - 2 * pad, tile_h * 0.56, bold=True)
        layout.tile_label = t.fit(longest_name, tile_w * 0.6 - pad, tile_h * 0.2)
        layout.tiles = [
            rect(box.x + (i % cols) * (tile_w + gap), box.y + (i // cols) * (tile_h + gap), tile_w, tile_h)
            for i in range(n)
        ]

    def _layout_lists(self, layout: Layout, t: Typeface, scene: Scene) -> None:
        w = words(scene.locale)
        number, _ = self._value_sample(scene)
        names = [x.name for x in scene.windows] or ["26号窗口"]
        longest_name = max(names, key=lambda s: t.advance(s, 100))
        services = [s.name for s in scene.services] or ["通办业务"]
        longest_service = max(services, key=lambda s: t.advance(s, 100))
        entries = {
            "calls": (max(1, self.options.calls_shown), number + "  " + longest_name, 3),
            "services": (max(1, len(scene.services)), longest_service + "  " + w.unavailable, 2),
        }
        for region, (count, sample, portrait_cols) in entries.items():
            box = layout.regions[region]
            cols = portrait_cols if layout.portrait else 1
            cols = min(cols, count)
            rows = math.ceil(count / cols)
            title = round(min(box.height * 0.14, box.height / (rows + 1.5) * 0.62)) if box.height else 0
            layout.list_title[region] = max(6, t.fit(w.last_calls + w.waiting, box.width, title))
            row_h = (box.height - title * 1.6 - layout.margin) / rows if box.height else 0
            cell_w = box.width / cols - 2 * layout.margin
            layout.list_cols[region], layout.list_rows[region] = cols, rows
            layout.list_size[region] = t.fit(sample, cell_w, row_h * 0.62, bold=True) if row_h > 0 else 6

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

    def _listed_calls(self, scene: Scene) -> tuple[Call, ...]:
        return scene.calls[1 : 1 + self.options.calls_shown]

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
        if call.kind == "recall":
            tag = layout.band_tag
            t.draw(surface, w.recall, box.x + layout.margin * 2, box.y + layout.margin + tag, tag, TEXT, bold=True)
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
        top = box.centery - block / 2
        ascent = max(t.ink("0", value, True).y, t.ink("号", word, True).y)
        gap = self._gap(t, value)
        for i, parts in enumerate(lines):
            baseline = top + ascent + i * (line_h + value * 0.18)
            x = box.centerx - self._line_width(t, parts, value, word) / 2
            for text, is_value in parts:
                size = value if is_value else word
                t.draw(surface, text, x, baseline, size, NUMBER if is_value else TEXT, bold=True)
                x += t.advance(text, size, True) + gap

    def _draw_windows(self, surface: Any, box: Any, layout: Layout, t: Typeface, w: Words, scene: Scene, now: float):
        surface.fill(BACKGROUND, box)
        for tile, window in zip(layout.tiles, scene.windows, strict=False):
            self._draw_tile(surface, tile, layout, t, w, window)

    def _draw_tile(self, surface: Any, tile: Any, layout: Layout, t: Typeface, w: Words, window: WindowShown):
        import pygame

        state = window.state
        radius = max(2, layout.margin // 2)
        pygame.draw.rect(surface, PANEL_DARK if state in ("closed", "unstaffed") else PANEL, tile, border_radius=radius)
        if state == "called":
            pygame.draw.rect(surface, NUMBER, tile, width=max(2, layout.margin // 4), border_radius=radius)
        pad = tile.width * 0.06
        label_box = rect(tile.x + pad, tile.y + tile.height * 0.04, tile.width - 2 * pad, tile.height * 0.26)
        label = layout.tile_label
        baseline = t.baseline_in(label_box, label)
        t.draw(surface, window.name, label_box.x, baseline, label, DIM)
        state_word = w.state[state]
        state_color = {"called": NUMBER, "paused": PAUSED, "closed": CLOSED, "unstaffed": CLOSED}.get(state, DIM)
        small = max(6, round(label * 0.8))
        t.draw(surface, state_word, label_box.right - t.advance(state_word, small), baseline, small, state_color)
        value_box = rect(tile.x + pad, label_box.bottom, tile.width - 2 * pad, tile.bottom - label_box.bottom)
        if state in ("called", "serving") and window.ticket:
            text, color = window.ticket, NUMBER if state == "called" else TEXT
        elif state == "paused":
            text, color = w.paused_value, PAUSED
        elif state == "closed":
            text, color = w.closed_value, CLOSED
        elif state == "unstaffed":
            text, color = w.unstaffed_value, CLOSED
        else:
            text, color = w.idle_value, CLOSED
        size = layout.tile_value
        if t.advance(text, size, True) > value_box.width:
            size = t.fit(text, value_box.width, value_box.height, bold=True)
            if state in ("called", "serving"):
                self.overflows.add(text)
        x = value_box.centerx - t.advance(text, size, True) / 2
        t.draw(surface, text, x, t.baseline_in(value_box, layout.tile_value, True), size, color, bold=True)

    def _draw_list(
        self,
        surface: Any,
        box: Any,
        layout: Layout,
        t: Typeface,
        region: str,
        title: str,
        rows: Iterable[tuple[str, Color, str, Color]],
    ) -> None:
        import pygame

        surface.fill(BACKGROUND, box)
        pygame.draw.rect(surface, PANEL_DARK, box, border_radius=layout.margin)
        m = layout.margin
        title_size = layout.list_title[region]
        title_box = rect(box.x + m, box.y + m * 0.5, box.width - 2 * m, title_size * 1.5)
        t.draw(surface, title, title_box.x, t.baseline_in(title_box, title_size), title_size, DIM)
        cols, count = layout.list_cols[region], layout.list_rows[region]
        size = layout.list_size[region]
        top = title_box.bottom + m * 0.5
        row_h = (box.bottom - m * 0.5 - top) / max(1, count)
        cell_w = box.width / cols
        for i, (left, left_color, right, right_color) in enumerate(rows):
            col, row = i % cols, i // cols  # newest first, read left to right, then down
            if row >= count:
                break
            cell = rect(box.x + col * cell_w + m, top + row * row_h, cell_w - 2 * m, row_h)
            baseline = t.baseline_in(cell, size, True)
            fitted = size
            if t.advance(left + "  " + right, size, True) > cell.width:
                fitted = t.fit(left + "  " + right, cell.width, row_h, bold=True)
            t.draw(surface, left, cell.x, baseline, fitted, left_color, bold=True)
            t.draw(surface, right, cell.right - t.advance(right, fitted, True), baseline, fitted, right_color, True)

    def _draw_calls(self, surface: Any, box: Any, layout: Layout, t: Typeface, w: Words, scene: Scene, now: float):
        names = {x.number: x.name for x in scene.windows}
        rows = [
            (c.number, NUMBER, names.get(c.window) or w.window_name.format(c.window), TEXT)
            for c in self._listed_calls(scene)
        ]
        self._draw_list(surface, box, layout, t, "calls", w.last_calls, rows)

    def _draw_services(self, surface: Any, box: Any, layout: Layout, t: Typeface, w: Words, scene: Scene, now: float):
        rows = []
        for s in scene.services:
            if s.available or s.waiting:
                rows.append((s.name, TEXT, w.people.format(s.waiting), NUMBER))
            else:
                rows.append((s.name, TEXT, w.unavailable, CLOSED))
        self._draw_list(surface, box, layout, t, "services", w.waiting, rows)

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


def _zone(scene: Scene) -> Any:
    from zoneinfo import ZoneInfo

    try:
        return ZoneInfo(scene.timezone)
    except Exception:
        return ZoneInfo("UTC")


@dataclass(frozen=True)
class TypeHeight:
    """One kind of text on the page: its letter height in pixels, as a share of the screen's height."""

    what: str
    sample: str
    pixels: int

    def millimetres(self, pixel_mm: float) -> float:
        return self.pixels * pixel_mm


def type_heights(page: Page, scene: Scene) -> list[TypeHeight]:
    """The ink height of each kind of text at the page's size: digits for numbers (their height is the
    cap height), 号 for Chinese (the full character box)."""
    layout = page.layout(scene)
    t = page.typeface(scene.locale)
    digits = "0123456789"

    def height(text: str, size: int, bold: bool = True) -> int:
        return int(t.ink(text, size, bold).height)

    return [
        TypeHeight("newest call: ticket and window number", digits, height(digits, layout.band_value)),
        TypeHeight("newest call: words (请, 号到, 号窗口)", "号", height("号", layout.band_word)),
        TypeHeight("window tile: current number", digits, height(digits, layout.tile_value)),
        TypeHeight("window tile: window name", "号", height("号", layout.tile_label, False)),
        TypeHeight("last calls and waiting counts", digits, height(digits, layout.list_size["calls"])),
        TypeHeight("hall name", "号", height("号", layout.header_name)),
        TypeHeight("clock", digits, height(digits, layout.header_clock)),
        TypeHeight("scrolling notice", "号", height("号", layout.notice_size, False)),
    ]

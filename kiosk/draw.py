"""Drawing the kiosk's screens with pygame: large type in the hall's own glyph forms, every text fitted to its box.

Each screen is drawn from a `View` onto the upright picture and returns the tap targets it drew. Text is shrunk
(never cut) until it fits; anything that still would not fit is recorded in `Painter.overflow`, which the tests
require to stay empty.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pygame
import pygame.freetype

from onewindow.drivers import textfit
from onewindow.drivers.fonts import face

from . import flow
from .flow import Card, View, shown_window
from .texts import clock_text, closed_texts, say, short_wait
from .ticket import ahead_text, wait_text

Color = tuple[int, int, int]

PAPER: Color = (243, 246, 250)
INK: Color = (24, 32, 48)
MUTED: Color = (92, 102, 120)
WHITE: Color = (255, 255, 255)
BLUE: Color = (10, 74, 160)
BLUE_DARK: Color = (6, 50, 112)
BLUE_SOFT: Color = (222, 233, 248)
GREEN: Color = (17, 128, 76)
GREEN_SOFT: Color = (222, 242, 231)
GREY: Color = (222, 225, 230)
GREY_INK: Color = (120, 126, 136)
RED: Color = (190, 40, 40)
ORANGE: Color = (196, 92, 0)
AMBER_SOFT: Color = (253, 240, 220)


@dataclass(frozen=True)
class Target:
    """Something a citizen can tap: where, and what it does."""

    rect: pygame.Rect
    action: str
    arg: str | None = None


class Type:
    """The hall's faces, loaded once (a Noto CJK collection is 20 MB), and rendered text kept for redraws."""

    # Rendered text kept for redraws, up to this many bytes of pixels: a ticket number 300 pixels tall is most of
    # a megabyte, and every ticket brings a new one, so the cache is bounded by size, oldest out first.
    CACHE_BYTES = 8 * 1024 * 1024

    def __init__(self) -> None:
        self._fonts: dict[tuple[str, bool], pygame.freetype.Font] = {}
        self._rendered: OrderedDict[tuple[Any, ...], tuple[pygame.Surface, pygame.Rect]] = OrderedDict()
        self._cached_bytes = 0

    def font(self, locale: str, bold: bool) -> pygame.freetype.Font:
        key = (locale, bold)
        if key not in self._fonts:
            if not pygame.freetype.get_init():
                pygame.freetype.init()
            f = face(locale, bold)
            font = pygame.freetype.Font(str(f.path), 0, font_index=f.index)
            font.strong = f.stroke_for_bold
            font.pad = False
            self._fonts[key] = font
        return self._fonts[key]

    def width(self, text: str, size: int, locale: str, bold: bool) -> int:
        rect = self.font(locale, bold).get_rect(text, size=size)
        return int(rect.x + rect.width)

    def ascender(self, size: int, locale: str, bold: bool) -> int:
        return int(self.font(locale, bold).get_sized_ascender(size))

    def line_height(self, size: int, locale: str, bold: bool) -> int:
        font = self.font(locale, bold)
        return int(font.get_sized_ascender(size) - font.get_sized_descender(size))

    def render(self, text: str, size: int, color: Color, locale: str, bold: bool) -> tuple[pygame.Surface, pygame.Rect]:
        key = (text, size, color, locale, bold)
        hit = self._rendered.get(key)
        if hit is not None:
            self._rendered.move_to_end(key)
            return hit
        hit = self.font(locale, bold).render(text, color, size=size)
        self._rendered[key] = hit
        self._cached_bytes += _bytes(hit[0])
        while self._cached_bytes > self.CACHE_BYTES and len(self._rendered) > 1:
            _, (old, _) = self._rendered.popitem(last=False)
            self._cached_bytes -= _bytes(old)
        return hit

    @property
    def cached_bytes(self) -> int:
        return self._cached_bytes


def _bytes(surface: pygame.Surface) -> int:
    return surface.get_width() * surface.get_height() * surface.get_bytesize()


@dataclass(frozen=True)
class Line:
    """A paragraph for a vertical stack: its largest and smallest size (in units) and how many lines it may take."""

    text: str
    size: float
    color: Color = INK
    bold: bool = False
    lines: int = 2
    min_size: float | None = None


class Painter:
    """Draws on the upright picture in units of 1/1080 of its short side, so one layout fits every panel."""

    def __init__(self, surface: pygame.Surface, type_: Type, locale: str):
        self.surface = surface
        self.type = type_
        self.locale = locale
        self.w, self.h = surface.get_size()
        self.unit = min(self.w, self.h) / 1080
        self.portrait = self.h > self.w
        self.targets: list[Target] = []
        self.overflow: list[str] = []
        self.turning: tuple[tuple[int, int], int, Color, int] | None = None  # the ring, redrawn alone between frames

    def u(self, n: float) -> int:
        return max(1, round(n * self.unit))

    # --- text ---------------------------------------------------------------------------------------

    def _measure(self, bold: bool) -> textfit.Measure:
        return lambda s, at: self.type.width(s, at, self.locale, bold)

    def text(
        self,
        text: str,
        box: pygame.Rect,
        size: float,
        color: Color = INK,
        *,
        bold: bool = False,
        align: str = "center",
        valign: str = "middle",
        lines: int = 1,
        min_size: float | None = None,
    ) -> pygame.Rect:
        """Text fitted into `box` (shrunk to fit its width, its lines and its height, see `textfit.fit_box`);
        returns the ink's box."""
        start = self.u(size)
        low = min(start, self.u(min_size) if min_size else max(self.u(20), start // 2))
        fit = textfit.fit_box(
            text,
            self._measure(bold),
            lambda at: self.type.line_height(at, self.locale, bold),
            (box.width, box.height),
            lines,
            start,
            low,
        )
        if fit is None:
            # nothing fits even at the smallest size: draw it anyway, and say so
            fit = textfit.fit_lines(text, self._measure(bold), box.width, lines, low, low)
            if not fit.whole or text not in self.overflow:
                self.overflow.append(text)
        px, rows = fit.size, fit.lines
        line_h = self.type.line_height(px, self.locale, bold)
        height = len(rows) * line_h
        top = {"top": box.top, "bottom": box.bottom - height}.get(valign, box.top + (box.height - height) // 2)
        ink = pygame.Rect(box.left, top, 0, height)
        for i, row in enumerate(rows):
            surf, rect = self.type.render(row, px, color, self.locale, bold)
            width = rect.x + rect.width
            x = {"left": box.left, "right": box.right - width}.get(align, box.left + (box.width - width) // 2)
            baseline = top + i * line_h + self.type.ascender(px, self.locale, bold)
            self.surface.blit(surf, (x + rect.x, baseline - rect.y))
            ink.union_ip(pygame.Rect(x, top + i * line_h, width, line_h))
        return ink

    def stack(self, items: list[Line], box: pygame.Rect, gap: float = 24, valign: str = "middle") -> pygame.Rect:
        """Paragraphs one under another, centred in `box` (or from its top), all shrunk together until they fit."""
        scale = 1.0
        while True:
            sizes, heights = [], []
            for item in items:
                px = self.u(item.size * scale)
                low = self.u((item.min_size or item.size * 0.5) * scale)
                # only the final attempt, drawn by `text`, records an overflow
                fit = textfit.fit_lines(item.text, self._measure(item.bold), box.width, item.lines, px, min(low, px))
                sizes.append(fit.size)
                heights.append(len(fit.lines) * self.type.line_height(fit.size, self.locale, item.bold))
            total = sum(heights) + self.u(gap * scale) * (len(items) - 1)
            if total <= box.height or scale < 0.3:
                break
            scale *= 0.92
        first = top = box.top if valign == "top" else box.top + (box.height - total) // 2
        for item, px, height in zip(items, sizes, heights, strict=True):
            rect = pygame.Rect(box.left, top, box.width, height)
            self.text(
                item.text, rect, px / self.unit, item.color, bold=item.bold, lines=item.lines, min_size=px / self.unit
            )
            top += height + self.u(gap * scale)
        return pygame.Rect(box.left, first, box.width, total)

    # --- shapes -------------------------------------------------------------------------------------

    def panel(self, rect: pygame.Rect, color: Color, radius: float = 24, border: Color | None = None) -> None:
        pygame.draw.rect(self.surface, color, rect, border_radius=self.u(radius))
        if border is not None:
            pygame.draw.rect(self.surface, border, rect, width=self.u(3), border_radius=self.u(radius))

    def button(
        self,
        rect: pygame.Rect,
        label: str,
        action: str,
        arg: str | None = None,
        *,
        fill: Color = BLUE,
        ink: Color = WHITE,
        size: float = 56,
        border: Color | None = None,
        enabled: bool = True,
    ) -> None:
        if not enabled:
            fill, ink, border = GREY, GREY_INK, None
        # a shadow under the button, so it reads as something to press
        pygame.draw.rect(self.surface, _darker(fill), rect.move(0, self.u(6)), border_radius=self.u(28))
        self.panel(rect, fill, 28, border)
        pad = self.u(24)
        self.text(label, rect.inflate(-2 * pad, -pad), size, ink, bold=True)
        if enabled:
            self.targets.append(Target(rect, action, arg))

    def spinner(self, center: tuple[int, int], radius: int, phase: float, color: Color) -> None:
        self.turning = (center, radius, color, self.u(18))
        turn_ring(self.surface, center, radius, phase, color, self.u(18))

    def sign(self, center: tuple[int, int], radius: int, color: Color, mark: str) -> None:
        """A round sign with a mark in it: "!" for a fault, "✓" for done, "clock" for the hall's hours."""
        pygame.draw.circle(self.surface, color, center, radius)
        if mark == "clock":
            x, y = center
            pygame.draw.circle(self.surface, WHITE, center, radius * 72 // 100, width=max(3, radius // 9))
            hands = [(x, y - radius * 0.48), (x, y), (x + radius * 0.34, y + radius * 0.2)]
            pygame.draw.lines(self.surface, WHITE, False, hands, width=max(3, radius // 8))
        elif mark == "✓":
            r = radius
            x, y = center
            points = [(x - r * 0.45, y + r * 0.02), (x - r * 0.12, y + r * 0.35), (x + r * 0.48, y - r * 0.3)]
            pygame.draw.lines(self.surface, WHITE, False, points, width=max(3, radius // 6))
        else:
            box = pygame.Rect(0, 0, radius * 2, radius * 2)
            box.center = center
            self.text(mark, box, radius * 1.4 / self.unit, WHITE, bold=True)


def turn_ring(
    surface: pygame.Surface, center: tuple[int, int], radius: int, phase: float, color: Color, width: int
) -> pygame.Rect:
    """The turning ring of a screen that waits, drawn over its own square of paper; returns that square."""
    box = pygame.Rect(0, 0, 2 * radius, 2 * radius)
    box.center = center
    pygame.draw.rect(surface, PAPER, box)
    pygame.draw.circle(surface, BLUE_SOFT, center, radius, width=width)
    start = -phase * 2 * math.pi
    pygame.draw.arc(surface, color, box, start, start + math.pi * 0.6, width=width)
    return box


def _darker(color: Color, by: float = 0.8) -> Color:
    return (int(color[0] * by), int(color[1] * by), int(color[2] * by))


# --- the screens -----------------------------------------------------------------------------------------


@dataclass
class Scene:
    """Everything a screen may show: the view, the hall, the services and the time."""

    view: View
    hall_name: str
    cards: list[Card]
    priority_offered: bool
    now: datetime
    phase: float = 0.0  # 0..1, turns the spinner


def draw(surface: pygame.Surface, type_: Type, locale: str, scene: Scene) -> Painter:
    """Draw the scene on the upright picture; the returned painter holds the tap targets."""
    p = Painter(surface, type_, locale)
    surface.fill(PAPER)
    body = header(p, scene)
    screens: dict[str, Callable[[Painter, Scene, pygame.Rect], None]] = {
        flow.HOME: home,
        flow.PRIORITY: home,
        flow.GUIDE: guide,
        flow.PRINTING: printing,
        flow.RESULT: result,
        flow.PRINT_FAILED: print_failed,
        flow.NOTICE: notice,
        flow.CLOSED: closed,
        flow.STARTING: fault,
        flow.CORE_AWAY: fault,
        flow.PAPER_OUT: fault,
        flow.PRINTER_FAULT: fault,
    }
    screens[scene.view.screen](p, scene, body)
    return p


def header(p: Painter, scene: Scene) -> pygame.Rect:
    """The hall's name and the time on a blue band; returns the rest of the picture."""
    height = p.u(170 if p.portrait else 130)
    band = pygame.Rect(0, 0, p.w, height)
    pygame.draw.rect(p.surface, BLUE, band)
    pygame.draw.rect(p.surface, BLUE_DARK, pygame.Rect(0, height - p.u(8), p.w, p.u(8)))
    pad = p.u(48)
    clock = clock_text(scene.now, p.locale)
    if p.portrait:
        p.text(scene.hall_name, pygame.Rect(pad, p.u(22), p.w - 2 * pad, p.u(78)), 54, WHITE, bold=True)
        p.text(clock, pygame.Rect(pad, p.u(100), p.w - 2 * pad, p.u(48)), 32, BLUE_SOFT)
    else:
        clock_w = p.u(560)
        p.text(
            scene.hall_name,
            pygame.Rect(pad, p.u(20), p.w - 3 * pad - clock_w, p.u(90)),
            54,
            WHITE,
            bold=True,
            align="left",
        )
        p.text(clock, pygame.Rect(p.w - pad - clock_w, p.u(20), clock_w, p.u(90)), 34, BLUE_SOFT, align="right")
    return pygame.Rect(0, height, p.w, p.h - height)


def _grid(count: int, portrait: bool) -> int:
    """Columns for `count` service buttons."""
    if portrait:
        return 1 if count <= 6 else 2
    return 1 if count <= 1 else 2 if count <= 8 else 3


def home(p: Painter, scene: Scene, body: pygame.Rect) -> None:
    """The services as buttons (the priority lane's own list when in it), and the way to the priority lane."""
    lane = scene.view.screen == flow.PRIORITY
    pad = p.u(48)
    top = body.top + p.u(36)
    accent = GREEN if lane else BLUE
    if lane:
        banner = pygame.Rect(pad, top, p.w - 2 * pad, p.u(260 if p.portrait else 170))
        p.panel(banner, GREEN_SOFT, 24, GREEN)
        inner = banner.inflate(-p.u(48), -p.u(30))
        title = Line(say(p.locale, "priority_title"), 64, GREEN, bold=True, lines=1)
        who = [
            Line(say(p.locale, "priority_who"), 36, INK, lines=2, min_size=24),
            Line(say(p.locale, "choose"), 44, INK, bold=True, lines=1),
        ]
        if p.portrait:
            p.stack([title, *who], inner, gap=12)
        else:
            title_w = min(inner.width * 2 // 5, p.u(560))
            p.stack([title], pygame.Rect(inner.left, inner.top, title_w, inner.height))
            p.stack(
                who,
                pygame.Rect(inner.left + title_w + p.u(30), inner.top, inner.width - title_w - p.u(30), inner.height),
                gap=8,
            )
        top = banner.bottom + p.u(28)
    else:
        p.text(say(p.locale, "choose"), pygame.Rect(pad, top, p.w - 2 * pad, p.u(90)), 68, INK, bold=True)
        p.text(say(p.locale, "choose_hint"), pygame.Rect(pad, top + p.u(92), p.w - 2 * pad, p.u(50)), 36, MUTED)
        top += p.u(170)
    # the bottom bar: the priority lane's door on the home screen, "back" in the lane
    bar_h = p.u(170 if p.portrait else 120)
    bar = pygame.Rect(pad, p.h - pad - bar_h, p.w - 2 * pad, bar_h)
    if lane:
        back = pygame.Rect(bar.left, bar.top, min(bar.width, p.u(480)), bar.height)
        p.button(back, say(p.locale, "back"), "back", fill=WHITE, ink=INK, border=GREY_INK, size=52)
        bottom = bar.top - p.u(32)
    elif scene.priority_offered:
        door = bar
        pygame.draw.rect(p.surface, _darker(GREEN), door.move(0, p.u(6)), border_radius=p.u(28))
        p.panel(door, GREEN, 28)
        inner = door.inflate(-p.u(48), -p.u(20))
        door_title, hint = say(p.locale, "priority_button"), say(p.locale, "priority_button_hint")
        if p.portrait:
            lines = [Line(door_title, 60, WHITE, bold=True, lines=1), Line(hint, 32, WHITE, lines=1, min_size=22)]
            p.stack(lines, inner, 4)
        else:
            title_w = min(inner.width // 2, p.u(460))
            title_box = pygame.Rect(inner.left, inner.top, title_w, inner.height)
            p.text(door_title, title_box, 60, WHITE, bold=True, align="left")
            hint_box = pygame.Rect(
                inner.left + title_w + p.u(20), inner.top, inner.width - title_w - p.u(20), inner.height
            )
            p.text(hint, hint_box, 34, WHITE, align="right", min_size=22)
        p.targets.append(Target(door, "priority"))
        bottom = bar.top - p.u(32)
    else:
        bottom = p.h - pad
    service_grid(p, scene.cards, pygame.Rect(pad, top, p.w - 2 * pad, bottom - top), accent)


def service_grid(p: Painter, cards: list[Card], area: pygame.Rect, accent: Color) -> None:
    if not cards:
        return
    columns = _grid(len(cards), p.portrait)
    rows = math.ceil(len(cards) / columns)
    gap = p.u(28)
    width = (area.width - gap * (columns - 1)) // columns
    height = min(p.u(340 if p.portrait else 260), (area.height - gap * (rows - 1)) // rows)
    for i, card in enumerate(cards):
        row, column = divmod(i, columns)
        rect = pygame.Rect(area.left + column * (width + gap), area.top + row * (height + gap), width, height)
        service_card(p, card, rect, accent)


def service_card(p: Painter, card: Card, rect: pygame.Rect, accent: Color) -> None:
    """One service: its name large, how many wait and for how long; greyed with the reason when unavailable."""
    live = card.available
    fill = WHITE if live else GREY
    pygame.draw.rect(
        p.surface, (205, 212, 222) if live else (200, 204, 210), rect.move(0, p.u(6)), border_radius=p.u(24)
    )
    p.panel(rect, fill, 24)
    bar = pygame.Rect(rect.left, rect.top, p.u(16), rect.height)
    pygame.draw.rect(
        p.surface, accent if live else GREY_INK, bar, border_top_left_radius=p.u(24), border_bottom_left_radius=p.u(24)
    )
    pad = p.u(32)
    inner = pygame.Rect(bar.right + pad, rect.top + p.u(18), rect.right - bar.right - 2 * pad, rect.height - p.u(36))
    if live:
        p.targets.append(Target(rect, "service", card.id))
    # "what to bring", on the right: a button of its own inside the card
    guide_w = min(p.u(250), inner.width // 3)
    guide = pygame.Rect(inner.right - guide_w, 0, guide_w, min(p.u(96), inner.height))
    guide.centery = rect.centery
    pygame.draw.rect(p.surface, BLUE_SOFT if live else (210, 214, 220), guide, border_radius=p.u(20))
    p.text(
        say(p.locale, "guide_button"),
        guide.inflate(-p.u(20), -p.u(12)),
        32,
        BLUE if live else GREY_INK,
        bold=True,
        lines=2,
        min_size=20,
    )
    p.targets.append(Target(guide, "guide", card.id))
    text_w = guide.left - inner.left - p.u(24)
    # the prefix letter, as printed before the number
    name_h = inner.height * 58 // 100
    name_box = pygame.Rect(inner.left, inner.top, text_w, name_h)
    # type grows with the button: few services, big buttons, big names
    tall = rect.height / p.unit
    p.text(
        card.name,
        name_box,
        min(76, tall * 0.27),
        INK if live else GREY_INK,
        bold=True,
        align="left",
        lines=2 if not p.portrait else 1,
        min_size=34,
    )
    info_box = pygame.Rect(inner.left, inner.top + name_h, text_w, inner.height - name_h)
    if live:
        p.text(_waiting_line(p, card), info_box, min(44, tall * 0.17), MUTED, align="left", min_size=24)
    else:
        if card.why_not == "paused":
            why = say(p.locale, "paused_because", card.pause_reason) if card.pause_reason else say(p.locale, "paused")
        elif card.why_not == "closed":
            why = say(p.locale, "closed")
        else:
            why = say(p.locale, "not_available")
        p.text(why, info_box, min(44, tall * 0.17), RED, bold=True, align="left", min_size=24)


def _waiting_line(p: Painter, card: Card) -> str:
    """ "等候 7 人 · 约 10 分钟"; with nobody staffed for it, "等候 2 人 · 请留意叫号" and no estimate."""
    if card.unstaffed:
        return say(p.locale, "unstaffed", card.waiting)
    line = say(p.locale, "waiting", card.waiting)
    wait = short_wait(card.estimated_wait_s, p.locale)
    return f"{line}  ·  {wait}" if wait else line


def _card(scene: Scene) -> Card | None:
    return next((c for c in scene.cards if c.id == scene.view.service), None)


def guide(p: Painter, scene: Scene, body: pygame.Rect) -> None:
    """What to bring for one service, and the buttons to take a ticket or go back."""
    card = _card(scene)
    pad = p.u(56)
    accent = GREEN if scene.view.priority else BLUE
    top = body.top + p.u(40)
    if scene.view.priority:
        p.text(say(p.locale, "priority_title"), pygame.Rect(pad, top, p.w - 2 * pad, p.u(60)), 44, GREEN, bold=True)
        top += p.u(70)
    p.text(card.name if card else "", pygame.Rect(pad, top, p.w - 2 * pad, p.u(110)), 84, INK, bold=True)
    top += p.u(116)
    if card is not None and card.available:
        p.text(_waiting_line(p, card), pygame.Rect(pad, top, p.w - 2 * pad, p.u(60)), 44, MUTED)
    elif card is not None:
        p.text(
            say(p.locale, "paused" if card.why_not == "paused" else "closed"),
            pygame.Rect(pad, top, p.w - 2 * pad, p.u(60)),
            44,
            RED,
            bold=True,
        )
    top += p.u(90)
    buttons_h = p.u(150 if p.portrait else 120)
    buttons_top = p.h - pad - buttons_h
    box = pygame.Rect(pad, top, p.w - 2 * pad, buttons_top - p.u(48) - top)
    p.panel(box, WHITE, 28, (205, 212, 222))
    inner = box.inflate(-p.u(80), -p.u(64))
    p.text(
        say(p.locale, "guide_title"),
        pygame.Rect(inner.left, inner.top, inner.width, p.u(70)),
        52,
        accent,
        bold=True,
        align="left",
    )
    text_box = pygame.Rect(inner.left, inner.top + p.u(100), inner.width, inner.height - p.u(100))
    what = (card.guide if card else "") or say(p.locale, "guide_none")
    p.text(what, text_box, 50, INK, align="left", valign="top", lines=12, min_size=28)
    gap = p.u(40)
    back_w = (p.w - 2 * pad - gap) * 2 // 5
    back = pygame.Rect(pad, buttons_top, back_w, buttons_h)
    take = pygame.Rect(back.right + gap, buttons_top, p.w - 2 * pad - gap - back_w, buttons_h)
    p.button(back, say(p.locale, "back"), "back", fill=WHITE, ink=INK, border=GREY_INK, size=52)
    p.button(
        take,
        say(p.locale, "take"),
        "take",
        card.id if card else None,
        fill=accent,
        size=64,
        enabled=bool(card and card.available),
    )


def printing(p: Painter, scene: Scene, body: pygame.Rect) -> None:
    """While the core and the printer work: a turning ring and what is happening."""
    card = _card(scene)
    radius = p.u(110)
    center = (p.w // 2, body.top + body.height * (34 if p.portrait else 36) // 100)
    accent = GREEN if scene.view.priority else BLUE
    p.spinner(center, radius, scene.phase, accent)
    title = say(p.locale, "reprinting" if scene.view.reprinting else "printing")
    lines = [Line(title, 84, INK, bold=True, lines=1), Line(say(p.locale, "printing_wait"), 48, MUTED, lines=1)]
    if card is not None and not scene.view.reprinting:
        lines.insert(0, Line(card.name, 52, accent, bold=True, lines=1))
    lines.append(Line(say(p.locale, "printing_hint"), 40, MUTED, lines=2))
    pad = p.u(60)
    p.stack(
        lines,
        pygame.Rect(pad, center[1] + radius + p.u(50), p.w - 2 * pad, p.h - center[1] - radius - p.u(110)),
        gap=26,
    )


def ticket_panel(p: Painter, ticket: dict[str, Any], box: pygame.Rect) -> None:
    """The ticket on screen: its number huge, then where to go, the people ahead and the wait. On a wide screen
    the number stands on the left and the rest on the right, so both stay large."""
    p.panel(box, WHITE, 32, (205, 212, 222))
    inner = box.inflate(-p.u(60), -p.u(50))
    window = shown_window(ticket)
    ahead = int(ticket.get("ahead") or 0)
    estimate = ticket.get("estimated_wait_s")
    wait = wait_text(None if estimate is None else float(estimate), ahead, p.locale, at_window=window is not None)
    number = [
        Line(say(p.locale, "your_number"), 44, MUTED, lines=1),
        Line(ticket.get("number", ""), 300 if p.portrait else 280, BLUE, bold=True, lines=1, min_size=150),
    ]
    rest = [Line(say(p.locale, "priority_title"), 48, GREEN, bold=True, lines=1)] if ticket.get("priority") else []
    column = inner.width if p.portrait else inner.width * 54 // 100 - p.u(40)
    rest += [_where_to_go(p, window, column), Line(ahead_text(ahead, p.locale), 50, INK, lines=1, min_size=30)]
    if wait:
        rest.append(Line(wait, 50, INK, lines=1, min_size=30))
    if p.portrait:
        p.stack(number + rest, inner, gap=18)
        return
    left = pygame.Rect(inner.left, inner.top, inner.width * 46 // 100, inner.height)
    right = pygame.Rect(left.right + p.u(40), inner.top, inner.right - left.right - p.u(40), inner.height)
    p.stack(number, left, gap=0)
    pygame.draw.line(
        p.surface,
        GREY,
        (left.right + p.u(20), inner.top + p.u(20)),
        (left.right + p.u(20), inner.bottom - p.u(20)),
        p.u(3),
    )
    p.stack(rest, right, gap=22)


def _where_to_go(p: Painter, window: str | None, width: int) -> Line:
    """ "请到 3号窗口" on one line when it fits large; else the window's name on a line of its own, never split.
    A ticket in its service's shared queue names no window: "请留意叫号"."""
    size = 92
    if window is None:
        return Line(say(p.locale, "watch"), size, ORANGE, bold=True, lines=2, min_size=50)
    text = say(p.locale, "go", window)
    if p.type.width(text, p.u(size * 0.75), p.locale, True) <= width:
        return Line(text, size, INK, bold=True, lines=1, min_size=size * 0.75)
    prefix = say(p.locale, "go", "\0").split("\0")[0].rstrip()
    return Line(f"{prefix}\n{window}", size, INK, bold=True, lines=2, min_size=50)


def result(p: Painter, scene: Scene, body: pygame.Rect) -> None:
    """The ticket came out: the number and the window large, the people ahead and the wait."""
    ticket = scene.view.ticket or {}
    pad = p.u(60)
    top = body.top + p.u(40)
    sign_r = p.u(44)
    title = say(p.locale, "result_title")
    title_box = pygame.Rect(pad, top, p.w - 2 * pad, p.u(96))
    title_w = min(p.type.width(title, p.u(64), p.locale, True), title_box.width - 2 * sign_r - p.u(24))
    left = (p.w - title_w - 2 * sign_r - p.u(24)) // 2
    p.sign((left + sign_r, title_box.centery), sign_r, GREEN, "✓")
    p.text(
        title,
        pygame.Rect(left + 2 * sign_r + p.u(24), title_box.top, title_w, title_box.height),
        64,
        GREEN,
        bold=True,
        align="left",
    )
    button_h = p.u(140 if p.portrait else 116)
    button = pygame.Rect(0, p.h - pad - button_h, min(p.w - 2 * pad, p.u(560)), button_h)
    button.centerx = p.w // 2
    hint_box = pygame.Rect(pad, button.top - p.u(100), p.w - 2 * pad, p.u(70))
    p.text(say(p.locale, "take_ticket"), hint_box, 44, ORANGE, bold=True)
    card = pygame.Rect(pad, title_box.bottom + p.u(30), p.w - 2 * pad, hint_box.top - title_box.bottom - p.u(60))
    ticket_panel(p, ticket, card)
    p.button(button, say(p.locale, "done"), "done", size=56)


def print_failed(p: Painter, scene: Scene, body: pygame.Rect) -> None:
    """The ticket was issued but did not print: its number and window large, and a button to print it again."""
    ticket = scene.view.ticket or {}
    pad = p.u(60)
    top = body.top + p.u(36)
    banner = pygame.Rect(pad, top, p.w - 2 * pad, p.u(200 if p.portrait else 180))
    p.panel(banner, AMBER_SOFT, 24, ORANGE)
    p.stack(
        [
            Line(say(p.locale, "failed_title"), 60, ORANGE, bold=True, lines=1),
            Line(say(p.locale, "failed_hint"), 38, INK, lines=2, min_size=26),
        ],
        banner.inflate(-p.u(48), -p.u(20)),
        gap=8,
    )
    button_h = p.u(140 if p.portrait else 116)
    gap = p.u(40)
    row = pygame.Rect(pad, p.h - pad - button_h, p.w - 2 * pad, button_h)
    done_w = (row.width - gap) * 2 // 5
    p.button(
        pygame.Rect(row.left, row.top, done_w, row.height),
        say(p.locale, "done"),
        "done",
        fill=WHITE,
        ink=INK,
        border=GREY_INK,
        size=52,
    )
    p.button(
        pygame.Rect(row.left + done_w + gap, row.top, row.width - done_w - gap, row.height),
        say(p.locale, "reprint"),
        "reprint",
        fill=ORANGE,
        size=60,
    )
    card = pygame.Rect(pad, banner.bottom + p.u(36), p.w - 2 * pad, row.top - banner.bottom - p.u(72))
    ticket_panel(p, ticket, card)


def notice(p: Painter, scene: Scene, body: pygame.Rect) -> None:
    """A tap issued nothing: say why and offer the way back."""
    kind = scene.view.notice
    titles = {
        "unavailable": ("unavailable_title", "unavailable_hint"),
        "core_away": ("core_away_title", "not_issued_hint"),
    }
    title, hint = titles.get(kind, ("not_issued_title", "not_issued_hint"))
    pad = p.u(60)
    button_h = p.u(140 if p.portrait else 116)
    button = pygame.Rect(0, p.h - pad - button_h, min(p.w - 2 * pad, p.u(560)), button_h)
    button.centerx = p.w // 2
    area = pygame.Rect(pad, body.top, p.w - 2 * pad, button.top - body.top - pad)
    _sign_and_words(p, area, ORANGE, "!", say(p.locale, title), say(p.locale, hint))
    p.button(button, say(p.locale, "back"), "done", size=56)


def closed(p: Painter, scene: Scene, body: pygame.Rect) -> None:
    """Outside the hall's hours: no tickets, when they are issued again and today's hours; nothing to tap."""
    shut = scene.view.closed or flow.Closed(None)
    title, back, hours = closed_texts(shut, scene.now, p.locale)
    pad = p.u(60)
    area = pygame.Rect(pad, body.top, p.w - 2 * pad, body.height - pad)
    radius = min(p.u(120), area.height * 16 // 100)
    top = area.top + p.u(40) + area.height // 10
    p.sign((area.centerx, top + radius), radius, BLUE, "clock")
    lines = [
        Line(title, 88, BLUE, bold=True, lines=2, min_size=48),
        Line(back, 64, INK, bold=True, lines=2, min_size=36),
    ]
    if hours:
        lines.append(Line(hours, 44, MUTED, lines=2, min_size=28))
    words = pygame.Rect(area.left, top + 2 * radius + p.u(60), area.width, area.bottom - top - 2 * radius - p.u(60))
    p.stack(lines, pygame.Rect(words.left, words.top, words.width, min(words.height, p.u(520))), gap=30, valign="top")


def fault(p: Painter, scene: Scene, body: pygame.Rect) -> None:
    """The kiosk cannot give tickets now: what happened and what to do, with nothing to tap."""
    screen = scene.view.screen
    title, hint, color = {
        flow.STARTING: ("starting_title", "starting_hint", BLUE),
        flow.CORE_AWAY: ("core_away_title", "core_away_hint", RED),
        flow.PAPER_OUT: ("paper_out_title", "paper_out_hint", RED),
        flow.PRINTER_FAULT: ("printer_title", "printer_hint", RED),
    }[screen]
    pad = p.u(60)
    area = pygame.Rect(pad, body.top, p.w - 2 * pad, body.height - pad)
    if screen == flow.STARTING:
        center = (p.w // 2, area.top + area.height * 40 // 100)
        p.spinner(center, p.u(100), scene.phase, BLUE)
        p.stack(
            [Line(say(p.locale, title), 80, INK, bold=True, lines=1), Line(say(p.locale, hint), 48, MUTED, lines=1)],
            pygame.Rect(pad, center[1] + p.u(150), p.w - 2 * pad, p.u(260)),
        )
        return
    _sign_and_words(p, area, color, "!", say(p.locale, title), say(p.locale, hint))


def _sign_and_words(p: Painter, area: pygame.Rect, color: Color, mark: str, title: str, hint: str) -> None:
    """A sign with its words right under it, the group a little above the middle of `area`."""
    radius = min(p.u(120), area.height * 16 // 100)
    margin = p.u(40)
    words_h = min(p.u(420), area.height - 2 * radius - p.u(50) - margin)
    group_h = 2 * radius + p.u(50) + words_h
    top = area.top + margin + max(0, (area.height - margin - group_h) * 2 // 5)
    p.sign((area.centerx, top + radius), radius, color, mark)
    words = pygame.Rect(area.left, top + 2 * radius + p.u(50), area.width, words_h)
    lines = [Line(title, 88, color, bold=True, lines=2, min_size=48), Line(hint, 50, INK, lines=3, min_size=30)]
    p.stack(lines, words, gap=30, valign="top")

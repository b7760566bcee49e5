"""The kiosk's drawing tools: the hall's faces, text fitted to boxes, panels, buttons, signs and what a screen shows.

Text is shrunk (never cut) until it fits; anything that still would not fit is recorded in `Painter.overflow`,
which the tests require to stay empty, and every text drawn is recorded in `Painter.drawn` with its size and box,
so tests can measure it.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pygame
import pygame.freetype
import qrcode

from onewindow.drivers import textfit
from onewindow.drivers.fonts import face

from .flow import Card, View

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


@dataclass(frozen=True)
class Drawn:
    """A text as drawn: the size it got (pixels), its box, and the width of each of its lines."""

    text: str
    px: int
    box: pygame.Rect
    widths: list[int]


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
        self.drawn: list[Drawn] = []
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
        self.drawn.append(Drawn(text, px, box.copy(), [self.type.width(row, px, self.locale, bold) for row in rows]))
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
        pygame.draw.rect(self.surface, darker(fill), rect.move(0, self.u(6)), border_radius=self.u(28))
        self.panel(rect, fill, 28, border)
        pad = self.u(24)
        self.text(label, rect.inflate(-2 * pad, -pad), size, ink, bold=True)
        if enabled:
            self.targets.append(Target(rect, action, arg))

    def qr(self, text: str, box: pygame.Rect) -> pygame.Rect:
        """A QR code of `text`, as large as fits in `box` with its quiet zone, centred; returns its square."""
        code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
        code.add_data(text)
        code.make(fit=True)
        matrix = code.get_matrix()
        module = max(2, min(box.width, box.height) // (len(matrix) + 4))
        side = module * (len(matrix) + 4)
        square = pygame.Rect(0, 0, side, side)
        square.center = box.center
        pygame.draw.rect(self.surface, WHITE, square)
        for y, row in enumerate(matrix):
            for x, dark in enumerate(row):
                if dark:
                    cell = (square.left + (x + 2) * module, square.top + (y + 2) * module, module, module)
                    pygame.draw.rect(self.surface, INK, cell)
        return square

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


def darker(color: Color, by: float = 0.8) -> Color:
    return (int(color[0] * by), int(color[1] * by), int(color[2] * by))


@dataclass(frozen=True)
class HallWords:
    """The hall file's own words for a citizen the kiosk cannot serve ("" when the hall gives none)."""

    hotline: str = ""
    service_desk: str = ""
    online_url: str = ""

    @staticmethod
    def of(snapshot: dict[str, Any] | None) -> HallWords:
        hall = snapshot or {}
        return HallWords(
            hotline=str(hall.get("hotline") or ""),
            service_desk=str(hall.get("service_desk") or ""),
            online_url=str(hall.get("online_url") or ""),
        )


@dataclass
class Scene:
    """Everything a screen may show: the view, the hall, the services and the time."""

    view: View
    hall_name: str
    cards: list[Card]
    priority_offered: bool
    now: datetime
    phase: float = 0.0  # 0..1, turns the spinner
    words: HallWords = field(default_factory=HallWords)

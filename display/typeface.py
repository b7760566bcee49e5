"""The TV's lettering: the hall locale's CJK face through pygame.freetype, measured and drawn in pixels."""

from __future__ import annotations

from typing import Any

from onewindow.drivers.fonts import face
from onewindow.drivers.textfit import largest_size

Color = tuple[int, int, int]


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

"""The CJK faces that print a layout's language in its own glyph forms (Noto CJK SC or TC, WenQuanYi as spare)."""

from __future__ import annotations

import functools

from PIL import ImageFont

from onewindow.drivers.fonts import NOTO_DIR, FontMissing, face

__all__ = ["FontMissing", "face", "font", "mono_font"]


@functools.lru_cache(maxsize=64)
def font(language: str, bold: bool, size: int) -> ImageFont.FreeTypeFont:
    """A loaded font; loading a 20 MB collection takes a while, so each size is loaded once per process."""
    f = face(language, bold)
    return ImageFont.truetype(str(f.path), size, index=f.index)


@functools.lru_cache(maxsize=8)
def mono_font(bold: bool, size: int) -> ImageFont.FreeTypeFont:
    """Noto Sans Mono CJK SC (face 7): half-width Latin, full-width Chinese, like a printer's own font."""
    noto = NOTO_DIR / ("NotoSansCJK-Bold.ttc" if bold else "NotoSansCJK-Regular.ttc")
    if noto.exists():
        return ImageFont.truetype(str(noto), size, index=7)
    return font("zh-Hans", bold, size)

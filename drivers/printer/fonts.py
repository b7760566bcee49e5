"""The CJK faces that print a layout's language in its own glyph forms (Noto CJK SC or TC, WenQuanYi as spare)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from PIL import ImageFont

NOTO_DIR = Path("/usr/share/fonts/opentype/noto")
WQY = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
# Face index inside NotoSansCJK-*.ttc: 0 JP, 1 KR, 2 SC, 3 TC, 4 HK. The same code point (直, 骨, 说) is drawn
# differently per face, so Simplified text needs SC and Traditional needs TC; English uses SC's Latin.
FACE_INDEX = {"zh-Hans": 2, "zh-Hant": 3, "en": 2}


class FontMissing(RuntimeError):
    """No CJK font is installed; Debian: `apt-get install fonts-noto-cjk`."""


@dataclass(frozen=True)
class Face:
    path: Path
    index: int
    # WenQuanYi has no bold file: bold is drawn with a one-dot stroke instead.
    stroke_for_bold: bool


@functools.lru_cache(maxsize=8)
def face(language: str, bold: bool = False) -> Face:
    """The font file and face index for text in `language` (zh-Hans, zh-Hant or en)."""
    index = FACE_INDEX.get(language, 2)
    noto = NOTO_DIR / ("NotoSansCJK-Bold.ttc" if bold else "NotoSansCJK-Regular.ttc")
    if noto.exists():
        return Face(noto, index, stroke_for_bold=False)
    regular = NOTO_DIR / "NotoSansCJK-Regular.ttc"
    if regular.exists():
        return Face(regular, index, stroke_for_bold=bold)
    if WQY.exists():
        return Face(WQY, 0, stroke_for_bold=bold)
    raise FontMissing("no CJK font found: install fonts-noto-cjk (or fonts-wqy-microhei)")


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

"""The CJK faces that show each language in its own glyph forms: Noto CJK SC or TC, WenQuanYi as spare.

Printers (Pillow) and screens (pygame.freetype) both load a face by file and index; pygame.font would always
take index 0, the Japanese face, and draw 直, 骨 and 说 in Japanese forms.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

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

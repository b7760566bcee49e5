"""The text encoder: a layout in the printer's own Chinese font (`FS &` + GB18030), native QR codes.

Far fewer bytes than raster (good for 9600-baud serial printers), but only printers with a GB18030 font
print it, and the printer's font decides the glyph forms.
"""

from __future__ import annotations

import unicodedata

from ..textfit import wrap
from . import commands
from .layout import QR, Feed, Rule, Text, TicketLayout

FONT_A_DOTS = 12  # width of an ASCII character in font A; a Chinese character is twice as wide
MULTIPLIER = {"normal": 1, "large": 2, "huge": 4}
TAIL_DOTS = 16  # white paper under the last line, past the cutter (2 mm at 8 dots per mm)


def columns(text: str) -> int:
    """Width in font-A columns: Chinese and other wide characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def text_bytes(line: str) -> bytes:
    """One line of text: plain ASCII as is, anything else inside FS & … FS . as GB18030."""
    if line.isascii():
        return line.encode("ascii")
    return commands.CHINESE_ON + line.encode("gb18030", errors="replace") + commands.CHINESE_OFF


def qr_module_dots(dots: int) -> int:
    return 6 if dots >= 512 else 4


def _text(block: Text, dots: int) -> bytes:
    per_line = dots // FONT_A_DOTS
    m = MULTIPLIER[block.size]
    if block.size == "huge":
        # keep the ticket number on one line
        while m > 2 and columns(block.text) * m > per_line:
            m -= 1
    lines = wrap(block.text, lambda s: columns(s) * m <= per_line)
    out = commands.align(block.align) + commands.bold(block.bold) + commands.char_size(m, m)
    for line in lines:
        out += text_bytes(line) + commands.LF
    return out + commands.char_size(1, 1) + commands.bold(False)


def encode_gb18030(layout: TicketLayout, dots: int, cut: str = "full") -> list[bytes]:
    """The layout as ESC/POS text mode; one item per block so nothing long is written at once."""
    out = [commands.INITIALIZE]
    for slip in layout.slips() or [[]]:
        for block in slip:
            if isinstance(block, Text):
                out.append(_text(block, dots))
            elif isinstance(block, QR):
                out.append(commands.align("center") + commands.qr_native(block.url, qr_module_dots(dots)) + commands.LF)
            elif isinstance(block, Rule):
                out.append(commands.align("left") + b"-" * (dots // FONT_A_DOTS) + commands.LF)
            elif isinstance(block, Feed):
                out.append(commands.feed_lines(block.lines))
        out.append(commands.align("left") + commands.feed_and_cut(cut, TAIL_DOTS))
    return out

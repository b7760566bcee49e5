"""What a printer would put on paper for a stream of ESC/POS bytes: an image, the text lines and QR codes.

Covers what onewindow sends (ESC @, ESC a, ESC E, ESC d, ESC J, GS !, FS & / FS ., GB18030 and ASCII text, LF,
GS v 0, GS ( k model 2, GS V) and skips the common commands it does not draw. The fake printer saves its
tickets through this, and tests read back what a citizen would read and scan.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import qrcode
from PIL import Image, ImageDraw

from . import fonts

LINE_SPACING = 30  # default line feed in dots (ESC 2), what ESC d n feeds per line
CELL = 24  # font A: Chinese 24 x 24 dots, ASCII 12 x 24
_QR_LEVELS = {
    48: qrcode.constants.ERROR_CORRECT_L,
    49: qrcode.constants.ERROR_CORRECT_M,
    50: qrcode.constants.ERROR_CORRECT_Q,
    51: qrcode.constants.ERROR_CORRECT_H,
}
# commands with a fixed number of parameter bytes that change nothing drawn here
_ESC_SKIP = {
    0x20: 1,
    0x21: 1,
    0x2D: 1,
    0x32: 0,
    0x33: 1,
    0x3D: 1,
    0x4D: 1,
    0x52: 1,
    0x54: 1,
    0x56: 1,
    0x74: 1,
    0x7B: 1,
    0x47: 1,
    0x42: 2,
    0x70: 3,
    0x63: 2,
}
_GS_SKIP = {0x42: 1, 0x48: 1, 0x66: 1, 0x68: 1, 0x77: 1, 0x4C: 2, 0x50: 2, 0x57: 2, 0x61: 1, 0x62: 1}
_FS_SKIP = {0x21: 1, 0x2D: 1, 0x43: 1, 0x53: 2, 0x57: 1}


@dataclass
class Preview:
    """The paper, and what can be read off it."""

    image: Image.Image  # mode "L", white paper, black ink
    lines: list[str] = field(default_factory=list)  # printed text lines (text mode), decoded
    qr_codes: list[str] = field(default_factory=list)  # texts of native QR codes printed
    cuts: list[str] = field(default_factory=list)  # "full" or "partial", in order
    rasters: list[tuple[int, int]] = field(default_factory=list)  # (width dots, rows) of each GS v 0
    unknown: list[str] = field(default_factory=list)  # bytes that were not understood, as hex


@functools.lru_cache(maxsize=32)
def _glyph(ch: str, wide: bool, bold: bool) -> Image.Image:
    """One character in a font-A cell, ink 255, drawn with the Simplified face like a GB18030 printer font."""
    width = CELL if wide else CELL // 2
    cell = Image.new("L", (width, CELL), 0)
    font = fonts.mono_font(bold, 22)
    ImageDraw.Draw(cell).text((width / 2, CELL - 4), ch, font=font, fill=255, anchor="ms")
    return cell


class _Paper:
    def __init__(self, dots: int):
        self.dots = dots
        self.parts: list[Image.Image | None] = []  # None marks a cut
        self.align = 0
        self.bold = False
        self.wide = 1
        self.tall = 1
        self.chinese = False
        self.line: list[tuple[Image.Image, str]] = []
        self.line_width = 0
        self.preview = Preview(image=Image.new("L", (dots, 1), 255))
        self.qr_store = b""
        self.qr_module = 3
        self.qr_level = qrcode.constants.ERROR_CORRECT_L

    def unknown(self, piece: bytes) -> None:
        """Bytes this reading did not understand, kept as hex for the test that sent them."""
        self.preview.unknown.append(piece.hex(" "))

    def reset(self) -> None:
        self.align, self.bold, self.wide, self.tall, self.chinese = 0, False, 1, 1, False

    def _x(self, width: int) -> int:
        return {0: 0, 1: (self.dots - width) // 2, 2: self.dots - width}.get(self.align, 0)

    def add_ink(self, ink: Image.Image) -> None:
        """A strip of paper with ink 255 on 0, placed by the current alignment."""
        strip = Image.new("L", (self.dots, ink.height), 0)
        strip.paste(ink, (self._x(min(ink.width, self.dots)), 0))
        self.parts.append(strip)

    def feed(self, rows: int) -> None:
        if rows > 0:
            self.parts.append(Image.new("L", (self.dots, rows), 0))

    def char(self, ch: str) -> None:
        wide = ch.isascii() is False
        glyph = _glyph(ch, wide, self.bold)
        if self.wide != 1 or self.tall != 1:
            glyph = glyph.resize((glyph.width * self.wide, glyph.height * self.tall), Image.Resampling.NEAREST)
        if self.line_width + glyph.width > self.dots:
            self.print_line(LINE_SPACING)
        self.line.append((glyph, ch))
        self.line_width += glyph.width

    def print_line(self, spacing: int) -> None:
        """LF: print the buffered characters; the paper moves by the line spacing or the tallest character."""
        if not self.line:
            self.feed(spacing)
            return
        tallest = max(g.height for g, _ in self.line)
        ink = Image.new("L", (self.line_width, tallest), 0)
        x = 0
        for glyph, _ in self.line:
            ink.paste(glyph, (x, tallest - glyph.height))
            x += glyph.width
        self.add_ink(ink)
        # the paper moves by the line spacing, or by the tallest character when that is taller
        self.feed(max(spacing, tallest) - tallest)
        self.preview.lines.append("".join(ch for _, ch in self.line))
        self.line, self.line_width = [], 0

    def flush_line(self) -> None:
        if self.line:
            self.print_line(0)

    def raster(self, width_bytes: int, rows: int, data: bytes, scale_x: int, scale_y: int) -> None:
        self.flush_line()
        bits = Image.frombytes("1", (width_bytes * 8, rows), bytes(b ^ 0xFF for b in data))
        ink = bits.point(lambda v: 0 if v else 255, mode="L")
        if scale_x != 1 or scale_y != 1:
            ink = ink.resize((ink.width * scale_x, ink.height * scale_y), Image.Resampling.NEAREST)
        self.add_ink(ink)
        self.preview.rasters.append((width_bytes * 8, rows))

    def qr_print(self) -> None:
        self.flush_line()
        text = self.qr_store.decode("utf-8", errors="replace")
        code = qrcode.QRCode(error_correction=self.qr_level, box_size=self.qr_module, border=0)
        code.add_data(self.qr_store)
        code.make(fit=True)
        ink = code.make_image().get_image().convert("L").point(lambda v: 255 - v)
        self.add_ink(ink)
        self.preview.qr_codes.append(text)

    def cut(self, kind: str) -> None:
        self.flush_line()
        self.preview.cuts.append(kind)
        self.parts.append(None)

    def finish(self) -> Preview:
        self.flush_line()
        height = max(1, sum(p.height if p is not None else 1 for p in self.parts))
        paper = Image.new("L", (self.dots, height), 255)
        draw = ImageDraw.Draw(paper)
        y = 0
        for part in self.parts:
            if part is None:
                # where the cutter went through: a dashed grey line
                for x in range(0, self.dots, 12):
                    draw.line((x, y, x + 5, y), fill=160)
                y += 1
            else:
                paper.paste(part.point(lambda v: 255 - v), (0, y))
                y += part.height
        self.preview.image = paper
        return self.preview


def render(data: bytes, dots: int = 576) -> Preview:
    """Interpret ESC/POS bytes as a printer `dots` wide would and draw the paper."""
    paper = _Paper(dots)
    i = 0
    n = len(data)
    while i < n:
        b = data[i]
        if b == 0x1B and i + 1 < n:
            i = _esc(paper, data, i)
        elif b == 0x1D and i + 1 < n:
            i = _gs(paper, data, i)
        elif b == 0x1C and i + 1 < n:
            i = _fs(paper, data, i)
        elif b == 0x10 and i + 2 < n and data[i + 1] in (0x04, 0x05):  # DLE EOT / DLE ENQ: real-time, no ink
            i += 3
        elif b == 0x0A:
            paper.print_line(LINE_SPACING)
            i += 1
        elif b in (0x0D, 0x09, 0x00):
            i += 1
        elif 0x20 <= b < 0x7F:
            paper.char(chr(b))
            i += 1
        elif b >= 0x81 and paper.chinese:
            length = 4 if i + 1 < n and 0x30 <= data[i + 1] <= 0x39 else 2
            try:
                ch = data[i : i + length].decode("gb18030")
            except UnicodeDecodeError:
                paper.unknown(data[i : i + length])
                ch = "?"
            paper.char(ch)
            i += length
        else:
            # a byte above 0x7F outside Chinese mode prints as some code page character, not as Chinese
            paper.unknown(data[i : i + 1])
            paper.char("?")
            i += 1
    return paper.finish()


def _esc(paper: _Paper, data: bytes, i: int) -> int:
    """One ESC command at data[i]; where the next command starts."""
    n = len(data)
    c = data[i + 1]
    if c == 0x40:
        paper.flush_line()
        paper.reset()
        return i + 2
    if c == 0x61 and i + 2 < n:
        paper.align = data[i + 2] % 48 if data[i + 2] >= 48 else data[i + 2]
        return i + 3
    if c == 0x45 and i + 2 < n:
        paper.bold = bool(data[i + 2] & 1)
        return i + 3
    if c == 0x64 and i + 2 < n:
        paper.flush_line()
        paper.feed(LINE_SPACING * data[i + 2])
        return i + 3
    if c == 0x4A and i + 2 < n:
        paper.flush_line()
        paper.feed(data[i + 2])
        return i + 3
    if c in _ESC_SKIP:
        return i + 2 + _ESC_SKIP[c]
    paper.unknown(data[i : i + 2])
    return i + 2


def _gs(paper: _Paper, data: bytes, i: int) -> int:
    """One GS command at data[i]; where the next command starts."""
    n = len(data)
    c = data[i + 1]
    if c == 0x21 and i + 2 < n:
        paper.wide = (data[i + 2] >> 4 & 7) + 1
        paper.tall = (data[i + 2] & 7) + 1
        return i + 3
    if c == 0x76 and i + 7 < n and data[i + 2] in (0x30, 0):
        return _raster(paper, data, i)
    if c == 0x28 and i + 4 < n and data[i + 2] == 0x6B:  # GS ( k
        length = data[i + 3] | data[i + 4] << 8
        _qr_function(paper, data[i + 5 : i + 5 + length])
        return i + 5 + length
    if c == 0x56 and i + 2 < n:  # GS V
        m = data[i + 2]
        kind = "full" if m in (0, 48, 65) else "partial"
        if m in (65, 66, 97, 98, 103, 104):
            paper.flush_line()
            paper.feed(data[i + 3] if i + 3 < n else 0)
            i += 4
        else:
            i += 3
        paper.cut(kind)
        return i
    if c in _GS_SKIP:
        return i + 2 + _GS_SKIP[c]
    paper.unknown(data[i : i + 2])
    return i + 2


def _raster(paper: _Paper, data: bytes, i: int) -> int:
    """GS v 0 at data[i]; a body cut short ends the reading."""
    m = data[i + 3] % 48 if data[i + 3] >= 48 else data[i + 3]
    width_bytes = data[i + 4] | data[i + 5] << 8
    rows = data[i + 6] | data[i + 7] << 8
    size = width_bytes * rows
    body = data[i + 8 : i + 8 + size]
    if len(body) < size:
        paper.unknown(data[i : i + 8])
        paper.preview.unknown.append(f"raster cut short: {len(body)} of {size} bytes")
        return len(data)
    paper.raster(width_bytes, rows, body, 2 if m & 1 else 1, 2 if m & 2 else 1)
    return i + 8 + size


def _fs(paper: _Paper, data: bytes, i: int) -> int:
    """One FS command at data[i]; where the next command starts."""
    c = data[i + 1]
    if c == 0x26:
        paper.chinese = True
        return i + 2
    if c == 0x2E:
        paper.chinese = False
        return i + 2
    if c in _FS_SKIP:
        return i + 2 + _FS_SKIP[c]
    paper.unknown(data[i : i + 2])
    return i + 2


def _qr_function(paper: _Paper, body: bytes) -> None:
    if len(body) < 2 or body[0] != 0x31:
        return
    fn, args = body[1], body[2:]
    if fn == 0x43 and args:
        paper.qr_module = max(1, min(16, args[0]))
    elif fn == 0x45 and args:
        paper.qr_level = _QR_LEVELS.get(args[0], paper.qr_level)
    elif fn == 0x50 and args:
        paper.qr_store = bytes(args[1:])
    elif fn == 0x51:
        paper.qr_print()

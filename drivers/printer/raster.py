"""The raster encoder: a layout drawn with a CJK font into a 1-bit image and sent as `GS v 0` bands.

This prints Chinese identically on every ESC/POS printer, whatever fonts it has. Blank stretches are sent as
`ESC J` feeds instead of white rows, which roughly halves the bytes of a ticket on a slow serial line.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import qrcode
from PIL import Image, ImageDraw

from ..textfit import wrap
from . import commands, fonts
from .layout import QR, Block, Feed, Rule, Text, TicketLayout

BAND_ROWS = 96  # rows per GS v 0 command: small enough for the receive buffer of cheap printers
BLANK_RUN = 24  # white runs at least this tall are fed with ESC J rather than sent as rows
TAIL_DOTS = 16  # white paper under the last line, past the cutter (2 mm at 8 dots per mm)
MARGIN = 8  # dots kept clear at the left and right edges


@dataclass(frozen=True)
class Scale:
    """Type sizes in dots for one paper width; 576 dots is 72 mm at 8 dots per mm."""

    normal: int
    large: int
    huge: int
    rule: int
    gap: int

    @staticmethod
    def for_dots(dots: int) -> Scale:
        k = dots / 576
        return Scale(
            normal=max(22, round(28 * k)),
            large=max(32, round(44 * k)),
            huge=max(80, round(150 * k)),
            rule=2,
            gap=max(6, round(10 * k)),
        )

    def size(self, name: str) -> int:
        return {"normal": self.normal, "large": self.large, "huge": self.huge}[name]


@dataclass(frozen=True)
class DrawnLine:
    """Where one wrapped line of text landed on the slip, so tests can check the printed dots."""

    text: str
    box: tuple[int, int, int, int]  # left, top, right, bottom in the slip image
    size: int
    bold: bool


@dataclass
class RasterSlip:
    """One slip between cuts: the image (mode "1", black = ink) and where its lines are."""

    image: Image.Image
    lines: list[DrawnLine] = field(default_factory=list)
    qr_boxes: list[tuple[str, tuple[int, int, int, int]]] = field(default_factory=list)


# --- drawing --------------------------------------------------------------------------------------------


class _Slip:
    def __init__(self, dots: int, language: str):
        self.dots = dots
        self.language = language
        self.scale = Scale.for_dots(dots)
        self.parts: list[Image.Image] = []
        self.height = 0
        self.lines: list[DrawnLine] = []
        self.qr_boxes: list[tuple[str, tuple[int, int, int, int]]] = []

    def _add(self, part: Image.Image) -> int:
        top = self.height
        self.parts.append(part)
        self.height += part.height
        return top

    def blank(self, rows: int) -> None:
        if rows > 0:
            self._add(Image.new("L", (self.dots, rows), 0))

    def text(self, block: Text) -> None:
        width = self.dots - 2 * MARGIN
        size = self.scale.size(block.size)
        face = fonts.face(self.language, block.bold)
        stroke = 1 if face.stroke_for_bold else 0
        if block.size == "huge":
            # the ticket number must stay on one line: shrink it rather than break it
            while size > self.scale.large and fonts.font(self.language, block.bold, size).getlength(block.text) > width:
                size -= 4
        font = fonts.font(self.language, block.bold, size)
        line_height = round(size * 1.32)
        baseline = round(size * 1.0)
        for line in wrap(block.text, lambda s: font.getlength(s) + 2 * stroke <= width):
            part = Image.new("L", (self.dots, line_height), 0)
            draw = ImageDraw.Draw(part)
            length = font.getlength(line)
            if block.align == "left":
                x = MARGIN
            elif block.align == "right":
                x = round(self.dots - MARGIN - length)
            else:
                x = round((self.dots - length) / 2)
            draw.text((x, baseline), line, font=font, fill=255, anchor="ls", stroke_width=stroke, stroke_fill=255)
            top = self._add(part)
            self.lines.append(DrawnLine(line, (x, top, x + round(length), top + line_height), size, block.bold))

    def rule(self) -> None:
        gap = self.scale.gap
        part = Image.new("L", (self.dots, 2 * gap + self.scale.rule), 0)
        ImageDraw.Draw(part).rectangle((MARGIN, gap, self.dots - MARGIN - 1, gap + self.scale.rule - 1), fill=255)
        self._add(part)

    def feed(self, lines: int) -> None:
        self.blank(lines * round(self.scale.normal * 1.32))

    def qr(self, url: str) -> None:
        code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
        code.add_data(url)
        code.make(fit=True)
        matrix = code.get_matrix()
        n = len(matrix)
        module = max(3, min(10, round(0.42 * self.dots / n)))
        quiet = 2 * module  # with the white paper around it, enough for phone scanners
        side = n * module
        part = Image.new("L", (self.dots, side + 2 * quiet), 0)
        draw = ImageDraw.Draw(part)
        left = (self.dots - side) // 2
        for y, row in enumerate(matrix):
            for x, dark in enumerate(row):
                if dark:
                    draw.rectangle(
                        (
                            left + x * module,
                            quiet + y * module,
                            left + (x + 1) * module - 1,
                            quiet + (y + 1) * module - 1,
                        ),
                        fill=255,
                    )
        top = self._add(part)
        self.qr_boxes.append((url, (left, top + quiet, left + side, top + quiet + side)))

    def finish(self) -> RasterSlip:
        ink = Image.new("L", (self.dots, max(1, self.height)), 0)
        y = 0
        for part in self.parts:
            ink.paste(part, (0, y))
            y += part.height
        # ink is 255 where the head burns; "1" images use 1 = white, so invert while thresholding
        image = ink.point(lambda v: 0 if v >= 128 else 255, mode="1")
        return RasterSlip(image=image, lines=self.lines, qr_boxes=self.qr_boxes)


def render_slip(blocks: list[Block], dots: int, language: str) -> RasterSlip:
    """Draw the blocks of one slip at `dots` wide."""
    slip = _Slip(dots, language)
    slip.blank(slip.scale.gap)
    for block in blocks:
        if isinstance(block, Text):
            slip.text(block)
        elif isinstance(block, QR):
            slip.qr(block.url)
        elif isinstance(block, Rule):
            slip.rule()
        elif isinstance(block, Feed):
            slip.feed(block.lines)
    return slip.finish()


def render_layout(layout: TicketLayout, dots: int) -> list[RasterSlip]:
    """Every slip of the layout as an image, exactly as the raster encoder prints them."""
    return [render_slip(blocks, dots, layout.language) for blocks in layout.slips()]


# --- encoding -------------------------------------------------------------------------------------------


def slip_commands(image: Image.Image) -> list[bytes]:
    """A slip image as GS v 0 bands and ESC J feeds; each item is written separately."""
    if image.mode != "1":
        raise ValueError("slip image must be mode 1")
    width_bytes = (image.width + 7) // 8
    # PIL packs "1" rows MSB first with 1 = white; the printer wants 1 = black
    packed = bytes(b ^ 0xFF for b in image.tobytes())
    rows = [packed[i * width_bytes : (i + 1) * width_bytes] for i in range(image.height)]
    if image.width % 8:
        # the pad bits of each row came out black from the inversion: clear them
        mask = (0xFF << (8 - image.width % 8)) & 0xFF
        rows = [r[:-1] + bytes((r[-1] & mask,)) for r in rows]
    blank = bytes(width_bytes)
    out: list[bytes] = []
    band: list[bytes] = []

    def send_band() -> None:
        if band:
            out.append(commands.raster(width_bytes, b"".join(band)))
            band.clear()

    i = 0
    while i < len(rows):
        j = i + 1
        if rows[i] == blank:
            while j < len(rows) and rows[j] == blank:
                j += 1
            if j - i >= BLANK_RUN or j == len(rows):
                send_band()
                run = j - i
                while run:
                    out.append(commands.feed_dots(min(run, 255)))
                    run -= min(run, 255)
                i = j
                continue
        for row in rows[i:j]:
            band.append(row)
            if len(band) == BAND_ROWS:
                send_band()
        i = j
    send_band()
    return out


def encode_raster(layout: TicketLayout, dots: int, cut: str = "full") -> list[bytes]:
    """The layout as ESC/POS raster: initialize, bands and feeds per slip, each slip ending with a cut."""
    if dots % 8:
        raise ValueError("dots must be a multiple of 8")
    out = [commands.INITIALIZE]
    slips = render_layout(layout, dots)
    for slip in slips:
        out.extend(slip_commands(slip.image))
        out.append(commands.feed_and_cut(cut, TAIL_DOTS))
    if not slips:
        out.append(commands.feed_and_cut(cut, TAIL_DOTS))
    return out

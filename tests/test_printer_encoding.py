"""ESC/POS bytes byte for byte, and the paper they make: text a person can read, a QR code a phone can scan."""

from __future__ import annotations

from PIL import Image, ImageChops, ImageDraw, ImageFont

from onewindow.drivers.printer import QR, Cut, Feed, Rule, Text, TicketLayout, commands
from onewindow.drivers.printer.gb18030 import encode_gb18030
from onewindow.drivers.printer.preview import render
from onewindow.drivers.printer.raster import BAND_ROWS, encode_raster, render_layout
from onewindow.drivers.textfit import wrap

NOTO = "/usr/share/fonts/opentype/noto/NotoSansCJK-{}.ttc"
URL = "https://hall.example/t/3f2a9c0d1e4b5a6978c0d1e2f3a4b5c6"


def zxing_texts(image: Image.Image) -> list[str]:
    import zxingcpp

    return [code.text for code in zxingcpp.read_barcodes(image.convert("L"))]


# --- commands --------------------------------------------------------------------------------------------


def test_command_bytes():
    assert bytes.fromhex("1b 40") == commands.INITIALIZE
    assert commands.align("center") == bytes.fromhex("1b 61 01")
    assert commands.bold(True) == bytes.fromhex("1b 45 01")
    assert commands.char_size(2, 2) == bytes.fromhex("1d 21 11")  # what python-escpos sends for 2 x 2
    assert commands.char_size(4, 4) == bytes.fromhex("1d 21 33")
    assert commands.feed_lines(4) == bytes.fromhex("1b 64 04")
    assert commands.feed_dots(200) == bytes.fromhex("1b 4a c8")
    assert commands.cut("full") == bytes.fromhex("1d 56 00")
    assert commands.cut("partial") == bytes.fromhex("1d 56 01")
    assert bytes.fromhex("1c 26") == commands.CHINESE_ON and bytes.fromhex("1c 2e") == commands.CHINESE_OFF
    assert bytes.fromhex("10 04 01") == commands.QUERY_PRINTER
    assert bytes.fromhex("10 04 04") == commands.QUERY_PAPER


def test_raster_band_header_carries_width_in_bytes_and_rows():
    rows = bytes(72 * 3)
    assert commands.raster(72, rows) == bytes.fromhex("1d 76 30 00 48 00 03 00") + rows
    assert commands.raster(48, bytes(48 * 300))[:8] == bytes.fromhex("1d 76 30 00 30 00 2c 01")


def test_native_qr_is_model_2_with_module_size_error_level_store_and_print():
    data = b"https://si.example/q/A001"
    stored = len(data) + 3
    assert commands.qr_native(data.decode(), module_dots=6) == (
        bytes.fromhex("1d 28 6b 04 00 31 41 32 00")  # model 2
        + bytes.fromhex("1d 28 6b 03 00 31 43 06")  # module 6 dots
        + bytes.fromhex("1d 28 6b 03 00 31 45 31")  # error correction M
        + bytes((0x1D, 0x28, 0x6B, stored & 0xFF, stored >> 8, 0x31, 0x50, 0x30))
        + data  # store
        + bytes.fromhex("1d 28 6b 03 00 31 51 30")  # print
    )


def test_status_bytes_seen_on_real_printers():
    assert commands.paper_state(0x12) == "ok"
    assert commands.paper_state(0x1E) == "near_end"
    assert commands.paper_state(0x72) == "out"
    assert commands.printer_online(0x12) is True
    assert commands.printer_online(0x1A) is False  # bit 3: offline
    cause = commands.offline_cause(0x16)
    assert cause is not None and cause.cover_open and not cause.stopped_for_paper
    # not a status byte at all (fixed bits wrong): never taken as "fine"
    assert commands.paper_state(0x00) == "unknown"
    assert commands.printer_online(0xFF) is None


# --- GB18030 text mode -----------------------------------------------------------------------------------


def test_gb18030_text_is_framed_by_fs_and_and_fs_dot():
    assert "号".encode("gb18030") == bytes.fromhex("ba c5")
    pieces = encode_gb18030(TicketLayout([Text("请到 3号窗口", size="large", bold=True)]), dots=576)
    assert pieces[0] == commands.INITIALIZE
    assert pieces[1] == (
        bytes.fromhex("1b 61 01 1b 45 01 1d 21 11")  # centre, bold, double width and height
        + bytes.fromhex("1c 26")
        + bytes.fromhex("c7 eb b5 bd 20 33 ba c5 b4 b0 bf da")
        + bytes.fromhex("1c 2e 0a")
        + bytes.fromhex("1d 21 00 1b 45 00")  # back to normal
    )
    assert pieces[-1] == bytes.fromhex("1b 61 00 1d 56 41 10")  # feed to the cutter and 16 dots past, full cut


def test_gb18030_ascii_lines_go_without_chinese_mode_and_huge_numbers_stay_on_one_line():
    data = b"".join(encode_gb18030(TicketLayout([Text("A001", size="huge"), Text("AB12345678", size="huge")]), 384))
    # 384 dots hold 32 columns: 4 columns at 4x fit, 10 columns only at 3x
    assert bytes.fromhex("1d 21 33") + b"A001\n" in data
    assert bytes.fromhex("1d 21 22") + b"AB12345678\n" in data
    assert b"\x1c\x26" not in data


def test_gb18030_partial_cut_and_native_qr():
    data = b"".join(encode_gb18030(TicketLayout([QR(URL)]), 576, cut="partial"))
    assert commands.qr_native(URL, 6) in data
    assert data.endswith(bytes.fromhex("1d 56 42 10"))


def test_gb18030_paper_reads_back():
    layout = TicketLayout(
        [
            Text("某某县社保服务大厅", bold=True),
            Text("A001", size="huge"),
            Text("业务：通办业务"),
            Rule(),
            QR(URL),
            Text("扫码查看进度、改选窗口或取消"),
            Feed(2),
            Cut(),
        ]
    )
    paper = render(b"".join(encode_gb18030(layout, 576)), 576)
    assert paper.lines == ["某某县社保服务大厅", "A001", "业务：通办业务", "-" * 48, "扫码查看进度、改选窗口或取消"]
    assert paper.qr_codes == [URL]
    assert paper.cuts == ["full"]
    assert paper.unknown == []
    assert zxing_texts(paper.image) == [URL]


def test_gb18030_wraps_by_columns_chinese_counting_two():
    text = "请携带本人身份证、社保卡；代办请带委托书和代办人身份证。"  # 28 wide characters = 56 columns
    paper = render(b"".join(encode_gb18030(TicketLayout([Text(text, align="left")]), 384)), 384)
    assert paper.lines == ["请携带本人身份证、社保卡；代办请", "带委托书和代办人身份证。"]


# --- raster ----------------------------------------------------------------------------------------------


def ink_crop(image: Image.Image) -> Image.Image:
    """The part of an image that has ink, as "L" with ink 255."""
    ink = ImageChops.invert(image.convert("L"))
    box = ink.getbbox()
    assert box is not None, "no ink at all"
    return ink.crop(box).point(lambda v: 255 if v >= 128 else 0)


def drawn_alone(text: str, size: int, bold: bool, face_index: int) -> Image.Image:
    """`text` drawn by itself with Pillow and the Noto CJK face, thresholded like the raster encoder."""
    font = ImageFont.truetype(NOTO.format("Bold" if bold else "Regular"), size, index=face_index)
    canvas = Image.new("L", (int(font.getlength(text)) + 2 * size, 2 * size), 0)
    ImageDraw.Draw(canvas).text((size, round(1.5 * size)), text, font=font, fill=255, anchor="ls")
    return ImageChops.invert(canvas.point(lambda v: 255 if v >= 128 else 0))


def same_ink(a: Image.Image, b: Image.Image) -> bool:
    a, b = ink_crop(a), ink_crop(b)
    if a.size != b.size:
        return False
    # glyph rasterisation at a different sub-pixel offset may move a few edge pixels
    diff = ImageChops.difference(a, b).histogram()[255]
    return diff <= a.width * a.height // 200


def test_raster_bytes_are_gs_v_0_bands_of_the_paper_width_then_a_cut():
    layout = TicketLayout([Text("A001", size="huge", bold=True), Text("请到 3号窗口", size="large"), QR(URL)])
    for dots in (576, 384):
        pieces = encode_raster(layout, dots)
        assert pieces[0] == commands.INITIALIZE
        bands = [p for p in pieces if p.startswith(b"\x1dv0")]
        assert bands, "no raster sent"
        for band in bands:
            assert band[3:6] == bytes((0, dots // 8, 0))  # m = 0, xL xH: width in bytes
            rows = band[6] | band[7] << 8
            assert 1 <= rows <= BAND_ROWS
            assert len(band) == 8 + dots // 8 * rows
        assert all(p.startswith((b"\x1dv0", b"\x1bJ")) for p in pieces[1:-1])
        assert pieces[-1] == bytes.fromhex("1d 56 41 10")


def test_raster_paper_is_the_rendered_slip_dot_for_dot():
    layout = TicketLayout(
        [
            Text("某某县就业和社会保障服务中心", bold=True),
            Text("A001", size="huge", bold=True),
            Rule(),
            QR(URL),
            Text("扫码查看进度、改选窗口或取消"),
        ]
    )
    slip = render_layout(layout, 576)[0]
    paper = render(b"".join(encode_raster(layout, 576)), 576)
    assert paper.unknown == [] and paper.cuts == ["full"]
    printed = paper.image.crop((0, 0, 576, slip.image.height))
    assert ImageChops.difference(printed, slip.image.convert("L")).getbbox() is None
    assert zxing_texts(paper.image) == [URL]


def test_raster_lines_carry_the_text_in_the_right_face():
    layout = TicketLayout([Text("请到 3号窗口", size="large", bold=True), Text("直骨说")], language="zh-Hans")
    slip = render_layout(layout, 576)[0]
    paper = render(b"".join(encode_raster(layout, 576)), 576).image
    assert [line.text for line in slip.lines] == ["请到 3号窗口", "直骨说"]
    for line in slip.lines:
        printed = paper.crop(line.box)
        assert same_ink(printed, drawn_alone(line.text, line.size, line.bold, face_index=2))
    # 直 骨 说 are drawn differently in Japanese (face 0) and Traditional (face 3): this is the Simplified form
    glyphs = paper.crop(slip.lines[1].box)
    assert not same_ink(glyphs, drawn_alone("直骨说", slip.lines[1].size, False, face_index=0))
    assert not same_ink(glyphs, drawn_alone("直骨说", slip.lines[1].size, False, face_index=3))


def test_traditional_chinese_prints_in_traditional_forms():
    layout = TicketLayout([Text("請到 3號窗口 直骨")], language="zh-Hant")
    slip = render_layout(layout, 576)[0]
    paper = render(b"".join(encode_raster(layout, 576)), 576).image
    line = slip.lines[0]
    assert same_ink(paper.crop(line.box), drawn_alone(line.text, line.size, False, face_index=3))
    assert not same_ink(paper.crop(line.box), drawn_alone(line.text, line.size, False, face_index=2))


def test_raster_skips_white_with_feeds_and_keeps_every_slip():
    layout = TicketLayout([Text("A001"), Feed(5), Text("A002"), Cut(), Text("B001")])
    pieces = encode_raster(layout, 384)
    assert any(p.startswith(b"\x1bJ") for p in pieces)
    paper = render(b"".join(pieces), 384)
    assert paper.cuts == ["full", "full"]


def test_wrap_keeps_words_and_closing_punctuation():
    def fits(s: str) -> bool:
        return len(s) <= 10

    assert wrap("Please bring your ID card", fits) == ["Please", "bring your", "ID card"]
    # 。 may not start a line: the character before it comes down with it
    assert wrap("一二三四五六七八九十。", fits) == ["一二三四五六七八九", "十。"]
    assert wrap("第一行\n第二行", fits) == ["第一行", "第二行"]
    assert wrap("A" * 25, fits) == ["A" * 10, "A" * 10, "A" * 5]

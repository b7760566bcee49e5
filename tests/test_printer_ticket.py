"""The printed ticket as a citizen reads it, in each of the hall's languages, and `print-test`'s answers."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from onewindow.drivers.printer import QR, Cut, PrinterSettings, Text
from onewindow.drivers.printer.fake import FakeOptions
from onewindow.drivers.printer.file import FileOptions
from onewindow.drivers.printer.gb18030 import encode_gb18030
from onewindow.drivers.printer.network import NetworkOptions
from onewindow.drivers.printer.preview import render
from onewindow.drivers.printer.raster import encode_raster, render_layout
from onewindow.kiosk.printtest import print_test
from onewindow.kiosk.ticket import sample_layout, ticket_layout, wait_minutes, wait_text
from tests.support.fake_printer import OFFLINE, OUT, NetworkPrinter

ARTIFACTS = Path(__file__).parent / "artifacts" / "printer"
BEIJING = timezone(timedelta(hours=8))
URL = "https://hall.example/t/3f2a9c0d1e4b5a6978c0d1e2f3a4b5c6"

HALLS = {
    "zh-Hans": dict(
        hall_name="某某县就业和社会保障服务中心",
        service_name="通办业务",
        window_name="3号窗口",
        guide="请携带本人身份证、社保卡；代办请带委托书。",
    ),
    "zh-Hant": dict(
        hall_name="某某縣就業和社會保障服務中心",
        service_name="通辦業務",
        window_name="3號窗口",
        guide="請攜帶本人身分證、社保卡。",
    ),
    "en": dict(
        hall_name="County Employment and Social Security Hall",
        service_name="General services",
        window_name="Window 3",
        guide="Please bring your ID card and social security card.",
    ),
}


def ticket(locale: str, **changes):
    args = dict(
        HALLS[locale],
        number="A001",
        ahead=5,
        estimated_wait_s=900,
        issued_at=datetime(2026, 11, 27, 9, 3, tzinfo=BEIJING),
        status_url=URL,
        locale=locale,
    )
    args.update(changes)
    return ticket_layout(**args)


def qr_texts(image) -> list[str]:
    import zxingcpp

    return [c.text for c in zxingcpp.read_barcodes(image.convert("L"))]


def test_simplified_chinese_ticket_says_everything_in_order():
    layout = ticket("zh-Hans", guide="")
    assert layout.language == "zh-Hans"
    assert layout.texts() == [
        "某某县就业和社会保障服务中心",
        "A001",
        "业务：通办业务",
        "请到 3号窗口",
        "您前面还有 5 人等候",
        "预计等候约 15 分钟",
        "2026-11-27 09:03  当日有效",
        "扫码查看进度、改选窗口或取消",
    ]
    assert Text("A001", size="huge", bold=True) in layout.blocks
    assert QR(URL) in layout.blocks
    assert layout.blocks[-1] == Cut()


def test_traditional_chinese_and_english_tickets():
    assert ticket("zh-Hant", guide="").texts()[2:7] == [
        "業務：通辦業務",
        "請到 3號窗口",
        "您前面還有 5 人等候",
        "預計等候約 15 分鐘",
        "2026-11-27 09:03  當日有效",
    ]
    assert ticket("zh-Hant").texts()[-1] == "掃碼查看進度、改選窗口或取消"
    english = ticket("en", guide="", ahead=1, estimated_wait_s=200)
    assert english.texts()[2:6] == [
        "Service: General services",
        "Please go to Window 3",
        "1 person ahead of you",
        "Estimated wait: about 3 min",
    ]
    assert english.language == "en"


def test_priority_and_guide_are_printed():
    layout = ticket("zh-Hans", priority=True)
    texts = layout.texts()
    assert texts[2] == "绿色通道"
    assert "请携带本人身份证、社保卡；代办请带委托书。" in texts


def test_nobody_ahead():
    assert wait_text(0, 0, "zh-Hans") == "无需等候，请直接前往"
    layout = ticket("zh-Hans", ahead=0, estimated_wait_s=0)
    assert "您前面没有人等候" in layout.texts() and "无需等候，请直接前往" in layout.texts()
    # nobody waiting, but the window is still busy with someone: there is a wait, and the ticket says why
    assert "窗口正在办理，预计等候约 4 分钟" in ticket("zh-Hans", ahead=0, estimated_wait_s=230).texts()
    assert ticket("en", ahead=0, estimated_wait_s=0).texts()[4:6] == [
        "Nobody ahead of you",
        "No wait: please go straight there",
    ]


@pytest.mark.parametrize(
    ("locale", "watch"), [("zh-Hans", "请留意叫号"), ("zh-Hant", "請留意叫號"), ("en", "Please watch for your number")]
)
def test_a_ticket_in_the_shared_queue_names_no_window_and_promises_no_wait(locale, watch):
    """Issued while nobody is staffed for its service: 请留意叫号 where the window would be, no wait line."""
    texts = ticket(locale, window_name=None, ahead=0, estimated_wait_s=None).texts()
    assert texts[3] == watch and texts[5].startswith("2026-11-27 09:03")
    assert not any("None" in t or "无需等候" in t or "無需等候" in t or "No wait" in t for t in texts)
    # staffed again, its estimate known: a wait, still no window, and never "go straight there"
    assert "预计等候约 15 分钟" in ticket("zh-Hans", window_name=None, estimated_wait_s=900).texts()
    assert wait_text(0, 0, "zh-Hans", at_window=False) == "" and wait_text(None, 3, "en") == ""


@pytest.mark.parametrize(
    ("seconds", "minutes"),
    [
        (1, 1),
        (20, 1),
        (89, 1),
        (91, 2),
        (9.4 * 60, 9),
        (12 * 60, 10),
        (13 * 60, 15),
        (57 * 60, 55),
        (58 * 60, 60),
        (75 * 60, 80),
        (134 * 60, 130),
    ],
)
def test_estimated_minutes_round_to_what_a_person_expects(seconds, minutes):
    assert wait_minutes(seconds) == minutes


def test_long_waits_in_hours():
    assert wait_text(58 * 60, 9, "zh-Hans") == "预计等候约 1 小时"
    assert wait_text(75 * 60, 9, "zh-Hans") == "预计等候约 1 小时 20 分钟"
    assert wait_text(75 * 60, 9, "zh-Hant") == "預計等候約 1 小時 20 分鐘"
    assert wait_text(75 * 60, 9, "en") == "Estimated wait: about 1 h 20 min"


def test_unknown_locale_is_refused():
    with pytest.raises(ValueError):
        ticket_layout(
            hall_name="x",
            number="A001",
            service_name="x",
            window_name="x",
            ahead=0,
            estimated_wait_s=0,
            issued_at=datetime.now(BEIJING),
            status_url=URL,
            locale="ja",
        )


@pytest.mark.parametrize("locale", ["zh-Hans", "zh-Hant", "en"])
@pytest.mark.parametrize("dots", [576, 384])
def test_raster_ticket_prints_readable_and_scannable(locale, dots):
    layout = ticket(locale, priority=locale == "en")
    data = b"".join(encode_raster(layout, dots))
    paper = render(data, dots)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    paper.image.save(ARTIFACTS / f"ticket_{locale}_raster_{dots}.png")
    assert paper.unknown == [] and paper.cuts == ["full"]
    assert qr_texts(paper.image) == [URL]
    slip = render_layout(layout, dots)[0]
    # every text of the ticket is on the slip (long ones wrapped), and the number is the biggest thing on it
    printed = " ".join(line.text for line in slip.lines).replace(" ", "")
    for text in layout.texts():
        assert text.replace(" ", "") in printed
    number = next(line for line in slip.lines if line.text == "A001")
    assert number.size == max(line.size for line in slip.lines)
    assert number.box[2] - number.box[0] > dots // 3  # large enough to read from across the hall


@pytest.mark.parametrize("locale", ["zh-Hans", "zh-Hant", "en"])
def test_gb18030_ticket_reads_back_line_for_line(locale):
    layout = ticket(locale, guide="")
    paper = render(b"".join(encode_gb18030(layout, 576)), 576)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    paper.image.save(ARTIFACTS / f"ticket_{locale}_gb18030_576.png")
    assert paper.unknown == []
    joined = "".join(paper.lines).replace(" ", "")
    for text in layout.texts():
        assert text.replace(" ", "") in joined
    assert paper.qr_codes == [URL]
    assert qr_texts(paper.image) == [URL]


def test_sample_ticket_for_print_test_is_marked_test_and_numbered_000():
    layout = sample_layout("zh-Hant", "某某縣社保大廳", datetime(2026, 3, 2, 10, 17, tzinfo=BEIJING))
    texts = layout.texts()
    assert texts[:4] == ["測試", "測試號票 · 不是有效號票", "某某縣社保大廳", "000"] and "請到 3號窗口" in texts
    assert texts[-1] == "測試號票 · 不是有效號票"  # the tail that is torn off says it too
    assert Text("測試", size="huge", bold=True) == layout.blocks[0]
    assert "2026-03-02 10:17  當日有效" in texts
    assert layout.language == "zh-Hant"
    assert any(isinstance(b, QR) for b in layout.blocks)


# --- print-test ------------------------------------------------------------------------------------------


def lan(fake: NetworkPrinter) -> PrinterSettings:
    return PrinterSettings(type="network", connection=NetworkOptions(*fake.address), timeout_s=5, status_timeout_s=5)


def test_print_test_answers_in_plain_words():
    fake = NetworkPrinter()
    try:
        assert print_test(lan(fake), "某某县社保大厅", "zh-Hans") == (0, "printed")
        assert "某某县社保大厅".encode("gb18030") not in fake.received  # raster: no text bytes
        assert qr_texts(render(fake.received).image) == ["https://onewindow.invalid/t/print-test"]
        fake.status.paper = OUT
        assert print_test(lan(fake), "x", "en") == (1, "out of paper")
        fake.status.paper = 0x12
        fake.status.printer = OFFLINE
        assert print_test(lan(fake), "x", "en") == (1, "offline (cover open?)")
        fake.unplug()
        assert print_test(lan(fake), "x", "en") == (1, f"printer away (no answer from 127.0.0.1:{fake.port})")
    finally:
        fake.close()


def test_print_test_on_the_fake_and_on_a_device_file(tmp_path):
    folder = tmp_path / "printer"
    fake = PrinterSettings(type="fake", connection=FakeOptions(str(folder)), mode="gb18030")
    assert print_test(fake, "某某县社保大厅", "zh-Hans") == (0, "printed")
    assert render((folder / "1.bin").read_bytes()).lines[:3] == ["测试", "测试号票 · 不是有效号票", "某某县社保大厅"]
    lp = tmp_path / "lp0"
    lp.write_bytes(b"")
    device = PrinterSettings(type="file", connection=FileOptions(str(lp)))
    code, message = print_test(device, "x", "en")
    assert code == 0 and message.startswith("printed (sent; status unknown")
    assert lp.stat().st_size > 0


@pytest.mark.parametrize("dots", [576, 384])
def test_the_halls_rules_and_hotline_print_at_80_and_58_mm_and_the_tail_is_short(dots):
    """当日有效, the 过号 rule and the hotline from the hall file, on both papers; after the last line the paper
    runs only to the cutter and 2 mm more (GS V 65 n), not a fixed blank feed."""
    rule = "叫号三次未到视为过号，过号请重新取号"
    layout = ticket("zh-Hans", missed_rule=rule, hotline="0000-12345678", ahead=0, estimated_wait_s=360)
    texts = layout.texts()
    assert "2026-11-27 09:03  当日有效" in texts
    assert "叫号三次未到视为过号，过号请重新取号" in texts and "咨询电话：0000-12345678" in texts
    assert "窗口正在办理，预计等候约 6 分钟" in texts and "您前面没有人等候" in texts
    data = b"".join(encode_raster(layout, dots))
    assert data.endswith(bytes.fromhex("1d 56 41 10"))
    paper = render(data, dots)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    paper.image.save(ARTIFACTS / f"ticket_rules_{dots}.png")
    assert qr_texts(paper.image) == [URL]
    printed = " ".join(line.text for line in render_layout(layout, dots)[0].lines).replace(" ", "")
    for text in texts:
        assert text.replace(" ", "") in printed
    # blank paper under the last inked row: the slip's own bottom margin and the 16 dots before the cut
    rows = [paper.image.crop((0, y, dots, y + 1)).getextrema()[0] for y in range(paper.image.height)]
    last_ink = max(y for y, darkest in enumerate(rows) if darkest < 128)
    assert paper.image.height - 1 - last_ink <= 16 + 24  # 5 mm at most; the old feed left 15 mm and more
    shop = ticket("zh-Hans").texts()
    assert not any("咨询电话" in t or "过号" in t for t in shop)  # a hall file without them prints neither

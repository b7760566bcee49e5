"""The kiosk for a citizen of seventy and for a day when it cannot serve: elder mode's large type (every service
name of the example hall measured against its box), its call for staff reaching the core, 办理须知 apart from the
card's tap area, the fault screens' ways on in the hall's words, and the one wait rule on screen and ticket."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")

import pygame  # noqa: E402
import pygame.freetype  # noqa: E402

from onewindow.dispatch.api.views import hall_view  # noqa: E402
from onewindow.dispatch.core import Core  # noqa: E402
from onewindow.dispatch.store import Store  # noqa: E402
from onewindow.drivers.fonts import face  # noqa: E402
from onewindow.hallfile import load_hall  # noqa: E402
from onewindow.kiosk import draw, elder, flow  # noqa: E402
from onewindow.kiosk.cards import GUIDE_GAP  # noqa: E402
from onewindow.kiosk.paint import HallWords  # noqa: E402
from onewindow.kiosk.texts import BUSY, NO_WAIT, NONE, QUEUE, SOON, short_wait, wait_kind, wait_text  # noqa: E402
from tests.support.fake_printer import NetworkPrinter  # noqa: E402
from tests.support.hall import Clock, serve  # noqa: E402
from tests.support.kiosk_rig import (  # noqa: E402
    ARTIFACTS,
    LANDSCAPE,
    PORTRAIT,
    hall_config,
    network_printer,
    running_kiosk,
)

EXAMPLE = Path(__file__).resolve().parents[1] / "config" / "examples" / "hall.toml"
FRIDAY = datetime(2026, 11, 27, 9, 5, tzinfo=ZoneInfo("Asia/Shanghai"))
SIZES = pytest.mark.parametrize("size", [PORTRAIT, LANDSCAPE], ids=["portrait", "landscape"])


@pytest.fixture(scope="module")
def example(tmp_path_factory) -> dict:
    """The example hall's snapshot as its core gives it, a few tickets waiting and a few windows staffed."""
    folder = tmp_path_factory.mktemp("example")
    core = Core(load_hall(EXAMPLE), Store(str(folder / "hall.sqlite")), clock=Clock(FRIDAY))
    try:

        def morning(h) -> None:
            for n in (1, 2, 3, 19, 23, 25):
                h.sign_in(n, f"c{n:02d}", "test")
            for service in ("general", "general", "card", "pension-review"):
                h.issue(service, False, "test")

        core.execute(morning)
        return core.read(lambda h: hall_view(h, 0))
    finally:
        core.close()


def drawn(snapshot: dict, view: flow.View, size: tuple[int, int], words: HallWords | None = None):
    surface = pygame.Surface(size)
    scene = draw.Scene(
        view=view,
        hall_name=snapshot["name"],
        cards=flow.cards(snapshot),
        priority_offered=bool(snapshot.get("priority")),
        now=FRIDAY,
        words=words if words is not None else HallWords.of(snapshot),
    )
    painter = draw.draw(surface, draw.Type(), snapshot["locale"], scene)
    return surface, painter


# --- elder mode ---------------------------------------------------------------------------------------


@SIZES
def test_elder_mode_draws_every_service_name_of_the_example_hall_at_its_large_size(example, size):
    """Page by page, each name is drawn at elder mode's full size, on one line, and the rendered ink (measured
    again with the face itself) is narrower than its box: nothing shrunk, nothing cut."""
    names = {s["name"] for s in example["services"]}
    unit = min(size) / 1080
    big = round(elder.ELDER_NAME * unit)
    seen: set[str] = set()
    sc = face("zh-Hans", True)
    pygame.freetype.init()
    font = pygame.freetype.Font(str(sc.path), 0, font_index=sc.index)
    font.strong = sc.stroke_for_bold
    pages = elder.pages(flow.cards(example), size[1] > size[0])
    assert len(pages) == 2 and all(len(page) <= elder.PER_PAGE[size[1] > size[0]] for page in pages)
    for page in range(len(pages)):
        surface, painter = drawn(example, flow.View(flow.HOME, elder=True, page=page), size)
        assert painter.overflow == []
        for text in painter.drawn:
            if text.text in names:
                seen.add(text.text)
                assert text.px == big, f"{text.text} drawn at {text.px} px, not {big}"
                assert len(text.widths) == 1
                ink = font.get_rect(text.text, size=text.px)
                assert ink.x + ink.width <= text.box.width, f"{text.text}: {ink.width} px in a {text.box.width} box"
        pygame.image.save(surface, str(ARTIFACTS / f"elder-{size[0]}x{size[1]}-page{page + 1}.png"))
    assert seen == names
    # and larger than the ordinary screen's names
    _, ordinary = drawn(example, flow.View(flow.HOME), size)
    assert max(t.px for t in ordinary.drawn if t.text in names) < big


def test_elder_mode_in_out_pages_and_a_tap_opens_the_guide_first():
    f = flow.Flow(started_at=0.0, guard_s=0.0)
    f.snapshot = {"services": [{"id": "general", "name": "通办业务"}], "priority": True}
    f.connected = True
    f.tap("elder", "on", 1.0)
    assert f.view(1.0).elder and f.screen == flow.HOME
    f.tap("page", "next", 2.0)
    assert f.view(2.0).page == 1
    f.tap("guide", "general", 3.0)  # elder mode's card: its target is the guide
    assert f.screen == flow.GUIDE and f.view(3.0).elder
    command = f.tap("take", None, 4.0)
    assert isinstance(command, flow.Take) and command.service == "general"
    f.home(5.0)
    assert not f.elder  # the next citizen starts in the ordinary mode
    f.tap("elder", "on", 6.0)
    f.tap("elder", "off", 7.0)
    assert not f.view(7.0).elder
    f.tap("elder", "on", 8.0)
    f.tick(8.0 + f.idle_s)
    assert not f.elder  # left alone, elder mode ends


def test_the_help_screen_never_says_staff_were_told_while_the_core_is_away():
    f = flow.Flow(started_at=0.0, guard_s=0.0)
    f.snapshot, f.connected, f.was_connected = {"services": [], "priority": False}, True, True
    f.tap("elder", "on", 1.0)
    f.tap("help", None, 2.0)
    assert f.view(2.0).screen == flow.HELP and f.asking_for_help
    f.connected = False
    assert f.view(3.0).screen == flow.CORE_AWAY
    assert f.tap("back", None, 3.0) is None and f.screen == flow.HELP  # nothing to tap on a fault screen
    f.connected = True
    assert f.view(4.0).screen == flow.HELP


def test_the_call_for_staff_reaches_the_core_and_ends_with_back(tmp_path):
    printer = NetworkPrinter()
    try:
        with (
            serve(tmp_path, config=hall_config(tmp_path, "zh-Hans")) as core,
            running_kiosk(tmp_path, core.url, network_printer(printer.address)) as kiosk,
        ):
            kiosk.ready()
            kiosk.tap("elder", "on")
            kiosk.until(lambda: kiosk.app.target("help"), what="elder mode's help button")
            kiosk.tap("help")
            kiosk.show("help")
            kiosk.save("help-portrait")

            def parts() -> dict:
                return core.core.read(lambda hall: hall.devices["kiosk-1"].status).get("parts", {})

            kiosk.until(lambda: "help" in parts(), what="the call for staff at the core")
            assert parts()["help"]["state"] == "warning"
            assert "请工作人员协助" in parts()["help"]["message"]
            status = core.core.read(lambda hall: hall.devices["kiosk-1"].status)
            assert "请工作人员协助" in status["message"]  # the line the manager's device list shows
            kiosk.tap("back")
            kiosk.show("home")
            assert kiosk.app.flow.elder  # back to elder mode's services
            kiosk.until(lambda: "help" not in parts(), what="the call for staff ended at the core")
    finally:
        printer.close()


# --- 办理须知 apart from the card ----------------------------------------------------------------------


@pytest.mark.parametrize("size", [PORTRAIT, LANDSCAPE], ids=["portrait", "landscape"])
def test_a_tap_on_the_guide_or_beside_it_never_takes_a_ticket(tmp_path, size):
    """Taps on every edge of 办理须知 open the guide, a tap in the gap between it and the card does nothing:
    no ticket is issued. The card's tap area stops a clear gap before the guide's button."""
    printer = NetworkPrinter()
    try:
        with (
            serve(tmp_path, config=hall_config(tmp_path, "zh-Hans")) as core,
            running_kiosk(tmp_path, core.url, network_printer(printer.address), size=size) as kiosk,
        ):
            kiosk.ready()
            guide = kiosk.app.target("guide", "general")
            card = kiosk.app.target("service", "general")
            assert guide is not None and card is not None
            assert not card.rect.colliderect(guide.rect)
            unit = min(size) / 1080
            assert guide.rect.left - card.rect.right >= round(GUIDE_GAP * unit) - 1
            r = guide.rect
            spots = [
                r.center,
                (r.left, r.centery),
                (r.left + 1, r.top + 1),
                (r.left + 1, r.bottom - 2),
                (r.right - 2, r.centery),
            ]
            for spot in spots:
                kiosk.touch(kiosk.to_panel(spot))
                kiosk.step()
                kiosk.show("guide")
                kiosk.tap("back")
                kiosk.show("home")
            gap = ((card.rect.right + r.left) // 2, r.centery)
            kiosk.touch(kiosk.to_panel(gap))
            kiosk.step(3)
            assert kiosk.showing == "home"
            issued = core.core.read(lambda hall: len(hall.tickets))
            assert issued == 0
    finally:
        printer.close()


# --- fault screens -------------------------------------------------------------------------------------


@SIZES
@pytest.mark.parametrize(
    ("screen", "ways"),
    [
        (
            flow.PAPER_OUT,
            ["到大厅其他取号机取号", "到大厅入口右侧咨询服务台，请工作人员帮您取号", "拨打咨询电话 0000-12345678"],
        ),
        (
            flow.PRINTER_FAULT,
            ["到大厅其他取号机取号", "到大厅入口右侧咨询服务台，请工作人员帮您取号", "拨打咨询电话 0000-12345678"],
        ),
        (
            flow.CORE_AWAY,
            ["稍候片刻，恢复后即可在这里取号", "到大厅入口右侧咨询服务台咨询", "拨打咨询电话 0000-12345678"],
        ),
    ],
)
def test_fault_screens_say_what_to_do_in_the_halls_words(example, size, screen, ways):
    import zxingcpp
    from PIL import Image

    surface, painter = drawn(example, flow.View(screen), size)
    texts = [t.text for t in painter.drawn]
    assert painter.overflow == [] and painter.targets == []  # nothing to tap
    for way in ways:
        assert way in texts
    online = "用手机扫下面的二维码，在网上办理" if size == PORTRAIT else "用手机扫右边的二维码，在网上办理"
    assert online in texts
    picture = Image.frombytes("RGB", size, pygame.image.tobytes(surface, "RGB"))
    assert [c.text for c in zxingcpp.read_barcodes(picture)] == ["https://shebao.example.gov.cn/"]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    picture.save(ARTIFACTS / f"fault-{screen}-{size[0]}x{size[1]}.png")
    # a hall that gives none of its own words: the ways on that need none, and no QR code
    _, bare = drawn(example, flow.View(screen), size, HallWords())
    bare_texts = [t.text for t in bare.drawn]
    assert not any("0000-12345678" in t or "咨询服务台" in t or "二维码" in t for t in bare_texts)
    assert ("请大厅工作人员帮您取号" in bare_texts) == (screen != flow.CORE_AWAY)


def test_the_closed_screen_gives_the_hotline(example):
    closed = flow.Closed(datetime(2026, 11, 30, 8, 30, tzinfo=FRIDAY.tzinfo), "08:30-12:00 14:00-17:30")
    _, painter = drawn(example, flow.View(flow.CLOSED, closed=closed), PORTRAIT)
    texts = [t.text for t in painter.drawn]
    assert "星期一 08:30 开始取号" in texts and "拨打咨询电话 0000-12345678" in texts and painter.overflow == []


# --- the wait rule ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ahead", "estimate", "at_window", "kind", "screen", "ticket"),
    [
        (3, None, True, NONE, "", ""),
        (0, 0, True, NO_WAIT, "无需等候", "无需等候，请直接前往"),
        (0, 0, False, NONE, "", ""),
        (0, 360, True, BUSY, "窗口正在办理，约 6 分钟", "窗口正在办理，预计等候约 6 分钟"),
        (2, 0, True, SOON, "即将叫号", "即将叫号，请留意"),
        (7, 900, True, QUEUE, "约 15 分钟", "预计等候约 15 分钟"),
    ],
)
def test_the_wait_rule(ahead, estimate, at_window, kind, screen, ticket):
    assert wait_kind(ahead, estimate, at_window=at_window) == kind
    assert short_wait(estimate, "zh-Hans", ahead=ahead, at_window=at_window) == screen
    assert wait_text(estimate, ahead, "zh-Hans", at_window=at_window) == ticket


def test_no_button_or_result_says_nobody_waits_and_gives_minutes_without_saying_why(example):
    """The issue's "等候 0 人 · 约 20 分钟": a service with nobody waiting and busy windows says why."""
    snapshot = {**example, "services": [dict(s) for s in example["services"]]}
    general = next(s for s in snapshot["services"] if s["id"] == "general")
    general.update(waiting=0, estimated_wait_s=1200, staffed=3)
    _, painter = drawn(snapshot, flow.View(flow.HOME), PORTRAIT)
    texts = [t.text for t in painter.drawn]
    assert "无人等候  ·  窗口正在办理，约 20 分钟" in texts
    assert not any(t.startswith("等候 0 人") for t in texts)
    ticket = {"number": "A001", "window": 3, "window_name": "3号窗口", "ahead": 0, "estimated_wait_s": 360}
    _, result = drawn(snapshot, flow.View(flow.RESULT, ticket=ticket), PORTRAIT)
    result_texts = [t.text for t in result.drawn]
    assert "您前面没有人等候" in result_texts and "窗口正在办理，预计等候约 6 分钟" in result_texts
    assert "预计等候约 6 分钟" not in result_texts

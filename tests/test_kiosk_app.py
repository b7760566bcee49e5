"""The real kiosk app (SDL dummy video) against a real core and a fake ESC/POS printer on TCP.

A citizen taps a service and a ticket is issued and printed; the printed bytes are read back as paper and the
QR code on it is scanned. Then the faults: paper out, paper low, the printer lost mid-ticket, unplugged and back,
the core away and back, services nobody can take.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

from onewindow.client import CoreClient
from onewindow.drivers.printer.gb18030 import encode_gb18030
from onewindow.drivers.printer.preview import render
from onewindow.drivers.printer.raster import encode_raster, render_layout
from tests.support.fake_printer import FINE, NEAR_END, OUT, NetworkPrinter
from tests.support.hall import PINS, basic, raw_request, serve, token
from tests.support.kiosk_rig import (
    ARTIFACTS,
    LANDSCAPE,
    PORTRAIT,
    hall_config,
    hall_text,
    network_printer,
    running_kiosk,
)
from tests.support.process import CoreProcess


@pytest.fixture
def printer():
    fake = NetworkPrinter()
    yield fake
    fake.close()


def tickets(core) -> list[dict]:
    """Every ticket the core has issued, oldest first."""
    return core.core.read(
        lambda hall: [
            {"id": t.id, "number": t.number, "service": t.service, "priority": t.priority, "window": t.window}
            for t in sorted(hall.tickets.values(), key=lambda t: t.issued_at)
        ]
    )


def device_status(core, device: str = "kiosk-1") -> dict | None:
    return core.core.read(lambda hall: hall.devices[device].status)


def sign_in(core, *windows: int) -> None:
    """Clerks c0N sign in at windows N: only then are tickets sent there."""
    callers = {1: "caller-1", 2: "caller-1", 3: "caller-1", 4: "caller-4", 5: "caller-5"}
    for n in windows:
        with core.client(callers[n]) as caller:
            caller.act(n, "sign-in", {"clerk": f"c0{n}", "pin": PINS[f"c0{n}"]})


def qr_texts(image) -> list[str]:
    import zxingcpp

    return [c.text for c in zxingcpp.read_barcodes(image.convert("L"))]


def test_a_tap_issues_one_ticket_and_the_printer_prints_it(tmp_path, printer):
    with (
        serve(tmp_path, config=hall_config(tmp_path, "zh-Hans")) as core,
        running_kiosk(tmp_path, core.url, network_printer(printer.address)) as kiosk,
    ):
        sign_in(core, 1, 2)
        kiosk.ready()
        kiosk.tap("service", "general")
        assert kiosk.showing == "printing"
        kiosk.show("result")
        [ticket] = tickets(core)
        assert (ticket["number"], ticket["service"], ticket["priority"]) == ("A001", "general", False)
        # the screen shows what the core said
        shown = kiosk.app.shown.ticket
        assert shown["id"] == ticket["id"] and shown["number"] == "A001"
        # the printer received exactly the ticket the kiosk drew, nothing more
        layout = kiosk.app.flow.layout
        assert printer.received == b"".join(encode_raster(layout, 576, "full"))
        texts = layout.texts()
        assert texts[:2] == ["某县人力资源和社会保障服务大厅", "A001"]
        assert "业务：通办业务" in texts and "请到 1号窗口" in texts and "您前面没有人等候" in texts
        assert any(t.startswith("就业登记、失业保险") for t in texts)  # the service's guide
        # read back as paper: the QR code is the ticket's status page on the core
        paper = render(printer.received, 576)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        paper.image.save(ARTIFACTS / "ticket-zh-Hans-raster.png")
        assert paper.unknown == [] and paper.cuts == ["full"]
        assert qr_texts(paper.image) == [f"{core.url}/t/{ticket['id']}"]
        slip = render_layout(layout, 576)[0]
        number = next(line for line in slip.lines if line.text == "A001")
        assert number.size == max(line.size for line in slip.lines)
        # and the status page answers for that ticket
        with CoreClient(core.url) as anyone:
            assert anyone.ticket(ticket["id"])["number"] == "A001"
        report = device_status(core)
        assert report["ok"] is True and report["parts"]["printer"]["state"] == "ok"


def test_a_gb18030_printer_reads_back_line_for_line_with_a_public_status_address(tmp_path, printer):
    with (
        serve(tmp_path, config=hall_config(tmp_path, "zh-Hant")) as core,
        running_kiosk(
            tmp_path,
            core.url,
            network_printer(printer.address, 'mode = "gb18030"\ndots = 384\ncut = "partial"'),
            kiosk='ticket_url = "https://shebao.example.gov.cn/t/{id}"',
        ) as kiosk,
    ):
        sign_in(core, 3, 4)
        kiosk.ready()
        with core.client("kiosk-2") as other_kiosk:
            other_kiosk.issue("card")
        kiosk.until(lambda: kiosk.app.flow.card("card").waiting == 1, what="the card queue seen")
        kiosk.tap("service", "card")
        kiosk.show("result")
        [_, ticket] = tickets(core)
        layout = kiosk.app.flow.layout
        assert printer.received == b"".join(encode_gb18030(layout, 384, "partial"))
        paper = render(printer.received, 384)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        paper.image.save(ARTIFACTS / "ticket-zh-Hant-gb18030.png")
        printed = "".join(paper.lines).replace(" ", "")
        # E001 went to window 3, the shorter queue is window 4's
        for text in ("某縣人力資源和社會保障服務大廳", "E002", "業務：社保卡業務", "請到4號窗口", "您前面沒有人等候"):
            assert text in printed
        assert paper.qr_codes == [f"https://shebao.example.gov.cn/t/{ticket['id']}"]
        assert paper.cuts == ["partial"]


def test_one_touch_is_one_ticket_even_tapped_twice_and_a_mouse_click_works_too(tmp_path, printer):
    with (
        serve(tmp_path, config=hall_config(tmp_path)) as core,
        running_kiosk(tmp_path, core.url, network_printer(printer.address)) as kiosk,
    ):
        kiosk.ready()
        where = kiosk.panel("service", "general")
        kiosk.touch(where)  # SDL: FINGERDOWN, MOUSEBUTTONDOWN touch=True, FINGERUP, MOUSEBUTTONUP
        kiosk.touch(where)  # an impatient second tap on the same spot
        kiosk.step()
        kiosk.touch(where)
        kiosk.show("result")
        kiosk.step(3)
        assert [t["number"] for t in tickets(core)] == ["A001"]
        kiosk.tap("done")
        kiosk.show("home")
        kiosk.tap("service", "card", how="click")
        kiosk.show("result")
        assert [t["number"] for t in tickets(core)] == ["A001", "E001"]


def test_a_stray_tap_right_after_done_takes_no_ticket(tmp_path, printer):
    with (
        serve(tmp_path, config=hall_config(tmp_path)) as core,
        running_kiosk(tmp_path, core.url, network_printer(printer.address), tap_guard=True) as kiosk,
    ):
        kiosk.ready()
        kiosk.tap("service", "general")
        kiosk.show("result")
        kiosk.tap("done")  # waits out the guard, like a citizen reading the result first
        assert kiosk.showing == "home"
        card = kiosk.panel("service", "general")
        kiosk.touch(card)  # at once: the finger bounced
        kiosk.step(2)
        assert kiosk.showing == "home" and len(tickets(core)) == 1


def test_out_of_paper_at_the_tap_issues_nothing_says_so_and_tells_the_core(tmp_path, printer):
    with (
        serve(tmp_path, config=hall_config(tmp_path)) as core,
        running_kiosk(tmp_path, core.url, network_printer(printer.address), kiosk="printer_check_s = 300") as kiosk,
    ):
        kiosk.ready()
        printer.status.paper = OUT  # ran out with the last ticket; the kiosk has not looked since
        kiosk.tap("service", "general")
        kiosk.show("paper_out")
        assert tickets(core) == []
        assert kiosk.app.targets == []  # nothing to tap
        kiosk.until(lambda: (device_status(core) or {}).get("ok") is False, what="the core told")
        report = device_status(core)
        assert report["parts"]["printer"]["state"] == "fault" and report["parts"]["printer"]["paper"] == "out"
        assert report["message"] == "printer: out of paper"
        printer.status.paper = FINE  # a clerk put a new roll in
        kiosk.show("home", seconds=30)
        kiosk.tap("service", "general")
        kiosk.show("result")
        assert [t["number"] for t in tickets(core)] == ["A001"]
        kiosk.until(lambda: device_status(core)["ok"] is True, what="the core told it is fine again")


def test_paper_running_out_while_nobody_is_there_closes_the_kiosk_until_refilled(tmp_path, printer):
    with (
        serve(tmp_path, config=hall_config(tmp_path)) as core,
        running_kiosk(tmp_path, core.url, network_printer(printer.address), kiosk="printer_check_s = 2") as kiosk,
    ):
        kiosk.ready()
        printer.status.paper = OUT
        kiosk.show("paper_out")
        printer.status.paper = FINE
        kiosk.show("home")
        assert tickets(core) == []


def test_paper_near_end_still_prints_and_warns_the_core(tmp_path, printer):
    with (
        serve(tmp_path, config=hall_config(tmp_path)) as core,
        running_kiosk(tmp_path, core.url, network_printer(printer.address)) as kiosk,
    ):
        kiosk.ready()
        printer.status.paper = NEAR_END
        kiosk.tap("service", "general")
        kiosk.show("result")
        assert len(tickets(core)) == 1
        kiosk.until(lambda: device_status(core)["parts"]["printer"]["state"] == "warning", what="the core warned")
        report = device_status(core)
        assert report["ok"] is True and report["message"] == "printer: paper near end"
        assert report["parts"]["printer"]["paper"] == "near_end"


def test_a_ticket_lost_mid_print_shows_number_and_window_and_reprints(tmp_path, printer):
    with (
        serve(tmp_path, config=hall_config(tmp_path)) as core,
        running_kiosk(tmp_path, core.url, network_printer(printer.address)) as kiosk,
    ):
        sign_in(core, 1)
        kiosk.ready()
        printer.close_after = 300  # the printer loses power 300 bytes into the ticket
        kiosk.tap("service", "general")
        kiosk.show("print_failed")
        [ticket] = tickets(core)
        view = kiosk.app.shown
        assert view.ticket["number"] == "A001" and view.ticket["window_name"] == "1号窗口"
        assert "lost" in view.message
        assert len(printer.received) == 300
        kiosk.tap("reprint")
        kiosk.show("result")
        layout = kiosk.app.flow.layout
        whole = b"".join(encode_raster(layout, 576, "full"))
        assert printer.received[300:] == whole  # the same ticket, whole, on a new connection
        assert qr_texts(render(whole).image) == [f"{core.url}/t/{ticket['id']}"]
        assert len(tickets(core)) == 1  # a reprint issues nothing


def test_a_printer_unplugged_and_plugged_back_works_again_without_a_restart(tmp_path, printer):
    with (
        serve(tmp_path, config=hall_config(tmp_path)) as core,
        running_kiosk(tmp_path, core.url, network_printer(printer.address), kiosk="printer_check_s = 2") as kiosk,
    ):
        kiosk.ready()
        printer.unplug()
        kiosk.show("printer_fault")
        kiosk.until(lambda: device_status(core)["parts"]["printer"]["state"] == "fault", what="the core told")
        assert "away" in device_status(core)["parts"]["printer"]["message"]
        printer.plug_in()
        kiosk.show("home")
        kiosk.tap("service", "general")
        kiosk.show("result")
        assert len(tickets(core)) == 1 and printer.received.endswith(
            b"".join(encode_raster(kiosk.app.flow.layout, 576))
        )


def test_with_the_core_away_the_kiosk_pauses_issues_nothing_and_comes_back_by_itself(tmp_path, printer):
    hall = tmp_path / "hall.toml"
    hall.write_text(hall_text("en"), encoding="utf-8")
    with (
        CoreProcess(tmp_path, hall=hall) as core,
        running_kiosk(tmp_path, core.url, network_printer(printer.address)) as kiosk,
    ):
        kiosk.ready()
        card = kiosk.panel("service", "general")
        core.stop("SIGKILL")
        kiosk.show("core_away")
        kiosk.save("core-away-after-kill-en")
        kiosk.touch(card)
        kiosk.step(3)
        assert kiosk.showing == "core_away" and not kiosk.app.dispenser.busy
        core.start()
        kiosk.show("home", seconds=30)
        kiosk.tap("service", "general")
        kiosk.show("result")
        with CoreClient(core.url) as anyone:
            issued = anyone.hall()
        assert sum(s["waiting"] for s in issued["services"]) == 1  # only the tap after the core came back
        assert kiosk.app.shown.ticket["number"] == "A001"


def test_a_service_no_window_can_take_is_greyed_with_the_reason_and_takes_no_tap(tmp_path, printer):
    """Greyed only when no ticket can be issued at all (its windows closed for the day): a service whose only
    window paused for lunch still takes tickets, into its shared queue, and says 请留意叫号 instead of a wait."""
    with (
        serve(tmp_path, config=hall_config(tmp_path)) as core,
        running_kiosk(tmp_path, core.url, network_printer(printer.address)) as kiosk,
    ):
        kiosk.ready()
        caller = core.client("caller-5")
        caller.act(5, "sign-in", {"clerk": "c05", "pin": "5555"})
        caller.act(5, "pause", {"reason": "午休"})
        caller.close()
        for n in (3, 4):
            status, _ = raw_request(
                core.url,
                "POST",
                f"/api/v1/windows/{n}/close",
                b"{}",
                {**basic("manager"), "Content-Type": "application/json"},
            )
            assert status == 200
        kiosk.until(lambda: not kiosk.app.flow.card("card").available, what="the card service unavailable")
        injury, card = kiosk.app.flow.card("injury"), kiosk.app.flow.card("card")
        assert (injury.available, injury.staffed, injury.estimated_wait_s) == (True, 0, None)
        assert card.why_not == "closed"
        kiosk.save("home-greyed-zh-Hans")
        assert kiosk.app.target("service", "card") is None and kiosk.app.target("service", "injury") is not None
        kiosk.until(lambda: kiosk.app.target("guide", "card"), what="the guide still open")
        # a tap where the greyed button is does nothing
        kiosk.touch(kiosk.to_panel(kiosk.app.target("guide", "card").rect.move(-400, 0).center))
        kiosk.step(2)
        assert kiosk.showing == "home" and tickets(core) == []
        # the lunch-paused service issues into its shared queue: no window, no wait promised
        kiosk.tap("service", "injury")
        kiosk.show("result")
        [ticket] = tickets(core)
        assert (ticket["number"], ticket["window"]) == ("C001", None)
        texts = kiosk.app.flow.layout.texts()
        assert "请留意叫号" in texts and not any(t.startswith("请到") or "无需等候" in t for t in texts)
        assert "None" not in "".join(texts)
        kiosk.tap("done")
        with core.client("caller-5") as caller:
            caller.act(5, "resume")
        kiosk.until(lambda: kiosk.app.flow.card("injury").staffed == 1, what="the window back")


def test_a_ticket_nobody_is_staffed_for_prints_and_shows_watch_for_your_number(tmp_path, printer):
    """Before the clerks sign in: the ticket waits in the shared queue, in each of the hall's languages."""
    for locale, watch in (("zh-Hans", "请留意叫号"), ("zh-Hant", "請留意叫號"), ("en", "Please watch for your number")):
        folder = tmp_path / locale
        folder.mkdir()
        with (
            serve(folder, config=hall_config(folder, locale)) as core,
            running_kiosk(folder, core.url, network_printer(printer.address)) as kiosk,
        ):
            kiosk.ready()
            general = kiosk.app.flow.card("general")
            assert (general.available, general.staffed, general.estimated_wait_s) == (True, 0, None)
            start = len(printer.received)
            kiosk.tap("service", "general")
            kiosk.show("result")
            assert kiosk.app.shown.ticket["window"] is None
            texts = kiosk.app.flow.layout.texts()
            assert watch in texts and "None" not in "".join(texts)
            assert not any("无需等候" in t or "無需等候" in t or "No wait" in t for t in texts)
            paper = render(printer.received[start:], 576)
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            paper.image.save(ARTIFACTS / f"ticket-shared-{locale}.png")
            kiosk.save(f"result-shared-{locale}")


def test_priority_lane_when_the_hall_offers_it(tmp_path, printer):
    with (
        serve(tmp_path, config=hall_config(tmp_path)) as core,
        running_kiosk(tmp_path, core.url, network_printer(printer.address)) as kiosk,
    ):
        kiosk.ready()
        with core.client("kiosk-2") as other_kiosk:
            other_kiosk.issue("general")
        kiosk.tap("priority")
        kiosk.show("priority")
        kiosk.tap("service", "general")
        kiosk.show("result")
        assert [(t["number"], t["priority"]) for t in tickets(core)] == [("A001", False), ("A002", True)]
        assert kiosk.app.shown.ticket["ahead"] == 0  # priority first
        assert "绿色通道" in kiosk.app.flow.layout.texts()


def test_no_priority_button_when_the_hall_offers_none(tmp_path, printer):
    with (
        serve(tmp_path, config=hall_config(tmp_path, priority=False)) as core,
        running_kiosk(tmp_path, core.url, network_printer(printer.address)) as kiosk,
    ):
        kiosk.ready()
        assert kiosk.app.target("priority") is None
        kiosk.save("home-no-priority-zh-Hans")


def test_the_guide_then_take_a_ticket_and_back(tmp_path, printer):
    with (
        serve(tmp_path, config=hall_config(tmp_path)) as core,
        running_kiosk(tmp_path, core.url, network_printer(printer.address)) as kiosk,
    ):
        kiosk.ready()
        kiosk.tap("guide", "injury")
        kiosk.show("guide")
        kiosk.tap("back")
        kiosk.show("home")
        assert tickets(core) == []
        kiosk.tap("guide", "injury")
        kiosk.show("guide")
        kiosk.tap("take")
        kiosk.show("result")
        assert [t["number"] for t in tickets(core)] == ["C001"]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.lock = threading.Lock()

    def __call__(self) -> float:
        with self.lock:
            return self.now

    def advance(self, seconds: float) -> None:
        with self.lock:
            self.now += seconds


def test_every_screen_goes_home_when_left_alone(tmp_path, printer):
    clock = Clock()
    with (
        serve(tmp_path, config=hall_config(tmp_path)) as core,
        running_kiosk(
            tmp_path, core.url, network_printer(printer.address), kiosk="idle_s = 30\nresult_s = 10", clock=clock
        ) as kiosk,
    ):
        kiosk.ready()
        kiosk.tap("service", "general")
        kiosk.show("result")
        clock.advance(9.9)
        kiosk.step()
        assert kiosk.showing == "result"
        clock.advance(0.2)
        kiosk.show("home")
        kiosk.tap("guide", "general")
        kiosk.show("guide")
        clock.advance(29.5)
        kiosk.step()
        assert kiosk.showing == "guide"
        clock.advance(1)
        kiosk.show("home")
        assert len(tickets(core)) == 1


def test_a_device_the_core_will_not_serve_issues_nothing_and_says_so(tmp_path, printer):
    """A kiosk started with another device's credentials: the core refuses, the citizen is told."""
    with (
        serve(tmp_path, config=hall_config(tmp_path, "en")) as core,
        running_kiosk(tmp_path, core.url, network_printer(printer.address), device="display-1") as kiosk,
    ):
        kiosk.ready()
        kiosk.tap("service", "general")
        kiosk.show("notice")
        assert kiosk.app.shown.notice == "refused" and tickets(core) == []
        assert printer.received == b""
        kiosk.save("notice-refused-en")
        kiosk.tap("done")
        kiosk.show("home")


@pytest.mark.parametrize("size", [PORTRAIT, LANDSCAPE], ids=["portrait", "landscape"])
def test_a_picture_turned_for_the_panel_takes_taps_where_it_shows_them(tmp_path, printer, size):
    """A landscape panel mounted upright (and the other way round): the picture is turned, taps are turned back."""
    turned = (size[1], size[0])
    orientation = "portrait" if size == PORTRAIT else "landscape"
    with (
        serve(tmp_path, config=hall_config(tmp_path)) as core,
        running_kiosk(
            tmp_path, core.url, network_printer(printer.address), kiosk=f'orientation = "{orientation}"', size=turned
        ) as kiosk,
    ):
        kiosk.ready()
        assert kiosk.app.rotate == 90 and kiosk.app.picture.get_size() == size
        import pygame

        pygame.image.save(kiosk.app.screen, str(ARTIFACTS / f"panel-turned-{orientation}.png"))
        kiosk.tap("service", "card")
        kiosk.show("result")
        assert [t["number"] for t in tickets(core)] == ["E001"]


def test_the_health_report_is_what_the_core_accepts(tmp_path, printer):
    with (
        serve(tmp_path, config=hall_config(tmp_path)) as core,
        running_kiosk(tmp_path, core.url, network_printer(printer.address)) as kiosk,
    ):
        kiosk.ready()
        report = kiosk.app.health()
        assert set(report) == {"ok", "message", "parts", "version"} and report["ok"] is True
        assert report["parts"]["screen"] == {"state": "ok", "message": "open", "size": "1080x1920", "turned": 0}
        assert report["parts"]["printer"]["where"] == f"127.0.0.1:{printer.port}"
        status, body = raw_request(
            core.url,
            "POST",
            "/api/v1/devices/kiosk-1/status",
            json.dumps(report).encode(),
            {"Authorization": f"Bearer {token('kiosk-1')}", "Content-Type": "application/json"},
        )
        assert status == 200, body
        # the report stays the same from ticket to ticket: no event, no log entry per citizen
        kiosk.tap("service", "general")
        kiosk.show("result")
        assert kiosk.app.health() == report


def test_a_kiosk_without_a_core_at_first_says_it_is_connecting(tmp_path, printer):
    from tests.support.process import free_port

    with running_kiosk(tmp_path, f"http://127.0.0.1:{free_port()}", network_printer(printer.address)) as kiosk:
        kiosk.show("starting")
        kiosk.save("starting-zh-Hans")
        assert kiosk.app.targets == []


def test_the_screenshots_folder_keeps_a_picture_of_each_screen(tmp_path, printer):
    from onewindow.kiosk.app import KioskApp, Options
    from onewindow.kiosk.settings import read_settings
    from onewindow.rolefile import load_role
    from tests.support.kiosk_rig import Kiosk, role_text

    shots = tmp_path / "shots"
    with serve(tmp_path, config=hall_config(tmp_path)) as core:
        path = tmp_path / "kiosk.toml"
        path.write_text(role_text(core.url, network_printer(printer.address)), encoding="utf-8")
        app = KioskApp(
            load_role(path, "kiosk", read_settings), Options(windowed=True, size=(540, 960), screenshot_dir=shots)
        )
        app.flow.guard_s = 0
        app.open()
        try:
            kiosk = Kiosk(app)
            kiosk.ready()
            kiosk.tap("service", "general")
            kiosk.show("result")
        finally:
            app.close()
    names = sorted(p.name for p in Path(shots).glob("*.png"))
    assert [n.split("-", 1)[1] for n in names][-3:] == ["home.png", "printing.png", "result.png"]


def test_a_kiosk_with_its_screen_disabled_still_watches_its_printer_and_reports(tmp_path, printer):
    with (
        serve(tmp_path, config=hall_config(tmp_path)) as core,
        running_kiosk(tmp_path, core.url, network_printer(printer.address), screen="enabled = false") as kiosk,
    ):
        kiosk.until(
            lambda: (device_status(core) or {}).get("parts", {}).get("printer", {}).get("state") == "ok",
            what="a report with the printer",
        )
        report = device_status(core)
        assert report["parts"]["screen"]["state"] == "warning" and report["parts"]["printer"]["state"] == "ok"
        assert kiosk.app.screen is None and kiosk.showing is None


def test_rendered_text_is_kept_within_its_memory_budget():
    import os

    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    from onewindow.kiosk.draw import Type

    faces = Type()
    for n in range(60):  # a morning of tickets, each number drawn 300 pixels tall on its result screen
        faces.render(f"A{n:03d}", 300, (10, 74, 160), "zh-Hans", True)
    assert 0 < faces.cached_bytes <= Type.CACHE_BYTES
    assert faces.render("A059", 300, (10, 74, 160), "zh-Hans", True) is faces.render(
        "A059", 300, (10, 74, 160), "zh-Hans", True
    )


def test_while_printing_only_the_ring_turns(tmp_path, printer):
    """Between frames of the printing screen only the ring is drawn again; the words stay as they were."""
    import pygame

    printer.status.printer = None  # a printer slow to answer keeps the printing screen up for a while
    with (
        serve(tmp_path, config=hall_config(tmp_path)) as core,
        running_kiosk(tmp_path, core.url, network_printer(printer.address), kiosk="printer_check_s = 300") as kiosk,
    ):
        kiosk.ready()
        kiosk.tap("service", "general")
        assert kiosk.showing == "printing"
        before = kiosk.app.picture.copy()
        ring = kiosk.app._turning
        assert ring is not None
        time.sleep(0.2)
        kiosk.step()
        (cx, cy), radius, _, _ = ring
        box = pygame.Rect(cx - radius, cy - radius, 2 * radius, 2 * radius)
        after = kiosk.app.picture
        changed = [
            (x, y)
            for x in range(0, after.get_width(), 4)
            for y in range(0, after.get_height(), 4)
            if before.get_at((x, y)) != after.get_at((x, y))
        ]
        assert changed and all(box.collidepoint(p) for p in changed)
        kiosk.show("result", seconds=30)
        assert len(tickets(core)) == 1

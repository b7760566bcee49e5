"""Every screen of the kiosk, reached the way a citizen (or a fault) reaches it, saved as PNG in each language.

Saved to tests/artifacts/kiosk/<locale>-<portrait|landscape>-<screen>.png for a person to look at; the test
itself checks that every text fitted its box (none shrunk past its smallest size or cut) and that each screen
offers exactly the buttons it should.
"""

from __future__ import annotations

import pytest

from onewindow.kiosk.flow import NotIssued
from tests.support.fake_printer import FINE, OUT, NetworkPrinter
from tests.support.hall import PINS, serve
from tests.support.kiosk_rig import LANDSCAPE, PORTRAIT, hall_config, network_printer, running_kiosk

CASES = [
    ("zh-Hans", PORTRAIT),
    ("zh-Hans", LANDSCAPE),
    ("en", PORTRAIT),
    ("en", LANDSCAPE),
    ("zh-Hant", PORTRAIT),
]


# the hall's hours as the core describes them after the day's last ticket (a Friday: next opening Monday)
CLOSED_TONIGHT = {
    "open": True,
    "issuing": False,
    "today": "08:30-12:00 14:00-17:30",
    "next_opening": "2026-11-30T08:30:00+08:00",
    "last_ticket": "2026-11-27T17:00:00+08:00",
}


def paused(kiosk, window: int) -> bool:
    snapshot = kiosk.app.flow.snapshot or {}
    return any(w["number"] == window and w["state"] == "paused" for w in snapshot.get("windows", []))


def actions(kiosk) -> list[tuple[str, str | None]]:
    return sorted({(t.action, t.arg) for t in kiosk.app.targets}, key=lambda a: (a[0], a[1] or ""))


@pytest.mark.parametrize(
    ("locale", "size"), CASES, ids=[f"{loc}-{'portrait' if s == PORTRAIT else 'landscape'}" for loc, s in CASES]
)
def test_every_screen(tmp_path, locale, size):
    shape = "portrait" if size == PORTRAIT else "landscape"
    name = f"{locale}-{shape}"
    printer = NetworkPrinter()
    try:
        with (
            serve(tmp_path, config=hall_config(tmp_path, locale)) as core,
            running_kiosk(
                tmp_path,
                core.url,
                network_printer(printer.address),
                kiosk=f'orientation = "{shape}"\nprinter_check_s = 2',
                size=size,
            ) as kiosk,
        ):
            # a morning with people waiting; the injury window paused for lunch: its tickets wait for it
            with core.client("caller-1") as caller:
                for n in (1, 2, 3):
                    caller.act(n, "sign-in", {"clerk": f"c0{n}", "pin": PINS[f"c0{n}"]})
            with core.client("caller-4") as caller:
                caller.act(4, "sign-in", {"clerk": "c04", "pin": PINS["c04"]})
            with core.client("kiosk-2") as other:
                for service in ["general"] * 7 + ["card"] * 2:
                    other.issue(service)
            with core.client("caller-5") as caller:
                caller.act(5, "sign-in", {"clerk": "c05", "pin": "5555"})
                caller.act(5, "pause", {"reason": {"en": "lunch"}.get(locale, "午休")})
            kiosk.ready()
            kiosk.until(lambda: paused(kiosk, 5) and kiosk.app.flow.card("general").waiting == 7, what="5 paused")
            assert kiosk.app.flow.card("injury").unstaffed
            kiosk.save(f"{name}-home")
            assert ("priority", None) in actions(kiosk) and ("service", "injury") in actions(kiosk)

            kiosk.tap("guide", "general")
            kiosk.show("guide")
            kiosk.save(f"{name}-guide")
            assert actions(kiosk) == [("back", None), ("take", "general")]
            kiosk.tap("back")

            # elder mode: its services, a service's guide, the call for staff, and out again
            kiosk.tap("elder", "on")
            kiosk.until(lambda: kiosk.app.target("help"), what="elder mode")
            kiosk.save(f"{name}-elder")
            assert ("guide", "general") in actions(kiosk) and ("service", "general") not in actions(kiosk)
            kiosk.tap("guide", "general")
            kiosk.show("guide")
            kiosk.save(f"{name}-elder-guide")
            kiosk.tap("back")
            kiosk.tap("help")
            kiosk.show("help")
            kiosk.save(f"{name}-help")
            kiosk.tap("back")
            kiosk.tap("elder", "off")
            kiosk.until(lambda: kiosk.app.target("elder", "on"), what="the ordinary services")

            kiosk.tap("priority")
            kiosk.show("priority")
            kiosk.save(f"{name}-priority")
            kiosk.tap("service", "general")
            assert kiosk.showing == "printing"
            kiosk.save(f"{name}-printing")
            kiosk.show("result")
            kiosk.save(f"{name}-result-priority")
            kiosk.tap("done")

            kiosk.tap("service", "general")
            kiosk.show("result")
            kiosk.save(f"{name}-result")
            kiosk.tap("done")

            kiosk.tap("service", "injury")  # nobody at its window: the shared queue
            kiosk.show("result")
            assert kiosk.app.shown.ticket["window"] is None
            kiosk.save(f"{name}-result-shared")
            kiosk.tap("done")

            printer.close_after = len(printer.received) + 500
            kiosk.tap("service", "card")
            kiosk.show("print_failed")
            kiosk.save(f"{name}-print-failed")
            assert actions(kiosk) == [("done", None), ("reprint", None)]
            kiosk.tap("reprint")
            assert kiosk.showing == "printing"
            kiosk.save(f"{name}-reprinting")
            kiosk.show("result")
            kiosk.tap("done")

            printer.status.paper = OUT
            kiosk.show("paper_out")
            kiosk.save(f"{name}-paper-out")
            assert actions(kiosk) == []
            printer.status.paper = FINE
            kiosk.show("home")

            printer.unplug()
            kiosk.show("printer_fault")
            kiosk.save(f"{name}-printer-fault")
            printer.plug_in()
            kiosk.show("home")

            # a service that became unavailable between the tap and the core: said so, then home
            kiosk.app.flow.done(NotIssued("unavailable", "no window can take this service now"), kiosk.app.clock())
            kiosk.show("notice")
            kiosk.save(f"{name}-notice-unavailable")
            kiosk.tap("done")
            kiosk.show("home")

            # the hall's hours: past the last ticket, the kiosk says when to come back and takes no tap
            kiosk.app.live.snapshot = {**kiosk.app.live.snapshot, "hours": CLOSED_TONIGHT}
            kiosk.show("closed")
            kiosk.save(f"{name}-closed")
            assert actions(kiosk) == []
            kiosk.app.live.refresh()  # the core (which has no hours) says the hall issues
            kiosk.show("home")

            # last: the event stream goes quiet for good, as when the core is away
            kiosk.app.live.stop()
            kiosk.show("core_away")
            kiosk.save(f"{name}-core-away")
            assert actions(kiosk) == []
    finally:
        printer.close()


def test_chinese_is_drawn_in_its_own_glyph_forms():
    """pygame.font would take the Japanese face of Noto CJK; the kiosk asks for the SC or TC face by index."""
    import os

    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    from onewindow.kiosk.draw import Type

    faces = Type()
    assert faces.font("zh-Hans", False).name == "Noto Sans CJK SC"
    assert faces.font("zh-Hans", True).name == "Noto Sans CJK SC"
    assert faces.font("zh-Hant", True).name == "Noto Sans CJK TC"


@pytest.mark.parametrize("size", [PORTRAIT, LANDSCAPE], ids=["portrait", "landscape"])
def test_the_example_hall_with_the_example_kiosk_file(tmp_path, size):
    """The shipped hall (five services, long names, 26 windows) with kiosk-1's example token: a ticket each."""
    from pathlib import Path

    from onewindow.hallfile import load_hall
    from onewindow.kiosk.app import KioskApp, Options
    from onewindow.kiosk.settings import read_settings
    from onewindow.rolefile import load_role
    from tests.support.kiosk_rig import Kiosk

    examples = Path(__file__).resolve().parents[1] / "config" / "examples"
    shape = "portrait" if size == PORTRAIT else "landscape"
    printer = NetworkPrinter()
    try:
        with serve(tmp_path, config=load_hall(examples / "hall.toml")) as core:
            text = (examples / "kiosk-1.toml").read_text(encoding="utf-8")
            text = text.replace('core = "http://127.0.0.1:8080"', f'core = "{core.url}"')
            text = text.replace('host = "10.0.0.31"\nport = 9100', f'host = "127.0.0.1"\nport = {printer.port}')
            text = text.replace('orientation = "portrait"', f'orientation = "{shape}"')
            role = tmp_path / "kiosk-1.toml"
            role.write_text(text, encoding="utf-8")
            app = KioskApp(load_role(role, "kiosk", read_settings), Options(windowed=True, size=size))
            app.flow.guard_s = 0
            app.open()
            try:
                kiosk = Kiosk(app)
                kiosk.ready()
                kiosk.save(f"example-hall-{shape}-home")
                for service in [s.id for s in core.config.services]:
                    kiosk.tap("service", service)
                    kiosk.show("result")
                    kiosk.tap("done")
                    kiosk.show("home")
                kiosk.tap("guide", "medical-remote")
                kiosk.show("guide")
                kiosk.save(f"example-hall-{shape}-guide")
            finally:
                app.close()
            numbers = core.core.read(lambda hall: sorted(t.number for t in hall.tickets.values()))
            assert numbers == ["A001", "B001", "C001", "D001", "E001"]
    finally:
        printer.close()

"""Every screen of the kiosk, reached the way a citizen (or a fault) reaches it, saved as PNG in each language.

Saved to tests/artifacts/kiosk/<locale>-<portrait|landscape>-<screen>.png for a person to look at; the test
itself checks that every text fitted its box (none shrunk past its smallest size or cut) and that each screen
offers exactly the buttons it should.
"""

from __future__ import annotations

import pytest

from onewindow.kiosk.flow import NotIssued
from tests.support.fake_printer import FINE, OUT, NetworkPrinter
from tests.support.hall import serve
from tests.support.kiosk_rig import LANDSCAPE, PORTRAIT, hall_config, network_printer, running_kiosk

CASES = [
    ("zh-Hans", PORTRAIT),
    ("zh-Hans", LANDSCAPE),
    ("en", PORTRAIT),
    ("en", LANDSCAPE),
    ("zh-Hant", PORTRAIT),
]


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
            # a morning with people waiting; the injury window paused for lunch
            with core.client("kiosk-2") as other:
                for service in ["general"] * 7 + ["card"] * 2:
                    other.issue(service)
            with core.client("caller-5") as caller:
                caller.act(5, "sign-in", {"clerk": "c05", "pin": "5555"})
                caller.act(5, "pause", {"reason": {"en": "lunch"}.get(locale, "午休")})
            kiosk.ready()
            kiosk.until(lambda: not kiosk.app.flow.card("injury").available, what="injury paused")
            kiosk.save(f"{name}-home")
            assert ("priority", None) in actions(kiosk) and ("service", "injury") not in actions(kiosk)

            kiosk.tap("guide", "general")
            kiosk.show("guide")
            kiosk.save(f"{name}-guide")
            assert actions(kiosk) == [("back", None), ("take", "general")]
            kiosk.tap("back")

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

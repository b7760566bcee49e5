"""The documentation's pictures of what citizens see, from the example hall, drawn by the roles' own code.

A core in this process on `config/examples/hall.toml` over a throwaway SQLite file, its clock set to a Friday
morning in November: half the clerks signed in, the 工伤认定 windows not yet, one window paused for a meeting.
From its `/api/v1/hall` snapshot the kiosk's drawing code draws its screens and the ticket printer's renderer
the printed slip, and the display's page the TV; the closed kiosk is the same hall at 17:10.

    python -m bench.pictures    # writes docs/images/kiosk-screens.png, display-tv.png and display-tv-portrait.png
"""

from __future__ import annotations

import argparse
import os
import tempfile
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import pygame  # noqa: E402
from PIL import Image  # noqa: E402

from onewindow import hours as calendar  # noqa: E402
from onewindow.dispatch.api.views import hall_view, ticket_view  # noqa: E402
from onewindow.dispatch.core import Core  # noqa: E402
from onewindow.dispatch.domain import Hall  # noqa: E402
from onewindow.dispatch.store import Store  # noqa: E402
from onewindow.display.page import Page  # noqa: E402
from onewindow.display.settings import read_settings as display_settings  # noqa: E402
from onewindow.display.state import parse_time, scene_from_snapshot, with_calls  # noqa: E402
from onewindow.drivers.printer.preview import render  # noqa: E402
from onewindow.drivers.printer.raster import encode_raster  # noqa: E402
from onewindow.hallfile import HallConfig, load_hall  # noqa: E402
from onewindow.kiosk import draw, flow  # noqa: E402
from onewindow.kiosk.issuing import layout_for  # noqa: E402
from onewindow.kiosk.paint import HallWords  # noqa: E402
from onewindow.rolefile import load_role  # noqa: E402
from tests.support.hall import Clock  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "config" / "examples"
IMAGES = ROOT / "docs" / "images"
ZONE = ZoneInfo("Asia/Shanghai")
MORNING = datetime(2026, 11, 27, 9, 5, tzinfo=ZONE)  # a Friday
EVENING = datetime(2026, 11, 27, 17, 10, tzinfo=ZONE)  # past the day's last ticket (17:00)
KIOSK = (1080, 1920)
PANEL = (430, 764)  # each kiosk screen in the picture
BACKDROP = (40, 44, 52)
STATUS_URL = "https://shebao.example.gov.cn/t/"


def morning(core: Core, clock: Clock) -> None:
    """Up to 09:05: the general windows staffed and calling, 工伤认定's clerks not yet in, window 20 in a
    meeting; the calls a few seconds apart, window 9's last."""

    def arrive(h: Hall) -> None:
        for n in [*range(1, 15), 19, 20, 23, 25]:
            h.sign_in(n, f"c{n:02d}", "pictures")
        for service, count in (("general", 52), ("card", 6), ("pension-review", 3), ("medical-remote", 2)):
            for _ in range(count):
                h.issue(service, False, "pictures")
        h.issue("injury", False, "pictures")  # nobody at 21 or 22 yet: the shared queue
        h.pause(20, "pictures", "会议")

    clock.now -= 20 * 20
    core.execute(arrive)
    for n in [*range(1, 9), *range(10, 15), 19, 23, 25, 9]:
        clock.now += 20
        core.execute(lambda h, n=n: h.call(n, "pictures") and n % 3 == 1 and h.start(n, "pictures"))
    clock.now = MORNING.timestamp()


def hours_now(config: HallConfig, at: datetime) -> dict[str, Any] | None:
    """The hall's hours as the core's snapshot gives them (`hours` of /api/v1/hall), from the same calendar."""
    hours = config.hours
    if hours is None:
        return None

    def iso(when: datetime | None) -> str | None:
        return None if when is None else when.isoformat(timespec="seconds")

    return {
        "open": calendar.is_open(hours, at),
        "issuing": calendar.is_issuing(hours, at),
        "today": calendar.day_text(hours, at.date()),
        "next_opening": iso(calendar.next_opening(hours, at)),
        "last_ticket": iso(calendar.last_ticket(hours, at)),
    }


def kiosk_screen(snapshot: dict[str, Any], view: flow.View, at: datetime) -> Image.Image:
    surface = pygame.Surface(KIOSK)
    scene = draw.Scene(
        view=view,
        hall_name=snapshot["name"],
        cards=flow.cards(snapshot),
        priority_offered=bool(snapshot.get("priority")),
        now=at,
        words=HallWords.of(snapshot),
    )
    painter = draw.draw(surface, draw.Type(), snapshot["locale"], scene)
    assert painter.overflow == [], painter.overflow
    return Image.frombytes("RGB", KIOSK, pygame.image.tobytes(surface, "RGB"))


def kiosk_picture(core: Core, snapshot: dict[str, Any]) -> Image.Image:
    """Home with live waits (工伤认定: 请留意叫号), a ticket to a window, one in the shared queue and its
    printed slip, and the closed kiosk in the evening."""
    general, _ = core.execute(lambda h: h.issue("general", False, "pictures"))
    injury, _ = core.execute(lambda h: h.issue("injury", False, "pictures"))
    tickets = [core.read(lambda h, t=t: ticket_view(h, t)) for t in (general, injury)]
    evening = {**snapshot, "hours": hours_now(core.config, EVENING)}
    closed = flow.closed_by_hours(evening["hours"], EVENING)
    assert closed is not None
    screens = [
        kiosk_screen(snapshot, flow.View(flow.HOME), MORNING),
        kiosk_screen(snapshot, flow.View(flow.RESULT, ticket=tickets[0]), MORNING),
        kiosk_screen(snapshot, flow.View(flow.RESULT, ticket=tickets[1]), MORNING),
        kiosk_screen(evening, flow.View(flow.CLOSED, closed=closed), EVENING),
    ]
    layout = layout_for(tickets[1], snapshot, STATUS_URL + "3f2a9c0d1e4b5a69")
    slip = render(b"".join(encode_raster(layout, 576)), 576).image.convert("RGB")
    panels = [s.resize(PANEL, Image.Resampling.LANCZOS) for s in screens]
    slip_h = min(PANEL[1], slip.height * PANEL[0] // slip.width)
    panels.insert(3, slip.resize((slip.width * slip_h // slip.height, slip_h), Image.Resampling.LANCZOS))
    gap = 18
    picture = Image.new("RGB", (sum(p.width for p in panels) + gap * (len(panels) + 1), PANEL[1] + 2 * gap), BACKDROP)
    x = gap
    for panel in panels:
        picture.paste(panel, (x, gap))
        x += panel.width + gap
    return picture


def tv_moment(core: Core, clock: Clock) -> None:
    """Up to 09:05:40 for the TV: the citizens called before 09:03 have come to their windows, but those of
    windows 14 and 23 (boxed: 请尽快); two priority tickets (绿色通道) issued and called at windows 4 and 10."""

    def arrive(h: Hall) -> None:
        for n in (2, 3, 5, 6, 8, 11, 12):
            h.start(n, "pictures")
        for _ in range(2):
            h.issue("general", True, "pictures")

    clock.now += 5
    core.execute(arrive)
    for seconds, n in ((10, 4), (25, 10)):
        clock.now += seconds
        core.execute(lambda h, n=n: h.call(n, "pictures"))


def tv_picture(snapshot: dict[str, Any], size: tuple[int, int] = (1920, 1080)) -> Image.Image:
    """The TV of the example display role file, the newest call flashing."""
    options = load_role(EXAMPLES / "display-1.toml", "display", display_settings).settings.display
    hall_now = parse_time(snapshot["now"]) or MORNING.timestamp()
    scene = scene_from_snapshot(snapshot, clock=lambda: hall_now, calls_kept=12)
    page = Page(size, options)
    # the moment the scrolling notice line starts with the day's hours, the newest call flashing then
    layout = page.layout(scene)
    now = (layout.regions["notice"].width - 2 * layout.margin) / (options.notice_speed * layout.notice_size)
    newest, *older = scene.calls
    scene = with_calls(scene, [replace(newest, seen=now - 0.1, fresh=True), *older])
    page.options = replace(options, page_s=max(options.page_s, now + 1))  # and the windows' first page
    surface = page.render(scene, now=now)
    return Image.frombytes("RGB", size, pygame.image.tobytes(surface, "RGB"))


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.pictures", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=IMAGES, help="folder for the PNGs (default docs/images)")
    args = parser.parse_args()
    config = load_hall(EXAMPLES / "hall.toml")
    with tempfile.TemporaryDirectory() as folder:
        clock = Clock(MORNING)
        core = Core(config, Store(str(Path(folder) / "hall.sqlite")), clock=clock)
        try:
            morning(core, clock)
            snapshot = core.read(lambda h: hall_view(h, core.broker.last_seq))
            # the core gives the hours in its snapshot; a core without them is drawn with the same calendar's
            snapshot.setdefault("hours", hours_now(config, MORNING))
            args.out.mkdir(parents=True, exist_ok=True)
            kiosk_picture(core, snapshot).save(args.out / "kiosk-screens.png", optimize=True)
            tv_moment(core, clock)
            tv = core.read(lambda h: hall_view(h, core.broker.last_seq))
            tv.setdefault("hours", hours_now(config, MORNING))
            tv_picture(tv).save(args.out / "display-tv.png", optimize=True)
            tv_picture(tv, (1080, 1920)).save(args.out / "display-tv-portrait.png", optimize=True)
        finally:
            core.close()
    written = "kiosk-screens.png, display-tv.png, display-tv-portrait.png"
    print(f"{args.out}/{{{written}}}: the example hall on {MORNING:%A %Y-%m-%d}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

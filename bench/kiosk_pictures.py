"""The kiosk documentation's pictures of elder mode, the fault screens and the printed tickets, from the example hall.

The same Friday morning as `bench.pictures` (its core on `config/examples/hall.toml`, its clock at 09:05): the
kiosk's drawing code draws the screens at 1080x1920 and 1920x1080, the printer's raster renderer the slips at
80 mm (576 dots) and 58 mm (384 dots), each slip of the very ticket on the screen beside it.

    python -m bench.kiosk_pictures      # writes docs/images/kiosk-{ticket,elder,faults,print-test}.png
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path
from typing import Any

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import pygame  # noqa: E402
from PIL import Image  # noqa: E402

from onewindow.dispatch.api.views import hall_view, ticket_view  # noqa: E402
from onewindow.dispatch.core import Core  # noqa: E402
from onewindow.dispatch.store import Store  # noqa: E402
from onewindow.drivers.printer.layout import TicketLayout  # noqa: E402
from onewindow.drivers.printer.preview import render  # noqa: E402
from onewindow.drivers.printer.raster import encode_raster  # noqa: E402
from onewindow.hallfile import load_hall  # noqa: E402
from onewindow.kiosk import draw, flow  # noqa: E402
from onewindow.kiosk.issuing import layout_for  # noqa: E402
from onewindow.kiosk.paint import HallWords  # noqa: E402
from onewindow.kiosk.ticket import sample_layout  # noqa: E402

from .pictures import BACKDROP, EVENING, EXAMPLES, IMAGES, MORNING, STATUS_URL, Clock, hours_now, morning  # noqa: E402

PORTRAIT, LANDSCAPE = (1080, 1920), (1920, 1080)
HEIGHT = 900  # every panel of a picture is scaled to this height


def screen(snapshot: dict[str, Any], view: flow.View, size: tuple[int, int], at=MORNING) -> Image.Image:
    surface = pygame.Surface(size)
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
    return Image.frombytes("RGB", size, pygame.image.tobytes(surface, "RGB"))


def slip(layout: TicketLayout, dots: int) -> Image.Image:
    """The paper the printer would give, from the very bytes the kiosk sends it."""
    return render(b"".join(encode_raster(layout, dots)), dots).image.convert("RGB")


def row(panels: list[Image.Image], height: int = HEIGHT, scale_by: Image.Image | None = None) -> Image.Image:
    """Panels side by side on a dark backdrop, each scaled to `height`; slips keep their paper widths to scale
    against each other (80 mm wider than 58 mm) when `scale_by` names the tallest slip."""
    gap = 20
    scaled = []
    for panel in panels:
        reference = scale_by if scale_by is not None and panel.width <= 576 else panel
        factor = height / reference.height
        scaled.append(
            panel.resize((round(panel.width * factor), round(panel.height * factor)), Image.Resampling.LANCZOS)
        )
    picture = Image.new("RGB", (sum(p.width for p in scaled) + gap * (len(scaled) + 1), height + 2 * gap), BACKDROP)
    x = gap
    for panel in scaled:
        picture.paste(panel, (x, gap))
        x += panel.width + gap
    return picture


def pictures(core: Core, snapshot: dict[str, Any], out: Path) -> list[Path]:
    general, _ = core.execute(lambda h: h.issue("card", False, "pictures"))
    ticket = core.read(lambda h: ticket_view(h, general))
    layout = layout_for(ticket, snapshot, STATUS_URL + "3f2a9c0d1e4b5a69")
    wide, narrow = slip(layout, 576), slip(layout, 384)
    written = []
    result = screen(snapshot, flow.View(flow.RESULT, ticket=ticket), LANDSCAPE)
    written.append(out / "kiosk-ticket.png")
    row([result, wide, narrow], scale_by=wide).save(written[-1], optimize=True)
    elder_views = [
        screen(snapshot, flow.View(flow.HOME, elder=True), PORTRAIT),
        screen(snapshot, flow.View(flow.HOME, elder=True), LANDSCAPE),
        screen(snapshot, flow.View(flow.HELP, elder=True), PORTRAIT),
    ]
    written.append(out / "kiosk-elder.png")
    row(elder_views).save(written[-1], optimize=True)
    evening = {**snapshot, "hours": hours_now(core.config, EVENING)}
    closed = flow.closed_by_hours(evening["hours"], EVENING)
    faults = [
        screen(snapshot, flow.View(flow.PAPER_OUT), PORTRAIT),
        screen(snapshot, flow.View(flow.CORE_AWAY), LANDSCAPE),
        screen(evening, flow.View(flow.CLOSED, closed=closed), PORTRAIT, EVENING),
    ]
    written.append(out / "kiosk-faults.png")
    row(faults).save(written[-1], optimize=True)
    hall_time = flow.parse_time(snapshot["now"])
    assert hall_time is not None
    words = {"missed_rule": snapshot.get("missed_rule") or "", "hotline": snapshot.get("hotline") or ""}
    test = sample_layout(snapshot["locale"], snapshot["name"], hall_time, **words)
    written.append(out / "kiosk-print-test.png")
    test_wide = slip(test, 576)
    row([test_wide, slip(test, 384)], scale_by=test_wide).save(written[-1], optimize=True)
    return written


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.kiosk_pictures", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=IMAGES, help="folder for the PNGs (default docs/images)")
    args = parser.parse_args()
    config = load_hall(EXAMPLES / "hall.toml")
    with tempfile.TemporaryDirectory() as folder:
        clock = Clock(MORNING)
        core = Core(config, Store(str(Path(folder) / "hall.sqlite")), clock=clock)
        try:
            morning(core, clock)
            snapshot = core.read(lambda h: hall_view(h, core.broker.last_seq))
            snapshot.setdefault("hours", hours_now(config, MORNING))
            args.out.mkdir(parents=True, exist_ok=True)
            for path in pictures(core, snapshot, args.out):
                print(path)
        finally:
            core.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The documentation's pictures of the citizen's phone page and the window's web evaluator, from the example hall.

A core on `config/examples/hall.toml` over a throwaway SQLite file, served on loopback, its clock on the Friday
morning of bench/pictures.py; Debian's Chromium (headless, through Playwright) opens the pages as a citizen's phone
(390x844) and the window's tablet (1280x800) would.

    python -m bench.citizen_pictures    # writes docs/images/web-ticket.png and docs/images/web-evaluator*.png
"""

from __future__ import annotations

import argparse
import tempfile
import tomllib
from pathlib import Path
from typing import Any

from PIL import Image
from playwright.sync_api import Page, expect, sync_playwright

from bench.pictures import EXAMPLES, IMAGES, MORNING, morning
from onewindow.dispatch.core import Core
from onewindow.dispatch.domain import Hall
from onewindow.dispatch.store import Store
from onewindow.hallfile import load_hall
from tests.support.hall import Clock, serving

PHONE = {"width": 390, "height": 844}
TABLET = {"width": 1280, "height": 800}  # a 10-inch tablet at the counter, landscape
GAP, BACKDROP = 24, (40, 44, 52)
CHROMIUM = "/usr/bin/chromium"


def served_until_case(h: Hall, window: int, ticket_id: str) -> None:
    """Window `window` calls until it reaches the ticket, then finishes it: its unit now has the case."""
    while (current := h.windows[window].current) is None or current.id != ticket_id:
        h.call(window, "pictures")
    h.finish(window, "pictures")


def phone_pictures(browser: Any, url: str, core: Core, clock: Clock, out: Path) -> Image.Image:
    """Waiting (with the one 换个窗口 button), the windows to move to, and after service: the stage and the rating."""
    mine, _ = core.execute(lambda h: h.issue("general", False, "pictures"))
    page = browser.new_page(viewport=PHONE, device_scale_factor=1)
    page.goto(f"{url}/t/{mine.id}")
    expect(page.locator("#open-move")).to_be_visible()
    waiting = shot(page, out / "web-ticket-waiting.png")
    page.click("#open-move")
    expect(page.locator("#windows li").first).to_be_visible()
    sheet = shot(page, out / "web-ticket-windows.png")
    page.close()

    pension, _ = core.execute(lambda h: h.issue("pension-review", False, "pictures"))
    clock.now += 600
    core.execute(lambda h: served_until_case(h, 19, pension.id))
    page = browser.new_page(viewport=PHONE, device_scale_factor=1)
    page.goto(f"{url}/t/{pension.id}")
    expect(page.locator("#stage")).to_be_visible()
    page.click(".score[data-score='2']")
    for reason in ("等候时间太长", "一次告知不清"):
        page.click(f".chip:text-is('{reason}')")
    page.locator("#send-rating").scroll_into_view_if_needed()  # as the citizen scrolls to send it
    after = shot(page, out / "web-ticket-served.png")
    page.close()
    return side_by_side([waiting, sheet, after])


def evaluator_pictures(browser: Any, url: str, core: Core, token: str, out: Path) -> list[Path]:
    """Window 3's tablet: idle with its clerk, armed with the five faces, then the reasons after a 2."""
    context = browser.new_context(viewport=TABLET, device_scale_factor=1)
    page = context.new_page()
    page.goto(f"{url}/evaluator?window=3")
    page.fill("#device", "evaluator-keypads")
    page.fill("#token", token)
    page.click("[data-view=setup] button")
    expect(page.locator("#idle-clerk .name")).to_be_visible()
    paths = [out / "web-evaluator-idle.png", out / "web-evaluator.png", out / "web-evaluator-reasons.png"]
    page.screenshot(path=str(paths[0]))

    core.execute(lambda h: h.call(3, "pictures") and h.finish(3, "pictures"))
    expect(page.locator("[data-view=rate]")).to_be_visible()
    page.screenshot(path=str(paths[1]))
    page.click(".face[data-score='2']")
    expect(page.locator("[data-view=reasons]")).to_be_visible()
    page.click(".reason:text-is('业务不熟练')")
    page.screenshot(path=str(paths[2]))
    context.close()
    return paths


def shot(page: Page, path: Path) -> Path:
    page.screenshot(path=str(path))
    return path


def side_by_side(paths: list[Path]) -> Image.Image:
    """The phone's screens in a row, each at its own size, on a dark backdrop."""
    images = [Image.open(p).convert("RGB") for p in paths]
    width = sum(i.width for i in images) + GAP * (len(images) + 1)
    height = max(i.height for i in images) + 2 * GAP
    picture = Image.new("RGB", (width, height), BACKDROP)
    x = GAP
    for image in images:
        picture.paste(image, (x, GAP))
        x += image.width + GAP
    return picture


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.citizen_pictures", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=IMAGES, help="folder for the PNGs (default docs/images)")
    args = parser.parse_args()
    config = load_hall(EXAMPLES / "hall.toml")
    # the example evaluator's own token (windows 1-13), as its role file gives it
    token = tomllib.loads((EXAMPLES / "evaluator-keypads.toml").read_text(encoding="utf-8"))["token"]
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        clock = Clock(MORNING)
        core = Core(config, Store(str(Path(folder) / "hall.sqlite")), clock=clock)
        try:
            morning(core, clock)
            with serving(core) as (url, _), sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
                try:
                    row = phone_pictures(browser, url, core, clock, Path(folder))
                    row.save(args.out / "web-ticket.png", optimize=True)
                    for path in evaluator_pictures(browser, url, core, token, Path(folder)):
                        Image.open(path).save(args.out / path.name, optimize=True)
                finally:
                    browser.close()
        finally:
            core.close()
    print(f"{args.out}/web-ticket.png and web-evaluator*.png: the example hall on {MORNING:%A %Y-%m-%d %H:%M}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

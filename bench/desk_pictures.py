"""The documentation's pictures of the clerks' pages (the soft caller, the review station, the key card), from the
example hall, in headless Chromium at a PC's 1440x900 and 1024x768 and a phone's 390x844.

A core on `config/examples/hall.toml` over a throwaway SQLite file, its clock at 10:40 on a Friday in November:
the morning's 异地就医 cases waiting for the medical centre's review (one past its 30-minute limit, one returned to
window 23 with the reviewer's note), a 养老待遇核定 case waiting for approval. The review station is 周婷's
(r03, the medical centre's reviewer); the soft caller is window 23's, whose clerk sees the return.

    python -m bench.desk_pictures       # writes docs/images/web-review-*.png, web-caller-*.png, caller-keys.png
"""

from __future__ import annotations

import argparse
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from playwright.sync_api import sync_playwright

from onewindow.dispatch.core import Core
from onewindow.dispatch.domain import Hall
from onewindow.dispatch.store import Store
from onewindow.hallfile import load_hall
from tests.support.hall import Clock, serving

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "config" / "examples"
IMAGES = ROOT / "docs" / "images"
ZONE = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 11, 27, 8, 35, tzinfo=ZONE)  # a Friday
PIN = "1234"  # every example clerk's
SIZES = {"1440": (1440, 900), "1024": (1024, 768), "390": (390, 844)}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]


def handle(core: Core, clock: Clock, window: int, service: str, minutes: float) -> None:
    """A citizen of `service` served at `window` for `minutes`; the window's finish opens the case."""
    core.execute(lambda h: h.issue(service, False, "pictures"))
    core.execute(lambda h: h.call(window, "pictures") and h.start(window, "pictures"))
    clock.advance(minutes * 60)
    core.execute(lambda h: h.finish(window, "pictures"))


def morning(core: Core, clock: Clock) -> None:
    """From 08:35 to 10:40: the windows in, cases handled at 19, 23 and 24, one returned, one passed on to
    approval, window 23 serving its next citizen with a short queue."""

    def arrive(h: Hall) -> None:
        for n in range(1, 15):
            h.sign_in(n, f"c{n:02d}", "pictures")
        for _ in range(30):
            h.issue("general", False, "pictures")
        for n in (19, 23, 24, 25):  # after the general queue formed: their own business first
            h.sign_in(n, f"c{n:02d}", "pictures")

    core.execute(arrive)
    for n in range(1, 15):
        core.execute(lambda h, n=n: h.call(n, "pictures"))
    handle(core, clock, 23, "medical-remote", 12)  # 08:47, overdue by 10:40
    handle(core, clock, 19, "pension-review", 20)  # 09:07
    handle(core, clock, 24, "medical-remote", 10)  # 09:17: returned
    clock.advance(30 * 60)
    handle(core, clock, 23, "medical-remote", 11)  # 09:58
    handle(core, clock, 24, "medical-remote", 9)  # 10:07
    handle(core, clock, 23, "medical-remote", 14)  # 10:21
    open_cases = core.read(lambda h: [(c.id, c.service, c.window) for c in h.open_cases()])
    pension = next(i for i, s, _ in open_cases if s == "pension-review")
    returned = [i for i, s, w in open_cases if s == "medical-remote" and w == 24][0]
    core.execute(lambda h: h.decide(pension, "review", "r01", "pass", "材料齐全", "clerk:r01@review"))
    core.execute(
        lambda h: h.decide(returned, "review", "r03", "return", "发票缺少医院收费专用章，请市民补充后重新提交", "r03")
    )
    clock.advance(6 * 60)
    for _ in range(6):
        core.execute(lambda h: h.issue("medical-remote", False, "pictures"))
        clock.advance(40)
    core.execute(lambda h: h.call(24, "pictures"))
    clock.advance(60)


def shoot(url: str, out: Path) -> list[Path]:
    written: list[Path] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        for size, (width, height) in SIZES.items():
            for name, sign_in in (("review", review_sign_in), ("caller", caller_sign_in)):
                context = browser.new_context(viewport={"width": width, "height": height}, device_scale_factor=1)
                page = context.new_page()
                page.goto(f"{url}/{name}")
                sign_in(page)
                path = out / f"web-{name}-{size}.png"
                page.screenshot(path=str(path))
                written.append(path)
                context.close()
        context = browser.new_context(viewport={"width": 1100, "height": 640}, device_scale_factor=1)
        page = context.new_page()
        page.goto(f"{url}/caller/keys")
        page.wait_for_selector("#services li")
        page.screenshot(path=str(out / "caller-keys.png"))
        written.append(out / "caller-keys.png")
        browser.close()
    return written


def review_sign_in(page: Any) -> None:
    page.fill("#clerk", "r03")
    page.fill("#pin", PIN)
    page.click("#sign-in-button")
    page.wait_for_selector("#cases li.case.selected .detail")  # the oldest it can decide, opened with its history
    page.wait_for_timeout(200)


def caller_sign_in(page: Any) -> None:
    page.select_option("#window", "24")
    page.fill("#clerk", "c24")
    page.fill("#pin", PIN)
    page.click("#sign-in-button")
    page.wait_for_selector("#returned li")
    page.wait_for_selector("#today:not([hidden])")
    page.wait_for_timeout(200)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.desk_pictures", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=IMAGES, help="folder for the PNGs (default docs/images)")
    args = parser.parse_args()
    config = load_hall(EXAMPLES / "hall.toml")
    with tempfile.TemporaryDirectory() as folder:
        clock = Clock(START)
        core = Core(config, Store(str(Path(folder) / "hall.sqlite")), clock=clock)
        try:
            morning(core, clock)
            with serving(core) as (url, _):
                args.out.mkdir(parents=True, exist_ok=True)
                for path in shoot(url, args.out):
                    print(path)
        finally:
            core.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The documentation's pictures of the appraisal pages, from the example hall after a week of work.

A core in this process on `config/examples/hall.toml` over a throwaway SQLite file lives the mornings of Monday
23 to Friday 27 November 2026 through the hall's own rules: fifteen clerks at their windows, citizens arriving
by the services' shares, each clerk at their own pace with their own ratings, the units reviewing and approving
the cases; then the manager gives November's marks and feedback. Served on a loopback port, Debian's chromium
draws the manager's page at three sizes and a clerk's own sheet on a phone.

    python -m bench.appraisal           # writes docs/images/web-appraisal-*.png and web-appraisal-sheet.png
"""

from __future__ import annotations

import argparse
import random
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from onewindow.dispatch.core import Core
from onewindow.dispatch.domain import Hall, HallError
from onewindow.dispatch.model import MARKS
from onewindow.dispatch.store import Store
from onewindow.hallfile import load_hall
from tests.support.hall import Clock, serving

ROOT = Path(__file__).resolve().parents[1]
IMAGES = ROOT / "docs" / "images"
ZONE = ZoneInfo("Asia/Shanghai")
DAYS = [datetime(2026, 11, day, 8, 30, tzinfo=ZONE) for day in range(23, 28)]
PERIOD = ("2026-11-01", "2026-11-30")
SIZES = {"1440": (1440, 900), "1024": (1024, 768), "390": (390, 844)}
# window: (clerk, pace against the service's minutes, chance of a 5, of a 4, of a 2 or 1)
DESKS = {n: (f"c{n:02d}", 0.7 + 0.05 * (n % 7), 0.55 + 0.03 * (n % 5), 0.25, 0.02 * (n % 4)) for n in range(1, 13)}
DESKS.update({19: ("c19", 1.0, 0.6, 0.3, 0.02), 21: ("c21", 1.1, 0.5, 0.35, 0.05), 23: ("c23", 0.9, 0.7, 0.25, 0.0)})
DECIDERS = {"review": ("r01", "r03", "r04", "r05"), "approve": ("r02", "r05")}


def week(core: Core, clock: Clock, chance: random.Random) -> None:
    """Five mornings of the hall, every step through the core."""
    services = core.config.shares()
    minutes = {s.id: s.minutes for s in core.config.services}
    for start in DAYS:
        clock.now = start.timestamp()
        core.execute(lambda h: [h.sign_in(n, clerk, "pictures") for n, (clerk, *_) in DESKS.items()])
        due: dict[int, float] = {}
        for step in range(0, 180, 2):  # 08:30 to 11:30, every two minutes
            clock.now = (start + timedelta(minutes=step)).timestamp()
            for _ in range(chance.choice((2, 3, 3, 4))):
                service = chance.choices(list(services), weights=list(services.values()))[0]
                core.execute(lambda h, s=service: h.issue(s, False, "pictures"))
            for n, (_, pace, *scores) in DESKS.items():
                core.execute(lambda h, n=n, p=pace, s=tuple(scores), d=due: _serve(h, n, d, minutes, p, s, chance))
            if step % 10 == 0:
                core.execute(lambda h: _decide(h, chance))
        core.execute(lambda h: _close(h))


def _serve(
    h: Hall, n: int, due: dict[int, float], minutes: dict[str, float], pace: float, scores: tuple, chance: random.Random
) -> None:
    w = h.windows[n]
    now = h.clock()
    if w.current is not None and now < due.get(n, 0):
        return
    if w.current is not None:
        t = h.finish(n, "pictures")
        five, four, poor = scores
        roll = chance.random()
        score = 5 if roll < five else 4 if roll < five + four else chance.choice((2, 1)) if roll > 1 - poor else 3
        if chance.random() < 0.8:
            h.rate_ticket(t.id, score, "citizen")
    called = h.call(n, "pictures")
    if called is not None:
        due[n] = now + 60 * minutes[called.service] * pace * chance.uniform(0.6, 1.4)


def _decide(h: Hall, chance: random.Random) -> None:
    for case in h.open_cases():
        duty = "review" if case.status == "in_review" else "approve" if case.status == "in_approval" else None
        if duty is None:
            h.resubmit(case.id, case.window, "pictures")
            continue
        for clerk in DECIDERS[duty]:
            decision = "return" if chance.random() < 0.1 else "pass"
            try:
                h.decide(case.id, duty, clerk, decision, "请补充材料" if decision == "return" else "", "pictures")
                break
            except HallError:  # not this person's unit, or they handled it: the next one
                continue


def _close(h: Hall) -> None:
    for n in DESKS:
        if h.windows[n].current is not None:
            h.finish(n, "pictures")
    h.end_day("user:manager")


def appraise(core: Core, chance: random.Random) -> None:
    """November's marks for the window clerks and reviewers, and two conversations."""
    first, last = PERIOD
    clerks = [clerk for clerk, *_ in DESKS.values()] + list({*DECIDERS["review"], *DECIDERS["approve"]})
    for clerk in clerks:
        marks = {name: chance.randrange(75, 99) for name in MARKS}
        core.execute(lambda h, c=clerk, m=marks: h.give_marks(c, first, last, m, "user:manager"))
    for i, rating in enumerate(core.store.ratings_of(flagged=True)):
        if i % 3 != 2:  # most poor ratings followed up by the end of the month
            core.execute(lambda h, r=rating: h.follow_up(r, "已回访，说明办理要求", "user:manager"))
    for clerk, note in (
        ("c03", "办理速度快，群众满意度高，继续保持。"),
        ("c21", "工伤认定材料讲解要更细，差评已回访。"),
    ):
        core.execute(lambda h, c=clerk, n=note: h.give_feedback(c, first, last, n, "user:manager"))


def shoot(url: str, out: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    first, last = PERIOD
    made = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
        for name, (width, height) in SIZES.items():
            page = browser.new_page(viewport={"width": width, "height": height})
            page.goto(f"{url}/manage/appraisal?from={first}&to={last}")
            page.fill("input[name=user]", "manager")
            page.fill("input[name=password]", "manager")
            page.click("#login-form button")
            page.wait_for_selector("#sheet tr[data-clerk='c03']")
            page.click("#sheet tr[data-clerk='c03']")
            page.wait_for_selector("#feedback-history:has-text('继续保持')")
            page.mouse.move(0, 0)  # no row under the pointer
            if width < 600:  # a phone: the clerk's panel, under the sheet
                page.locator("#clerk").scroll_into_view_if_needed()
            made.append(out / f"web-appraisal-{name}.png")
            page.screenshot(path=str(made[-1]))
            page.close()
        page = browser.new_page(viewport={"width": 390, "height": 844})
        page.goto(f"{url}/caller")
        page.select_option("#window", "3")
        page.fill("#clerk", "c03")
        page.fill("#pin", "1234")
        page.click("#sign-in-button")
        page.wait_for_selector("#my-sheet")
        page.goto(f"{url}/caller/sheet?from={first}&to={last}")
        page.wait_for_selector("#feedback:has-text('继续保持')")
        made.append(out / "web-appraisal-sheet.png")
        page.screenshot(path=str(made[-1]), full_page=True)
        browser.close()
    return made


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.appraisal", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=IMAGES, help="folder for the PNGs (default docs/images)")
    args = parser.parse_args()
    chance = random.Random(2026)
    with tempfile.TemporaryDirectory() as folder:
        clock = Clock(DAYS[0])
        core = Core(load_hall(ROOT / "config" / "examples" / "hall.toml"), Store(f"{folder}/hall.sqlite"), clock=clock)
        try:
            week(core, clock, chance)
            clock.now = datetime(2026, 11, 30, 16, 0, tzinfo=ZONE).timestamp()
            appraise(core, chance)
            with serving(core) as (url, _):
                args.out.mkdir(parents=True, exist_ok=True)
                made = shoot(url, args.out)
        finally:
            core.close()
    print("\n".join(str(p) for p in made))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

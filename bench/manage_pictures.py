"""The documentation's pictures of the manager's page (/manage), from the example hall after a morning's traffic.

A core in this process on `config/examples/hall.toml` over a throwaway SQLite file, its clock turned minute by
minute from 08:30 to 11:25 on a Friday in November: citizens arrive by the services' shares, thirteen windows
call and finish, citizens rate, one poor rating is followed up, two cases wait past their 办结时限. At the end a
window has stood idle while its queue waits, a citizen was called and has not come, and a kiosk is out of paper.
Then Debian's chromium (Playwright) signs in as the manager and photographs the page at three widths.

    python -m bench.manage_pictures     # writes docs/images/manage-1440.png, manage-1024.png, manage-390.png
"""

from __future__ import annotations

import argparse
import random
import tempfile
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from onewindow.credentials import hash_secret
from onewindow.dispatch.cases import same_person
from onewindow.dispatch.core import Core
from onewindow.dispatch.domain import Hall
from onewindow.dispatch.model import IN_APPROVAL, IN_REVIEW
from onewindow.dispatch.store import Store
from onewindow.hallfile import HallConfig, load_hall
from tests.support.hall import Clock, serving

ROOT = Path(__file__).resolve().parents[1]
IMAGES = ROOT / "docs" / "images"
ZONE = ZoneInfo("Asia/Shanghai")
OPENING = datetime(2026, 11, 27, 8, 30, tzinfo=ZONE)  # a Friday
MINUTES = 175  # to 11:25 (the kiosks stop at 11:30)
SIZES = ((1440, 900), (1024, 768), (390, 844))
PASSWORD = "pictures"  # the example hall's manager, with a password only this run knows
STAFFED = [*range(1, 13), 19, 23, 25]
IDLE, NOT_COME = 7, 12  # at the end: window 7 stops calling, window 12's citizen does not come
PAPER = {"ok": False, "message": "", "parts": {"printer": {"state": "fault", "paper": "out", "message": ""}}}
FINE = {"ok": True, "message": "", "parts": {}}


def hall_config() -> HallConfig:
    config = load_hall(ROOT / "config" / "examples" / "hall.toml")
    users = tuple(replace(u, password_hash=hash_secret(PASSWORD)) if u.name == "manager" else u for u in config.users)
    return replace(config, users=users)


def morning(core: Core, clock: Clock, rng: random.Random) -> None:
    """The morning, a minute at a time: arrivals heaviest between nine and ten, each window serving its citizens
    for about its service's minutes, most citizens rating well and a few poorly."""
    core.execute(lambda h: [h.sign_in(n, f"c{n:02d}", keypad(n)) for n in STAFFED])
    shares = core.read(lambda h: h.config.shares())
    services, weights = list(shares), list(shares.values())
    due: dict[int, float] = {}  # each window's current citizen is done at
    for minute in range(MINUTES):
        clock.now = OPENING.timestamp() + minute * 60
        peak = 2.2 if 30 <= minute < 90 else 1.3
        for _ in range(_poisson(rng, peak)):
            chosen = rng.choices(services, weights)[0]
            core.execute(lambda h, s=chosen: h.issue(s, rng.random() < 0.03, "device:kiosk-1"))
        if minute == MINUTES - 5:
            core.execute(_call_not_come)
        for n in STAFFED:
            if minute >= MINUTES - 5 and n == NOT_COME:
                continue  # waiting for a citizen who does not come
            if minute >= MINUTES - 8 and n == IDLE:
                # its clerk finishes and steps away without pausing: citizens are still sent there
                core.execute(lambda h: h.windows[IDLE].current is not None and h.finish(IDLE, keypad(IDLE)))
                continue
            core.execute(lambda h, n=n: _work(h, n, due, rng))
        if minute % 10 == 0:
            core.execute(lambda h: _decide(h, late=(45, 60)))
    clock.now = OPENING.timestamp() + MINUTES * 60 - 20
    for device in ("kiosk-1", "kiosk-3", "display-1", "caller-keypads", "caller-bus", "evaluator-keypads"):
        core.execute(lambda h, d=device: h.device_status(d, FINE, f"device:{d}"))
    core.execute(lambda h: h.device_status("kiosk-2", PAPER, "device:kiosk-2"))
    clock.now = OPENING.timestamp() + MINUTES * 60


def _poisson(rng: random.Random, mean: float) -> int:
    count, total = 0, rng.expovariate(1.0)
    while total < mean:
        count += 1
        total += rng.expovariate(1.0)
    return count


def keypad(n: int) -> str:
    """Who acts at window n in the log: its caller keypad, for the clerk signed in there."""
    return f"device:caller-keypads clerk:c{n:02d}"


def _work(h: Hall, n: int, due: dict[int, float], rng: random.Random) -> None:
    w = h.windows[n]
    now = h.clock()
    if w.current is not None and now < due.get(n, 0):
        return
    if w.current is not None:
        h.finish(n, keypad(n))
        if rng.random() < 0.7:
            h.rate(n, rng.choices([5, 4, 3, 2, 1], [70, 20, 6, 3, 1])[0], "device:evaluator-keypads")
    called = h.call(n, keypad(n))
    if called is not None:
        h.start(n, keypad(n))
        minutes = h.config.service(called.service).minutes
        due[n] = now + 60 * max(1.0, rng.gauss(minutes, minutes / 3))


def _call_not_come(h: Hall) -> None:
    w = h.windows[NOT_COME]
    if w.current is not None:
        h.finish(NOT_COME, keypad(NOT_COME))
    h.call(NOT_COME, keypad(NOT_COME))  # and nobody comes to the counter


def _decide(h: Hall, late: tuple[int, int]) -> None:
    """The units' reviewers and approvers pass each case within half an hour, but those opened between `late`
    minutes after opening, which wait past their 办结时限."""
    now = h.clock()
    for case in h.open_cases():
        opened = (case.opened_at - OPENING.timestamp()) / 60
        if now - case.opened_at < 30 * 60 or late[0] <= opened < late[1]:
            continue
        duty = {IN_REVIEW: "review", IN_APPROVAL: "approve"}.get(case.status)
        if duty is None:
            continue
        clerk = next(
            (c for c in h.clerks.values() if c.decides(duty, case.unit) and same_person(case, duty, c.id) is None),
            None,
        )
        if clerk is not None:
            h.decide(case.id, duty, clerk.id, "pass", "", f"clerk:{clerk.id}@review")


def follow_up_one(core: Core) -> None:
    poor = [r for r in core.store.ratings_of(None, flagged=True)]
    if poor:
        core.execute(lambda h: h.follow_up(poor[0], "已电话回访，说明了材料要求并致歉", "user:manager"))


def photograph(url: str, out: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    written = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
        for width, height in SIZES:
            page = browser.new_page(viewport={"width": width, "height": height}, locale="zh-CN")
            page.goto(url + "/manage")
            page.fill("input[name=user]", "manager")
            page.fill("input[name=password]", PASSWORD)
            page.click("#login-form button")
            page.wait_for_selector("#live:has-text('实时')")
            page.wait_for_selector("#audit tr:nth-child(3)")
            page.wait_for_timeout(500)  # the charts settle
            path = out / f"manage-{width}.png"
            page.screenshot(path=str(path), full_page=True)
            written.append(path)
            page.close()
        browser.close()
    return written


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.manage_pictures", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=IMAGES, help="folder for the PNGs (default docs/images)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        clock = Clock(OPENING)
        core = Core(hall_config(), Store(str(Path(folder) / "hall.sqlite")), clock=clock)
        try:
            morning(core, clock, random.Random(20261127))
            follow_up_one(core)
            with serving(core) as (url, _):
                args.out.mkdir(parents=True, exist_ok=True)
                written = photograph(url, args.out)
        finally:
            core.close()
    print("\n".join(str(p) for p in written))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

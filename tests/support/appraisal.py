"""Two known days of a hall with cases, sign-ins, ratings, a follow-up, marks and feedback, and the unit report
and appraisal sheet they must give, worked out by hand."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from onewindow.configfile import ConfigFile
from onewindow.dispatch.api import create_app
from onewindow.dispatch.core import Core
from onewindow.dispatch.store import Store
from onewindow.hallfile import read_hall
from tests.support.cases import DECIDERS, case_hall_toml
from tests.support.hall import PINS, TZ, Clock, basic, bearer

D1, D2 = "2026-12-01", "2026-12-02"
# the test hall's weights here are not the defaults, so the total shows they are read
WEIGHTS = "\n[appraisal]\nquantity = 40\nefficiency = 10\nattitude = 30\nmarks = 20\n"


def appraisal_hall_toml() -> str:
    return case_hall_toml(limit_min=30) + WEIGHTS


def at(clock: Clock, day: str, hhmm: str) -> None:
    clock.set(datetime.fromisoformat(f"{day}T{hhmm}:00").replace(tzinfo=TZ))


class Scene:
    """The hall's app over a real core and SQLite file, with the people who act in it."""

    def __init__(self, db: str, audit_key: str | None = None):
        self.clock = Clock(datetime(2026, 12, 1, 8, 0, tzinfo=TZ))
        config = read_hall(ConfigFile("hall.toml", appraisal_hall_toml()))
        assert config is not None
        self.core = Core(config, Store(db, audit_key=audit_key), clock=self.clock)
        self.app = create_app(self.core)
        self.desks: dict[int, Any] = {}

    def sign_in(self, window: int, clerk: str) -> None:
        desk = self.app.test_client()
        answer = desk.post("/api/v1/session", json={"clerk": clerk, "pin": PINS[clerk], "window": window})
        assert answer.status_code == 200, answer.json
        self.desks[window] = desk

    def sign_out(self, window: int) -> None:
        assert self.desks.pop(window).post(f"/api/v1/windows/{window}/sign-out", json={}).status_code == 200

    def issue(self, service: str) -> dict[str, Any]:
        answer = self.app.test_client().post("/api/v1/tickets", json={"service": service}, headers=bearer("kiosk-1"))
        assert answer.status_code == 201, answer.json
        return dict(answer.json)

    def act(self, window: int, action: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        answer = self.desks[window].post(f"/api/v1/windows/{window}/{action}", json=body or {})
        assert answer.status_code == 200, answer.json
        return dict(answer.json)

    def rate(self, ticket: dict[str, Any], score: int) -> None:
        answer = self.app.test_client().post(f"/api/v1/tickets/{ticket['id']}/rating", json={"score": score})
        assert answer.status_code == 201, answer.json

    def station(self, clerk: str) -> Any:
        browser = self.app.test_client()
        answer = browser.post("/api/v1/session", json={"clerk": clerk, "pin": DECIDERS[clerk][0], "station": "review"})
        assert answer.status_code == 200, answer.json
        return browser

    def decide(self, clerk: str, number: str, duty: str, decision: str, note: str = "") -> None:
        browser = self.station(clerk)
        case = next(c for c in browser.get("/api/v1/cases").json["cases"] if c["number"] == number)
        answer = browser.post(f"/api/v1/cases/{case['id']}/{duty}", json={"decision": decision, "note": note})
        assert answer.status_code == 200, answer.json

    def manager(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        answer = self.app.test_client().open(path, method=method, json=body, headers=basic("manager"))
        assert answer.status_code == 200, answer.json
        return answer.json

    def close(self) -> None:
        self.core.close()


def two_days(scene: Scene) -> None:
    """Each step says what it adds to the figures of UNITS and SHEET."""
    clock = scene.clock
    at(clock, D1, "09:00")
    scene.sign_in(1, "c01")  # signed in 09:00-11:00
    scene.sign_in(4, "c04")  # 09:00-11:00
    scene.sign_in(5, "c05")  # 09:00-11:00
    a001, e001, c001 = scene.issue("general"), scene.issue("card"), scene.issue("injury")
    assert (a001["window"], e001["window"], c001["window"]) == (1, 4, 5)
    at(clock, D1, "09:05")
    for window in (1, 4, 5):
        scene.act(window, "call")  # c01, c04 and c05 each call once
    at(clock, D1, "09:10")
    scene.act(1, "finish")  # general handled 300 by c01
    scene.rate(a001, 5)
    at(clock, D1, "09:15")
    scene.act(4, "finish")  # card handled 600 by c04: a card case opened 09:15
    scene.rate(e001, 4)
    at(clock, D1, "09:25")
    scene.act(5, "finish")  # injury handled 1200 by c05: an injury case opened 09:25 (limit 30 min)
    scene.rate(c001, 2)  # poor: followed up on the second day
    at(clock, D1, "09:35")
    scene.decide("r1", "E001", "review", "pass")  # card reviewed after 1200: done
    at(clock, D1, "09:45")
    scene.decide("r1", "C001", "review", "return", "缺少诊断证明")  # r1 decided, a return
    at(clock, D1, "09:55")
    resubmitted = scene.desks[5].post(f"/api/v1/cases/{_case_id(scene, 'C001')}/resubmit", json={"note": "已补"})
    assert resubmitted.status_code == 200, resubmitted.json
    at(clock, D1, "10:05")
    scene.decide("c06", "C001", "review", "pass")  # reviewed 2400 after the window's first finish
    at(clock, D1, "10:15")
    scene.decide("r2", "C001", "approve", "pass")  # approved after 3000 > 1800: overdue, done
    at(clock, D1, "10:30")
    a002 = scene.issue("general")
    assert a002["window"] == 1
    scene.act(1, "call")  # c01 calls, waited 0
    at(clock, D1, "10:32")
    assert scene.act(1, "transfer", {"service": "card"})["window"] == 4  # c01's transfer
    at(clock, D1, "10:35")
    scene.act(4, "call")  # c04's second call
    at(clock, D1, "10:45")
    scene.act(4, "finish")  # card handled 900 (since its first call) by c04, never rated: a card case left open
    at(clock, D1, "11:00")
    for window in (1, 4, 5):
        scene.sign_out(window)

    at(clock, D2, "09:00")
    scene.sign_in(1, "c01")  # 09:00-10:00
    scene.sign_in(3, "c02")  # 09:00 until the report is made at 11:00
    d2_a001, d2_a002 = scene.issue("general"), scene.issue("general")
    assert (d2_a001["window"], d2_a002["window"]) == (1, 3)
    at(clock, D2, "09:10")
    scene.act(1, "call")
    scene.act(3, "call")
    at(clock, D2, "09:12")
    scene.act(3, "no-show")  # c02's no-show
    at(clock, D2, "09:20")
    scene.act(1, "finish")  # general handled 600 by c01
    scene.rate(d2_a001, 3)
    at(clock, D2, "09:30")
    d2_e001 = scene.issue("card")
    assert d2_e001["window"] == 3
    scene.act(3, "call")
    at(clock, D2, "09:40")
    scene.act(3, "finish")  # card handled 600 by c02: a card case opened 09:40
    scene.rate(d2_e001, 1)  # poor, not followed up
    at(clock, D2, "09:50")
    scene.decide("r1", "E001", "review", "pass")  # reviewed after 600
    at(clock, D2, "10:00")
    scene.sign_out(1)
    at(clock, D2, "10:30")
    flagged = scene.manager("GET", "/api/v1/ratings?flagged=1")["ratings"]
    poor = next(r for r in flagged if r["number"] == "C001")
    scene.manager("POST", f"/api/v1/ratings/{poor['id']}/follow-up", {"note": "已回访，道歉并说明材料要求"})
    period = {"from": D1, "to": D2}
    first = {"morals": 90, "ability": 80, "dedication": 85, "integrity": 95, "learning": 70}
    scene.manager("POST", "/api/v1/appraisal/c01/marks", {**period, **first})
    scene.manager("POST", "/api/v1/appraisal/c01/marks", {**period, **first, "learning": 80})  # the newest counts
    scene.manager("POST", "/api/v1/appraisal/c04/marks", {**period, **dict.fromkeys(first, 80)})
    scene.manager("POST", "/api/v1/appraisal/r1/marks", {**period, **dict.fromkeys(first, 70)})
    at(clock, D2, "10:40")
    scene.manager("POST", "/api/v1/appraisal/c01/feedback", {**period, "note": "服务热情，继续保持"})
    scene.manager("POST", "/api/v1/appraisal/c01/feedback", {**period, "note": "学习新政策"})
    at(clock, D2, "11:00")


def _case_id(scene: Scene, number: str) -> str:
    cases = scene.manager("GET", "/api/v1/cases")["cases"]
    return str(next(c["id"] for c in cases if c["number"] == number))


UNITS = [
    # E001 of D1 (reviewed after 1200, done), A002 of D1 (transferred to card, still in review, no limit), E001 of
    # D2 (reviewed after 600, done)
    {
        "unit": "card",
        "name": "社会保障卡服务中心",
        "cases": 3,
        "reviewed": 2,
        "approved": 0,
        "returns": 0,
        "done": 2,
        "open": 1,
        "overdue": 0,
        "mean_review_s": 900.0,
        "p95_review_s": 1200.0,
        "mean_approval_s": None,
        "p95_approval_s": None,
    },
    # C001 of D1: returned once, passed by c06 2400 after the window's finish, approved after 3000 (> 30 min)
    {
        "unit": "injury",
        "name": "工伤保险服务中心",
        "cases": 1,
        "reviewed": 1,
        "approved": 1,
        "returns": 1,
        "done": 1,
        "open": 0,
        "overdue": 1,
        "mean_review_s": 2400.0,
        "p95_review_s": 2400.0,
        "mean_approval_s": 3000.0,
        "p95_approval_s": 3000.0,
    },
]


def sheet_row(clerk: str, name: str, **figures: Any) -> dict[str, Any]:
    """A sheet row: zero counts and empty figures unless given."""
    base: dict[str, Any] = {
        "clerk": clerk,
        "name": name,
        **dict.fromkeys(("calls", "finished", "no_shows", "transfers", "reviewed", "approved"), 0),
        **dict.fromkeys(("mean_handling_s", "service_mean_s", "handling_pct"), None),
        "signed_in_h": 0.0,
        "calls_per_hour": None,
        **dict.fromkeys(("rated_5", "rated_4", "rated_3", "rated_2", "rated_1"), 0),
        "satisfaction_pct": None,
        "poor": 0,
        "followed_up": 0,
        **dict.fromkeys(("morals", "ability", "dedication", "integrity", "learning"), None),
        **dict.fromkeys(("quantity_score", "efficiency_score", "attitude_score", "marks_score", "total", "rank"), None),
        "feedback": "",
    }
    unknown = set(figures) - set(base)
    assert not unknown, unknown
    return {**base, **figures}


# The hall's mean handling of the period: general (300, 600) 450, card (600, 900, 600) 700, injury 1200. Quantity is
# calls + decisions against the busiest (3: c01 and r1). Totals weigh 40/10/30/20 over the parts a clerk has.
SHEET = [
    # quantity 100, marks 70: (40*100 + 20*70) / 60
    sheet_row("r1", "审核r1", reviewed=3, quantity_score=100.0, marks_score=70.0, total=90.0, rank=1,
              **dict.fromkeys(("morals", "ability", "dedication", "integrity", "learning"), 70)),
    # 3 calls in 3 hours; handled 300 and 600 against general's 450 and 450; 5 and 3; (4000+1000+1500+1720)/100
    sheet_row("c01", "职员1", calls=3, finished=2, transfers=1, mean_handling_s=450.0, service_mean_s=450.0,
              handling_pct=100.0, signed_in_h=3.0, calls_per_hour=1.0, rated_5=1, rated_3=1, satisfaction_pct=50.0,
              morals=90, ability=80, dedication=85, integrity=95, learning=80, quantity_score=100.0,
              efficiency_score=100.0, attitude_score=50.0, marks_score=86.0, total=82.2, rank=2,
              feedback=f"{D2} 服务热情，继续保持\n{D2} 学习新政策"),
    # handled 600 and 900 (750) against card's 700: 107.1 %, efficiency 10000/107.14; (2666.7+933.3+3000+1600)/100
    sheet_row("c04", "职员4", calls=2, finished=2, mean_handling_s=750.0, service_mean_s=700.0, handling_pct=107.1,
              signed_in_h=2.0, calls_per_hour=1.0, rated_4=1, satisfaction_pct=100.0,
              **dict.fromkeys(("morals", "ability", "dedication", "integrity", "learning"), 80),
              quantity_score=66.7, efficiency_score=93.3, attitude_score=100.0, marks_score=80.0, total=82.0, rank=3),
    # signed in 09:00 to the report at 11:00; (2666.7+1000+0) / 80
    sheet_row("c02", "职员2", calls=2, finished=1, no_shows=1, mean_handling_s=600.0, service_mean_s=700.0,
              handling_pct=85.7, signed_in_h=2.0, calls_per_hour=1.0, rated_1=1, satisfaction_pct=0.0, poor=1,
              quantity_score=66.7, efficiency_score=100.0, attitude_score=0.0, total=45.8, rank=4),
    sheet_row("c06", "审核c06", reviewed=1, quantity_score=33.3, total=33.3, rank=5),
    sheet_row("r2", "审核r2", approved=1, quantity_score=33.3, total=33.3, rank=5),  # equal totals, equal rank
    # (1333.3+1000+0) / 80
    sheet_row("c05", "职员5", calls=1, finished=1, mean_handling_s=1200.0, service_mean_s=1200.0, handling_pct=100.0,
              signed_in_h=2.0, calls_per_hour=0.5, rated_2=1, satisfaction_pct=0.0, poor=1, followed_up=1,
              quantity_score=33.3, efficiency_score=100.0, attitude_score=0.0, total=29.2, rank=7),
    sheet_row("c03", "职员3"),  # away all the period: not appraised
]  # fmt: skip

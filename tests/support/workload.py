"""Three known days of a hall (two windows, two clerks, ratings, a transfer, a no-show) and the report rows they
must give, worked out by hand."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from tests.support.hall import PINS, TZ, RunningCore, bearer, raw_request

D1, D2, D3 = "2026-11-24", "2026-11-25", "2026-11-26"
START = datetime(2026, 11, 24, 8, 50, tzinfo=TZ)


def three_days(hall: RunningCore) -> None:
    """Window 1 (general) with clerk c01 and window 3 (general and card) with clerk c02, on three days. Every
    figure of EXPECTED follows from the times here: each step says what it adds."""
    kiosk, caller = hall.client("kiosk-1"), hall.client("caller-1")

    def at(day: str, hhmm: str) -> None:
        hall.clock.set(datetime.fromisoformat(f"{day}T{hhmm}:00").replace(tzinfo=TZ))

    def issue(service: str) -> tuple[str, int]:
        t = kiosk.issue(service)
        return t["number"], t["window"]

    def called(window: int) -> str:
        return str(caller.act(window, "call")["number"])

    def rate(window: int, score: int) -> None:
        body = json.dumps({"score": score}).encode()
        assert raw_request(hall.url, "POST", f"/api/v1/windows/{window}/rating", body, bearer("eval-1"))[0] == 201

    def sign_in() -> None:  # a new day starts with nobody signed in
        caller.act(1, "sign-in", {"clerk": "c01", "pin": PINS["c01"]})
        caller.act(3, "sign-in", {"clerk": "c02", "pin": PINS["c02"]})

    with kiosk, caller:
        at(D1, "08:50")
        sign_in()
        at(D1, "09:00")
        assert_eq(issue("general"), ("A001", 1))
        at(D1, "09:02")
        assert_eq(issue("card"), ("E001", 3))
        at(D1, "09:05")
        assert_eq(called(1), "A001")  # waited 300
        at(D1, "09:06")
        assert_eq(called(3), "E001")  # waited 240
        at(D1, "09:15")
        caller.act(1, "finish")  # handled 600
        rate(1, 5)
        at(D1, "09:16")
        caller.act(3, "finish")  # handled 600
        rate(3, 2)

        at(D2, "09:50")
        sign_in()
        at(D2, "10:00")
        assert_eq(issue("general"), ("A001", 1))
        at(D2, "10:01")
        assert_eq(issue("general"), ("A002", 3))
        at(D2, "10:10")
        assert_eq(called(1), "A001")  # waited 600, first called at window 1
        at(D2, "10:11")
        assert_eq(caller.act(1, "transfer", {"service": "card"})["window"], 3)
        at(D2, "10:12")
        assert_eq(called(3), "A001")  # ahead of A002: it keeps its issue time
        at(D2, "10:20")
        caller.act(3, "finish")  # handled 600 since its first call, by c02
        rate(3, 4)
        at(D2, "10:21")
        assert_eq(called(3), "A002")  # waited 1200
        at(D2, "10:22")
        caller.act(3, "no-show")
        at(D2, "10:30")
        assert_eq(issue("general"), ("A003", 1))
        at(D2, "10:31")
        assert_eq(called(1), "A003")  # waited 60
        at(D2, "10:41")
        caller.act(1, "finish")  # handled 600, never rated

        at(D3, "13:50")
        sign_in()
        at(D3, "14:00")
        assert_eq(issue("general"), ("A001", 1))
        assert_eq(issue("general"), ("A002", 3))
        at(D3, "14:05")
        assert_eq(called(3), "A002")  # waited 300
        at(D3, "14:06")
        caller.act(3, "recall")  # a recall is not a call
        at(D3, "14:07")
        assert_eq(called(1), "A001")  # waited 420
        at(D3, "14:20")
        caller.act(1, "finish")  # handled 780
        rate(1, 1)
        at(D3, "14:25")
        caller.act(3, "finish")  # handled 1200
        rate(3, 3)
        at(D3, "14:30")
        assert_eq(issue("general"), ("A003", 1))  # still waiting at the end


def assert_eq(seen: object, expected: object) -> None:
    assert seen == expected, f"the scenario went otherwise: {seen!r}, not {expected!r}"


def row(*labels: tuple[str, Any], **figures: Any) -> dict[str, Any]:
    """A report row: its labels, then every figure, zero (or empty) unless given."""
    base: dict[str, Any] = {
        "issued": 0,
        "calls": 0,
        "finished": 0,
        "no_shows": 0,
        "transfers": 0,
        "mean_wait_s": None,
        "p95_wait_s": None,
        "mean_handling_s": None,
        "rated_5": 0,
        "rated_4": 0,
        "rated_3": 0,
        "rated_2": 0,
        "rated_1": 0,
        "not_rated": 0,
        "satisfaction_pct": None,
    }
    assert set(figures) <= set(base), set(figures) - set(base)
    return {**dict(labels), **base, **figures}


# Window 1: printed on A001 (D1), A001 and A003 (D2), A001 and A003 (D3); calls A001 (D1), A001 transferred, A003
# (D2), A001 (D3); waits 300, 600, 60, 420 (mean 345, nearest-rank p95 of four: the 4th, 600); finished A001 (D1),
# A003 (D2), A001 (D3), handled 600, 600, 780; rated 5, none, 1: one of two satisfied.
# Window 3: printed on E001, A002 (D2), A002 (D3); calls E001, A001 (after the transfer), A002 (no-show), A002 (D3);
# waits of tickets first called here 240, 1200, 300 (p95 of three: the 3rd); ended E001, A001 (D2), A002 (D3) and a
# no-show; handled 600, 600, 1200; rated 2, 4, 3.
CLERK_1 = dict(calls=4, finished=3, transfers=1, mean_handling_s=660.0, rated_5=1, rated_1=1, not_rated=1)
CLERK_2 = dict(calls=4, finished=3, no_shows=1, mean_handling_s=800.0, rated_4=1, rated_3=1, rated_2=1)

EXPECTED: dict[str, list[dict[str, Any]]] = {
    "windows": [
        row(("window", 1), issued=5, mean_wait_s=345.0, p95_wait_s=600.0, satisfaction_pct=50.0, **CLERK_1),
        row(("window", 3), issued=3, mean_wait_s=580.0, p95_wait_s=1200.0, satisfaction_pct=33.3, **CLERK_2),
    ],
    # a clerk issues nothing and the wait before a first call is the queue's: both empty
    "clerks": [
        row(("clerk", "c01"), ("name", "职员1"), issued=None, satisfaction_pct=50.0, **CLERK_1),
        row(("clerk", "c02"), ("name", "职员2"), issued=None, satisfaction_pct=33.3, **CLERK_2),
    ],
    # issued and waited in the issued service, called in the service of the call, ended in the service served:
    # A001 of D2 was issued and first called as general, then transferred, called and finished as card
    "services": [
        row(
            ("service", "card"),
            ("name", "社保卡业务"),
            issued=1,
            calls=2,
            finished=2,
            mean_wait_s=240.0,
            p95_wait_s=240.0,
            mean_handling_s=600.0,
            rated_4=1,
            rated_2=1,
            satisfaction_pct=50.0,
        ),
        row(
            ("service", "general"),
            ("name", "通办业务"),
            issued=7,
            calls=6,
            transfers=1,
            finished=4,
            no_shows=1,
            mean_wait_s=480.0,  # 300, 600, 1200, 60, 420, 300
            p95_wait_s=1200.0,
            mean_handling_s=795.0,  # 600, 600, 780, 1200
            rated_5=1,
            rated_3=1,
            rated_1=1,
            not_rated=1,
            satisfaction_pct=33.3,
        ),
    ],
    # issued and waited in the hour of issue, called in the hour of the call, ended in the hour of the end
    "hours": [
        row(
            ("hour", 9),
            issued=2,
            calls=2,
            finished=2,
            mean_wait_s=270.0,
            p95_wait_s=300.0,
            mean_handling_s=600.0,
            rated_5=1,
            rated_2=1,
            satisfaction_pct=50.0,
        ),
        row(
            ("hour", 10),
            issued=3,
            calls=4,
            transfers=1,
            finished=2,
            no_shows=1,
            mean_wait_s=620.0,  # 600, 1200, 60
            p95_wait_s=1200.0,
            mean_handling_s=600.0,
            rated_4=1,
            not_rated=1,
            satisfaction_pct=100.0,
        ),
        row(
            ("hour", 14),
            issued=3,
            calls=2,
            finished=2,
            mean_wait_s=360.0,
            p95_wait_s=420.0,
            mean_handling_s=990.0,
            rated_3=1,
            rated_1=1,
            satisfaction_pct=0.0,
        ),
    ],
}

# The second day alone: window 1 printed A001 and A003, called both (A001 transferred), finished A003 unrated;
# window 3 printed A002, called A001 and A002, finished A001 (rated 4), A002 did not come.
EXPECTED_D2_WINDOWS = [
    row(
        ("window", 1),
        issued=2,
        calls=2,
        transfers=1,
        finished=1,
        mean_wait_s=330.0,
        p95_wait_s=600.0,
        mean_handling_s=600.0,
        not_rated=1,
    ),
    row(
        ("window", 3),
        issued=1,
        calls=2,
        finished=1,
        no_shows=1,
        mean_wait_s=1200.0,
        p95_wait_s=1200.0,
        mean_handling_s=600.0,
        rated_4=1,
        satisfaction_pct=100.0,
    ),
]

"""Staffed windows only (SPEC §3 Staffing), as a hall lives it: clerks arriving one by one, lunch, a clerk leaving
early, 绿色通道 citizens, on the domain and through the real core over HTTP. Expected waits are worked out by hand
from the test hall's minutes (general 8, card 5, injury 25) and the pooled estimate of dispatch/policy.py."""

from __future__ import annotations

import itertools
import json
import sqlite3
from datetime import datetime

import pytest

from onewindow.dispatch.domain import Conflict, Hall
from onewindow.hallfile import load_hall
from tests.support.hall import PINS, TZ, Clock, basic, bearer, raw_request, serve, write_hall

KIOSK = "device:kiosk-1"
CALLER = "device:caller-1"
MANAGER = "user:manager"
GENERAL = 8 * 60


@pytest.fixture
def make_hall(tmp_path):
    def make(at: tuple[int, int] = (8, 30), **options: object) -> tuple[Hall, Clock]:
        clock = Clock(datetime(2026, 11, 27, *at, tzinfo=TZ))
        ids = (f"id{n:04d}" for n in itertools.count(1))
        return Hall(load_hall(write_hall(tmp_path, **options)), clock, new_id=lambda: next(ids)), clock

    return make


def take(hall: Hall, service: str = "general", priority: bool = False):
    return hall.issue(service, priority, KIOSK)[0]


def sign_in(hall: Hall, *windows: int) -> None:
    for n in windows:
        hall.sign_in(n, f"c0{n}", CALLER)


def numbers(tickets) -> list[str]:
    return [t.number for t in tickets]


# --- on the domain -----------------------------------------------------------------------------------------------


def test_a_morning_clerks_arrive_one_by_one(make_hall):
    hall, clock = make_hall()
    early = []
    for _ in range(3):  # 08:30, 08:31, 08:32: the doors are open, nobody is at a window yet
        early.append(take(hall))
        clock.advance(60)
    assert [(t.window, t.printed_window) for t in early] == [(None, None)] * 3  # printed 请留意叫号, no window
    assert [hall.ahead_of(t) for t in early] == [0, 1, 2]
    assert [hall.estimated_wait_s(t) for t in early] == [None, None, None]  # never "no wait" with nobody there
    issued = [e for e in hall.take_changes().events if e.type == "ticket.issued"]
    assert [(e.data["window"], e.data["estimated_wait_s"]) for e in issued] == [(None, None)] * 3
    assert numbers(hall.shared["general"]) == ["A001", "A002", "A003"]

    clock.advance(7 * 60)  # 08:40: the first clerk arrives at window 2
    sign_in(hall, 2)
    # one idle window: A001 at once, A002 when A001's 8 minutes end, A003 eight minutes later
    assert [hall.estimated_wait_s(t) for t in early] == [0, GENERAL, 2 * GENERAL]
    late = take(hall)  # 08:40: printed with window 2, the three shared tickets ahead of it
    assert (late.window, late.printed_window, hall.ahead_of(late)) == (2, 2, 3)
    assert hall.estimated_wait_s(late) == 3 * GENERAL

    hall.take_changes()
    called = [hall.call(2, CALLER) for _ in range(4)]  # first-come: the shared ones, then its own
    assert numbers(called) == ["A001", "A002", "A003", "A004"]
    assert [t.called_window for t in called] == [2, 2, 2, 2] and early[0].printed_window is None
    assert not hall.shared["general"]
    assert "ticket.moved" not in [e.type for e in hall.take_changes().events]  # a shared ticket is simply called

    sign_in(hall, 1)  # 08:40 still: window 1 is idle, window 2 is serving A004
    fresh = take(hall)
    assert (fresh.window, hall.ahead_of(fresh), hall.estimated_wait_s(fresh)) == (1, 0, 0)  # now "no wait" is true


def test_lunch_everyone_pauses_the_tickets_wait_shared_and_the_first_one_back_calls_them(make_hall):
    hall, clock = make_hall(at=(11, 50))
    sign_in(hall, 1, 2)
    tickets = [take(hall) for _ in range(4)]
    assert [t.window for t in tickets] == [1, 2, 1, 2]  # equal waits: fewer waiting, then the lower number
    hall.call(1, CALLER)  # A001 at window 1, A003 waits there
    hall.call(2, CALLER)  # A002 at window 2, A004 waits there

    clock.advance(10 * 60)  # 12:00
    with pytest.raises(Conflict) as refused:
        hall.pause(1, CALLER, "午休")
    assert refused.value.code == "current_ticket" and "A001" in refused.value.message
    assert hall.windows[1].state == "open" and hall.windows[1].queue == [tickets[2]]  # nothing changed
    hall.finish(1, CALLER)
    hall.take_changes()
    hall.pause(1, CALLER, "午休")
    moved = [e.data for e in hall.take_changes().events if e.type == "ticket.moved"]
    assert [(m["number"], m["from_window"], m["window"], m["reason"]) for m in moved] == [("A003", 1, 2, "paused")]
    assert numbers(hall.windows[2].queue) == ["A003", "A004"]  # in order of issue

    hall.finish(2, CALLER)
    hall.pause(2, CALLER, "午休")  # the last clerk for general goes: the queue goes shared, in order
    assert numbers(hall.shared["general"]) == ["A003", "A004"] and tickets[2].window is None
    lunch = [take(hall), take(hall)]  # 12:00, nobody at any general window
    assert [t.window for t in lunch] == [None, None]
    assert [hall.ahead_of(t) for t in lunch] == [2, 3]
    assert [hall.estimated_wait_s(t) for t in [*tickets[2:], *lunch]] == [None] * 4
    assert hall.service_estimate_s("general") is None

    clock.advance(60 * 60)  # 13:00: window 2 is back first and calls everyone in turn
    hall.resume(2, CALLER)
    assert numbers(hall.call(2, CALLER) for _ in range(4)) == ["A003", "A004", "A005", "A006"]
    assert hall.call(2, CALLER) is None


def test_a_clerk_leaves_early_and_her_queue_moves_on_in_order(make_hall):
    hall, clock = make_hall(at=(10, 0))
    sign_in(hall, 1, 2, 3)
    for _ in range(9):
        take(hall)
        clock.advance(10)
    queues = {n: numbers(hall.windows[n].queue) for n in (1, 2, 3)}
    assert queues == {1: ["A001", "A004", "A007"], 2: ["A002", "A005", "A008"], 3: ["A003", "A006", "A009"]}
    hall.call(1, CALLER)  # A001 at window 1

    with pytest.raises(Conflict) as refused:
        hall.sign_out(1, CALLER)  # not while a citizen stands at her window
    assert refused.value.code == "current_ticket"
    with pytest.raises(Conflict) as refused:
        hall.sign_in(2, "c01", CALLER)  # nor by moving to another desk
    assert refused.value.code == "current_ticket" and hall.windows[1].clerk == "c01"
    assert hall.windows[2].clerk == "c02"

    hall.finish(1, CALLER)
    hall.take_changes()
    hall.sign_out(1, CALLER)
    events = hall.take_changes().events
    assert events[0].type == "window.signed_out"
    # A004: windows 2 and 3 both expect 3 x 8 min: fewer waiting is equal, the lower number; then A007: window 3
    moved = [(e.data["number"], e.data["window"], e.data["reason"]) for e in events[1:]]
    assert moved == [("A004", 2, "signed_out"), ("A007", 3, "signed_out")]
    assert numbers(hall.windows[2].queue) == ["A002", "A004", "A005", "A008"]
    assert numbers(hall.windows[3].queue) == ["A003", "A006", "A007", "A009"]
    assert not hall.staffed(hall.windows[1]) and hall.windows[1].state == "open"

    assert take(hall).window == 2  # never to window 1 again: 2 and 3 both expect 4 x 8 min
    with pytest.raises(Conflict) as refused:
        hall.move(hall.windows[3].queue[-1].id, 1, "citizen")
    assert refused.value.code == "window_unstaffed"


def test_green_channel_citizens_are_never_sent_to_a_window_nobody_staffs(make_hall):
    hall, _ = make_hall()
    sign_in(hall, 3)  # windows 1 and 2 are idle and empty, and nobody is there
    green = [take(hall, priority=True) for _ in range(2)]
    assert [t.window for t in green] == [3, 3]
    assert [hall.ahead_of(t) for t in green] == [0, 1]
    assert [hall.estimated_wait_s(t) for t in green] == [0, GENERAL]

    injury = take(hall, "injury")  # nobody at window 5
    urgent = take(hall, "injury", priority=True)
    assert (urgent.window, hall.ahead_of(urgent), hall.ahead_of(injury)) == (None, 0, 1)  # priority first
    assert hall.estimated_wait_s(urgent) is None
    sign_in(hall, 5)
    assert hall.call(5, "device:caller-5") is urgent

    hall.sign_out(3, CALLER)  # nobody left for general: the 绿色通道 tickets go shared, still first
    assert numbers(hall.shared["general"]) == ["A001", "A002"]
    assert all(t.priority and t.window is None for t in green)


def test_a_transfer_goes_to_a_staffed_window_or_the_shared_queue(make_hall):
    hall, _ = make_hall()
    sign_in(hall, 1)
    t = take(hall)
    hall.call(1, CALLER)
    with pytest.raises(Conflict) as refused:
        hall.transfer(1, CALLER, window=2)  # serves general, but nobody is there
    assert refused.value.code == "window_unstaffed"
    moved = hall.transfer(1, CALLER, service="card")  # nobody at 3 or 4: the card queue, no window
    assert (moved.window, moved.service, hall.estimated_wait_s(moved)) == (None, "card", None)
    sign_in(hall, 4)
    assert hall.call(4, "device:caller-4") is t


def test_no_window_serving_the_service_at_all_refuses_the_ticket(make_hall):
    hall, _ = make_hall()
    hall.pause(5, "device:caller-5")
    assert take(hall, "injury").window is None  # paused: still issued, to the shared queue
    hall.close(5, MANAGER)
    with pytest.raises(Conflict) as refused:
        take(hall, "injury")
    assert refused.value.code == "service_unavailable"


def test_without_sign_in_an_open_window_is_staffed(make_hall):
    hall, _ = make_hall(require_sign_in=False)
    assert [take(hall).window for _ in range(3)] == [1, 2, 3]
    hall.pause(1, CALLER)
    assert not hall.staffed(hall.windows[1]) and hall.staffed(hall.windows[2])


# --- through the core over HTTP ----------------------------------------------------------------------------------


@pytest.fixture
def core(tmp_path):
    with serve(tmp_path) as running:
        yield running


def post(core, path, body=None, device=None, headers=None):
    sent = bearer(device) if device else {"Content-Type": "application/json"}
    return raw_request(core.url, "POST", path, json.dumps(body or {}).encode(), {**sent, **(headers or {})})


def get(core, path):
    return raw_request(core.url, "GET", path)[1]


def api_issue(core, service="general", **extra):
    status, ticket = post(core, "/api/v1/tickets", {"service": service, **extra}, "kiosk-1")
    assert status == 201, ticket
    return ticket


def api_sign_in(core, n, device="caller-1"):
    clerk = f"c0{n}"
    status, body = post(core, f"/api/v1/windows/{n}/sign-in", {"clerk": clerk, "pin": PINS[clerk]}, device)
    assert status == 200, body


def service(snapshot, sid):
    return next(s for s in snapshot["services"] if s["id"] == sid)


def test_the_hall_snapshot_says_who_is_staffed_and_who_waits_shared(core):
    first = [api_issue(core), api_issue(core)]
    assert [(t["window"], t["printed_window"], t["estimated_wait_s"]) for t in first] == [(None, None, None)] * 2
    assert [t["ahead"] for t in first] == [0, 1]
    hall = get(core, "/api/v1/hall")
    general = service(hall, "general")
    assert (general["available"], general["staffed"], general["shared"], general["waiting"]) == (True, 0, 2, 2)
    assert general["estimated_wait_s"] is None
    assert [w["staffed"] for w in hall["windows"]] == [False] * 5

    api_sign_in(core, 1)
    hall = get(core, "/api/v1/hall")
    general = service(hall, "general")
    # one idle window, two shared ahead: the first at once, then 8 minutes for it and 8 for the second
    assert (general["staffed"], general["shared"], general["estimated_wait_s"]) == (1, 2, 2 * GENERAL)
    assert [w["staffed"] for w in hall["windows"]] == [True, False, False, False, False]
    assert service(hall, "card")["estimated_wait_s"] is None and service(hall, "card")["available"] is True

    status, _ = post(core, "/api/v1/windows/5/close", headers=basic("manager"))
    assert status == 200
    assert service(get(core, "/api/v1/hall"), "injury")["available"] is False
    status, refused = post(core, "/api/v1/tickets", {"service": "injury"}, "kiosk-1")
    assert (status, refused["error"]["code"]) == (409, "service_unavailable")


def test_the_phone_page_offers_only_staffed_windows_and_never_promises_no_wait(core):
    mine = api_issue(core)
    choices = get(core, f"/t/{mine['id']}/windows")
    assert choices["window"] is None
    assert [(w["number"], w["available"], w["estimated_wait_s"]) for w in choices["windows"]] == [
        (1, False, None),
        (2, False, None),
        (3, False, None),
    ]
    status, refused = post(core, f"/api/v1/tickets/{mine['id']}/move", {"window": 1})
    assert (status, refused["error"]["code"]) == (409, "window_unstaffed")
    assert refused["error"]["message"] == "nobody is serving at window 1 now"

    api_sign_in(core, 1)
    choices = get(core, f"/t/{mine['id']}/windows")
    assert [(w["number"], w["available"], w["ahead"], w["estimated_wait_s"]) for w in choices["windows"]] == [
        (1, True, 0, 0),
        (2, False, None, None),
        (3, False, None, None),
    ]
    status, moved = post(core, f"/api/v1/tickets/{mine['id']}/move", {"window": 1})
    assert status == 200 and (moved["window"], moved["ahead"], moved["estimated_wait_s"]) == (1, 0, 0)


def test_pause_and_sign_out_wait_for_the_current_citizen(core):
    api_sign_in(core, 1)
    api_sign_in(core, 2)
    for _ in range(3):
        api_issue(core)  # windows 1, 2, 1
    status, called = post(core, "/api/v1/windows/1/call", device="caller-1")
    assert status == 200 and called["number"] == "A001"
    for action in ("pause", "sign-out"):
        status, refused = post(core, f"/api/v1/windows/1/{action}", device="caller-1")
        assert (status, refused["error"]["code"]) == (409, "current_ticket"), action
        assert "A001" in refused["error"]["message"]
    status, refused = post(core, "/api/v1/windows/2/sign-in", {"clerk": "c01", "pin": PINS["c01"]}, "caller-1")
    assert (status, refused["error"]["code"]) == (409, "current_ticket")
    assert get(core, "/api/v1/windows/2")["clerk"]["id"] == "c02"  # the colleague there stays signed in

    post(core, "/api/v1/windows/1/finish", device="caller-1")
    status, window = post(core, "/api/v1/windows/1/sign-out", device="caller-1")
    assert status == 200 and (window["staffed"], window["waiting"]) == (False, 0)
    assert [q["number"] for q in get(core, "/api/v1/windows/2")["queue"]] == ["A002", "A003"]


def test_a_restart_keeps_the_shared_queue_from_the_sqlite_file(tmp_path):
    clock = Clock()
    with serve(tmp_path, clock=clock) as core:
        shared = [api_issue(core) for _ in range(2)]
        clock.advance(60)
        api_sign_in(core, 1)
        at_one = api_issue(core)
        assert at_one["window"] == 1
    with sqlite3.connect(tmp_path / "hall.sqlite") as db:
        rows = db.execute("SELECT number, window, printed_window FROM tickets ORDER BY number").fetchall()
    db.close()
    assert rows == [("A001", 0, 0), ("A002", 0, 0), ("A003", 1, 1)]  # 0: no window, in the NOT NULL column

    with serve(tmp_path, clock=clock, db=str(tmp_path / "hall.sqlite")) as core:
        again = [get(core, f"/api/v1/tickets/{t['id']}") for t in shared]
        assert [(t["window"], t["printed_window"], t["ahead"]) for t in again] == [(None, None, 0), (None, None, 1)]
        assert service(get(core, "/api/v1/hall"), "general")["shared"] == 2
        calls = [post(core, "/api/v1/windows/1/call", device="caller-1")[1]["number"] for _ in range(3)]
        assert calls == ["A001", "A002", "A003"]

"""The hall's working day (SPEC §3 Hall hours): issuing within the hours only, nothing ended by the clock, the
manager ending the day; on the domain, then over HTTP through the real app, with a clock the tests turn.

The hall keeps the example hall's hours: weekdays 08:30-12:00 and 14:00-17:30, the last ticket 30 minutes before
each closing, the 2026 National Day week (10-01 Thursday to 10-07) closed, and Sunday 09-20 and Saturday 10-10
worked instead (调休). Every expected value is worked out by hand from those hours.
"""

from __future__ import annotations

import itertools
from datetime import datetime

import pytest

from onewindow.dispatch.domain import Conflict, Hall
from onewindow.dispatch.model import CANCELLED, DONE, SERVING, WAITING
from onewindow.hallfile import load_hall
from tests.support.hall import TZ, Clock, basic, raw_request, serve, write_hall
from tests.test_hall_scenarios import Hall as HallOverHttp

HOURS = """
[hours]
mon = "08:30-12:00, 14:00-17:30"
tue = "08:30-12:00, 14:00-17:30"
wed = "08:30-12:00, 14:00-17:30"
thu = "08:30-12:00, 14:00-17:30"
fri = "08:30-12:00, 14:00-17:30"
last_ticket_min = 30
holidays = ["2026-10-01", "2026-10-02", "2026-10-03", "2026-10-04", "2026-10-05", "2026-10-06", "2026-10-07"]
workdays = ["2026-09-20", "2026-10-10"]
workday = "08:30-12:00, 14:00-17:30"
"""
TODAY = "08:30-12:00 14:00-17:30"
KIOSK = "device:kiosk-1"
CALLER = "device:caller-1"
MANAGER = "user:manager"


def at(month: int, day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, second, tzinfo=TZ)


@pytest.fixture
def hall_on(tmp_path):
    """A hall with hours whose day starts at `when`, its clerks at windows 1 and 2 signed in."""

    def make(when: datetime) -> tuple[Hall, Clock]:
        clock = Clock(when)
        ids = (f"id{n:04d}" for n in itertools.count(1))
        hall = Hall(load_hall(write_hall(tmp_path, extra=HOURS)), clock, new_id=lambda: next(ids))
        for n in (1, 2):
            hall.sign_in(n, f"c0{n}", CALLER)
        hall.take_changes()
        return hall, clock

    return make


def issue(hall: Hall):
    return hall.issue("general", False, KIOSK)[0]


def refusal(hall: Hall) -> Conflict:
    with pytest.raises(Conflict) as refused:
        issue(hall)
    assert refused.value.code == "hall_closed"
    return refused.value


# --- the domain ----------------------------------------------------------------------------------------


def test_at_closing_no_new_ticket_but_the_citizens_inside_are_served(hall_on):
    hall, clock = hall_on(at(11, 30, 16, 59, 59))  # a Monday
    served, waiting = issue(hall), issue(hall)  # the day's last tickets, a second before the last-ticket time
    clock.set(at(11, 30, 17, 0))
    closing = refusal(hall)
    assert closing.details == {"next_opening": "2026-12-01T08:30:00+08:00"}
    assert (
        closing.message
        == "no more tickets are issued before the hall closes at 17:30; it opens again tomorrow at 08:30"
    )
    clock.set(at(11, 30, 17, 20))
    assert hall.call(1, CALLER) is served
    hall.start(1, CALLER)
    clock.set(at(11, 30, 17, 45))  # past closing: the clock ends nobody's business
    assert hall.finish(1, CALLER) is served and served.status == DONE
    assert hall.call(1, CALLER) is waiting  # still waiting at closing, so called as on any afternoon
    assert refusal(hall).message == "the hall is closed; it opens again tomorrow at 08:30"
    assert "ticket.cancelled" not in [e.type for e in hall.take_changes().events]


def test_the_lunch_break_stops_the_kiosks_half_an_hour_before_noon(hall_on):
    hall, clock = hall_on(at(11, 30, 11, 29, 59))
    assert issue(hall).number == "A001"
    clock.set(at(11, 30, 11, 30))
    before_noon = refusal(hall)
    assert (
        before_noon.message
        == "no more tickets are issued before the hall closes at 12:00; it opens again today at 14:00"
    )
    assert before_noon.details == {"next_opening": "2026-11-30T14:00:00+08:00"}
    clock.set(at(11, 30, 12, 30))
    assert refusal(hall).message == "the hall is closed; it opens again today at 14:00"
    clock.set(at(11, 30, 14, 0))
    assert issue(hall).number == "A002"


def test_at_00_53_the_kiosk_is_told_the_hall_opens_at_08_30(hall_on):
    hall, clock = hall_on(at(11, 27, 0, 53))  # a Friday
    early = refusal(hall)
    assert early.details == {"next_opening": "2026-11-27T08:30:00+08:00"}
    assert early.message == "the hall is closed; it opens again today at 08:30"
    assert not hall.tickets and not hall.take_changes().tickets
    clock.set(at(11, 27, 8, 30))
    assert issue(hall).number == "A001"


def test_a_holiday_is_closed_all_day_and_says_when_the_hall_is_back(hall_on):
    hall, _ = hall_on(at(10, 1, 10, 0))  # National Day, a Thursday
    holiday = refusal(hall)
    assert holiday.details == {"next_opening": "2026-10-08T08:30:00+08:00"}
    assert holiday.message == "the hall is closed; it opens again on Thursday 2026-10-08 at 08:30"


@pytest.mark.parametrize(
    ("day_before", "worked", "next_after"),
    [
        # Saturday 09-19 is closed; Sunday 09-20 is worked; Monday 09-21 opens as usual
        (at(9, 19, 9, 0), at(9, 20, 9, 0), "2026-09-21T08:30:00+08:00"),
        # Friday 10-09 after its last ticket; Saturday 10-10 is worked; Sunday 10-11 is closed
        (at(10, 9, 17, 0), at(10, 10, 9, 0), "2026-10-12T08:30:00+08:00"),
    ],
)
def test_tiaoxiu_weekend_days_are_worked_with_the_workday_hours(hall_on, day_before, worked, next_after):
    hall, clock = hall_on(day_before)
    assert refusal(hall).details == {"next_opening": worked.replace(hour=8, minute=30).isoformat()}
    clock.set(worked)
    hall.roll_day()
    assert issue(hall).number == "A001"
    clock.set(worked.replace(hour=17))
    assert refusal(hall).details == {"next_opening": next_after}


def test_midnight_passes_with_a_citizen_at_the_counter(hall_on):
    hall, clock = hall_on(at(11, 27, 16, 50))  # a Friday afternoon
    late, kept = issue(hall), issue(hall)
    clock.set(at(11, 27, 23, 50))  # a long evening: the hall serves the citizens still inside
    assert hall.call(1, CALLER) is late
    hall.start(1, CALLER)
    clock.set(at(11, 28, 0, 10))
    assert hall.roll_day() and hall.day == "2026-11-28"
    changes = hall.take_changes()
    assert late.status == SERVING and hall.windows[1].current is late and hall.windows[1].clerk == "c01"
    assert kept.status == WAITING and kept.day == "2026-11-27" and hall.waiting("general") == 1
    assert hall.windows[2].clerk is None  # a window with nobody at its counter starts the day signed out
    assert "ticket.cancelled" not in [e.type for e in changes.events]
    (started,) = [a for a in changes.audit if a.action == "day.started"]
    assert started.data["still_open"] == 2 and started.data["previous"] == "2026-11-27"
    clock.set(at(11, 28, 0, 20))
    assert hall.finish(1, CALLER) is late
    assert (late.status, late.served_window, late.clerk, late.day) == (DONE, 1, "c01", "2026-11-27")
    (call,) = hall.take_changes().calls
    assert (call.number, call.day, call.outcome) == ("A001", "2026-11-27", "finished")
    assert hall.call(1, CALLER) is kept  # yesterday's ticket is called today, and counted today
    assert hall.calls[-1].day == "2026-11-28"
    assert refusal(hall).details == {"next_opening": "2026-11-30T08:30:00+08:00"}  # a Saturday


def test_tickets_left_waiting_at_midnight_wait_for_the_first_clerk_of_the_morning(hall_on):
    hall, clock = hall_on(at(11, 26, 16, 59))  # a Thursday, the last minute of issuing
    first, second = issue(hall), issue(hall)
    assert {first.window, second.window} == {1, 2}  # one at each staffed window
    clock.set(at(11, 27, 0, 5))
    assert hall.roll_day()
    # both clerks are signed out by the new day: nobody staffs 1 or 2, so nobody's ticket names them any more
    assert (first.window, second.window) == (None, None)
    assert [t.number for t in hall.shared["general"]] == ["A001", "A002"]
    clock.set(at(11, 27, 8, 40))
    hall.sign_in(3, "c03", CALLER)  # the first clerk in, at another window
    assert hall.call(3, CALLER) is first and hall.call(3, CALLER) is second


def test_the_manager_ends_the_day_once_nobody_is_at_a_counter(hall_on):
    hall, clock = hall_on(at(11, 30, 9, 0))
    tickets = [issue(hall) for _ in range(3)]
    assert hall.call(1, CALLER) is tickets[0]
    with pytest.raises(Conflict) as busy:
        hall.end_day(MANAGER)
    assert busy.value.code == "current_ticket"
    assert busy.value.message == "still serving at window 1 (A001): finish these before ending the day"
    assert tickets[1].status == WAITING and hall.windows[1].clerk == "c01"
    clock.set(at(11, 30, 17, 40))
    hall.finish(1, CALLER)
    hall.take_changes()
    assert hall.end_day(MANAGER) == {"day": "2026-11-30", "cancelled": ["A002", "A003"], "signed_out": [1, 2]}
    assert [(t.status, t.end_reason) for t in tickets[1:]] == [(CANCELLED, "day_ended")] * 2
    assert not any(w.queue or w.clerk for w in hall.windows.values())
    changes = hall.take_changes()
    assert [(e.type, e.data.get("reason")) for e in changes.events] == [
        ("ticket.cancelled", "day_ended"),
        ("ticket.cancelled", "day_ended"),
        ("window.signed_out", "day_ended"),
        ("window.signed_out", "day_ended"),
    ]
    assert {a.actor for a in changes.audit} == {MANAGER} and changes.audit[-1].action == "day.ended"
    assert changes.audit[-1].data["cancelled"] == ["A002", "A003"]
    with pytest.raises(Conflict) as nobody:
        hall.call(1, CALLER)
    assert nobody.value.code == "not_signed_in"


# --- over HTTP, through the real app ---------------------------------------------------------------------


@pytest.fixture
def hall_at(tmp_path):
    def running(when: datetime, **options: object):
        return serve(tmp_path, clock=Clock(when), extra=HOURS, **options)

    return running


def hours_of(hall: HallOverHttp) -> dict:
    return raw_request(hall.url, "GET", "/api/v1/hall")[1]["hours"]


def test_a_kiosk_at_00_53_is_refused_with_the_next_opening(hall_at):
    with hall_at(at(11, 27, 0, 53)) as running:
        hall = HallOverHttp(running)
        assert hall.post("/api/v1/tickets", {"service": "general"}, "kiosk-1", expect=(409,)) == {
            "error": {
                "code": "hall_closed",
                "message": "the hall is closed; it opens again today at 08:30",
                "next_opening": "2026-11-27T08:30:00+08:00",
            }
        }
        assert hours_of(hall) == {
            "open": False,
            "issuing": False,
            "today": TODAY,
            "closing": None,
            "last_ticket": None,
            "next_opening": "2026-11-27T08:30:00+08:00",
        }
        hall.clock.set(at(11, 27, 8, 30))
        assert hall.take()["number"] == "A001"
        assert hours_of(hall) == {
            "open": True,
            "issuing": True,
            "today": TODAY,
            "closing": "2026-11-27T12:00:00+08:00",
            "last_ticket": "2026-11-27T11:30:00+08:00",
            "next_opening": "2026-11-27T14:00:00+08:00",
        }


def test_a_hall_without_hours_issues_at_any_hour_and_shows_no_hours(tmp_path):
    with serve(tmp_path, clock=Clock(at(11, 27, 0, 53))) as running:
        hall = HallOverHttp(running)
        assert hall.take()["number"] == "A001"
        assert hours_of(hall) is None


def test_closing_time_over_http(hall_at):
    with hall_at(at(11, 30, 16, 45)) as running:
        hall = HallOverHttp(running)
        hall.sign_in(1)
        served = hall.take()
        hall.clock.set(at(11, 30, 17, 10))
        refused = hall.post("/api/v1/tickets", {"service": "general"}, "kiosk-1", expect=(409,))["error"]
        assert (refused["code"], refused["next_opening"]) == ("hall_closed", "2026-12-01T08:30:00+08:00")
        assert hours_of(hall) == {
            "open": True,
            "issuing": False,
            "today": TODAY,
            "closing": "2026-11-30T17:30:00+08:00",
            "last_ticket": "2026-11-30T17:00:00+08:00",
            "next_opening": "2026-12-01T08:30:00+08:00",
        }
        assert hall.press(1, "call")["number"] == served["number"]
        hall.clock.set(at(11, 30, 17, 50))
        assert hall.press(1, "finish")["status"] == "done"
        assert hours_of(hall)["open"] is False


def test_a_holiday_and_a_tiaoxiu_saturday_over_http(hall_at):
    with hall_at(at(10, 1, 10, 0)) as running:
        hall = HallOverHttp(running)
        refused = hall.post("/api/v1/tickets", {"service": "general"}, "kiosk-1", expect=(409,))["error"]
        assert refused["next_opening"] == "2026-10-08T08:30:00+08:00"
        assert hours_of(hall)["today"] == ""
        hall.clock.set(at(10, 10, 9, 0))
        assert hall.take()["number"] == "A001"
        assert hours_of(hall)["today"] == TODAY


@pytest.mark.parametrize("down_over_midnight", [False, True])
def test_midnight_with_a_citizen_at_the_counter_survives_a_restart(tmp_path, down_over_midnight):
    clock = Clock(at(11, 27, 16, 50))
    with serve(tmp_path, clock=clock, extra=HOURS) as running:
        hall = HallOverHttp(running)
        hall.sign_in(1)
        late, kept = hall.take(), hall.take()
        clock.set(at(11, 27, 23, 50))
        hall.press(1, "call")
        hall.press(1, "start")
        clock.set(at(11, 28, 0, 10))
        if not down_over_midnight:  # the day rolls on the next command (here refused), before the restart
            hall.post("/api/v1/tickets", {"service": "general"}, "kiosk-1", expect=(409,))
            assert running.core.read(lambda h: h.day) == "2026-11-28"
    # the core restarts on the same SQLite file: the citizen is still at window 1, yesterday's ticket still waits
    with serve(tmp_path, clock=clock, extra=HOURS) as running:
        hall = HallOverHttp(running)
        window = hall.window(1)
        assert window["current"]["number"] == late["number"] and window["current"]["status"] == "serving"
        assert window["clerk"]["id"] == "c01"
        assert hall.ticket(kept)["status"] == "waiting"
        clock.set(at(11, 28, 0, 20))
        assert hall.press(1, "finish")["status"] == "done"
        (call,) = running.core.store.calls_of("2026-11-27")
        assert (call.number, call.clerk, call.outcome) == ("A001", "c01", "finished")
        assert hall.press(1, "call")["number"] == kept["number"] == "A002"
        assert [c.number for c in running.core.store.calls_of("2026-11-28")] == ["A002"]


def test_the_manager_ends_the_day_from_the_api_and_it_is_logged(hall_at):
    with hall_at(at(11, 30, 16, 0)) as running:
        hall = HallOverHttp(running)
        hall.sign_in(1)
        hall.sign_in(2)
        first, second = hall.take(), hall.take()
        hall.press(1, "call")
        status, answer = raw_request(hall.url, "POST", "/api/v1/day/end", b"{}", {"Content-Type": "application/json"})
        assert (status, answer["error"]["code"]) == (401, "unauthenticated")
        status, answer = raw_request(hall.url, "POST", "/api/v1/day/end", b"{}", basic("auditor"))
        assert (status, answer["error"]["code"]) == (403, "forbidden")
        status, answer = raw_request(hall.url, "POST", "/api/v1/day/end", b"{}", basic("manager"))
        assert (status, answer["error"]["code"]) == (409, "current_ticket")
        hall.clock.set(at(11, 30, 17, 40))
        hall.press(1, "finish")
        status, answer = raw_request(hall.url, "POST", "/api/v1/day/end", b"{}", basic("manager"))
        head = answer.pop("oplog")  # the keyed head the day ends with: its own entry, day.ended
        assert (status, answer) == (200, {"day": "2026-11-30", "cancelled": ["A002"], "signed_out": [1, 2]})
        assert hall.ticket(second)["status"] == "cancelled" and hall.ticket(first)["status"] == "done"
        assert hall.window(1)["clerk"] is None
        assert hall.press(1, "call", expect=(409,))["error"]["code"] == "not_signed_in"
        status, log = raw_request(hall.url, "GET", "/api/v1/audit?limit=5", headers=basic("manager"))
        newest = log["entries"][0]
        assert (newest["action"], newest["actor"]) == ("day.ended", "user:manager")
        assert head == {"seq": newest["seq"], "hash": newest["hash"]}
        assert newest["data"]["cancelled"] == ["A002"] and newest["data"]["signed_out"] == [1, 2]

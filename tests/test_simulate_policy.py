"""The policy the simulator tunes, on the domain: expected remaining times, the take-over bound, the estimate."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

import pytest

from onewindow.dispatch.domain import Hall
from onewindow.dispatch.policy import Policy
from onewindow.hallfile import load_hall
from tests.support.hall import TZ, Clock, write_hall

KIOSK = "device:kiosk-1"
CALLER = "device:caller-1"


@pytest.fixture
def make_hall(tmp_path):
    def make(policy: Policy | None = None) -> tuple[Hall, Clock]:
        clock = Clock()
        ids = (f"id{n:04d}" for n in itertools.count(1))
        return Hall(load_hall(write_hall(tmp_path)), clock, policy, new_id=lambda: next(ids)), clock

    return make


def two_general_windows(hall: Hall) -> None:
    """Windows 1 and 2 staffed for general; window 3 (general and card) paused."""
    hall.sign_in(1, "c01", CALLER)
    hall.sign_in(2, "c02", CALLER)
    hall.pause(3, CALLER)


def finish_tickets(hall: Hall, clock: Clock, minutes: list[float]) -> None:
    for m in minutes:
        hall.issue("general", False, KIOSK)
        hall.call(1, CALLER)
        clock.advance(m * 60)
        hall.finish(1, CALLER)


def test_with_no_finished_ticket_the_remaining_time_is_the_configured_minutes_whatever_has_passed(make_hall):
    hall, _ = make_hall()
    # the prior is an exponential spread around the minutes: it has no memory
    for elapsed in (0, 60, 480, 3600):
        assert hall.residual_s("general", elapsed) == pytest.approx(480)


def test_the_remaining_time_learns_from_the_days_handling_times(make_hall):
    hall, clock = make_hall()
    two_general_windows(hall)
    finish_tickets(hall, clock, [2, 2, 3, 3, 4, 4, 10, 12] * 3)
    assert hall.mean_handling_s("general") == pytest.approx((3 * 480 + 3 * 60 * 40) / 27)
    fresh = hall.residual_s("general", 0)
    assert fresh == pytest.approx(hall.mean_handling_s("general"))
    # a ticket at 5 minutes is past the short ones: only the 10- and 12-minute kind are left
    assert hall.residual_s("general", 5 * 60) > 4 * 60
    assert hall.residual_s("general", 5 * 60) > hall.residual_s("general", 3.5 * 60) - 60
    # beyond every ticket seen, the prior's pseudo-tickets speak
    assert hall.residual_s("general", 40 * 60) == pytest.approx(480, rel=0.01)
    # the window's expected remaining time is that of its current ticket at its age
    hall.issue("general", False, KIOSK)
    hall.call(1, CALLER)
    clock.advance(5 * 60)
    assert hall.remaining_s(hall.windows[1], clock()) == pytest.approx(hall.residual_s("general", 5 * 60))


def test_learning_follows_new_tickets_and_starts_again_each_day(make_hall):
    hall, clock = make_hall()
    two_general_windows(hall)
    finish_tickets(hall, clock, [2] * 10)
    short = hall.residual_s("general", 0)
    finish_tickets(hall, clock, [20] * 10)
    assert hall.residual_s("general", 0) > short + 5 * 60
    clock.set(datetime(2026, 11, 28, 8, 0, tzinfo=TZ))
    assert hall.roll_day()
    assert hall.residual_s("general", 0) == pytest.approx(480)


@pytest.mark.parametrize(("gap_s", "takes_over"), [(30, False), (9 * 60, True)])
def test_a_window_takes_a_ticket_issued_much_earlier_than_its_own_head(make_hall, gap_s, takes_over):
    hall, clock = make_hall()
    two_general_windows(hall)
    hall.issue("general", False, KIOSK)
    hall.call(1, CALLER)
    hall.issue("general", False, KIOSK)
    hall.call(2, CALLER)
    early = hall.issue("general", False, KIOSK)[0]
    clock.advance(gap_s)
    late = hall.issue("general", False, KIOSK)[0]
    assert {early.window, late.window} == {1, 2}
    hall.finish(late.window, CALLER)
    bound = hall.takeover_lead_s(early)
    # the smaller of 0.6 of the wait a new ticket would expect now and one mean handling time
    expected = hall.policy.pooled_wait_s(
        hall.times, hall.windows, hall.shared, "general", (1, clock(), hall.order + 1), clock()
    )
    assert bound == pytest.approx(min(0.6 * expected, hall.mean_handling_s("general")))
    assert (gap_s > bound) is takes_over
    assert hall.call(late.window, CALLER) is (early if takes_over else late)


def test_the_bound_is_short_where_waits_are_short(make_hall):
    hall, _ = make_hall()
    for n in (1, 2, 3):  # three windows serve general
        hall.sign_in(n, f"c0{n}", CALLER)
        hall.issue("general", False, KIOSK)
        hall.call(n, CALLER)
    first = hall.issue("general", False, KIOSK)[0]
    # a new ticket would wait for the first of three windows (8/3 min) and one ticket's share (8/3 min)
    assert hall.service_estimate_s("general") == 320
    assert hall.takeover_lead_s(first) == pytest.approx(0.6 * 320)
    for _ in range(6):
        hall.issue("general", False, KIOSK)
    assert hall.takeover_lead_s(first) == pytest.approx(480)  # long waits: at most one handling time


def test_a_fixed_bound_replaces_the_relative_one(make_hall):
    hall, _ = make_hall(Policy(takeover_lead_s=90))
    t = hall.issue("injury", False, KIOSK)[0]
    assert hall.takeover_lead_s(t) == 90
    handlings, _ = make_hall(Policy(takeover_lead_wait_share=10**9, takeover_lead_handlings=2))
    handlings.sign_in(5, "c05", "device:caller-5")
    handlings.issue("injury", False, KIOSK)
    handlings.call(5, "device:caller-5")
    t = handlings.issue("injury", False, KIOSK)[0]
    assert handlings.takeover_lead_s(t) == pytest.approx(2 * 25 * 60)


def test_the_estimate_counts_the_windows_of_the_service_together(make_hall):
    hall, clock = make_hall()
    two_general_windows(hall)
    first = hall.issue("general", False, KIOSK)[0]
    assert hall.estimated_wait_s(first) == 0  # window 1 is idle
    hall.call(1, CALLER)
    assert hall.service_estimate_s("general") == 0  # window 2 is idle
    hall.issue("general", False, KIOSK)
    hall.call(2, CALLER)
    # both busy, each expected to need 8 minutes more: the first of the two frees after about 4
    assert hall.service_estimate_s("general") == 240
    a = hall.issue("general", False, KIOSK)[0]
    assert hall.estimated_wait_s(a) == 240
    # one ahead: the first window to free takes it, then its 8 minutes are shared by two windows
    expected = hall.service_estimate_s("general")
    assert expected == 240 + 240
    b = hall.issue("general", False, KIOSK)[0]
    assert hall.estimated_wait_s(b) == expected
    assert hall.ahead_of(b) == 0 and b.window != a.window  # its own window's queue is empty, yet it waits
    clock.advance(60)
    assert hall.estimated_wait_s(b) == 480  # with no finished ticket, time served tells nothing yet


def test_priority_tickets_expect_only_priority_tickets_ahead(make_hall):
    hall, _ = make_hall()
    two_general_windows(hall)
    for _ in range(2):
        hall.issue("general", False, KIOSK)
    hall.call(1, CALLER)
    hall.call(2, CALLER)
    for _ in range(4):
        hall.issue("general", False, KIOSK)
    urgent = hall.issue("general", True, KIOSK)[0]
    assert hall.estimated_wait_s(urgent) == 240
    assert hall.service_estimate_s("general", priority=True) == 240 + 240
    assert hall.service_estimate_s("general") > hall.service_estimate_s("general", priority=True)


def test_a_ticket_nobody_can_take_gets_no_estimate_until_a_window_is_staffed_again(make_hall):
    hall, clock = make_hall()
    hall.sign_in(5, "c05", "device:caller-5")
    hall.issue("injury", False, KIOSK)
    hall.call(5, "device:caller-5")
    stuck = hall.issue("injury", False, KIOSK)[0]
    assert hall.estimated_wait_s(stuck) == 25 * 60  # the one at the window has 25 minutes to go
    hall.finish(5, "device:caller-5")
    hall.pause(5, "device:caller-5")  # nowhere to move it: the shared queue, and nobody can say how long
    assert stuck.window is None
    assert hall.service_estimate_s("injury") is None and hall.estimated_wait_s(stuck) is None
    clock.advance(timedelta(minutes=1).total_seconds())
    hall.resume(5, "device:caller-5")
    assert hall.estimated_wait_s(stuck) == 0  # window 5 is back and idle
    assert hall.call(5, "device:caller-5") is stuck


def test_before_the_clerks_arrive_tickets_wait_shared_and_are_expected_as_the_clerks_come(make_hall):
    hall, _ = make_hall()  # nobody signed in: no window of general is staffed
    first = [hall.issue("general", False, KIOSK)[0] for _ in range(5)]
    assert [t.window for t in first] == [None] * 5
    assert [hall.estimated_wait_s(t) for t in first] == [None] * 5  # never "no wait" with nobody there
    hall.sign_in(1, "c01", CALLER)
    # one idle window: the first at once; the fourth after the first ends (8 min) and two more (16 min)
    assert hall.estimated_wait_s(first[0]) == 0 and hall.estimated_wait_s(first[3]) == 480 + 960
    hall.sign_in(2, "c02", CALLER)
    hall.sign_in(3, "c03", CALLER)
    # three windows: the three ahead start together; the first of three 8-minute services ends after 8/3 min
    assert [hall.estimated_wait_s(t) for t in first] == [0, 0, 0, 160, 160 + 160]


@pytest.fixture
def assisting_hall(tmp_path):
    """The test hall with window 4 (card) assisting general: windows 1 (general) and 4 staffed."""

    def make(policy: Policy | None = None) -> tuple[Hall, Clock]:
        path = write_hall(tmp_path)
        text = path.read_text().replace(
            'number = 4\nservices = ["card"]\n', 'number = 4\nservices = ["card"]\nassists = ["general"]\n'
        )
        path.write_text(text)
        clock = Clock()
        hall = Hall(load_hall(path), clock, policy)
        hall.sign_in(1, "c01", CALLER)
        hall.sign_in(4, "c04", "device:caller-4")
        return hall, clock

    return make


def test_a_ticket_is_printed_at_an_idle_assisting_window_only_when_no_window_of_its_own_is_idle(assisting_hall):
    hall, _ = assisting_hall()
    first = hall.issue("general", False, KIOSK)[0]
    assert first.printed_window == 1  # window 1 serves general and is idle
    hall.call(1, CALLER)
    second = hall.issue("general", False, KIOSK)[0]
    # window 1 is busy, window 4 idle with no card citizen waiting: it would call this ticket at once
    assert second.printed_window == 4
    card = hall.issue("card", False, KIOSK)[0]
    # a ticket printed at a window is called there first-come, the window's own business after it
    assert hall.call(4, "device:caller-4") is second
    third = hall.issue("general", False, KIOSK)[0]
    assert third.printed_window == 1  # window 4 is busy now, and a card citizen waits for it
    assert hall.call(4, "device:caller-4") is card


def test_an_assisting_window_is_not_printed_while_its_own_business_waits(assisting_hall):
    hall, _ = assisting_hall()
    hall.sign_in(3, "c03", "device:caller-3")
    hall.issue("general", False, KIOSK)
    hall.call(1, CALLER)
    hall.issue("general", False, KIOSK)
    hall.call(3, "device:caller-3")
    hall.pause(4, "device:caller-4")
    card = hall.issue("card", False, KIOSK)[0]
    assert card.printed_window == 3
    hall.resume(4, "device:caller-4")
    general = hall.issue("general", False, KIOSK)[0]
    # window 4 is idle, but a card citizen waits at window 3: its clerk calls them first
    assert general.printed_window in (1, 3)
    assert hall.call(4, "device:caller-4") is card


def test_printing_idle_assisting_windows_can_be_turned_off(assisting_hall):
    hall, _ = assisting_hall(Policy(print_idle_assisting=False))
    hall.issue("general", False, KIOSK)
    hall.call(1, CALLER)
    waiting = hall.issue("general", False, KIOSK)[0]
    assert waiting.printed_window == 1
    assert hall.call(4, "device:caller-4") is waiting  # the assisting window still takes it, from window 1

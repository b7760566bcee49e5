"""The rules of the hall (SPEC §3), on the plain-Python domain with a clock the tests turn."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

import pytest

from onewindow.dispatch.domain import Conflict, Hall, Invalid, NotFound
from onewindow.dispatch.model import CALLED, CANCELLED, DONE, NO_SHOW, SERVING, WAITING
from onewindow.dispatch.policy import Policy
from onewindow.dispatch.stats import day_stats, percentile
from onewindow.hallfile import load_hall
from tests.support.hall import TZ, Clock, write_hall

KIOSK = "device:kiosk-1"
CALLER = "device:caller-1"


@pytest.fixture
def make_hall(tmp_path):
    def make(policy: Policy | None = None, **options: object) -> tuple[Hall, Clock]:
        clock = Clock()
        ids = (f"id{n:04d}" for n in itertools.count(1))
        hall = Hall(load_hall(write_hall(tmp_path, **options)), clock, policy, new_id=lambda: next(ids))
        return hall, clock

    return make


@pytest.fixture
def hall_clock(make_hall):
    return make_hall()


def staffed(hall: Hall, *windows: int) -> None:
    for n in windows:
        hall.sign_in(n, f"c0{n}", CALLER)
    hall.take_changes()


def issue(hall: Hall, service: str = "general", priority: bool = False):
    return hall.issue(service, priority, KIOSK)[0]


# --- tickets and numbering -------------------------------------------------------------------------


def test_numbers_are_prefix_and_a_daily_counter_of_at_least_three_digits(hall_clock):
    hall, _ = hall_clock
    numbers = [issue(hall).number for _ in range(1000)]
    assert numbers[:3] == ["A001", "A002", "A003"]
    assert numbers[998:] == ["A999", "A1000"]
    assert issue(hall, "card").number == "E001"
    assert len(set(numbers)) == 1000


def test_numbers_restart_at_local_midnight_around_the_tickets_still_open(hall_clock):
    hall, clock = hall_clock
    staffed(hall, 1)
    done = issue(hall)
    hall.call(1, CALLER)
    hall.finish(1, CALLER)
    clock.set(datetime(2026, 11, 27, 23, 59, 59, tzinfo=TZ))
    kept = [issue(hall), issue(hall)]
    assert [t.number for t in kept] == ["A002", "A003"]
    clock.set(datetime(2026, 11, 28, 0, 0, 1, tzinfo=TZ))
    assert hall.roll_day()
    changes = hall.take_changes()
    # the clock ends no ticket: the two still waiting keep their numbers, their day and their place
    assert [(t.status, t.day) for t in kept] == [(WAITING, "2026-11-27")] * 2
    assert "ticket.cancelled" not in [e.type for e in changes.events]
    assert "window.signed_out" in [e.type for e in changes.events]
    # the day's numbers restart, passing over A002 and A003 while they are open; A001 is finished, so free
    assert [issue(hall).number for _ in range(3)] == ["A001", "A004", "A005"]
    assert hall.day == "2026-11-28" and done.status == DONE


def test_ticket_ids_are_secret_capabilities_of_128_bits(tmp_path):
    import base64

    hall = Hall(load_hall(write_hall(tmp_path)), Clock())
    ids = {hall.issue("general", False, KIOSK)[0].id for _ in range(200)}
    assert len(ids) == 200
    for ticket_id in ids:
        assert len(base64.urlsafe_b64decode(ticket_id + "==")) == 16


# --- assignment ------------------------------------------------------------------------------------


def test_issue_goes_to_the_window_with_the_smallest_expected_wait(hall_clock):
    hall, _ = hall_clock
    staffed(hall, 1, 2, 3)
    # general is served by windows 1, 2 and 3; ties go to fewer waiting, then the lower number
    assert [issue(hall).window for _ in range(6)] == [1, 2, 3, 1, 2, 3]


def test_expected_wait_counts_the_services_ahead_not_just_heads(hall_clock):
    hall, _ = hall_clock
    staffed(hall, 1, 2, 3, 4)
    # window 3 also serves card (5 min): a card ticket there weighs less than a general one elsewhere
    assert issue(hall, "card").window == 3  # 3 and 4 serve card; both idle: lower number
    assert issue(hall, "card").window == 4
    # windows 1 and 2 are idle, window 3 has 5 min of card ahead; then 8, 8 and 5 minutes: window 3
    assert [issue(hall).window for _ in range(3)] == [1, 2, 3]
    assert issue(hall).window == 1  # 8, 8 and 13 minutes


def test_remaining_time_of_the_current_ticket_counts(hall_clock):
    hall, clock = hall_clock
    staffed(hall, 1, 2, 3)
    issue(hall)
    issue(hall)
    issue(hall)
    for n in (1, 2, 3):
        hall.call(n, CALLER)
    clock.advance(7 * 60)  # window 1's ticket has run 7 of its expected 8 minutes ...
    hall.finish(2, CALLER)
    hall.call(2, CALLER)  # ... window 2 calls nobody: nobody waits
    clock.advance(60)
    t = issue(hall)
    assert t.window == 2  # idle beats any remaining time


def test_handling_times_are_learned_from_the_days_finished_tickets(hall_clock):
    hall, clock = hall_clock
    staffed(hall, 1)
    assert hall.mean_handling_s("general") == 480
    for _ in range(6):
        issue(hall)
        hall.call(1, CALLER)
        clock.advance(120)
        hall.finish(1, CALLER)
    # three pseudo-tickets at the configured 8 minutes, six real ones of 2 minutes
    assert hall.mean_handling_s("general") == pytest.approx((3 * 480 + 6 * 120) / 9)


def test_paused_closed_and_unstaffed_windows_take_no_new_tickets(hall_clock):
    hall, _ = hall_clock
    staffed(hall, 1, 2)
    hall.pause(1, CALLER)
    hall.close(2, "user:manager")
    # window 3 serves general but nobody is signed in there: the tickets wait in the shared queue
    assert [issue(hall).window for _ in range(3)] == [None, None, None]
    staffed(hall, 3)
    assert {issue(hall).window for _ in range(3)} == {3}


def test_a_service_no_window_can_take_is_refused(hall_clock):
    hall, _ = hall_clock
    hall.close(5, "user:manager")  # paused, its tickets would wait in the shared queue; closed, nobody serves it
    with pytest.raises(Conflict) as err:
        issue(hall, "injury")
    assert err.value.code == "service_unavailable"
    with pytest.raises(Invalid):
        issue(hall, "nonsense")


def test_priority_tickets_go_first_and_only_when_the_hall_offers_them(make_hall):
    hall, clock = make_hall()
    staffed(hall, 1, 2, 3)
    a = [issue(hall) for _ in range(6)]
    clock.advance(10)
    p = issue(hall, priority=True)
    w = hall.windows[p.window]
    assert w.queue[0] is p
    assert hall.ahead_of(p) == 0 and hall.ahead_of(a[0]) in (0, 1)
    hall2, _ = make_hall(priority=False)
    with pytest.raises(Invalid) as err:
        hall2.issue("general", True, KIOSK)
    assert err.value.code == "priority_not_offered"


# --- calling ---------------------------------------------------------------------------------------


def test_a_window_needs_a_signed_in_clerk_to_call(hall_clock):
    hall, _ = hall_clock
    issue(hall)
    with pytest.raises(Conflict) as err:
        hall.call(1, CALLER)
    assert err.value.code == "not_signed_in"


def test_call_finishes_the_current_ticket_and_calls_the_next_in_order(hall_clock):
    hall, clock = hall_clock
    staffed(hall, 1)
    hall.pause(2, CALLER)
    hall.pause(3, CALLER)
    first, second = issue(hall), issue(hall)
    clock.advance(30)
    assert hall.call(1, CALLER) is first
    assert first.status == CALLED and first.called_at == clock()
    clock.advance(300)
    assert hall.call(1, CALLER) is second
    assert first.status == DONE and first.clerk == "c01" and first.served_window == 1
    assert hall.call(1, CALLER) is None  # nobody waits: 204
    assert second.status == DONE


def test_an_idle_window_takes_over_the_earliest_waiting_ticket_it_can_serve(hall_clock):
    hall, clock = hall_clock
    staffed(hall, 1, 2, 3)
    tickets = []
    for _ in range(6):
        tickets.append(issue(hall))
        clock.advance(10)
    for n in (1, 2, 3):
        hall.call(n, CALLER)
    hall.take_changes()
    # window 2's own queue still has A005; window 1 takes from its own A004
    t = hall.call(1, CALLER)
    assert t.number == "A004"
    hall.call(2, CALLER)
    hall.call(3, CALLER)
    # all queues are empty now but one ticket issued later to window 1 ...
    late = issue(hall)
    assert late.window in (1, 2, 3)
    idle = next(n for n in (1, 2, 3) if n != late.window)
    hall.take_changes()
    assert hall.call(idle, CALLER) is late  # ... is taken over by the first window to call
    events = [e.type for e in hall.take_changes().events]
    assert events[-2:] == ["ticket.moved", "ticket.called"]
    assert late.window == idle and late.printed_window != idle


def test_take_over_respects_services(hall_clock):
    hall, _ = hall_clock
    staffed(hall, 4)
    issue(hall)  # general, at window 1
    assert hall.call(4, "device:caller-4") is None  # window 4 serves card only


def test_take_over_of_a_ticket_that_waited_much_longer_than_the_own_head(make_hall):
    hall, clock = make_hall(policy=Policy(takeover_lead_s=300))
    staffed(hall, 1, 2)
    hall.pause(3, CALLER)
    old = issue(hall)  # window 1
    hall.call(1, CALLER)  # window 1 is busy with it ... then its queue grows
    stuck = issue(hall)
    assert stuck.window == 2
    hall.call(2, CALLER)  # window 2 serves it
    stuck2 = issue(hall)  # joins window 1 or 2's queue
    clock.advance(400)
    fresh = issue(hall)
    assert fresh.window != stuck2.window
    # the window of `fresh` calls: `stuck2` waited 400 s longer than its own head: it goes first
    assert hall.call(fresh.window, CALLER) is stuck2
    assert old.status == DONE or old.status == CALLED


def test_recall_up_to_the_limit_then_no_show(hall_clock):
    hall, _ = hall_clock  # recall_limit = 2
    staffed(hall, 1)
    t = issue(hall)
    hall.call(1, CALLER)
    hall.recall(1, CALLER)
    hall.recall(1, CALLER)
    with pytest.raises(Conflict) as err:
        hall.recall(1, CALLER)
    assert err.value.code == "recall_limit" and t.recalls == 2
    hall.no_show(1, CALLER)
    assert t.status == NO_SHOW and hall.windows[1].current is None
    with pytest.raises(Conflict):
        hall.no_show(1, CALLER)


def test_start_then_finish_arms_the_evaluator(hall_clock):
    hall, clock = hall_clock  # rating_window_s = 60
    staffed(hall, 1)
    t = issue(hall)
    hall.call(1, CALLER)
    hall.start(1, CALLER)
    assert t.status == SERVING
    with pytest.raises(Conflict):
        hall.recall(1, CALLER)  # already at the counter
    hall.finish(1, CALLER)
    assert hall.armed(hall.windows[1]) is t
    rating = hall.rate(1, 5, "device:eval-1")
    assert rating.score == 5 and rating.clerk == "c01"
    with pytest.raises(Conflict) as err:
        hall.rate(1, 4, "device:eval-1")
    assert err.value.code == "already_rated"


def test_a_rating_after_its_time_is_refused(hall_clock):
    hall, clock = hall_clock
    staffed(hall, 1)
    issue(hall)
    hall.call(1, CALLER)
    hall.finish(1, CALLER)
    clock.advance(61)
    with pytest.raises(Conflict):
        hall.rate(1, 3, "device:eval-1")
    with pytest.raises(Invalid):
        hall.rate(1, 6, "device:eval-1")


def test_no_show_does_not_arm_a_rating(hall_clock):
    hall, _ = hall_clock
    staffed(hall, 1)
    issue(hall)
    hall.call(1, CALLER)
    hall.no_show(1, CALLER)
    assert hall.armed(hall.windows[1]) is None


# --- ratings stay with their citizen (SPEC §3 Ratings: rating_window_s = 60, rating_grace_s = 20) ------------


def finished_then_next_called(hall: Hall):
    """Window 1 finishes the first citizen and calls the next, who walks up to the counter."""
    staffed(hall, 1)
    first, second = issue(hall), issue(hall)
    hall.move(second.id, 1, "citizen")  # both wait at window 1
    hall.call(1, CALLER)
    hall.take_changes()
    called = hall.call(1, CALLER)  # finishes the first, calls the next
    assert called is second and first.status == DONE
    return first, second, hall.take_changes()


def test_after_the_next_call_the_one_before_may_rate_only_a_grace_more(hall_clock):
    hall, clock = hall_clock
    first, _, changes = finished_then_next_called(hall)
    finished, called = (e for e in changes.events if e.type in ("ticket.finished", "ticket.called"))
    assert finished.data["rating_until"] == hall.iso(clock() + 60)
    assert called.data["rating_until"] == hall.iso(clock() + 20)  # the grace after the call
    clock.advance(15)
    rating = hall.rate(1, 5, "device:eval-1")  # the first citizen, still at the window
    assert rating.number == first.number and rating.ticket_id == first.id


def test_the_next_citizen_pressing_at_the_window_is_refused_kindly(hall_clock):
    hall, clock = hall_clock
    first, _, _ = finished_then_next_called(hall)
    clock.advance(21)  # the next citizen reached the counter and presses
    with pytest.raises(Conflict) as err:
        hall.rate(1, 5, "device:eval-1")
    assert err.value.code == "rating_closed"
    assert first.id not in hall.ratings


def test_start_disarms_the_evaluator_at_once(hall_clock):
    hall, clock = hall_clock
    first, _, _ = finished_then_next_called(hall)
    clock.advance(2)
    hall.start(1, CALLER)
    assert hall.armed(hall.windows[1]) is None
    with pytest.raises(Conflict) as err:
        hall.rate(1, 4, "device:eval-1")
    assert err.value.code == "rating_closed"


def test_the_grace_never_lengthens_the_rating_time(hall_clock):
    hall, clock = hall_clock
    staffed(hall, 1)
    issue(hall), issue(hall)
    hall.call(1, CALLER)
    hall.finish(1, CALLER)
    clock.advance(50)
    hall.take_changes()
    hall.call(1, CALLER)  # 10 s of the 60 were left: the grace of 20 does not add to them
    called = next(e for e in hall.take_changes().events if e.type == "ticket.called")
    assert called.data["rating_until"] == hall.iso(clock() + 10)
    clock.advance(10)
    with pytest.raises(Conflict):
        hall.rate(1, 3, "device:eval-1")


def test_a_call_with_nothing_armed_says_so(hall_clock):
    hall, _ = hall_clock
    staffed(hall, 1)
    issue(hall)
    hall.take_changes()
    hall.call(1, CALLER)
    called = next(e for e in hall.take_changes().events if e.type == "ticket.called")
    assert called.data["rating_until"] is None
    with pytest.raises(Conflict) as err:
        hall.rate(1, 3, "device:eval-1")
    assert err.value.code == "not_armed"


def test_one_rating_per_ticket_whether_by_evaluator_or_phone(hall_clock):
    hall, _ = hall_clock
    staffed(hall, 1)
    first, second = issue(hall), issue(hall)
    hall.call(1, CALLER)
    with pytest.raises(Conflict) as err:
        hall.rate_ticket(first.id, 5, "citizen")
    assert err.value.code == "not_finished"
    hall.finish(1, CALLER)
    rating = hall.rate_ticket(first.id, 2, "citizen", ("等候时间长",))
    assert (rating.window, rating.clerk, rating.reasons) == (1, "c01", ("等候时间长",))
    with pytest.raises(Conflict) as err:
        hall.rate(1, 5, "device:eval-1")  # the evaluator, after the phone
    assert err.value.code == "already_rated"
    hall.call(1, CALLER)  # finishes nothing: window 1 has no current ticket
    hall.finish(1, CALLER)
    hall.rate(1, 5, "device:eval-1")
    with pytest.raises(Conflict) as err:
        hall.rate_ticket(second.id, 4, "citizen")  # the phone, after the evaluator
    assert err.value.code == "already_rated"
    assert len(hall.ratings) == 2


def test_transfer_to_a_service_keeps_number_and_issue_time(hall_clock):
    hall, clock = hall_clock
    staffed(hall, 1, 4)
    t = issue(hall)
    issued = t.issued_at
    hall.call(1, CALLER)
    clock.advance(200)
    later = issue(hall, "card")
    assert later.window in (3, 4)
    hall.transfer(1, CALLER, service="card")
    assert t.status == WAITING and t.number == "A001" and t.issued_at == issued and t.service == "card"
    assert t.window in (3, 4)
    # issued before `later`, it is ahead of it wherever both wait
    w = hall.windows[t.window]
    if later in w.queue:
        assert w.queue.index(t) < w.queue.index(later)
    assert hall.windows[1].current is None


def test_transfer_to_a_window_checks_it_can_take_the_ticket(hall_clock):
    hall, _ = hall_clock
    staffed(hall, 1)
    issue(hall)
    hall.call(1, CALLER)
    with pytest.raises(Conflict) as err:
        hall.transfer(1, CALLER, window=4)  # 4 serves card only
    assert err.value.code == "window_does_not_serve"
    with pytest.raises(Invalid):
        hall.transfer(1, CALLER, window=99)
    with pytest.raises(Conflict):
        hall.transfer(1, CALLER, window=1)
    with pytest.raises(Conflict) as err:
        hall.transfer(1, CALLER, window=3)  # nobody serves there yet
    assert err.value.code == "window_unstaffed"
    staffed(hall, 3)
    t = hall.transfer(1, CALLER, window=3)
    assert t.window == 3 and t.status == WAITING
    with pytest.raises(Conflict):
        hall.transfer(1, CALLER, window=3)  # no current ticket any more


def test_pause_moves_waiting_tickets_elsewhere_in_order_and_resume_takes_new_ones(hall_clock):
    hall, clock = hall_clock
    staffed(hall, 1, 2, 3)
    tickets = []
    for _ in range(9):
        tickets.append(issue(hall))
        clock.advance(5)
    at_one = list(hall.windows[1].queue)
    hall.take_changes()
    hall.pause(1, CALLER, "午休")
    events = hall.take_changes().events
    assert events[0].type == "window.paused" and events[0].data["reason"] == "午休"
    assert [e.data["number"] for e in events[1:]] == [t.number for t in at_one]
    assert not hall.windows[1].queue
    for w in (hall.windows[2], hall.windows[3]):
        assert [t.issued_at for t in w.queue] == sorted(t.issued_at for t in w.queue)
    with pytest.raises(Conflict):
        hall.pause(1, CALLER)
    hall.resume(1, CALLER)
    assert issue(hall).window == 1
    with pytest.raises(Conflict):
        hall.resume(1, CALLER)


def test_pause_sends_tickets_no_other_window_can_take_to_the_shared_queue(hall_clock):
    hall, _ = hall_clock
    staffed(hall, 5)
    t = issue(hall, "injury")
    hall.pause(5, "device:caller-5")
    assert t.window is None and t.status == WAITING and hall.shared["injury"] == [t]
    assert hall.estimated_wait_s(t) is None  # nobody serves injury now: no promise


def test_close_and_open_by_a_manager(hall_clock):
    hall, _ = hall_clock
    staffed(hall, 1)
    issue(hall)
    hall.close(1, "user:manager")
    assert hall.windows[1].state == "closed" and not hall.windows[1].queue
    with pytest.raises(Conflict):
        hall.call(1, CALLER)
    hall.open(1, "user:manager")
    assert hall.windows[1].state == "open"


def test_closed_in_the_hall_file_starts_closed(tmp_path):
    extra = ""
    path = write_hall(tmp_path, extra=extra)
    text = path.read_text().replace(
        'number = 2\nservices = ["general"]\n', 'number = 2\nservices = ["general"]\nclosed = true\n'
    )
    path.write_text(text)
    hall = Hall(load_hall(path), Clock())
    assert hall.windows[2].state == "closed"


def test_sign_in_moves_a_clerk_and_sign_out_moves_the_queue_on(hall_clock):
    hall, _ = hall_clock
    hall.sign_in(1, "c01", CALLER)
    t = issue(hall)
    assert t.window == 1
    hall.sign_in(2, "c01", CALLER)  # the clerk moves desks: the ticket follows to the staffed window
    assert hall.windows[1].clerk is None and hall.windows[2].clerk == "c01" and t.window == 2
    hall.sign_in(2, "c02", CALLER)  # a colleague takes over the desk: it stays staffed, the ticket stays
    assert hall.windows[2].clerk == "c02" and t.window == 2
    hall.sign_out(2, CALLER)
    assert t.window is None and hall.shared["general"] == [t]  # nobody left for general
    with pytest.raises(Conflict):
        hall.sign_out(2, CALLER)
    with pytest.raises(Invalid):
        hall.sign_in(2, "nobody", CALLER)


# --- citizens --------------------------------------------------------------------------------------


def test_a_citizen_moves_a_ticket_to_another_window_keeping_its_place_in_time(hall_clock):
    hall, clock = hall_clock
    staffed(hall, 1, 2, 3)
    first = issue(hall)  # window 1
    clock.advance(60)
    others = [issue(hall) for _ in range(4)]  # 2, 3, 1, 2
    moved = hall.move(first.id, 2, "citizen")
    assert moved.window == 2 and hall.windows[2].queue[0] is first
    assert hall.move(first.id, 2, "citizen") is first  # already there: nothing happens
    with pytest.raises(Conflict):
        hall.move(first.id, 4, "citizen")  # 4 does not serve general
    with pytest.raises(Invalid):
        hall.move(first.id, 42, "citizen")
    hall.cancel(first.id, "citizen")
    assert first.status == CANCELLED
    with pytest.raises(Conflict):
        hall.cancel(first.id, "citizen")
    with pytest.raises(Conflict):
        hall.move(first.id, 1, "citizen")
    with pytest.raises(NotFound):
        hall.cancel("no-such-id", "citizen")
    assert others


# --- statistics ------------------------------------------------------------------------------------


def test_workload_counts_finished_tickets_for_whoever_finishes_them(hall_clock):
    hall, clock = hall_clock
    staffed(hall, 1, 2)
    hall.pause(3, CALLER)
    a, _, _ = issue(hall), issue(hall), issue(hall)  # windows 1, 2, 1
    clock.advance(60)
    hall.call(1, CALLER)  # a after 60 s
    hall.call(2, CALLER)  # b after 60 s
    hall.recall(1, CALLER)
    clock.advance(120)
    hall.transfer(1, CALLER, window=2)  # a goes to window 2, keeps its first call
    hall.call(1, CALLER)  # c, waited 180 s
    clock.advance(100)
    hall.call(2, CALLER)  # finishes b; calls a again (it keeps its issue time: first in the queue)
    hall.finish(2, CALLER)  # finishes a
    hall.no_show(1, CALLER)  # c
    hall.rate(2, 1, "device:eval-1")
    tickets = list(hall.tickets.values())
    stats = day_stats(hall, hall.day, tickets, list(hall.ratings.values()))
    clerks = {c["clerk"]: c for c in stats["clerks"]}
    assert clerks["c02"]["finished"] == 2 and clerks["c02"]["no_shows"] == 0
    assert clerks["c01"]["finished"] == 0 and clerks["c01"]["no_shows"] == 1
    assert stats["hall"]["issued"] == 3 and stats["hall"]["finished"] == 2
    assert stats["hall"]["mean_wait_s"] == pytest.approx((60 + 60 + 180) / 3, abs=0.1)
    # handling = finish - first call: a from 60 to 280 s, b from 60 to 280 s
    assert stats["hall"]["mean_handling_s"] == pytest.approx(220, abs=0.1)
    assert stats["hall"]["ratings"]["1"] == 1 and stats["hall"]["ratings"]["flagged"] == 1
    assert a.recalls == 0  # a recall is not work: counted nowhere


def test_a_clerk_is_counted_by_the_calls_they_made(hall_clock):
    hall, clock = hall_clock
    staffed(hall, 1, 2)
    hall.pause(3, CALLER)
    for _ in range(3):
        hall.move(issue(hall).id, 1, "citizen")  # three citizens wait at window 1
    hall.call(1, CALLER)
    hall.recall(1, CALLER)  # a recall is not a call
    hall.no_show(1, CALLER)
    hall.call(1, CALLER)
    hall.transfer(1, CALLER, window=2)
    hall.call(1, CALLER)
    hall.transfer(1, CALLER, window=2)
    hall.call(2, CALLER)
    hall.call(2, CALLER)  # finishes the first transferred, calls the second
    hall.finish(2, CALLER)
    stats = day_stats(hall, hall.day, list(hall.tickets.values()), [], hall.calls)
    clerks = {c["clerk"]: c for c in stats["clerks"]}
    got = {k: clerks["c01"][k] for k in ("calls", "finished", "no_shows", "transfers")}
    assert got == {"calls": 3, "finished": 0, "no_shows": 1, "transfers": 2}
    assert (clerks["c02"]["calls"], clerks["c02"]["finished"], clerks["c02"]["transfers"]) == (2, 2, 0)
    windows = {w["window"]: w for w in stats["windows"]}
    assert (windows[1]["calls"], windows[1]["transfers"], windows[2]["calls"]) == (3, 2, 2)
    assert [c.outcome for c in hall.calls] == ["no_show", "transferred", "transferred", "finished", "finished"]


def test_not_rated_counts_once_the_rating_time_is_over(hall_clock):
    hall, clock = hall_clock
    staffed(hall, 1)
    issue(hall)
    hall.call(1, CALLER)
    hall.finish(1, CALLER)
    stats = day_stats(hall, hall.day, list(hall.tickets.values()), [])
    assert stats["hall"]["ratings"]["not_rated"] == 0
    clock.advance(61)
    stats = day_stats(hall, hall.day, list(hall.tickets.values()), [])
    assert stats["hall"]["ratings"]["not_rated"] == 1


def test_percentile_is_nearest_rank():
    assert percentile([], 95) is None
    assert percentile([5.0], 95) == 5.0
    assert percentile([float(n) for n in range(1, 101)], 95) == 95.0
    assert percentile([float(n) for n in range(1, 21)], 95) == 19.0


def test_device_goes_offline_when_silent(hall_clock):
    hall, clock = hall_clock
    hall.device_status("kiosk-1", {"paper": "ok"}, KIOSK)
    first = hall.take_changes()
    assert [e.type for e in first.events] == ["device.status"]
    hall.device_status("kiosk-1", {"paper": "ok"}, KIOSK)
    assert not hall.take_changes().events  # nothing changed: no event
    clock.advance(31)
    hall.check_devices()
    event = hall.take_changes().events[0]
    assert event.data["online"] is False and event.data["device"] == "kiosk-1"


def test_every_change_is_an_event_and_an_audit_record_naming_who(hall_clock):
    hall, clock = hall_clock
    staffed(hall, 1)
    t = issue(hall)
    hall.call(1, CALLER)
    changes = hall.take_changes()
    assert [e.type for e in changes.events] == ["ticket.issued", "ticket.called"]
    assert [a.actor for a in changes.audit] == [KIOSK, CALLER]
    for e in changes.events:
        assert t.id not in str(e.data)
        assert {"number", "service", "window", "at"} <= set(e.data)
    assert changes.tickets[t.id] is t and 1 in changes.windows


def test_the_day_rolls_over_on_the_next_command_after_midnight(hall_clock):
    hall, clock = hall_clock
    t = issue(hall)
    clock.set(datetime(2026, 11, 28, 7, 0, tzinfo=TZ))
    hall.roll_day()
    assert t.status == WAITING and t.day == "2026-11-27"  # kept until called or the day is ended
    fresh = issue(hall)
    assert fresh.number == "A002" and fresh.day == "2026-11-28"  # A001 is still held by yesterday's ticket
    clock.advance(timedelta(days=1).total_seconds())
    assert hall.roll_day() and not hall.roll_day()


def test_a_window_assists_only_when_nobody_of_its_own_waits(tmp_path):
    path = write_hall(tmp_path)
    text = path.read_text().replace(
        'number = 4\nservices = ["card"]\n', 'number = 4\nservices = ["card"]\nassists = ["general"]\n'
    )
    path.write_text(text)
    hall = Hall(load_hall(path), Clock())
    hall.sign_in(4, "c04", "device:caller-4")
    general = [hall.issue("general", False, KIOSK)[0] for _ in range(4)]
    # never assigned to a window that only assists: with nobody at 1-3 they wait in the shared queue
    assert all(t.window is None for t in general)
    card = hall.issue("card", False, KIOSK)[0]
    assert hall.call(4, "device:caller-4") is card  # its own business first, wherever it waits
    helped = hall.call(4, "device:caller-4")
    assert helped is general[0] and helped.window == 4  # then the earliest general ticket
    with pytest.raises(Conflict):
        hall.move(general[1].id, 4, "citizen")  # a citizen cannot choose a window that only assists


def test_a_queue_counts_and_finds_as_walking_it_would():
    """The queue's counts and heads (what keeps estimates cheap with thousands waiting) against a plain walk."""
    import random

    from onewindow.dispatch.model import PRIORITY_ONLY, Queue, Ticket

    rng = random.Random(3)
    queue, waiting = Queue(), []
    services = ("general", "card", "injury")
    for order in range(1, 400):
        if waiting and rng.random() < 0.4:
            gone = waiting.pop(rng.randrange(len(waiting)))
            queue.remove(gone)
            assert gone not in queue
        t = Ticket(f"id{order}", "2026-11-27", f"A{order:03d}", order, order, rng.choice(services), "general",
                   None, None, WAITING, rng.random() < 0.2, float(rng.randrange(50)))  # fmt: skip
        queue.add(t)
        waiting.append(t)
        waiting.sort(key=Ticket.queue_key)
        assert list(queue) == waiting and queue == waiting and len(queue) == len(waiting)
        key = rng.choice(waiting).queue_key()
        assert queue.before(key) == sum(1 for x in waiting if x.queue_key() < key)
        for before in (None, key, PRIORITY_ONLY):
            walked = {s: sum(1 for x in waiting if x.service == s and (before is None or x.queue_key() < before))
                      for s in services}  # fmt: skip
            assert {s: queue.counts(before).get(s, 0) for s in services} == walked
        for wanted in (("card",), ("general", "injury")):
            assert queue.first_of(wanted) is next((x for x in waiting if x.service in wanted), None)
        probe = rng.choice(waiting)
        assert queue.place(probe) == waiting.index(probe) and probe in queue
    with pytest.raises(ValueError):
        queue.remove(Ticket("x", "2026-11-27", "X001", 1, 0, "card", "card", None, None, WAITING, False, 0.0))


def test_the_pooled_estimate_counted_is_the_estimate_walked(make_hall):
    """The pooled wait worked out from the queues' counts equals the sum over every ticket ahead, as first written."""
    import random

    hall, clock = make_hall(priority=True)
    staffed(hall, 1, 2, 3, 4, 5)
    rng = random.Random(5)
    for i in range(300):
        clock.advance(rng.uniform(0, 40))
        hall.issue(rng.choice(["general", "general", "card", "injury"]), rng.random() < 0.1, KIOSK)
        if i % 7 == 0:
            hall.call(rng.choice([1, 2, 3, 4] if i < 150 else [1, 3, 4]), CALLER)
        if i == 150:
            if hall.windows[2].current is not None:
                hall.finish(2, CALLER)
            hall.pause(2, CALLER)  # its tickets go to the others
    policy, now = hall.policy, clock()

    def walked(service: str, key: tuple[int, float, int]) -> float | None:
        group = [w for w in hall.windows.values() if w.staffed and service in w.services]
        if not group:
            return None
        served = {s for w in group for s in w.services}
        queues = [*(w.queue for w in group), *(hall.shared.get(s, ()) for s in sorted(served))]
        ahead = sorted(
            (t.queue_key(), hall.mean_handling_s(t.service)) for q in queues for t in q if t.queue_key() < key
        )
        idle = sum(1 for w in group if w.current is None)
        if len(ahead) < idle:
            return 0.0
        ends = [hall.remaining_s(w, now) for w in group if w.current is not None]
        ends += [mean for _, mean in ahead[:idle]]
        return 1.0 / sum(1.0 / max(end, 1.0) for end in ends) + sum(m for _, m in ahead[idle:]) / len(group)

    waiting = [t for t in hall.tickets.values() if t.status == WAITING]
    keys = [t.queue_key() for t in rng.sample(waiting, 20)] + [(0, now, hall.order + 1), (1, now, hall.order + 1)]
    for service in ("general", "card", "injury"):
        for key in keys:
            counted = policy.pooled_wait_s(hall.times, hall.windows, hall.shared, service, key, now)
            expected = walked(service, key)
            assert expected is not None and counted == pytest.approx(expected, rel=1e-12)

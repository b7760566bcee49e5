"""What the display believes about the hall: snapshots and events from a real core, fed in the orders the
follower can deliver them (an event before or after the snapshot that includes it, a replay after a reconnect),
on a display whose own clock is an hour off the core's."""

from __future__ import annotations

from pathlib import Path

import pytest

from onewindow.client import CoreClient, Event, EventFollower
from onewindow.display.state import HallState, HoursShown, parse_time
from tests.support.hall import PINS, serve, token
from tests.support.pty_pair import wait_until

SKEW = -3600.0  # the display's clock runs an hour behind the hall's


class Recorder:
    """Every event of the core's stream from the start, as the display's follower would get them."""

    def __init__(self, url: str):
        self.events: list[Event] = []
        self.follower = EventFollower(url, self.events.append, last_id=0).start()

    def wait(self, count: int) -> list[Event]:
        assert wait_until(lambda: len(self.events) >= count, 20), self.events
        return list(self.events)

    def until(self, after: int, last: str) -> list[Event]:
        """The events after the first `after`, up to and including the next one of type `last`."""
        assert wait_until(lambda: any(e.type == last for e in self.events[after:]), 20), self.events[after:]
        events = self.events[after:]
        return events[: max(i for i, e in enumerate(events) if e.type == last) + 1]

    def close(self) -> None:
        self.follower.stop()


@pytest.fixture
def hall(tmp_path: Path):
    with serve(tmp_path) as running:
        recorder = Recorder(running.url)
        running.recorder = recorder  # type: ignore[attr-defined]
        opened = []

        def client(device: str | None = None):
            opened.append(CoreClient(running.url, token(device) if device else None))
            return opened[-1]

        running.client = client  # type: ignore[method-assign]
        yield running
        recorder.close()
        for c in opened:
            c.close()


def state_for(running, **options) -> HallState:
    ticks = iter(range(1_000_000))
    return HallState(clock=lambda: running.clock() + SKEW, monotonic=lambda: float(next(ticks)), **options)


def sign_in(caller, *windows: int) -> None:
    for window in windows:
        clerk = f"c0{window}"
        caller.act(window, "sign-in", {"clerk": clerk, "pin": PINS[clerk]})


def test_a_snapshot_shows_every_window_and_the_calls_of_the_tickets_at_them(hall):
    kiosk, caller = hall.client("kiosk-1"), hall.client("caller-1")
    sign_in(caller, 1, 2, 3)
    for _ in range(4):
        kiosk.issue("general")
    caller.act(1, "call")
    hall.clock.advance(30)
    caller.act(3, "call")
    caller.act(2, "pause", {"reason": "lunch"})
    state = state_for(hall)
    state.load(hall.client().hall())
    scene = state.scene()
    assert scene.loaded and scene.hall_name == "测试大厅" and scene.locale == "zh-Hans"
    assert [(w.number, w.state, w.ticket) for w in scene.windows] == [
        (1, "called", "A001"),
        (2, "paused", None),
        (3, "called", "A003"),
        (4, "unstaffed", None),  # nobody signed in there: never shown as free
        (5, "unstaffed", None),
    ]
    # the newest call first; learned from a snapshot, so nothing flashes
    assert [(c.number, c.window, c.seen, c.fresh) for c in scene.calls] == [
        ("A003", 3, None, False),
        ("A001", 1, None, False),
    ]
    assert scene.hall_now == pytest.approx(hall.clock(), abs=1.0)  # hall time, though the display's clock is off
    general = next(s for s in scene.services if s.id == "general")
    assert (general.name, general.prefix, general.waiting, general.available) == ("通办业务", "A", 2, True)


def test_events_change_the_windows_at_once_in_order(hall):
    kiosk, caller = hall.client("kiosk-1"), hall.client("caller-1")
    sign_in(caller, 1)
    state = state_for(hall)
    state.load(hall.client().hall())
    before = len(hall.recorder.wait(1))
    sign_in(caller, 3)
    kiosk.issue("general")
    kiosk.issue("card")
    caller.act(3, "call")  # A001 was assigned to window 1, E001 to window 3 (nobody at window 4)
    caller.act(3, "start")
    caller.act(3, "finish")
    caller.act(3, "pause")
    caller.act(3, "resume")
    events = hall.recorder.until(before, "window.resumed")
    seen = []
    for event in events:
        call = state.apply(event)
        w = state.scene().window(3)
        seen.append((event.type, w.state, w.ticket, call and (call.kind, call.number, call.window, call.fresh)))
    assert [s for s in seen if s[0] != "ticket.issued"] == [
        ("window.signed_in", "idle", None, None),
        ("ticket.called", "called", "E001", ("call", "E001", 3, True)),
        ("ticket.started", "serving", "E001", None),
        ("ticket.finished", "idle", None, None),
        ("window.paused", "paused", None, None),
        ("window.resumed", "idle", None, None),
    ]
    # who waits changed with the events too, before any new snapshot: A001 waits, E001 was called
    assert {s.id: s.waiting for s in state.scene().services} == {"general": 1, "card": 0, "injury": 0}


def test_a_snapshot_fetched_before_an_event_keeps_the_event_and_a_late_event_does_not_undo_a_snapshot(hall):
    kiosk, caller = hall.client("kiosk-1"), hall.client("caller-1")
    sign_in(caller, 1)
    kiosk.issue("general")
    kiosk.issue("general")
    start = len(hall.recorder.wait(3))
    older = hall.client().hall()
    caller.act(1, "call")
    caller.act(1, "finish")
    [called, finished] = hall.recorder.wait(start + 2)[start:]
    assert (called.type, finished.type) == ("ticket.called", "ticket.finished")

    # the call arrives, then a snapshot taken before it: the window still shows the call
    state = state_for(hall)
    state.load(older)
    state.apply(called)
    state.load(older)
    assert state.scene().window(1).ticket == "A001"

    # a snapshot that already includes call and finish, then the call arrives late: the window stays idle
    newer = hall.client().hall()
    assert newer["seq"] >= finished.seq
    late = state_for(hall)
    late.load(newer)
    call = late.apply(called)
    assert late.scene().window(1).state == "idle"
    assert call is not None and late.scene().calls[0].number == "A001"  # still listed among the last calls


def test_a_recall_or_a_call_elsewhere_moves_the_ticket_to_the_top_once(hall):
    kiosk, caller = hall.client("kiosk-1"), hall.client("caller-1")
    state = state_for(hall, calls_kept=3)
    state.load(hall.client().hall())
    before = len(hall.recorder.wait(0))
    sign_in(caller, 1, 2, 3)
    for _ in range(5):
        kiosk.issue("general")
    for window in (1, 2, 3):
        caller.act(window, "call")
    caller.act(1, "recall")
    caller.act(2, "call")
    assert wait_until(lambda: sum(e.type == "ticket.called" for e in hall.recorder.events[before:]) == 4, 20)
    for event in hall.recorder.events[before:]:
        state.apply(event)
    # A001, A004 went to window 1, A002, A005 to window 2, A003 to 3: A005 is newest, then the recalled
    # A001; A002 fell off the three kept, replaced at window 2
    assert [(c.kind, c.number, c.window) for c in state.scene().calls] == [
        ("call", "A005", 2),
        ("recall", "A001", 1),
        ("call", "A003", 3),
    ]


def test_a_priority_ticket_and_when_it_was_called_come_with_its_call_its_recall_and_the_snapshot(hall):
    kiosk, caller = hall.client("kiosk-1"), hall.client("caller-1")
    state = state_for(hall)
    state.load(hall.client().hall())
    before = len(hall.recorder.wait(0))
    sign_in(caller, 1, 2)
    kiosk.issue("general")
    green = kiosk.issue("general", priority=True)
    caller.act(1, "call")  # the priority ticket first (绿色通道)
    called_at = hall.clock()
    hall.clock.advance(40)
    caller.act(2, "call")
    caller.act(1, "recall")
    assert wait_until(lambda: any(e.type == "ticket.recalled" for e in hall.recorder.events[before:]), 20)
    for event in hall.recorder.events[before:]:
        state.apply(event)
    scene = state.scene()
    assert [(c.kind, c.number, c.priority) for c in scene.calls] == [
        ("recall", green["number"], True),
        ("call", "A001", False),
    ]
    one, two = scene.window(1), scene.window(2)
    assert (one.ticket, one.priority, two.ticket, two.priority) == (green["number"], True, "A001", False)
    # awaited since the first call, not since the recall: as the core's snapshot says
    assert one.called_at == called_at and two.called_at == called_at + 40
    fresh = state_for(hall)
    fresh.load(hall.client().hall())
    again = fresh.scene()
    assert [(w.ticket, w.priority, w.called_at) for w in again.windows[:2]] == [
        (green["number"], True, called_at),
        ("A001", False, called_at + 40),
    ]
    assert {(c.number, c.priority) for c in again.calls} == {(green["number"], True), ("A001", False)}


def test_a_transfer_clears_the_window_it_leaves(hall):
    kiosk, caller = hall.client("kiosk-1"), hall.client("caller-1")
    state = state_for(hall)
    state.load(hall.client().hall())
    before = len(hall.recorder.wait(0))
    sign_in(caller, 3)
    kiosk.issue("general")
    kiosk.issue("general")
    kiosk.issue("general")
    caller.act(3, "call")
    caller.act(3, "transfer", {"service": "card"})
    events = hall.recorder.until(before, "ticket.transferred")
    for event in events:
        state.apply(event)
    assert state.scene().window(3).state == "idle"


def test_calls_replayed_after_a_reconnect_are_listed_but_not_fresh(hall):
    kiosk, caller = hall.client("kiosk-1"), hall.client("caller-1")
    state = state_for(hall)
    state.load(hall.client().hall())
    before = len(hall.recorder.wait(0))
    sign_in(caller, 1, 2)
    kiosk.issue("general")
    kiosk.issue("general")
    caller.act(1, "call")
    hall.clock.advance(120)  # the display was away for two minutes
    caller.act(2, "call")
    state.set_connected(False)
    away = state.scene()
    assert not away.connected and away.away_since is not None
    hall.clock.advance(1)
    assert wait_until(lambda: sum(e.type == "ticket.called" for e in hall.recorder.events[before:]) == 2, 20)
    calls = [c for c in (state.apply(e) for e in hall.recorder.events[before:]) if c is not None]
    assert [(c.number, c.fresh) for c in calls] == [("A001", False), ("A002", True)]
    state.set_connected(True)
    assert state.scene().connected and state.scene().away_since is None


def test_a_new_day_forgets_yesterdays_calls(hall):
    kiosk, caller = hall.client("kiosk-1"), hall.client("caller-1")
    sign_in(caller, 1)
    kiosk.issue("general")
    caller.act(1, "call")
    state = state_for(hall)
    state.load(hall.client().hall())
    assert [c.number for c in state.scene().calls] == ["A001"]
    hall.clock.advance(24 * 3600)
    kiosk.issue("general")  # the core starts the new day with its next change
    snapshot = hall.client().hall()
    assert snapshot["day"] != state.scene().day
    state.load(snapshot)
    assert state.scene().calls == ()


def test_a_display_for_some_windows_shows_only_theirs_in_its_order(hall):
    kiosk, caller = hall.client("kiosk-1"), hall.client("caller-1")
    state = state_for(hall, windows=[3, 1])
    state.load(hall.client().hall())
    before = len(hall.recorder.wait(0))
    sign_in(caller, 1, 2)
    kiosk.issue("general")
    kiosk.issue("general")
    caller.act(2, "call")
    calls = [state.apply(e) for e in hall.recorder.until(before, "ticket.called")]
    assert [w.number for w in state.scene().windows] == [3, 1]
    assert calls[-1] is None and state.scene().calls == ()  # window 2's call is not this display's


def test_a_window_nobody_is_signed_in_at_is_never_shown_free_and_its_clerk_leaving_shows_at_once(hall):
    kiosk, caller = hall.client("kiosk-1"), hall.client("caller-1")
    kiosk.issue("general")  # before any clerk: A001 waits in the shared queue, at no window
    sign_in(caller, 1)
    state = state_for(hall)
    state.load(hall.client().hall())
    assert [(w.number, w.state) for w in state.scene().windows] == [
        (1, "idle"),
        (2, "unstaffed"),
        (3, "unstaffed"),
        (4, "unstaffed"),
        (5, "unstaffed"),
    ]
    # who waits for a service counts its shared queue too
    assert {s.id: s.waiting for s in state.scene().services}["general"] == 1
    before = len(hall.recorder.wait(2))  # A001 issued, c01 signed in (A001 stays shared: window 1 calls it)
    sign_in(caller, 2)
    caller.act(2, "sign-out")
    events = hall.recorder.until(before, "window.signed_out")
    seen = []
    for event in events:
        state.apply(event)  # the events alone, before any snapshot
        seen.append((event.type, state.scene().window(2).state))
    assert seen == [("window.signed_in", "idle"), ("window.signed_out", "unstaffed")]


def test_a_core_that_does_not_say_who_is_staffed_shows_its_open_windows_as_before():
    snapshot = {
        "name": "旧大厅",
        "locale": "zh-Hans",
        "require_sign_in": True,
        "services": [],
        "windows": [{"number": 1, "name": "1号窗口", "services": [], "state": "open", "waiting": 0}],
        "seq": 0,
    }
    state = HallState()
    state.load(snapshot)
    assert state.scene().window(1).state == "idle" and state.scene().hours is None


def test_the_halls_hours_come_with_the_snapshot():
    snapshot = {
        "name": "大厅",
        "now": "2026-11-27T17:10:00+08:00",
        "services": [],
        "windows": [],
        "seq": 0,
        "hours": {
            "open": True,
            "issuing": False,
            "today": "08:30-12:00 14:00-17:30",
            "next_opening": "2026-11-30T08:30:00+08:00",
            "last_ticket": "2026-11-27T17:00:00+08:00",
        },
    }
    state = HallState()
    state.load(snapshot)
    hours = state.scene().hours
    assert hours == HoursShown(True, False, "08:30-12:00 14:00-17:30", parse_time("2026-11-30T08:30:00+08:00"))
    state.load({**snapshot, "hours": None})  # [hours] taken out of the hall file: a hall that never closes
    assert state.scene().hours is None


def test_the_calls_of_a_window_that_stopped_serving_are_dropped_and_stay_dropped(hall):
    kiosk, caller = hall.client("kiosk-1"), hall.client("caller-1")
    sign_in(caller, 1, 2)
    kiosk.issue("general")
    kiosk.issue("general")
    state = state_for(hall)
    state.load(hall.client().hall())
    before = len(hall.recorder.wait(4))
    caller.act(1, "call")
    caller.act(2, "call")
    caller.act(1, "finish")
    caller.act(1, "pause", {"reason": "lunch"})
    caller.act(1, "resume")
    for event in hall.recorder.until(before, "window.resumed"):
        state.apply(event)
        if event.type == "window.paused":
            assert [(c.number, c.window) for c in state.scene().calls] == [("A002", 2)]
    assert [(c.number, c.window) for c in state.scene().calls] == [("A002", 2)]  # back from lunch: not again
    state.load(hall.client().hall())
    assert [(c.number, c.window) for c in state.scene().calls] == [("A002", 2)]

"""The rules of the hall (SPEC §3) as the hall lives them: over the real HTTP server, watched by a real SSE client."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from tests.support.hall import PINS, TZ, basic, bearer, raw_request, serve
from tests.test_events import Recorder, follow


class Hall:
    """A test hall with words for what its people do."""

    def __init__(self, running):
        self.running = running
        self.url = running.url
        self.clock = running.clock

    def post(self, path, body=None, device=None, expect=(200, 201, 204)):
        status, answer = raw_request(
            self.url,
            "POST",
            path,
            json.dumps(body or {}).encode(),
            bearer(device) if device else {"Content-Type": "application/json"},
        )
        assert status in expect, (path, status, answer)
        return answer

    def take(self, service="general", priority=False, kiosk="kiosk-1"):
        body = {"service": service, **({"priority": True} if priority else {})}
        return self.post("/api/v1/tickets", body, kiosk)

    def sign_in(self, window, clerk=None, device="caller-1"):
        clerk = clerk or f"c0{window}"
        return self.post(f"/api/v1/windows/{window}/sign-in", {"clerk": clerk, "pin": PINS[clerk]}, device)

    def press(self, window, action, body=None, device="caller-1", expect=(200, 201, 204)):
        return self.post(f"/api/v1/windows/{window}/{action}", body, device, expect)

    def ticket(self, ticket):
        return raw_request(self.url, "GET", f"/api/v1/tickets/{ticket['id']}")[1]

    def window(self, n):
        return raw_request(self.url, "GET", f"/api/v1/windows/{n}")[1]


@pytest.fixture
def hall(tmp_path):
    with serve(tmp_path) as running:
        yield Hall(running)


def stream_of(seen: Recorder, count: int) -> list[tuple]:
    return [(e.type, e.data.get("number"), e.data.get("window")) for e in seen.wait_for(count)]


def test_three_citizens_go_to_the_windows_with_the_shortest_wait_and_are_called_in_order(hall):
    for n in (1, 2, 3):
        hall.sign_in(n)
    follower, seen = follow(hall.url)
    try:
        tickets = [hall.take() for _ in range(4)]
        assert [t["window"] for t in tickets] == [1, 2, 3, 1]
        assert [t["ahead"] for t in tickets] == [0, 0, 0, 1]
        # three 8-minute services ahead on three windows: the first of them ends after about 8/3 minutes
        assert tickets[3]["estimated_wait_s"] == 8 * 60 // 3
        assert hall.press(1, "call")["number"] == "A001"
        assert hall.ticket(tickets[3])["ahead"] == 0
        assert stream_of(seen, 5)[-1] == ("ticket.called", "A001", 1)
    finally:
        follower.stop()


def test_an_idle_window_takes_over_and_the_hall_is_told_where_to_go(hall):
    hall.sign_in(1)
    follower, seen = follow(hall.url)
    try:
        a1 = hall.take()  # window 1
        hall.sign_in(2)
        called = hall.press(2, "call")  # window 2's own queue is empty: it takes A001
        assert called["number"] == "A001" and called["window"] == 2 and called["printed_window"] == 1
        events = stream_of(seen, 4)
        assert events[-2:] == [("ticket.moved", "A001", 2), ("ticket.called", "A001", 2)]
        assert seen.events[-2].data["from_window"] == 1 and seen.events[-2].data["reason"] == "taken_over"
        assert hall.ticket(a1)["status"] == "called"
    finally:
        follower.stop()


def test_priority_tickets_are_called_first_and_moves_never_send_anyone_to_the_back(hall):
    hall.sign_in(1)
    hall.sign_in(2)
    hall.press(2, "pause")
    hall.press(3, "pause")
    normal = [hall.take() for _ in range(3)]  # all at window 1
    hall.clock.advance(60)
    green = hall.take(priority=True)
    assert green["window"] == 1 and green["ahead"] == 0
    hall.press(2, "resume")
    moved = hall.post(f"/api/v1/tickets/{normal[0]['id']}/move", {"window": 2})
    assert moved["window"] == 2
    later = hall.take()  # issued after the move: behind A001 at window 2 whatever the order of arrival there
    if later["window"] == 2:
        assert [q["number"] for q in hall.window(2)["queue"]] == ["A001", later["number"]]
    assert hall.press(1, "call")["number"] == green["number"]
    assert hall.press(1, "call")["number"] == "A002"


def test_recall_until_the_limit_then_no_show(hall):
    hall.take()
    hall.sign_in(1)
    hall.press(1, "call")
    assert hall.press(1, "recall")["recalls"] == 1
    assert hall.press(1, "recall")["recalls"] == 2
    refused = hall.press(1, "recall", expect=(409,))
    assert refused["error"]["code"] == "recall_limit"
    assert hall.press(1, "no-show")["status"] == "no_show"


def test_transfer_to_another_service_keeps_number_and_place(hall):
    hall.sign_in(1)
    hall.sign_in(4, device="caller-4")
    follower, seen = follow(hall.url)
    try:
        first = hall.take()
        hall.clock.advance(120)
        card = hall.take("card")  # window 4, the one staffed for card
        hall.press(1, "call")
        moved = hall.press(1, "transfer", {"service": "card"})
        assert moved["number"] == first["number"] and moved["service"] == "card" and moved["status"] == "waiting"
        assert moved["issued_at"] == first["issued_at"]
        queue = [q["number"] for q in hall.window(moved["window"])["queue"]]
        if card["window"] == moved["window"]:
            assert queue.index("A001") < queue.index("E001")  # issued earlier, so ahead
        transferred = [e for e in seen.wait_for(4) if e.type == "ticket.transferred"][0]
        assert transferred.data["from_service"] == "general" and transferred.data["from_window"] == 1
    finally:
        follower.stop()


def test_pause_sends_waiting_tickets_elsewhere_in_order_and_resume_takes_new_ones(hall):
    for n in (1, 2, 3):
        hall.sign_in(n)
    tickets = [hall.take() for _ in range(6)]
    at_one = [t["number"] for t in tickets if t["window"] == 1]
    follower, seen = follow(hall.url)
    try:
        paused = hall.press(1, "pause", {"reason": "午休"})
        assert paused["state"] == "paused" and paused["pause_reason"] == "午休" and paused["waiting"] == 0
        events = seen.wait_for(1 + len(at_one))
        assert events[0].type == "window.paused"
        assert [e.data["number"] for e in events[1:]] == at_one
        assert all(e.data["reason"] == "paused" for e in events[1:])
        assert hall.take()["window"] != 1
        hall.press(1, "resume")
        assert hall.take()["window"] == 1
    finally:
        follower.stop()


def test_a_citizen_cancels_with_the_ticket_id(hall):
    t = hall.take()
    assert hall.post(f"/api/v1/tickets/{t['id']}/cancel")["status"] == "cancelled"
    assert hall.window(1)["waiting"] == 0


def test_tickets_go_only_to_staffed_windows_and_calling_needs_a_clerk(hall):
    assert hall.take()["window"] is None  # nobody is signed in yet: the ticket still goes out, to the shared queue
    refused = hall.press(1, "call", expect=(409,))
    assert refused["error"]["code"] == "not_signed_in"
    hall.sign_in(1)
    assert hall.take()["window"] == 1
    hall.press(1, "sign-out")  # A002 goes back to the shared queue, behind A001
    assert hall.take()["window"] is None
    hall.sign_in(2)
    assert [hall.press(2, "call")["number"] for _ in range(3)] == ["A001", "A002", "A003"]


def test_a_rating_is_armed_at_finish_for_its_time_once(hall):
    for _ in range(2):
        hall.take()
    hall.sign_in(1)
    hall.press(1, "call")
    hall.press(1, "finish")
    assert hall.window(1)["rating_until"] is not None
    hall.clock.advance(61)  # rating_window_s = 60
    assert hall.press(1, "rating", {"score": 5}, "eval-1", expect=(409,))["error"]["code"] == "not_armed"
    hall.press(1, "call")
    hall.press(1, "finish")
    assert hall.press(1, "rating", {"score": 2}, "eval-1")["flagged"] is True
    assert hall.press(1, "rating", {"score": 5}, "eval-1", expect=(409,))["error"]["code"] == "not_armed"
    status, stats = raw_request(hall.url, "GET", "/api/v1/stats", headers=basic("manager"))
    assert stats["hall"]["ratings"]["2"] == 1 and stats["hall"]["ratings"]["not_rated"] == 1


def test_numbers_restart_at_midnight_and_yesterdays_queue_is_closed(hall):
    old = hall.take()
    hall.clock.set(datetime(2026, 11, 28, 7, 59, tzinfo=TZ))
    fresh = hall.take()
    assert fresh["number"] == "A001" and fresh["issued_at"].startswith("2026-11-28")
    assert hall.ticket(old)["status"] == "cancelled"


def test_workload_is_what_each_clerk_finished(hall):
    for _ in range(3):
        hall.take()
    hall.sign_in(1)
    hall.sign_in(2)
    hall.press(3, "pause")
    hall.press(1, "call")
    hall.clock.advance(300)
    hall.press(1, "transfer", {"window": 2})  # the ticket goes to window 2's queue, first in time
    hall.press(2, "call")
    hall.clock.advance(200)
    hall.press(2, "finish")
    hall.press(1, "call")
    hall.press(1, "no-show")
    status, stats = raw_request(hall.url, "GET", "/api/v1/stats", headers=basic("manager"))
    clerks = {c["clerk"]: c for c in stats["clerks"]}
    assert clerks["c02"]["finished"] == 1 and clerks["c02"]["mean_handling_s"] == 500.0
    assert clerks["c01"]["finished"] == 0 and clerks["c01"]["no_shows"] == 1

"""The event stream (SPEC §4 Events): real SSE followers over HTTP, replay, heartbeats, restarts, no secrets."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import deque
from urllib.parse import urlsplit

import pytest

from onewindow.client import Event, EventFollower
from tests.support.hall import PINS, bearer, raw_request, serve, token


class Recorder:
    """Collects what a follower receives and waits for it, without timing assertions."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.cond = threading.Condition()
        self.connections: list[bool] = []

    def __call__(self, event: Event) -> None:
        with self.cond:
            self.events.append(event)
            self.cond.notify_all()

    def connection(self, up: bool) -> None:
        with self.cond:
            self.connections.append(up)
            self.cond.notify_all()

    def wait_for(self, count: int, timeout: float = 20.0) -> list[Event]:
        with self.cond:
            assert self.cond.wait_for(lambda: len(self.events) >= count, timeout), (
                f"got {len(self.events)} of {count} events: {[e.type for e in self.events]}"
            )
            return list(self.events)

    def wait_connected(self, timeout: float = 20.0) -> None:
        with self.cond:
            assert self.cond.wait_for(lambda: self.connections and self.connections[-1], timeout)


def follow(url: str, last_id: int | None = None) -> tuple[EventFollower, Recorder]:
    recorder = Recorder()
    follower = EventFollower(url, recorder, recorder.connection, last_id=last_id, max_backoff_s=0.5).start()
    recorder.wait_connected()
    return follower, recorder


def issue(running, service: str = "general") -> dict:
    status, body = raw_request(
        running.url, "POST", "/api/v1/tickets", json.dumps({"service": service}).encode(), bearer("kiosk-1")
    )
    assert status == 201, body
    return body


def act(running, window: int, action: str, body: dict | None = None, device: str = "caller-1") -> tuple[int, object]:
    return raw_request(
        running.url, "POST", f"/api/v1/windows/{window}/{action}", json.dumps(body or {}).encode(), bearer(device)
    )


def test_followers_see_every_change_in_order_with_a_sequence_rising_by_one(tmp_path):
    with serve(tmp_path) as hall:
        follower, seen = follow(hall.url)
        try:
            t = issue(hall)
            assert act(hall, 1, "sign-in", {"clerk": "c01", "pin": PINS["c01"]})[0] == 200
            act(hall, 1, "call")
            act(hall, 1, "recall")
            act(hall, 1, "finish")
            act(hall, 1, "rating", {"score": 5}, device="eval-1")
            events = seen.wait_for(6)
        finally:
            follower.stop()
    assert [e.type for e in events] == [
        "ticket.issued",
        "window.signed_in",
        "ticket.called",
        "ticket.recalled",
        "ticket.finished",
        "rating.recorded",
    ]
    assert [e.seq for e in events] == list(range(events[0].seq, events[0].seq + 6))
    for e in events:
        if e.type.startswith("ticket.") or e.type.startswith("rating."):
            # issued while nobody was signed in: to the shared queue, no window; window 1 called it
            window = None if e.type == "ticket.issued" else 1
            assert (e.data["number"], e.data["service"], e.data["window"]) == (t["number"], "general", window)
    assert events[2].data["clerk"] == "c01"
    assert events[3].data["recall"] == 1
    assert events[4].data["rating_until"]
    assert events[5].data["score"] == 5


def test_replay_from_last_event_id_then_live(tmp_path):
    with serve(tmp_path) as hall:
        for _ in range(5):
            issue(hall)
        follower, seen = follow(hall.url, last_id=2)
        try:
            issue(hall, "card")
            events = seen.wait_for(4)
        finally:
            follower.stop()
    assert [e.seq for e in events] == [3, 4, 5, 6]
    assert [e.data["number"] for e in events] == ["A003", "A004", "A005", "E001"]


def test_replay_of_events_older_than_the_core_keeps_in_memory_comes_from_the_database(tmp_path):
    with serve(tmp_path) as hall:
        hall.core.broker.recent = deque(maxlen=3)
        for _ in range(10):
            issue(hall)
        follower, seen = follow(hall.url, last_id=1)
        try:
            issue(hall)
            events = seen.wait_for(10)
        finally:
            follower.stop()
    assert [e.seq for e in events] == list(range(2, 12))


def test_a_hall_snapshot_names_the_event_to_follow_from(tmp_path):
    with serve(tmp_path) as hall:
        issue(hall)
        issue(hall)
        status, state = raw_request(hall.url, "GET", "/api/v1/hall")
        assert state["seq"] == 2
        follower, seen = follow(hall.url, last_id=state["seq"])
        try:
            issue(hall)
            assert [e.seq for e in seen.wait_for(1)] == [3]
        finally:
            follower.stop()


def raw_stream(url: str, seconds: float, headers: str = "") -> bytes:
    """The bytes of the event stream for a while, read from a plain socket."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=seconds + 5) as sock:
        sock.sendall(f"GET /api/v1/events HTTP/1.1\r\nHost: x\r\n{headers}\r\n".encode())
        sock.settimeout(0.2)
        data = b""
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                continue
            if not chunk:
                break
            data += chunk
    return data


def test_heartbeats_keep_quiet_streams_alive(tmp_path):
    with serve(tmp_path, heartbeat_s=0.2) as hall:
        data = raw_stream(hall.url, 1.5)
    head, _, body = data.partition(b"\r\n\r\n")
    assert b" 200 " in head.split(b"\r\n")[0] and b"text/event-stream" in head
    assert body.count(b": heartbeat") >= 2


def test_the_stream_never_carries_a_ticket_id_a_token_or_a_pin(tmp_path):
    with serve(tmp_path) as hall:
        chunks: list[bytes] = []
        reader = threading.Thread(target=lambda: chunks.append(raw_stream(hall.url, 4.0, "Last-Event-ID: 0\r\n")))
        reader.start()
        ids = [issue(hall)["id"] for _ in range(3)]
        act(hall, 1, "sign-in", {"clerk": "c01", "pin": PINS["c01"]})
        act(hall, 2, "sign-in", {"clerk": "c02", "pin": PINS["c02"]})
        act(hall, 1, "call")
        raw_request(hall.url, "POST", f"/api/v1/tickets/{ids[1]}/move", b'{"window": 1}', {})
        raw_request(hall.url, "POST", f"/api/v1/tickets/{ids[2]}/cancel", b"", {})
        act(hall, 1, "finish")
        act(hall, 1, "rating", {"score": 1}, device="eval-1")
        raw_request(
            hall.url,
            "POST",
            "/api/v1/devices/kiosk-1/status",
            json.dumps({"ok": True, "parts": {"printer": {"state": "ok"}}}).encode(),
            bearer("kiosk-1"),
        )
        reader.join()
    stream = chunks[0].decode()
    assert stream.count("event: ") >= 10
    secrets = [*ids, *(token(d) for d in ("kiosk-1", "caller-1", "eval-1")), *PINS.values(), "scrypt$"]
    for secret in secrets:
        assert secret not in stream


def test_many_followers_at_once_and_the_core_still_answers(tmp_path):
    with serve(tmp_path) as hall:
        followers = [follow(hall.url) for _ in range(40)]
        try:
            for _ in range(3):
                issue(hall)
            assert raw_request(hall.url, "GET", "/api/v1/hall")[0] == 200
            for _, seen in followers:
                assert [e.data["number"] for e in seen.wait_for(3)] == ["A001", "A002", "A003"]
            assert hall.server is not None and hall.server.followers.count >= 40
        finally:
            for follower, _ in followers:
                follower.stop()


def test_a_restart_keeps_numbers_and_event_ids_going(tmp_path):
    with serve(tmp_path) as hall:
        issue(hall)
        issue(hall)
        last_seq = hall.core.broker.last_seq
        db = hall.db
    with serve(tmp_path, db=db) as hall:
        assert hall.core.broker.last_seq == last_seq
        follower, seen = follow(hall.url, last_id=last_seq - 1)
        try:
            t = issue(hall)
            events = seen.wait_for(2)
        finally:
            follower.stop()
    assert t["number"] == "A003"
    assert [e.seq for e in events] == [last_seq, last_seq + 1]
    assert events[-1].data["number"] == "A003"


@pytest.mark.parametrize("kill", ["SIGTERM", "SIGKILL"])
def test_a_follower_misses_nothing_across_a_core_restart(tmp_path, kill):
    from tests.support.process import CoreProcess

    with CoreProcess(tmp_path) as core:
        follower, seen = follow(core.url)
        try:
            for _ in range(3):
                core.issue()
            seen.wait_for(3)
            core.stop(kill)
            core.start()
            for _ in range(2):
                core.issue()
            events = seen.wait_for(5)
        finally:
            follower.stop()
    assert [e.seq for e in events] == [1, 2, 3, 4, 5]
    assert [e.data["number"] for e in events] == ["A001", "A002", "A003", "A004", "A005"]
    assert seen.connections.count(True) >= 2  # it really did reconnect

"""A hall full of phones on the event stream (issue 12, SPEC §9 "Followers"): reconnect storms after a restart,
hundreds connecting at once, more streams from one address than it may have, and a follower that stops reading.
Real cores, real sockets; no timing is a pass or fail."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time

from onewindow.client import CoreClient, EventFollower
from onewindow.dispatch.stream import Limits
from tests.support.hall import bearer, raw_request, serve, token
from tests.support.process import CoreProcess
from tests.support.pty_pair import wait_until
from tests.support.stream import complete_events, dechunk, follow, sources
from tests.test_events import Recorder, issue


def test_forty_followers_reconnecting_right_after_a_restart_leave_the_kiosk_its_answers(tmp_path):
    with CoreProcess(tmp_path) as core:
        recorders = [Recorder() for _ in range(40)]
        followers = [EventFollower(core.url, r, r.connection, last_id=0, max_backoff_s=0.5).start() for r in recorders]
        kiosk = CoreClient(core.url, token("kiosk-1"), timeout=60)
        try:
            for r in recorders:
                r.wait_connected()
            core.issue()
            core.stop("SIGKILL")
            core.start()  # every page reconnects now, as EventSource does, while the kiosk goes on issuing
            numbers = [kiosk.issue("general")["number"] for _ in range(5)]
            for r in recorders:
                events = r.wait_for(6, timeout=60)
                assert [e.seq for e in events] == [1, 2, 3, 4, 5, 6]
                assert [e.data["number"] for e in events[1:]] == numbers
        finally:
            kiosk.close()
            for f in followers:
                f.stop()
    assert numbers == ["A002", "A003", "A004", "A005", "A006"]


def test_two_hundred_followers_connecting_at_once_all_hear_every_event(tmp_path):
    with serve(tmp_path) as hall:
        port = int(hall.url.rsplit(":", 1)[1])
        numbers: list[str] = []

        def kiosk() -> None:
            time.sleep(0.2)  # while the followers are still arriving
            numbers.extend(issue(hall)["number"] for _ in range(3))

        async def everyone() -> list:
            return await asyncio.gather(*(follow(port, s, until_seq=3, last_id=0) for s in sources(200, 20)))

        issuing = threading.Thread(target=kiosk)
        issuing.start()
        heard = asyncio.run(everyone())
        issuing.join()
        assert raw_request(hall.url, "GET", "/api/v1/hall")[0] == 200
    assert numbers == ["A001", "A002", "A003"]
    assert [h.status for h in heard] == [200] * 200
    for h in heard:
        assert h.ids == [1, 2, 3]
        assert [json.loads(d)["number"] for d in h.data] == numbers


def test_streams_beyond_an_addresss_cap_are_refused_while_devices_and_kiosks_go_on(tmp_path):
    with serve(tmp_path, limits=Limits(per_address=5)) as hall:
        port = int(hall.url.rsplit(":", 1)[1])
        device = f"Authorization: Bearer {token('display-1')}\r\n"

        async def crowd() -> tuple[list, object, object, object]:
            held = [asyncio.ensure_future(follow(port, "127.0.0.9", until_seq=1, last_id=0)) for _ in range(5)]
            while hall.server is not None and hall.server.followers.count < 5:
                await asyncio.sleep(0.05)
            refused = await follow(port, "127.0.0.9", until_seq=1, last_id=0)
            displays = asyncio.ensure_future(follow(port, "127.0.0.9", until_seq=1, last_id=0, headers=device))
            elsewhere = asyncio.ensure_future(follow(port, "127.0.0.10", until_seq=1, last_id=0))
            while hall.server is not None and hall.server.followers.count < 7:
                await asyncio.sleep(0.05)
            answer = await asyncio.to_thread(issue, hall)
            return [await h for h in held], refused, await displays, (await elsewhere, answer)

        held, refused, display, (elsewhere, ticket) = asyncio.run(crowd())
        bad_token = raw_request(hall.url, "GET", "/api/v1/events", headers={"Authorization": "Bearer nope"})
    assert [h.ids for h in held] == [[1]] * 5
    assert refused.status == 429 and "Retry-After: " in refused.head.title()
    assert display.status == 200 and display.ids == [1]  # a device from the same address is not capped
    assert elsewhere.status == 200 and elsewhere.ids == [1]
    assert ticket["number"] == "A001"
    assert bad_token[0] == 401 and bad_token[1]["error"]["code"] == "bad_token"


def test_a_follower_that_stops_reading_is_cut_and_resumes_missing_nothing(tmp_path):
    limits = Limits(backlog_bytes=8 * 1024, send_buffer_bytes=4096)
    with serve(tmp_path, limits=limits) as hall:
        assert hall.server is not None
        followers = hall.server.followers
        port = int(hall.url.rsplit(":", 1)[1])
        slow = socket.socket()
        slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # before connecting: a small window
        slow.connect(("127.0.0.1", port))
        slow.sendall(b"GET /api/v1/events HTTP/1.1\r\nHost: hall\r\nLast-Event-ID: 0\r\n\r\n")
        seen = Recorder()
        steady = EventFollower(hall.url, seen, last_id=0).start()
        try:
            issued = 0
            while followers.cut == 0:  # the slow one never reads: its backlog grows until it is cut
                assert issued < 3000, "the follower that stopped reading was never cut"
                status, _ = raw_request(
                    hall.url, "POST", "/api/v1/tickets", json.dumps({"service": "general"}).encode(), bearer("kiosk-1")
                )
                assert status == 201  # the kiosk is answered all along
                issued += 1
            assert all(f.queued <= limits.backlog_bytes for f in [*followers.by_device, *followers.by_others])
            # only the steady one is left; the slow one holds nothing. Its task leaves on the loop's next turn after
            # the cut, which may come after the kiosk's answer (sent on the same turn as the cut)
            assert wait_until(lambda: followers.count == 1, timeout=5)
            assert [e.seq for e in seen.wait_for(issued)] == list(range(1, issued + 1))
            # now it reads what reached it, and comes back from its last whole event
            raw = b""
            slow.settimeout(30)
            while True:
                try:
                    chunk = slow.recv(65536)
                except ConnectionResetError:
                    break
                if not chunk:
                    break
                raw += chunk
            slow.close()
            before = [seq for seq, _ in complete_events(dechunk(raw.partition(b"\r\n\r\n")[2]))]
            assert before == list(range(1, len(before) + 1)) and len(before) < issued
            rest = asyncio.run(follow(port, "127.0.0.1", until_seq=issued, last_id=before[-1] if before else 0))
        finally:
            steady.stop()
    assert before + rest.ids == list(range(1, issued + 1))

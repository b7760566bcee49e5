"""The Flask routes behind the event loop (dispatch/bridge.py): what the bridge itself owns, against a real core."""

from __future__ import annotations

import http.client
import json
import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any

from onewindow.dispatch.api.body import MAX_BODY
from tests.support.hall import bearer, raw_request, serve
from tests.support.pty_pair import wait_until

TICKET = json.dumps({"service": "general"}).encode()


def connection(url: str) -> http.client.HTTPConnection:
    """One kept-alive connection that may not quietly reconnect: a closed one fails the next request."""
    host, port = url.rsplit("/", 1)[1].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    conn.connect()
    conn.auto_open = 0
    return conn


def ask(conn: http.client.HTTPConnection, method: str, path: str, **kwargs: Any) -> tuple[int, bytes, Any]:
    conn.request(method, path, **kwargs)
    answer = conn.getresponse()
    return answer.status, answer.read(), answer


def test_many_requests_share_one_connection(tmp_path):
    with serve(tmp_path) as hall:
        conn = connection(hall.url)
        local = conn.sock.getsockname()
        statuses = [ask(conn, "POST", "/api/v1/tickets", body=TICKET, headers=bearer("kiosk-1"))[0] for _ in range(5)]
        statuses.append(ask(conn, "GET", "/healthz")[0])
        assert statuses == [201] * 5 + [200]
        assert conn.sock.getsockname() == local
        conn.close()


def test_head_sends_the_head_alone(tmp_path):
    with serve(tmp_path) as hall:
        conn = connection(hall.url)
        status, page, got = ask(conn, "GET", "/")
        head_status, nothing, head = ask(conn, "HEAD", "/")
        assert (status, head_status) == (200, 200)
        assert nothing == b"" and head.getheader("Content-Length") == str(len(page))
        assert head.getheader("Content-Type") == got.getheader("Content-Type")
        # had the body followed the head, it would stand where the next answer's status line should be
        assert ask(conn, "GET", "/healthz")[0] == 200
        conn.close()


def test_a_chunked_body_within_the_limit_is_read_whole(tmp_path):
    with serve(tmp_path) as hall:
        conn = connection(hall.url)
        conn.putrequest("POST", "/api/v1/tickets")
        for name, value in bearer("kiosk-1").items():
            conn.putheader(name, value)
        conn.putheader("Transfer-Encoding", "chunked")
        conn.endheaders()
        for i in range(0, len(TICKET), 5):
            part = TICKET[i : i + 5]
            conn.send(b"%x\r\n" % len(part) + part + b"\r\n")
        conn.send(b"0\r\n\r\n")
        answer = conn.getresponse()
        assert answer.status == 201 and json.loads(answer.read())["service"] == "general"
        conn.close()


def test_a_declared_length_over_the_limit_answers_413_and_the_connection_goes_on(tmp_path):
    with serve(tmp_path) as hall:
        conn = connection(hall.url)
        big = b'{"service": "' + b"x" * (2 * MAX_BODY) + b'"}'
        status, body, _ = ask(conn, "POST", "/api/v1/tickets", body=big, headers=bearer("kiosk-1"))
        assert status == 413 and b"body_too_large" in body
        # the body nobody read is dropped as it arrives: the next request on the connection is answered
        assert ask(conn, "POST", "/api/v1/tickets", body=TICKET, headers=bearer("kiosk-1"))[0] == 201
        conn.close()


def test_an_app_that_raises_answers_500_logged_and_the_connection_serves_on(tmp_path, caplog):
    """Flask answers a route's own exception itself; this is the layer around it (as FromTheProxy is) failing."""
    with serve(tmp_path) as hall:
        assert hall.server is not None
        routes = hall.server.front.routes
        flask_app = routes.app

        def breaking(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            if environ["PATH_INFO"] == "/broken":
                raise RuntimeError("broken on purpose")
            return flask_app(environ, start_response)

        routes.app = breaking
        conn = connection(hall.url)
        with caplog.at_level(logging.ERROR, logger="onewindow.dispatch.bridge"):
            status, body, _ = ask(conn, "GET", "/broken")
        assert (status, body) == (500, b"Internal Server Error")
        assert "GET /broken failed" in caplog.text and "broken on purpose" in caplog.text
        assert ask(conn, "GET", "/healthz")[0] == 200
        conn.close()


def test_a_request_under_way_when_the_server_stops_is_answered(tmp_path):
    with serve(tmp_path) as hall:
        assert hall.server is not None
        server = hall.server
        routes = server.front.routes
        flask_app = routes.app
        entered, release = threading.Event(), threading.Event()

        def slow(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            if environ["PATH_INFO"] == "/healthz":
                entered.set()
                release.wait(10)
            return flask_app(environ, start_response)

        routes.app = slow
        answered: list[int] = []
        asking = threading.Thread(target=lambda: answered.append(raw_request(hall.url, "GET", "/healthz")[0]))
        asking.start()
        assert entered.wait(10)
        stopping = threading.Thread(target=server.stop)
        stopping.start()

        def told_to_close() -> bool:  # the server's shutdown has reached the connection whose request runs
            cycles = [c.cycle for c in server.server.server_state.connections if c.cycle is not None]
            return bool(cycles) and not any(c.keep_alive for c in cycles)

        assert wait_until(told_to_close, timeout=10)
        release.set()
        asking.join(10)
        stopping.join(20)
        assert answered == [200]
        assert not server.alive

"""What device processes use to talk to the core: requests with timeouts, and the event stream followed for good."""

from __future__ import annotations

import contextlib
import http.client
import json
import logging
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

log = logging.getLogger(__name__)

# A kept-alive connection idle for longer than this is not reused: the core may be closing it just then,
# and a press must never be sent twice.
REUSE_IDLE_S = 10.0


class CoreUnreachable(Exception):
    """The core did not answer: not running, network down, or too slow."""


class CoreRefused(Exception):
    """The core answered with an error: status, code and a message meant for a person."""

    def __init__(self, status: int, code: str, message: str, details: dict[str, Any] | None = None):
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message = status, code, message
        self.details = details or {}  # the code's own fields beside code and message, e.g. next_opening


@dataclass(frozen=True)
class Event:
    seq: int
    type: str
    data: dict[str, Any]


class CoreClient:
    """The core's HTTP interface for one device; safe to share between threads."""

    def __init__(self, base_url: str, token: str | None = None, timeout: float = 5.0):
        parts = urlsplit(base_url.rstrip("/"))
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not a core address: {base_url!r}")
        self.base_url = base_url.rstrip("/")
        self.scheme, self.host, self.port = parts.scheme, parts.hostname, parts.port
        self.token = token
        self.timeout = timeout
        self._local = threading.local()
        self._open: set[http.client.HTTPConnection] = set()  # every thread's, so close() reaches them all
        self._open_lock = threading.Lock()

    def _connection(self, timeout: float) -> http.client.HTTPConnection:
        conn: http.client.HTTPConnection | None = getattr(self._local, "conn", None)
        last = getattr(self._local, "last_used", 0.0)
        with self._open_lock:
            closed = conn is not None and conn not in self._open  # close() took it
        if conn is not None and (closed or time.monotonic() - last > REUSE_IDLE_S):
            self._drop()
            conn = None
        if conn is None:
            cls = http.client.HTTPSConnection if self.scheme == "https" else http.client.HTTPConnection
            conn = cls(self.host, self.port, timeout=timeout)
            self._local.conn = conn
            with self._open_lock:
                self._open.add(conn)
        conn.timeout = timeout
        if conn.sock is not None:
            conn.sock.settimeout(timeout)
        return conn

    def close(self) -> None:
        """Close every thread's connection; the client opens new ones if used again."""
        with self._open_lock:
            conns, self._open = list(self._open), set()
        for conn in conns:
            conn.close()

    def __enter__(self) -> CoreClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _drop(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            with self._open_lock:
                self._open.discard(conn)
        self._local.conn = None

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        headers: dict[str, str] | None = None,
        timeout: float | None = None,
    ) -> tuple[int, Any, dict[str, str]]:
        """One request; (status, JSON body or None, headers), or CoreUnreachable.

        Only a GET is tried again, once, when a kept-alive connection turns out to be dead (the core restarted):
        anything else might have reached the core, and a press must never happen twice.
        """
        sent = {"Accept": "application/json", **(headers or {})}
        if self.token:
            sent["Authorization"] = f"Bearer {self.token}"
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            sent["Content-Type"] = "application/json"
        for attempt in (1, 2):
            reused = getattr(self._local, "conn", None) is not None
            conn = self._connection(timeout or self.timeout)
            try:
                conn.request(method, path, body=payload, headers=sent)
                response = conn.getresponse()
                raw = response.read()
                break
            except (OSError, http.client.HTTPException) as exc:
                self._drop()
                if attempt == 1 and reused and method == "GET":
                    continue
                raise CoreUnreachable(f"no answer from the core at {self.base_url}: {_reason(exc)}") from exc
        self._local.last_used = time.monotonic()
        if response.getheader("Connection", "").lower() == "close":
            self._drop()
        try:
            data = json.loads(raw) if raw else None
        except ValueError:
            data = None
        return response.status, data, {k.lower(): v for k, v in response.getheaders()}

    def _json(
        self,
        method: str,
        path: str,
        body: Any = None,
        ok: tuple[int, ...] = (200, 201, 204),
        headers: dict[str, str] | None = None,
        timeout: float | None = None,
    ) -> Any:
        status, data, _ = self.request(method, path, body, headers, timeout)
        if status not in ok:
            error = data.get("error", {}) if isinstance(data, dict) else {}
            error = error if isinstance(error, dict) else {}
            details = {k: v for k, v in error.items() if k not in ("code", "message")}
            raise CoreRefused(status, error.get("code", "error"), error.get("message", f"HTTP {status}"), details)
        return data

    # --- reading ------------------------------------------------------------------------------
    def healthy(self) -> bool:
        try:
            status, data, _ = self.request("GET", "/healthz", timeout=2.0)
        except CoreUnreachable:
            return False
        return status == 200 and isinstance(data, dict) and data.get("ok") is True

    def hall(self) -> dict[str, Any]:
        return self._json("GET", "/api/v1/hall")  # type: ignore[no-any-return]

    def window(self, number: int) -> dict[str, Any]:
        return self._json("GET", f"/api/v1/windows/{number}")  # type: ignore[no-any-return]

    def ticket(self, ticket_id: str) -> dict[str, Any]:
        return self._json("GET", f"/api/v1/tickets/{quote(ticket_id, safe='')}")  # type: ignore[no-any-return]

    def device(self) -> dict[str, Any]:
        """This device's record in the hall file: id, kind and windows."""
        return self._json("GET", "/api/v1/device")  # type: ignore[no-any-return]

    # --- acting -------------------------------------------------------------------------------
    def issue(
        self, service: str, priority: bool = False, key: str | None = None, deadline_s: float = 8.0
    ) -> dict[str, Any]:
        """A new ticket. Retried with the same Idempotency-Key until `deadline_s`: one tap, one ticket."""
        key = key or uuid.uuid4().hex
        body: dict[str, Any] = {"service": service}
        if priority:
            body["priority"] = True
        give_up = time.monotonic() + deadline_s
        delay = 0.2
        while True:
            try:
                return self._json(
                    "POST",
                    "/api/v1/tickets",
                    body,
                    ok=(201,),  # type: ignore[no-any-return]
                    headers={"Idempotency-Key": key},
                    timeout=max(0.5, min(self.timeout, give_up - time.monotonic())),
                )
            except CoreUnreachable:
                if time.monotonic() + delay >= give_up:
                    raise
                time.sleep(delay)
                delay = min(delay * 2, 2.0)

    def act(self, window: int, action: str, body: dict[str, Any] | None = None) -> dict[str, Any] | None:
        """A clerk's press (call, recall, finish, …): sent once, never replayed; None when nobody waits."""
        return self._json("POST", f"/api/v1/windows/{window}/{action}", body or {})  # type: ignore[no-any-return]

    def rate(self, window: int, score: int) -> dict[str, Any]:
        return self._json(
            "POST",
            f"/api/v1/windows/{window}/rating",
            {"score": score},  # type: ignore[no-any-return]
            ok=(201,),
        )

    def move(self, ticket_id: str, window: int) -> dict[str, Any]:
        return self._json(
            "POST",
            f"/api/v1/tickets/{quote(ticket_id, safe='')}/move",  # type: ignore[no-any-return]
            {"window": window},
        )

    def cancel(self, ticket_id: str) -> dict[str, Any]:
        return self._json("POST", f"/api/v1/tickets/{quote(ticket_id, safe='')}/cancel")  # type: ignore[no-any-return]

    def report(self, device: str, status: dict[str, Any]) -> None:
        """The device's heartbeat with its health (printer paper, serial links, …)."""
        self._json("POST", f"/api/v1/devices/{quote(device, safe='')}/status", status, timeout=3.0)


def parse_sse(lines: Iterator[str]) -> Iterator[tuple[str | None, str, str] | None]:
    """(id, event type, data) for each event of a Server-Sent Events stream; None for each comment line."""
    event_id: str | None = None
    kind, data = "message", list[str]()
    for line in lines:
        line = line.rstrip("\r\n")
        if not line:
            if data:
                yield event_id, kind, "\n".join(data)
            event_id, kind, data = None, "message", []
            continue
        if line.startswith(":"):
            yield None
            continue
        name, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if name == "id":
            event_id = value
        elif name == "event":
            kind = value
        elif name == "data":
            data.append(value)


class EventFollower:
    """Follows the core's event stream in a thread: reconnects by itself and resumes with Last-Event-ID."""

    def __init__(
        self,
        base_url: str,
        on_event: Callable[[Event], None],
        on_connection: Callable[[bool], None] | None = None,
        last_id: int | None = None,
        read_timeout_s: float = 45.0,
        max_backoff_s: float = 5.0,
        token: str | None = None,
    ):
        parts = urlsplit(base_url.rstrip("/"))
        self.host, self.port, self.scheme = parts.hostname or "", parts.port, parts.scheme
        self.token = token  # a device's: the core serves it first and never turns it away
        self.on_event = on_event
        self.on_connection = on_connection
        self.last_id = last_id
        self.read_timeout_s = read_timeout_s
        self.max_backoff_s = max_backoff_s
        self.connected = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._sock: socket.socket | None = None

    def start(self) -> EventFollower:
        self._thread = threading.Thread(target=self.run, name="events", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        sock = self._sock
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)  # wakes the thread out of its blocking read
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _set_connected(self, value: bool) -> None:
        if value != self.connected:
            self.connected = value
            if self.on_connection is not None:
                try:
                    self.on_connection(value)
                except Exception:
                    log.exception("connection listener failed")

    def run(self) -> None:
        backoff = 0.25
        warned = False
        while not self._stop.is_set():
            try:
                self._follow()
                backoff = 0.25
            except (OSError, http.client.HTTPException, CoreRefused) as exc:
                if not warned:
                    log.warning("event stream lost (%s); reconnecting", _reason(exc))
                    warned = True
            else:
                warned = False
            self._set_connected(False)
            if self._stop.wait(backoff):
                break
            backoff = min(backoff * 2, self.max_backoff_s)

    def _follow(self) -> None:
        cls = http.client.HTTPSConnection if self.scheme == "https" else http.client.HTTPConnection
        conn = cls(self.host, self.port, timeout=self.read_timeout_s)
        headers = {"Accept": "text/event-stream"}
        if self.last_id is not None:
            headers["Last-Event-ID"] = str(self.last_id)
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        try:
            conn.request("GET", "/api/v1/events", headers=headers)
            response = conn.getresponse()
            if response.status != 200:
                raise CoreRefused(response.status, "events", "the core refused the event stream")
            self._sock = conn.sock
            self._set_connected(True)
            lines = (raw.decode("utf-8", "replace") for raw in iter(response.readline, b""))
            for item in parse_sse(lines):
                if self._stop.is_set():
                    return
                if item is None:
                    continue
                event_id, kind, data = item
                try:
                    event = Event(int(event_id) if event_id else 0, kind, json.loads(data))
                except ValueError:
                    log.warning("ignored a malformed event %r", data[:80])
                    continue
                if event.seq:
                    self.last_id = event.seq
                try:
                    self.on_event(event)
                except Exception:
                    log.exception("an event listener failed on %s", event.type)
        finally:
            self._sock = None
            conn.close()


def _reason(exc: BaseException) -> str:
    if isinstance(exc, socket.timeout | TimeoutError):
        return "timed out"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    return str(exc) or type(exc).__name__

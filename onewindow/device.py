"""What every device process shares: the hall as the core last described it, and its health report to the core."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from . import __version__
from .client import CoreClient, CoreRefused, CoreUnreachable, Event, EventFollower

log = logging.getLogger(__name__)


class LiveHall:
    """The core's `/api/v1/hall` kept fresh: fetched at start, after every burst of events and on reconnect.

    Events reach `on_event` in order, each exactly once, including those replayed after a reconnect (a
    listener that should not act on old ones, like the voice, looks at the event's `at`). `on_change` is
    called with the new snapshot whenever it was fetched again. Both run on the follower's threads.
    """

    def __init__(
        self,
        client: CoreClient,
        on_event: Callable[[Event], None] | None = None,
        on_change: Callable[[dict[str, Any]], None] | None = None,
        on_connection: Callable[[bool], None] | None = None,
        refresh_s: float = 30.0,
        settle_s: float = 0.2,
    ):
        self.client = client
        self.on_event = on_event
        self.on_change = on_change
        self.on_connection = on_connection
        self.refresh_s = refresh_s
        self.settle_s = settle_s
        self.snapshot: dict[str, Any] | None = None
        self.fetched_at: float | None = None
        self._follower: EventFollower | None = None
        self._dirty = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    @property
    def connected(self) -> bool:
        """True while the event stream is up: what the screen shows is what the core says."""
        return self._follower is not None and self._follower.connected

    def start(self) -> LiveHall:
        self._thread = threading.Thread(target=self._run, name="live-hall", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._dirty.set()
        if self._follower is not None:
            self._follower.stop()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def refresh(self) -> bool:
        """Fetch the snapshot now; False when the core did not answer."""
        try:
            snapshot = self.client.hall()
        except (CoreUnreachable, CoreRefused) as exc:
            log.debug("hall not fetched: %s", exc)
            return False
        with self._lock:
            self.snapshot = snapshot
            self.fetched_at = time.monotonic()
        if self.on_change is not None:
            try:
                self.on_change(snapshot)
            except Exception:
                log.exception("a hall listener failed")
        return True

    def _run(self) -> None:
        # the first snapshot names the event to follow from, so nothing falls between the two
        while not self._stop.is_set() and not self.refresh():
            self._stop.wait(1.0)
        if self._stop.is_set():
            return
        seq = self.snapshot["seq"] if self.snapshot else None
        self._follower = EventFollower(
            self.client.base_url, self._event, self._connection, last_id=seq, max_backoff_s=3.0, token=self.client.token
        ).start()
        while not self._stop.is_set():
            woke = self._dirty.wait(self.refresh_s)
            if self._stop.is_set():
                return
            if woke:
                self._stop.wait(self.settle_s)  # a call is often several events: fetch once for the lot
                self._dirty.clear()
            if not self.refresh():
                self._stop.wait(1.0)
                self._dirty.set()  # try again soon: the stream may be up before the core answers requests

    def _event(self, event: Event) -> None:
        if self.on_event is not None:
            try:
                self.on_event(event)
            except Exception:
                log.exception("an event listener failed on %s", event.type)
        if event.type != "device.status":
            self._dirty.set()

    def _connection(self, up: bool) -> None:
        if up:
            self._dirty.set()
        if self.on_connection is not None:
            try:
                self.on_connection(up)
            except Exception:
                log.exception("a connection listener failed")


class Heartbeat:
    """Reports the device's health to the core every few seconds, from a thread of its own.

    `health()` returns the report: `{"ok": bool, "message": str, "parts": {name: {"state": ..., ...}}}` with
    states ok, warning, fault or unknown. A report that fails is not queued: the next one replaces it.
    """

    def __init__(self, client: CoreClient, device: str, health: Callable[[], dict[str, Any]], every_s: float = 5.0):
        self.client = client
        self.device = device
        self.health = health
        self.every_s = every_s
        self.last_ok: float | None = None
        self.last_error: str | None = None
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> Heartbeat:
        self._thread = threading.Thread(target=self._run, name="heartbeat", daemon=True)
        self._thread.start()
        return self

    def now(self) -> None:
        """Report at once, e.g. when the paper ran out."""
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def beat(self) -> bool:
        try:
            report = self.health()
            self.client.report(self.device, report)
        except (CoreUnreachable, CoreRefused) as exc:
            if self.last_error != str(exc):
                log.warning("health report not delivered: %s", exc)
            self.last_error = str(exc)
            return False
        except Exception:
            log.exception("could not make the health report")
            return False
        self.last_ok, self.last_error = time.monotonic(), None
        return True

    def _run(self) -> None:
        while not self._stop.is_set():
            self.beat()
            self._wake.wait(self.every_s)
            self._wake.clear()


def health_report(
    parts: dict[str, dict[str, Any]],
    *,
    fine: str,
    problems: list[str] | None = None,
    warnings: bool = False,
    limit: int = 200,
    version: str | None = __version__,
) -> dict[str, Any]:
    """The report `Heartbeat` sends: each part's state, and in one line of at most `limit` characters what is
    wrong, `fine` when nothing is.

    What is wrong is `problems` in the role's own words, or else every part at fault ("name: message"); `ok` is
    False while there is any. With `warnings`, parts in warning are named when nothing is at fault.
    """
    if problems is None:
        problems = _named(parts, "fault")
    shown = problems or (_named(parts, "warning") if warnings else [])
    report: dict[str, Any] = {
        "ok": not problems,
        "message": "; ".join(shown)[:limit] if shown else fine,
        "parts": parts,
    }
    if version is not None:
        report["version"] = version
    return report


def _named(parts: dict[str, dict[str, Any]], state: str) -> list[str]:
    return [f"{name}: {part['message']}" for name, part in parts.items() if part["state"] == state]

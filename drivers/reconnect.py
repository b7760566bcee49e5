"""A device that goes away and comes back: its state, logged once per change, and the thread that reopens it."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class DeviceState:
    """What the device heartbeat reports about one device: a status word ("ok", "unknown", or why it is not:
    "offline", "missing", "away") and a message for a person."""

    status: str
    message: str

    @property
    def ok(self) -> bool:
        return self.status == "ok"


class Presence:
    """A device's state, and one log line for each change of status: never one per retry.

    A change to "ok" is logged at INFO as its message; any other change at WARNING through `away`, a format
    for the message (e.g. "%s; retrying quietly"). With `log_first_ok` False a device that is there from the
    start is not worth a line; only its return after an absence is.
    """

    def __init__(self, state: DeviceState, log: logging.Logger, *, away: str = "%s", log_first_ok: bool = True):
        self._state = state
        self._log = log
        self._away = away
        self._log_first_ok = log_first_ok

    @property
    def state(self) -> DeviceState:
        return self._state

    def set(self, status: str, message: str, *, quiet: bool = False) -> None:
        """The device's new state; `quiet` for a change the process made itself (closing), not the device."""
        before, self._state = self._state, DeviceState(status, message)
        if quiet or status == before.status:
            return
        if status != "ok":
            self._log.warning(self._away, message)
        elif self._log_first_ok or before.status != "unknown":
            self._log.info("%s", message)


class DeviceThread:
    """A device's own thread: `open()` it, `work()` it, and when it cannot be opened wait `retry_s` and try
    again, until stopped. The driver's two steps report a lost device through its state, not by raising:
    anything they do raise is unforeseen, so it is logged with its traceback as `what`, `on_fault()` puts the
    device away, and the thread carries on after `retry_s` (a bug must not leave the hall without the device
    for the rest of the day).

    `open()` returns True when the device is open (at once when it already was); `work()` does one piece of
    work and returns, as often as it likes. `stop()` sets `stopping`, calls `wake()` (what ends a wait inside
    `work()`: closing the device, notifying a condition) and joins the thread.
    """

    def __init__(
        self,
        name: str,
        *,
        what: str,
        open: Callable[[], bool],
        work: Callable[[], None],
        on_fault: Callable[[], None],
        retry_s: float,
        log: logging.Logger,
        wake: Callable[[], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.what = what
        self.retry_s = retry_s
        self._open = open
        self._work = work
        self._on_fault = on_fault
        self._log = log
        self._wake = wake
        self._clock = clock
        self._cond = threading.Condition()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    @property
    def stopping(self) -> bool:
        return self._stopping

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._wake is not None:
            self._wake()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def wait(self, seconds: float) -> bool:
        """Let `seconds` pass by the device's clock, or less when stopping; False when stopping."""
        until = self._clock() + seconds
        with self._cond:
            while not self._stopping and (left := until - self._clock()) > 0:
                self._cond.wait(left)
            return not self._stopping

    def _run(self) -> None:
        while not self._stopping:
            try:
                if self._open():
                    self._work()
                else:
                    self.wait(self.retry_s)
            except Exception:
                self._log.exception("%s: unexpected error; carrying on", self.what)
                self._on_fault()
                self.wait(self.retry_s)

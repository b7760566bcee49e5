"""The core's one hall: the domain's state behind a lock, written through to the store, published as events."""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from datetime import date, datetime
from typing import TypeVar

from onewindow.hallfile import HallConfig

from .domain import Clock, Hall, HallError
from .policy import Policy
from .store import Store, StoredEvent, StoreError
from .writer import Writer

log = logging.getLogger(__name__)
T = TypeVar("T")


class Broker:
    """Hands committed events to every follower; a follower behind the recent ones reads the store."""

    def __init__(self, store: Store, keep: int = 2000):
        self.store = store
        self.cond = threading.Condition()
        self.recent: deque[StoredEvent] = deque(maxlen=keep)
        self.last_seq = store.last_seq
        self.closed = False
        self.followers = 0

    def publish(self, stored: list[StoredEvent]) -> None:
        if not stored:
            return
        with self.cond:
            self.recent.extend(stored)
            self.last_seq = stored[-1].seq
            self.cond.notify_all()

    def close(self) -> None:
        with self.cond:
            self.closed = True
            self.cond.notify_all()

    def follow(self, after: int | None, heartbeat_s: float) -> Iterator[StoredEvent | None]:
        """Every event after `after` (None: only new ones), then live ones; None when a heartbeat is due."""
        with self.cond:
            self.followers += 1
            if after is None or after > self.last_seq:
                # a client ahead of us followed a database that was replaced: carry on from here
                after = self.last_seq
        try:
            while True:
                with self.cond:
                    if self.closed:
                        return
                    batch = self._recent_after(after)
                    if batch == []:
                        self.cond.wait(timeout=heartbeat_s)
                        if self.closed:
                            return
                        batch = self._recent_after(after)
                if batch == []:
                    yield None
                    continue
                if batch is None:
                    batch = self.store.events_after(after, limit=500)
                for e in batch:
                    yield e
                    after = e.seq
        finally:
            with self.cond:
                self.followers -= 1

    def _recent_after(self, after: int) -> list[StoredEvent] | None:
        """The recent events after `after`, [] when there are none yet, None when they left the window."""
        if after >= self.last_seq:
            return []
        if not self.recent or self.recent[0].seq > after + 1:
            return None
        start = after + 1 - self.recent[0].seq
        return list(self.recent)[start:]


class Core:
    """Runs each command on the hall under one lock; its changes are on disk before anyone is answered.

    A command's changes go to the writer (`writer.py`) as it ends, and its request waits for them outside the
    lock, so the next command runs while they are written, and changes that arrive together share one commit.
    Every answer, a read's too, waits until everything the hall had changed when it was given is on disk: no
    one is told of a ticket that a crash could still take away.
    """

    def __init__(
        self,
        config: HallConfig,
        store: Store,
        clock: Clock = time.time,
        policy: Policy | None = None,
        device_timeout_s: float = 30.0,
    ):
        self.config = config
        self.store = store
        self.clock = clock
        self.policy = policy
        self.device_timeout_s = device_timeout_s
        self.lock = threading.RLock()
        self.broker = Broker(store)
        self.hall = self._load()
        self.stale = False
        self.writer = Writer(store, self.broker.publish)
        self.execute(lambda hall: hall.roll_day())

    @property
    def seq(self) -> int:
        """The number of the last event of the hall as it is now (on disk before any answer that shows it)."""
        return self.writer.seq

    def _load(self) -> Hall:
        hall = Hall(self.config, self.clock, self.policy, device_timeout_s=self.device_timeout_s)
        state = self.store.load(hall.local_day(self.clock()))
        hall.restore(
            state["tickets"],
            state["windows"],
            state["devices"],
            state["ratings"],
            state["day"],
            calls=state["calls"],
            cases=state["cases"],
        )
        start = datetime.combine(date.fromisoformat(hall.day), datetime.min.time(), hall.tz).timestamp()
        seen = self.store.audit_between(start, start + 2 * 86400, action="alert.acknowledged")
        hall.restore_acknowledged(data for row in seen if isinstance(data := _json(row["data"]), dict))
        return hall

    def _reload(self) -> None:
        """Rebuild the hall from what is on disk, once what is being written is."""
        self.writer.flush()
        try:
            self.hall = self._load()
            self.stale = False
        except StoreError:
            self.stale = True
            raise
        self.writer.rebuilt()

    def _fresh(self) -> int:
        """Rebuild the hall if a write failed since the last command; the epoch this command's changes belong to."""
        epoch, failed = self.writer.state()
        if failed or self.stale:
            self._reload()
            epoch, _ = self.writer.state()
        return epoch

    def execute(self, command: Callable[[Hall], T]) -> T:
        """Run a command; its changes are on disk and published before this returns."""
        refusal: HallError | None = None
        with self.lock:
            epoch = self._fresh()
            self.hall.roll_day()
            try:
                try:
                    result = command(self.hall)
                except HallError as exc:
                    refusal = exc  # what the day's roll changed before it is written all the same
                self.writer.stage(self.hall.take_changes(), epoch)
            except StoreError:  # an earlier write failed: this command was built on it
                with contextlib.suppress(StoreError):
                    self._reload()
                raise
            except Exception:
                log.exception("a command failed half-way; reloading the hall from the database")
                self._reload()
                raise
            last = self.writer.last
        self.writer.wait(last)
        if refusal is not None:
            raise refusal  # once what came before it is on disk
        return result

    def read(self, query: Callable[[Hall], T]) -> T:
        """Ask the hall; answered once what it shows is on disk."""
        with self.lock:
            self._fresh()
            result = query(self.hall)
            last = self.writer.last
        self.writer.wait(last)
        return result

    def reload(self, config: HallConfig) -> None:
        """Take a changed hall file in: the day (tickets, windows, ratings) is rebuilt from the store under it, as
        a restart would; if it cannot be, the running hall goes on unchanged and the error is raised."""
        with self.lock:
            self.writer.flush()
            previous, self.config = self.config, config
            try:
                self.hall = self._load()
            except Exception:
                self.config = previous
                raise
            self.stale = False
            self.writer.rebuilt()

    def tick(self) -> None:
        """Housekeeping from the main loop: midnight, silent devices."""
        self.execute(lambda hall: hall.check_devices())

    def close(self) -> None:
        self.writer.close()
        self.broker.close()
        self.store.close()


def _json(text: object) -> object:
    """A log entry's data, or None when it cannot be read (`audit verify` reports that; the hall goes on)."""
    try:
        return json.loads(text) if isinstance(text, str) else None
    except ValueError:
        return None

"""The core's one hall: the domain's state behind a lock, written through to the store, published as events."""

from __future__ import annotations

import contextlib
import itertools
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import TypeVar

from onewindow.hallfile import HallConfig

from .domain import Clock, Hall, HallError
from .policy import Policy
from .store import Store, StoredEvent, StoreError
from .writer import Writer

log = logging.getLogger(__name__)
T = TypeVar("T")


class Broker:
    """Hands each batch of committed events to its listeners (the event stream's fan-out) and keeps the recent
    ones, so that a follower coming back reads them from memory; one further behind reads the store."""

    def __init__(self, store: Store, keep: int = 2000):
        self.store = store
        self.lock = threading.Lock()
        self.recent: deque[StoredEvent] = deque(maxlen=keep)
        self.last_seq = store.last_seq
        self.closed = False
        self.listeners: list[Callable[[list[StoredEvent] | None], None]] = []

    def listen(self, listener: Callable[[list[StoredEvent] | None], None]) -> None:
        """`listener` hears every batch published from now on, in order, then None when the broker closes; it runs
        on the writer's thread, so it hands the batch on and returns."""
        with self.lock:
            self.listeners.append(listener)

    def publish(self, stored: list[StoredEvent]) -> None:
        if not stored:
            return
        with self.lock:
            self.recent.extend(stored)
            self.last_seq = stored[-1].seq
            listeners = list(self.listeners)
        for listener in listeners:
            try:
                listener(stored)
            except Exception:  # a listener's failure must not stop the writer answering the hall's requests
                log.exception("an event listener failed")

    def close(self) -> None:
        with self.lock:
            if self.closed:
                return
            self.closed = True
            listeners = list(self.listeners)
        for listener in listeners:
            listener(None)

    def after(self, seq: int, limit: int = 500) -> list[StoredEvent] | None:
        """Up to `limit` recent events after `seq`, [] when there are none yet, None when they left the window (the
        store has them). Only what is asked for is copied, however many are kept."""
        with self.lock:
            if seq >= self.last_seq:
                return []
            if not self.recent or self.recent[0].seq > seq + 1:
                return None
            start = seq + 1 - self.recent[0].seq
            return list(itertools.islice(self.recent, start, start + limit))


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

"""The core's one hall: the domain's state behind a lock, written through to the store, published as events."""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from datetime import date, datetime
from typing import TypeVar

from onewindow.hallfile import HallConfig

from .domain import Clock, Hall, HallError
from .policy import Policy
from .store import Store, StoredEvent, StoreError
from .writer import Writer

log = logging.getLogger(__name__)
T = TypeVar("T")

# /healthz: a write that went well this recently says the core can write; after this long, the store is probed
HEALTH_FRESH_S = 10.0
# a write under way for longer is stuck: another program holds the database, or the disk is failing
STUCK_S = 2.0
# a read waits this long for the writes under way (a group commit takes milliseconds) before it answers from
# the hall as it is on disk
READ_WAIT_S = 0.2


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
    one is told of a ticket that a crash could still take away. A read waits only briefly (READ_WAIT_S): behind a
    stuck write it answers from the hall as it is on disk (`read`).
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
        self.probing = threading.Lock()
        self.probed: tuple[float, str | None] = (0.0, None)  # the health probe's last outcome, as the writer's
        self.on_disk = threading.Lock()
        self.hall_on_disk: tuple[int, Hall] | None = None  # (the writes it has seen, the hall) for stuck writes
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
        """Ask the hall; answered once what it shows is on disk. When the writes under way are stuck (another
        program holds the database) or fail, the answer comes from the hall as it is on disk instead: a read never
        waits for a write's busy timeout, and never shows what a write that may still fail changed."""
        with self.lock:
            self._fresh()
            result = query(self.hall)
            last = self.writer.last
        with contextlib.suppress(StoreError):  # the writes' own requests report it
            if self.writer.wait(last, READ_WAIT_S):
                return result
        return self._read_on_disk(query)

    def _read_on_disk(self, query: Callable[[Hall], T]) -> T:
        """`query` on a hall rebuilt from what is on disk (readers are not blocked by a writer there), kept until
        the next write lands."""
        with self.on_disk:
            writes = self.writer.writes
            if self.hall_on_disk is None or self.hall_on_disk[0] != writes:
                self.hall_on_disk = (writes, self._load())
            return query(self.hall_on_disk[1])

    def seq_of(self, hall: Hall) -> int:
        """The number of the last event `hall` shows: the live hall's, or the one on disk's."""
        on_disk = self.hall_on_disk
        return self.store.last_seq if on_disk is not None and hall is on_disk[1] else self.writer.seq

    def health(self) -> str | None:
        """None when the core can write now; otherwise why it cannot, in a sentence.

        The write path's own last outcome decides while it is fresh; when nothing was written lately, or the last
        write failed, the store is probed with a write as large as a busy moment's (`Store.ping`), one probe at a
        time, so a hall that recovered says so without waiting for a citizen to try."""
        now = time.monotonic()
        since = self.writer.writing_since
        if since is not None and now - since > STUCK_S:
            waited = now - since
            return f"a write has waited {waited:.0f} s for the database: another program holds it, or the disk fails"
        at, error = max(self.writer.outcome, self.probed, key=lambda outcome: outcome[0])
        if error is None and now - at < HEALTH_FRESH_S:
            return None
        if not self.probing.acquire(blocking=False):
            return error  # another request is probing: the last word stands
        try:
            try:
                self.store.ping()
                found = None
            except StoreError as exc:
                found = str(exc)
            self.probed = (time.monotonic(), found)
        finally:
            self.probing.release()
        return found

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

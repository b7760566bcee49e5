"""Group commit: one thread writes every command's changes waiting, in one transaction and one fsync, then answers.

The core runs commands one at a time under the hall's lock and hands each one's changes here as rows
(`stage`); its request then waits, outside the lock, until they are on disk (`wait`), so nothing is acknowledged
before it is durable, while the next commands already run. The writer takes everything staged since its last
write, writes it in order in one transaction, publishes the events and wakes the requests: commands that arrive
together share one fsync.

A write that fails fails every change staged until then (each was built on the one before), and the hall must be
rebuilt from what is on disk before the next command: `state()` says so, and the writes of the old hall are
refused (`epoch`). Event numbers are given when staged, so that a read of the hall says which event it is at;
after a failure they start again after the last one written, and no follower ever sees a gap.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable

from .model import Changes
from .store import Staged, Store, StoredEvent, StoreError

log = logging.getLogger(__name__)


class Batch:
    """One command's changes on their way to disk."""

    __slots__ = ("staged", "written", "error")

    def __init__(self, staged: Staged):
        self.staged = staged
        self.written = threading.Event()  # set once on disk, or failed; each batch its own, so no one wakes in vain
        self.error: StoreError | None = None


class Writer:
    """The thread that writes what the commands changed, many commands to a transaction."""

    def __init__(self, store: Store, publish: Callable[[list[StoredEvent]], None]):
        self.store = store
        self.publish = publish
        self.lock = threading.Lock()
        self.work = threading.Condition(self.lock)  # the writer waits here for changes to write
        self.pending: list[Batch] = []
        self.last: Batch | None = None  # the last staged: once it is done, so is everything before it
        self.seq = store.last_seq  # the number of the last event staged
        self.epoch = 0  # counts failed writes: changes staged in an older epoch were built on them
        self.failed = False  # a write failed and the hall has not been rebuilt since
        self.closing = False
        # how the last write went, for /healthz: when it ended (monotonic), and why it failed (None: it did not)
        self.outcome: tuple[float, str | None] = (time.monotonic(), None)
        self.writing_since: float | None = None  # when the write now under way began
        self.writes = 0  # counts the writes that went well
        self.thread = threading.Thread(target=self._run, name="writer", daemon=True)
        self.thread.start()

    # --- the commands' side (under the hall's lock) ---------------------------------------------------
    def state(self) -> tuple[int, bool]:
        """The epoch a command starting now belongs to, and whether the hall must be rebuilt first."""
        with self.lock:
            return self.epoch, self.failed

    def rebuilt(self) -> None:
        """The hall was rebuilt from disk, with nothing staged left to write (the hall's lock is held)."""
        with self.lock:
            self.failed = False

    def stage(self, changes: Changes, epoch: int) -> Batch | None:
        """Queue a command's changes for the next write; None when it changed nothing."""
        if not changes:
            return None
        staged = self.store.rows(changes)
        with self.lock:
            if epoch != self.epoch or self.closing:
                raise StoreError("cannot write to the database: an earlier change could not be written")
            for e in staged.events:
                self.seq += 1
                staged.stored.append(StoredEvent(self.seq, e.type, e.data, e.at))
            batch = self.last = Batch(staged)
            self.pending.append(batch)
            self.work.notify()
        return batch

    # --- the requests' side (outside the lock) --------------------------------------------------------
    def wait(self, batch: Batch | None, timeout_s: float | None = None) -> bool:
        """Until `batch`, and every change staged before it, is on disk; StoreError if it could not be. With a
        timeout: False when it is still being written."""
        if batch is None:
            return True
        if not batch.written.wait(timeout_s):
            return False
        if batch.error is not None:
            raise StoreError(str(batch.error)) from batch.error  # one error for many requests: each its own
        return True

    def written(self, batch: Batch | None) -> bool:
        """Whether `batch` is on disk (False while it is written, or when it failed)."""
        return batch is None or (batch.written.is_set() and batch.error is None)

    def flush(self) -> None:
        """Until everything staged so far is written or has failed."""
        with contextlib.suppress(StoreError):  # a failed write is the commands' to report
            self.wait(self.last)

    def close(self) -> None:
        """Write what is staged, then stop."""
        with self.lock:
            self.closing = True
            self.work.notify()
        self.thread.join(timeout=30)

    # --- the writer's thread --------------------------------------------------------------------------
    def _run(self) -> None:
        while True:
            with self.lock:
                while not self.pending and not self.closing:
                    self.work.wait()
                if not self.pending:
                    return
                batches, self.pending = self.pending, []
                self.writing_since = time.monotonic()
            try:
                self.store.write([b.staged for b in batches])
            except Exception as exc:
                self._failed(batches, exc)
                continue
            with self.lock:
                self.outcome, self.writing_since = (time.monotonic(), None), None
                self.writes += 1
            try:
                self.publish([e for b in batches for e in b.staged.stored])
            except Exception:  # on disk all the same: the requests are answered
                log.exception("the events written could not be handed to the followers")
            for b in batches:
                b.written.set()

    def _failed(self, batches: list[Batch], exc: Exception) -> None:
        """Fail these and everything staged after them; the hall is rebuilt from disk before the next command."""
        if isinstance(exc, StoreError):
            error = exc
            log.error("database write failed; the hall is rebuilt from what was written: %s", exc)
        else:
            error = StoreError(f"cannot write to the database: {exc}")
            log.exception("database write failed unexpectedly; the hall is rebuilt from what was written")
        with self.lock:
            failed, self.pending = batches + self.pending, []
            self.epoch += 1
            self.failed = True
            self.seq = self.store.last_seq
            self.outcome, self.writing_since = (time.monotonic(), str(error)), None
            for b in failed:
                b.error = error
                b.written.set()

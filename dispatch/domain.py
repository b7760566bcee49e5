"""The hall's day: tickets issued, moved, called and finished, windows, clerks, ratings, on an injectable clock."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from onewindow.hallfile import HallConfig, WindowSpec
from onewindow.hours import HallHours, closing, is_issuing, is_open, next_opening

from .alerts import Alert, case_alerts, device_alerts, window_alerts
from .cases import STAGE_OF, next_status, same_person
from .devices import Devices, DeviceState
from .model import (
    CALLED,
    CANCELLED,
    CASE_OPEN,
    DONE,
    FINISHED,
    IN_REVIEW,
    MARKS,
    NO_SHOW,
    OPEN,
    PASS,
    RETURN,
    RETURNED,
    SCORES,
    SERVING,
    TRANSFERRED,
    WAITING,
    AuditRecord,
    Call,
    Case,
    CaseStep,
    Changes,
    Event,
    Feedback,
    Marks,
    Queue,
    Rating,
    Ticket,
    Window,
)
from .policy import HandlingTimes, Policy, ahead_of

Clock = Callable[[], float]


class HallError(Exception):
    """A request the hall cannot carry out; `status` is the HTTP status the interface answers with, `details`
    what the error answer carries besides its code and message (e.g. `next_opening` of `hall_closed`)."""

    status = 409

    def __init__(self, code: str, message: str, details: dict[str, Any] | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details or {}


class Invalid(HallError):
    status = 400


class NotFound(HallError):
    status = 404


class Conflict(HallError):
    status = 409


class Forbidden(HallError):
    status = 403


class Hall:
    """The state of one hall for one day and every rule that changes it."""

    def __init__(
        self,
        config: HallConfig,
        clock: Clock,
        policy: Policy | None = None,
        new_id: Callable[[], str] | None = None,
        device_timeout_s: float = 30.0,
    ):
        self.config = config
        self.clock = clock
        self.policy = policy or Policy()
        self.tz = ZoneInfo(config.timezone)
        self.new_id = new_id or (lambda: secrets.token_urlsafe(16))
        self.windows: dict[int, Window] = {w.number: _window(w, config.require_sign_in) for w in config.windows}
        # tickets issued (or moved on) while no window of their service was staffed, by service, in queue order
        self.shared: dict[str, Queue] = {s.id: Queue() for s in config.services}
        self.clerks = {c.id: c for c in config.clerks}
        self.tickets: dict[str, Ticket] = {}
        self.by_number: dict[str, Ticket] = {}
        self.by_key: dict[tuple[str, str], Ticket] = {}
        self.counters: dict[str, int] = {}
        self.order = 0
        self.times = HandlingTimes({s.id: s.minutes for s in config.services})
        self.ratings: dict[str, Rating] = {}
        self.calls: list[Call] = []  # the day's calls, in order
        self.calling: dict[int, Call] = {}  # each window's call of its current ticket, to record how it ends
        self.cases: dict[str, Case] = {}  # the open cases, and those of the day
        self.case_by_ticket: dict[str, Case] = {}
        self.devices = Devices(config.devices, device_timeout_s)
        self.acknowledged: dict[str, str] = {}  # an alert's key: the cause a manager acknowledged
        self.day = self.local_day(clock())
        self.changes = Changes()
        # the ticket this command issued, with the people ahead and the wait printed on it (`estimate`)
        self.printed: tuple[Ticket, int, int | None] | None = None

    # --- time ---------------------------------------------------------------------------------
    def local_day(self, ts: float) -> str:
        return datetime.fromtimestamp(ts, self.tz).date().isoformat()

    def iso(self, ts: float | None) -> str | None:
        return None if ts is None else datetime.fromtimestamp(ts, self.tz).isoformat(timespec="seconds")

    def local_now(self) -> datetime:
        """The hall's clock in its own time zone, which its hours are written in."""
        return datetime.fromtimestamp(self.clock(), self.tz)

    # --- loading (the store rebuilds a hall from what it kept) ------------------------------------
    def restore(
        self,
        tickets: Iterable[Ticket],
        windows: Iterable[dict[str, Any]],
        devices: Iterable[DeviceState],
        ratings: Iterable[Rating],
        day: str | None,
        calls: Iterable[Call] = (),
        cases: Iterable[Case] = (),
    ) -> None:
        """Rebuild the in-memory day from stored rows; `day` is the day the windows' state belongs to.

        The hall resumes the newest day it has state for; `roll_day` then ends it if midnight has passed.
        """
        tickets = sorted(tickets, key=lambda t: (t.day, t.order))
        days = [d for d in [day, *(t.day for t in tickets)] if d]
        self.day = max(days) if days else self.local_day(self.clock())
        for t in tickets:
            self._index(t)
            if t.day == self.day:
                self.counters[_prefix(t.number)] = max(self.counters.get(_prefix(t.number), 0), t.counter)
                self.order = max(self.order, t.order)
                if t.status == DONE and t.handled_s is not None:
                    self.times.add(t.service, t.handled_s)
        for row in windows:
            w = self.windows.get(row["number"])
            if w is None:
                continue  # a window removed from the hall file since
            for key in (
                "closed",
                "paused",
                "pause_reason",
                "clerk",
                "signed_in_at",
                "current_since",
                "armed_ticket",
                "armed_until",
            ):
                setattr(w, key, row[key])
            if w.clerk is not None and w.clerk not in self.clerks:
                w.clerk = None
            current = self.tickets.get(row["current"]) if row["current"] else None
            w.current = current if current is not None and current.status in (CALLED, SERVING) else None
            w.free_since = None if w.current is not None else self.clock()
        for t in self.tickets.values():
            if t.status == WAITING:
                w = None if t.window is None else self.windows.get(t.window)
                if w is None and t.window is not None:  # its window left the hall file: where it would go now
                    w = self._choose(t.service, t.priority)
                    t.window = None if w is None else w.number
                if w is not None:
                    w.enqueue(t)
                elif t.service in self.shared:
                    self.shared[t.service].add(t)
        self.devices.restore(devices)
        for r in ratings:
            self.ratings[r.ticket_id] = r
        calls = sorted(calls, key=lambda c: c.at)
        self.calls = [c for c in calls if c.day == self.day]
        for c in calls:  # a citizen called before midnight may still be at the window: that call is of its day
            w = self.windows.get(c.window)
            if w is not None and w.current is not None and c.outcome is None and c.number == w.current.number:
                self.calling[w.number] = c
        for case in cases:
            self._index_case(case)
        self.changes = Changes()

    def _index(self, t: Ticket) -> None:
        self.tickets[t.id] = t
        if t.day == self.day or t.status in OPEN:  # the numbers in use: the day's, and those still open from before
            self.by_number[t.number] = t
        if t.device and t.idempotency_key:
            self.by_key[(t.device, t.idempotency_key)] = t

    # --- recording changes ------------------------------------------------------------------------
    def take_changes(self) -> Changes:
        """What the command changed, for the store; the next command starts afresh."""
        changes, self.changes = self.changes, Changes()
        changes.day = self.day
        self.printed = None
        return changes

    def _touch(self, *items: Ticket | Window) -> None:
        for item in items:
            if isinstance(item, Ticket):
                self.changes.tickets[item.id] = item
            else:
                self.changes.windows[item.number] = item

    def _emit(self, kind: str, actor: str, data: dict[str, Any]) -> None:
        now = self.clock()
        data = {**data, "at": self.iso(now)}
        self.changes.events.append(Event(kind, data, now))
        self.changes.audit.append(AuditRecord(actor, kind, data, now))

    def _record(self, actor: str, action: str, data: dict[str, Any]) -> None:
        now = self.clock()
        self.changes.audit.append(AuditRecord(actor, action, {**data, "at": self.iso(now)}, now))

    @staticmethod
    def _about(t: Ticket) -> dict[str, Any]:
        return {"number": t.number, "service": t.service, "window": t.window}

    # --- lookups ------------------------------------------------------------------------------
    def window(self, number: int) -> Window:
        w = self.windows.get(number)
        if w is None:
            raise NotFound("unknown_window", f"there is no window {number}")
        return w

    def ticket(self, ticket_id: str) -> Ticket:
        t = self.tickets.get(ticket_id)
        if t is None:
            raise NotFound("unknown_ticket", "no such ticket")
        return t

    def waiting(self, service: str | None = None) -> int:
        """How many wait (for `service`, or in all), at windows and in the shared queues."""
        queues = [*(w.queue for w in self.windows.values()), *self.shared.values()]
        return sum(len(q) if service is None else q.counts().get(service, 0) for q in queues)

    def staffed(self, w: Window) -> bool:
        """Open, not paused and, where the hall requires it, a clerk signed in: only then is anyone sent there."""
        return w.staffed

    def staffed_for(self, service: str) -> int:
        """How many staffed windows serve `service` now."""
        return sum(1 for w in self.windows.values() if w.staffed and service in w.services)

    def served(self, service: str) -> bool:
        """Whether any window serves `service` today (not closed): a ticket can be issued for it."""
        return any(not w.closed and service in w.services for w in self.windows.values())

    # --- expected times: the policy's arithmetic on this hall's windows, learned times and clock ----------
    def mean_handling_s(self, service: str) -> float:
        return self.policy.mean_handling_s(self.times, service)

    def residual_s(self, service: str, elapsed: float) -> float:
        return self.policy.residual_s(self.times, service, elapsed)

    def remaining_s(self, w: Window, now: float) -> float:
        return self.policy.remaining_s(self.times, w, now)

    def ahead_of(self, t: Ticket) -> int:
        return ahead_of(self.windows, self.shared, t)

    def estimated_wait_s(self, t: Ticket) -> int | None:
        return self.policy.estimated_wait_s(self.times, self.windows, self.shared, t, self.clock())

    def estimate(self, t: Ticket) -> tuple[int, int | None]:
        """How many wait before `t`, and the wait it can expect; for a ticket issued by the command under way,
        what its event and its slip say (worked out once, at issue)."""
        if self.printed is not None and self.printed[0] is t:
            return self.printed[1], self.printed[2]
        return self.ahead_of(t), self.estimated_wait_s(t)

    def service_estimate_s(self, service: str, priority: bool = False) -> int | None:
        return self.policy.service_estimate_s(
            self.times, self.windows, self.shared, service, priority, self.order, self.clock()
        )

    def takeover_lead_s(self, t: Ticket) -> float:
        return self.policy.takeover_bound_s(self.times, self.windows, self.shared, t, self.order, self.clock())

    def _choose(self, service: str, priority: bool, exclude: Iterable[int] = ()) -> Window | None:
        return self.policy.choose(self.times, self.windows, service, priority, self.clock(), exclude)

    # --- the day ------------------------------------------------------------------------------
    # The clock never ends a ticket. At midnight the day's numbers restart, and every window without a citizen
    # starts the day as the hall file says; a citizen called or served keeps the window and its clerk. Tickets
    # still waiting stay in their queues until a window calls them or a manager ends the day (`end_day`); each
    # keeps its number and the `day` it was issued on. So that no two open tickets share a number, the new day's
    # numbering passes over the numbers such tickets hold (`_next_counter`).
    def roll_day(self) -> bool:
        """Start a new day once the hall's local date has changed; False when it has not."""
        today = self.local_day(self.clock())
        if today == self.day:
            return False
        old = self.day
        kept = [t for t in self.tickets.values() if t.status in OPEN]
        for w in self.windows.values():
            if w.current is None:
                self._start_day(w)
            w.armed_ticket, w.armed_until = None, None
            self._touch(w)
        self.tickets = {t.id: t for t in kept}
        self.by_number = {t.number: t for t in kept}
        self.by_key = {(t.device, t.idempotency_key): t for t in kept if t.device and t.idempotency_key}
        self.counters = {}
        self.order = 0
        self.times.clear()
        self.ratings = {}
        self.calls = []
        self.calling = {n: c for n, c in self.calling.items() if self.windows[n].current is not None}
        open_cases = [c for c in self.cases.values() if c.status in CASE_OPEN]
        self.cases, self.case_by_ticket = {}, {}
        for case in open_cases:
            self._index_case(case)
        self.day = today
        self._record("system", "day.started", {"day": today, "previous": old, "still_open": len(kept)})
        return True

    def _start_day(self, w: Window) -> None:
        """A window free of citizens starts the day as the hall file says: nobody signed in, not paused."""
        if w.clerk is not None:
            self._sign_out(w, "system", "day_ended")
            if not w.staffed:  # its waiting tickets wait for whoever is staffed first, as at any sign-out
                self._redistribute(w, "system", "day_ended")
        if w.paused:
            w.paused, w.pause_reason = False, None
            self._emit("window.resumed", "system", {"window": w.number, "reason": "day_ended"})
        closed = next(spec.closed for spec in self.config.windows if spec.number == w.number)
        if w.closed != closed:
            w.closed = closed
            self._emit(
                "window.closed" if closed else "window.opened", "system", {"window": w.number, "reason": "day_started"}
            )
            if closed:  # closed again by the hall file: its waiting tickets go where they would go now
                self._redistribute(w, "system", "closed")

    def _next_counter(self, prefix: str) -> int:
        """The day's next counter for `prefix`, passing over numbers still held by open tickets of earlier days."""
        counter = self.counters.get(prefix, 0) + 1
        while self._held(f"{prefix}{counter:03d}"):
            counter += 1
        return counter

    def _held(self, number: str) -> bool:
        t = self.by_number.get(number)
        return t is not None and t.day != self.day and t.status in OPEN

    def end_day(self, actor: str) -> dict[str, Any]:
        """A manager ends the hall's day: every waiting ticket is cancelled (`day_ended`) and every clerk signed
        out. Refused while a window has a citizen called or being served: those are finished first, so ending
        the day never sends away someone standing at a counter, and no clerk is signed out mid-service."""
        busy = [w for w in self.windows.values() if w.current is not None]
        if busy:
            serving = ", ".join(f"window {w.number} ({w.current.number})" for w in busy if w.current is not None)
            raise Conflict("current_ticket", f"still serving at {serving}: finish these before ending the day")
        now = self.clock()
        waiting = sorted((t for t in self.tickets.values() if t.status == WAITING), key=Ticket.queue_key)
        for t in waiting:
            t.status, t.end_reason, t.finished_at = CANCELLED, "day_ended", now
            self._touch(t)
            self._emit("ticket.cancelled", actor, {**self._about(t), "reason": "day_ended"})
        for w in self.windows.values():
            w.queue.clear()
        for queue in self.shared.values():
            queue.clear()
        signed_out = [w.number for w in self.windows.values() if w.clerk is not None]
        for number in signed_out:
            self._sign_out(self.windows[number], actor, "day_ended")
        ended = {"day": self.day, "cancelled": [t.number for t in waiting], "signed_out": signed_out}
        self._record(actor, "day.ended", ended)
        return ended

    # --- hours --------------------------------------------------------------------------------
    def _check_issuing(self) -> None:
        """Tickets are issued within the hall's hours only, up to `last_ticket_min` before each closing."""
        hours = self.config.hours
        if hours is None:
            return
        now = self.local_now()
        if is_issuing(hours, now):
            return
        opening = next_opening(hours, now)
        raise Conflict(
            "hall_closed",
            closed_message(hours, now, opening),
            {"next_opening": None if opening is None else opening.isoformat(timespec="seconds")},
        )

    # --- citizens -----------------------------------------------------------------------------
    def issue(
        self, service: str, priority: bool, actor: str, device: str | None = None, idempotency_key: str | None = None
    ) -> tuple[Ticket, bool]:
        """A new ticket at the staffed window with the smallest expected wait, or in its service's shared queue
        when none is staffed; (ticket, False) for a repeated key."""
        if device and idempotency_key:
            earlier = self.by_key.get((device, idempotency_key))
            if earlier is not None:
                if earlier.issued_service != service or earlier.priority != priority:
                    raise Conflict(
                        "idempotency_key_reused", "this Idempotency-Key was already used for a different ticket"
                    )
                return earlier, False
        self._check_issuing()
        if not self.config.has_service(service):
            raise Invalid(
                "unknown_service",
                f"unknown service {service!r} (known: {', '.join(s.id for s in self.config.services)})",
            )
        if priority and not self.config.priority:
            raise Invalid("priority_not_offered", "this hall does not offer priority tickets")
        w = self._choose(service, priority)
        if w is None and not self.served(service):
            raise Conflict("service_unavailable", "no window serves this service today")
        now = self.clock()
        spec = self.config.service(service)
        counter = self._next_counter(spec.prefix)
        self.counters[spec.prefix] = counter
        self.order += 1
        t = Ticket(
            id=self.new_id(),
            day=self.day,
            number=f"{spec.prefix}{counter:03d}",
            counter=counter,
            order=self.order,
            service=service,
            issued_service=service,
            window=None if w is None else w.number,
            printed_window=None if w is None else w.number,
            status=WAITING,
            priority=priority,
            issued_at=now,
            device=device,
            idempotency_key=idempotency_key,
        )
        self._index(t)
        self.queue_of(t).add(t)
        self._touch(t)
        ahead, wait = self.ahead_of(t), self.estimated_wait_s(t)
        self.printed = (t, ahead, wait)
        self._emit(
            "ticket.issued", actor, {**self._about(t), "priority": priority, "ahead": ahead, "estimated_wait_s": wait}
        )
        return t, True

    def move(self, ticket_id: str, window: int, actor: str) -> Ticket:
        t = self.ticket(ticket_id)
        target = self.windows.get(window)
        if target is None:
            raise Invalid("unknown_window", f"there is no window {window}")
        if t.status != WAITING:
            raise Conflict("not_waiting", f"ticket {t.number} is {t.status}, not waiting")
        if t.window == window:
            return t
        self._check_takes(target, t.service)
        self._move(t, target, actor, "citizen")
        return t

    def cancel(self, ticket_id: str, actor: str) -> Ticket:
        t = self.ticket(ticket_id)
        if t.status != WAITING:
            raise Conflict("not_waiting", f"ticket {t.number} is {t.status}, not waiting")
        queue = self.queue_of(t)
        if t in queue:  # a ticket of a service gone from the hall file since is in no queue
            queue.remove(t)
        t.status, t.end_reason, t.finished_at = CANCELLED, "citizen", self.clock()
        self._touch(t)
        self._emit("ticket.cancelled", actor, {**self._about(t), "reason": "citizen"})
        return t

    def queue_of(self, t: Ticket) -> Queue:
        """The queue a ticket waits in: its window's, or its service's shared queue."""
        return self.windows[t.window].queue if t.window is not None else self.shared.setdefault(t.service, Queue())

    def _check_takes(self, w: Window, service: str) -> None:
        if service not in w.services:
            raise Conflict("window_does_not_serve", f"window {w.number} does not serve {service}")
        if w.closed:
            raise Conflict("window_closed", f"window {w.number} is closed today")
        if w.paused:
            raise Conflict("window_paused", f"window {w.number} is paused")
        if not w.staffed:
            raise Conflict("window_unstaffed", f"nobody is serving at window {w.number} now")

    def _move(self, t: Ticket, target: Window | None, actor: str, reason: str) -> None:
        """Move a waiting ticket to `target`, or to its service's shared queue when None."""
        source = self.queue_of(t)
        if t in source:
            source.remove(t)
        from_window = t.window
        t.window = None if target is None else target.number
        self.queue_of(t).add(t)
        self._touch(t)
        self._emit("ticket.moved", actor, {**self._about(t), "from_window": from_window, "reason": reason})

    # --- clerks -------------------------------------------------------------------------------
    def _callable(self, w: Window) -> None:
        if w.closed:
            raise Conflict("window_closed", f"window {w.number} is closed today")
        if w.paused:
            raise Conflict("window_paused", f"window {w.number} is paused: resume it first")
        if self.config.require_sign_in and w.clerk is None:
            raise Conflict("not_signed_in", f"nobody is signed in at window {w.number}")

    def _current(self, w: Window) -> Ticket:
        if w.current is None:
            raise Conflict("no_current_ticket", f"window {w.number} has no current ticket")
        return w.current

    def call(self, number: int, actor: str) -> Ticket | None:
        """Finish the current ticket and call the next: own queue first, else the earliest one it can serve."""
        w = self.window(number)
        self._callable(w)
        if w.current is not None:
            self._end(w, DONE, actor)
        t = self.policy.next_for(self.times, self.windows, self.shared, w, self.order, self.clock())
        if t is None:
            return None
        if t.window is not None and t.window != w.number:
            self._move(t, w, actor, "taken_over")
        self.queue_of(t).remove(t)  # a shared ticket goes from its service's queue straight to this window
        t.window = w.number
        now = self.clock()
        t.status = CALLED
        if t.called_at is None:
            t.called_at, t.called_window = now, w.number
        t.recalls = 0
        w.current, w.current_since = t, now
        self._count_call(w, t, now)
        self._rating_grace(w, now)
        self._touch(t, w)
        self._emit(
            "ticket.called",
            actor,
            {
                **self._about(t),
                "priority": t.priority,
                "clerk": w.clerk,
                "waited_s": round(now - t.issued_at),
                "rating_until": self._rating_until(w),
            },
        )
        return t

    def _count_call(self, w: Window, t: Ticket, now: float) -> None:
        """Record the call for the clerk who made it (workload is counted by calls; a recall is not one)."""
        call = Call(None, self.day, t.number, t.service, w.number, w.clerk, now)
        self.calls.append(call)
        self.calling[w.number] = call
        self.changes.calls.append(call)

    def _call_ended(self, w: Window, outcome: str) -> None:
        call = self.calling.pop(w.number, None)
        if call is not None:
            call.outcome = outcome
            self.changes.calls.append(call)

    def recall(self, number: int, actor: str) -> Ticket:
        w = self.window(number)
        t = self._current(w)
        if t.status != CALLED:
            raise Conflict("not_called", f"ticket {t.number} is already being served")
        if t.recalls >= self.config.recall_limit:
            raise Conflict("recall_limit", f"ticket {t.number} was recalled {t.recalls} times, the limit")
        t.recalls += 1
        self._touch(t)
        self._emit("ticket.recalled", actor, {**self._about(t), "recall": t.recalls})
        return t

    def start(self, number: int, actor: str) -> Ticket:
        w = self.window(number)
        t = self._current(w)
        if t.status != CALLED:
            raise Conflict("not_called", f"ticket {t.number} is already being served")
        t.status, t.started_at = SERVING, self.clock()
        if self.armed(w) is not None:
            w.armed_until = t.started_at  # the next citizen is at the counter: the one before may no longer rate
        self._touch(t, w)
        self._emit("ticket.started", actor, self._about(t))
        return t

    def finish(self, number: int, actor: str) -> Ticket:
        w = self.window(number)
        self._current(w)
        return self._end(w, DONE, actor)

    def no_show(self, number: int, actor: str) -> Ticket:
        w = self.window(number)
        self._current(w)
        return self._end(w, NO_SHOW, actor)

    def _end(self, w: Window, status: str, actor: str) -> Ticket:
        t = w.current
        assert t is not None
        now = self.clock()
        t.status, t.finished_at = status, now
        t.served_window, t.clerk = w.number, w.clerk
        since = w.current_since if w.current_since is not None else now
        w.current, w.current_since, w.free_since = None, None, now
        self._call_ended(w, FINISHED if status == DONE else NO_SHOW)
        data = {**self._about(t), "clerk": w.clerk}
        if status == DONE:
            # learn from the time this window spent, which after a transfer is less than finish - first call
            t.handled_s = max(0.0, now - since)
            self.times.add(t.service, t.handled_s)
            w.armed_ticket, w.armed_until = t.id, now + self.config.rating_window_s
            data["rating_until"] = self.iso(w.armed_until)
        self._touch(t, w)
        self._emit("ticket.finished" if status == DONE else "ticket.no_show", actor, data)
        if status == DONE:
            self._open_case(t, w.number, actor, now)
        return t

    def transfer(self, number: int, actor: str, service: str | None = None, window: int | None = None) -> Ticket:
        w = self.window(number)
        t = self._current(w)
        target_service = service or t.service
        if not self.config.has_service(target_service):
            raise Invalid("unknown_service", f"unknown service {target_service!r}")
        if window is not None:
            target = self.windows.get(window)
            if target is None:
                raise Invalid("unknown_window", f"there is no window {window}")
            if target is w:
                raise Conflict("same_window", "the ticket is already at this window")
            self._check_takes(target, target_service)
        else:
            target = self._choose(target_service, t.priority, exclude=[w.number]) or self._choose(
                target_service, t.priority
            )
            if target is None and not self.served(target_service):
                raise Conflict("service_unavailable", f"no window serves {target_service} today")
        from_service = t.service
        t.status, t.service, t.window = WAITING, target_service, None if target is None else target.number
        t.transfers += 1
        w.current, w.current_since, w.free_since = None, None, self.clock()
        self._call_ended(w, TRANSFERRED)
        self.queue_of(t).add(t)
        self._touch(t, w)
        self._emit(
            "ticket.transferred", actor, {**self._about(t), "from_window": w.number, "from_service": from_service}
        )
        return t

    def pause(self, number: int, actor: str, reason: str | None = None) -> Window:
        w = self.window(number)
        if w.closed:
            raise Conflict("window_closed", f"window {number} is closed today")
        if w.paused:
            raise Conflict("already_paused", f"window {number} is already paused")
        self._free(w, "pausing")
        w.paused, w.pause_reason = True, reason
        self._touch(w)
        self._emit("window.paused", actor, {"window": number, "reason": reason})
        self._redistribute(w, actor, "paused")
        return w

    def resume(self, number: int, actor: str) -> Window:
        w = self.window(number)
        if not w.paused:
            raise Conflict("not_paused", f"window {number} is not paused")
        w.paused, w.pause_reason, w.free_since = False, None, self.clock()
        self._touch(w)
        self._emit("window.resumed", actor, {"window": number})
        return w

    def close(self, number: int, actor: str) -> Window:
        w = self.window(number)
        if w.closed:
            raise Conflict("already_closed", f"window {number} is already closed")
        w.closed = True
        self._touch(w)
        self._emit("window.closed", actor, {"window": number})
        self._redistribute(w, actor, "closed")
        return w

    def open(self, number: int, actor: str) -> Window:
        w = self.window(number)
        if not w.closed:
            raise Conflict("not_closed", f"window {number} is not closed")
        w.closed, w.free_since = False, self.clock()
        self._touch(w)
        self._emit("window.opened", actor, {"window": number})
        return w

    def _redistribute(self, w: Window, actor: str, reason: str) -> None:
        """Send a window's waiting tickets to staffed windows by the assignment rule, in their order; with none
        staffed for a ticket's service, to that service's shared queue."""
        for t in list(w.queue):
            self._move(t, self._choose(t.service, t.priority, exclude=[w.number]), actor, reason)

    def _free(self, w: Window, doing: str) -> None:
        """A clerk leaves the window (pause, sign-out) only once its current citizen is dealt with."""
        if w.current is not None:
            raise Conflict(
                "current_ticket",
                f"window {w.number} is still serving {w.current.number}: finish it, mark a no-show or transfer it "
                f"before {doing}",
            )

    def sign_in(self, number: int, clerk_id: str, actor: str) -> Window:
        w = self.window(number)
        clerk = self.clerks.get(clerk_id)
        if clerk is None:
            raise Invalid("unknown_clerk", f"no clerk {clerk_id!r} in the hall file")
        if "window" not in clerk.duties:
            raise Forbidden("no_window_duty", f"{clerk_id} reviews or approves at the review station, not at a window")
        if w.clerk == clerk_id:
            return w
        left = next((other for other in self.windows.values() if other.clerk == clerk_id), None)
        if left is not None:  # a clerk is at one window at a time: moving desks signs out at the old one
            self._free(left, f"signing in at window {number}")
            self._sign_out(left, actor, "moved")
        if w.clerk is not None:
            self._sign_out(w, actor, "replaced")
        w.clerk, w.signed_in_at = clerk_id, self.clock()
        w.free_since = w.signed_in_at
        self._touch(w)
        self._emit("window.signed_in", actor, {"window": number, "clerk": clerk_id, "clerk_name": clerk.name})
        if left is not None and not left.staffed:
            self._redistribute(left, actor, "signed_out")
        return w

    def sign_out(self, number: int, actor: str) -> Window:
        w = self.window(number)
        if w.clerk is None:
            raise Conflict("not_signed_in", f"nobody is signed in at window {number}")
        self._free(w, "signing out")
        self._sign_out(w, actor, "signed_out")
        if not w.staffed:
            self._redistribute(w, actor, "signed_out")
        return w

    def _sign_out(self, w: Window, actor: str, reason: str) -> None:
        clerk = w.clerk
        w.clerk, w.signed_in_at = None, None
        self._touch(w)
        self._emit("window.signed_out", actor, {"window": w.number, "clerk": clerk, "reason": reason})

    # --- ratings ------------------------------------------------------------------------------
    # A window's evaluator is armed for the ticket last finished there (`armed_ticket`) until `armed_until`:
    # `rating_window_s` after the finish, cut to `rating_grace_s` after the window's next call and to the
    # moment of its next start, so the next citizen's press never rates the one before. The ticket stays
    # named after it closes, so a late press is told "too late" rather than "nothing to rate".
    def armed(self, w: Window) -> Ticket | None:
        if w.armed_ticket is None or w.armed_until is None or self.clock() >= w.armed_until:
            return None
        t = self.tickets.get(w.armed_ticket)
        return t if t is not None and t.id not in self.ratings else None

    def _rating_until(self, w: Window) -> str | None:
        return self.iso(w.armed_until) if self.armed(w) is not None else None

    def _rating_grace(self, w: Window, now: float) -> None:
        if self.armed(w) is not None and w.armed_until is not None:
            w.armed_until = min(w.armed_until, now + self.config.rating_grace_s)

    def rate(self, number: int, score: int, actor: str) -> Rating:
        """A citizen's press on the window's evaluator, for the ticket armed there."""
        w = self.window(number)
        _check_score(score)
        t = self.armed(w)
        if t is None:
            raise self._not_ratable(w)
        return self._rating(t, number, score, actor)

    def _not_ratable(self, w: Window) -> Conflict:
        t = self.tickets.get(w.armed_ticket) if w.armed_ticket else None
        if t is None:
            return Conflict("not_armed", f"nothing to rate at window {w.number}")
        if w.armed_until is not None and self.clock() < w.armed_until:
            return Conflict("already_rated", f"ticket {t.number} is rated already")
        return Conflict("rating_closed", f"the rating of ticket {t.number} has closed")

    def give_reasons(self, number: int, reasons: tuple[str, ...], actor: str) -> Rating:
        """The reasons a citizen ticked on the window's evaluator after pressing 2 or 1 there: the press is recorded
        at once (a citizen who walks away still leaves the rating), the reasons join it once, while its time lasts."""
        w = self.window(number)
        rating = self.ratings.get(w.armed_ticket) if w.armed_ticket else None
        if rating is None or rating.window != number:
            raise Conflict("not_rated", f"nothing was rated at window {number}")
        if rating.score > 2:
            raise Conflict("not_flagged", "reasons are given for a rating of 2 or 1")
        if rating.reasons:
            raise Conflict("reasons_given", f"the rating of ticket {rating.number} has its reasons")
        if self.clock() >= rating.at + self.config.rating_window_s:
            raise Conflict("rating_closed", f"the rating of ticket {rating.number} has closed")
        rating.reasons = reasons
        self.changes.ratings.append(rating)
        self._record(actor, "rating.reasons", {"number": rating.number, "window": number, "reasons": list(reasons)})
        return rating

    def rate_ticket(self, ticket_id: str, score: int, actor: str, reasons: tuple[str, ...] = ()) -> Rating:
        """A citizen rates their own finished ticket from its page (the QR code), until the end of its day."""
        t = self.ticket(ticket_id)
        _check_score(score)
        if t.status != DONE or t.served_window is None:
            raise Conflict("not_finished", f"ticket {t.number} is {t.status}: only a finished ticket is rated")
        if t.id in self.ratings:
            raise Conflict("already_rated", f"ticket {t.number} is rated already")
        return self._rating(t, t.served_window, score, actor, reasons)

    def _rating(self, t: Ticket, window: int, score: int, actor: str, reasons: tuple[str, ...] = ()) -> Rating:
        rating = Rating(
            id=None,
            ticket_id=t.id,
            day=t.day,
            number=t.number,
            service=t.service,
            window=window,
            clerk=t.clerk,
            score=score,
            at=self.clock(),
            reasons=reasons,
        )
        self.ratings[t.id] = rating  # one per ticket, whichever channel came first: armed() now skips it
        self.changes.ratings.append(rating)
        self._emit(
            "rating.recorded",
            actor,
            {**self._about(t), "window": window, "score": score, "clerk": t.clerk, "flagged": score <= 2},
        )
        return rating

    def follow_up(self, rating: Rating, note: str, actor: str) -> Rating:
        """A manager records what was done about a poor rating (差评整改)."""
        rating.follow_up, rating.follow_up_by, rating.follow_up_at = note, actor, self.clock()
        self.changes.ratings.append(rating)
        self._record(
            actor,
            "rating.followed_up",
            # the rating's id: its follow-ups are read back from the log, each one kept (SPEC §11)
            {"rating": rating.id, "number": rating.number, "day": rating.day, "window": rating.window, "note": note},
        )
        return rating

    # --- the appraisal (SPEC §11) -----------------------------------------------------------------
    def _appraised(self, clerk_id: str, first: str, last: str) -> None:
        if clerk_id not in self.clerks:
            raise NotFound("unknown_clerk", f"no clerk {clerk_id!r} in the hall file")
        if first > last:
            raise Invalid("bad_range", f"from ({first}) is after to ({last})")

    def give_marks(self, clerk_id: str, first: str, last: str, scores: dict[str, int], actor: str) -> Marks:
        """A manager's qualitative marks of a clerk for the period `first` to `last` (品德, 才能, 奉献, 廉政, 学习,
        0-100 each); marks given again for the period replace them on the sheet, and both stay recorded."""
        self._appraised(clerk_id, first, last)
        if set(scores) != set(MARKS) or any(type(v) is not int or not 0 <= v <= 100 for v in scores.values()):
            raise Invalid("bad_marks", f"give each of {', '.join(MARKS)} as a whole number from 0 to 100")
        given = Marks(None, clerk_id, first, last, {name: scores[name] for name in MARKS}, actor, self.clock())
        self.changes.marks.append(given)
        self._record(actor, "appraisal.marked", {"clerk": clerk_id, "from": first, "to": last, **given.scores})
        return given

    def give_feedback(self, clerk_id: str, first: str, last: str, note: str, actor: str) -> Feedback:
        """The feedback a manager gave a clerk on the period's sheet (绩效反馈), recorded beside any earlier one."""
        self._appraised(clerk_id, first, last)
        if not note.strip():
            raise Invalid("note_required", "say what feedback was given")
        given = Feedback(None, clerk_id, first, last, note.strip(), actor, self.clock())
        self.changes.feedback.append(given)
        self._record(actor, "appraisal.feedback", {"clerk": clerk_id, "from": first, "to": last, "note": given.note})
        return given

    # --- cases (SPEC §10) -----------------------------------------------------------------------
    # Finishing a ticket of review or approve business opens a case: the unit's reviewer passes it (on to its
    # approver for approve business) or returns it to the window with a note; the window's clerk corrects it and
    # submits it again. The ticket stays `done` for the window's figures; its view shows the case's stage.
    def _index_case(self, case: Case) -> None:
        self.cases[case.id] = case
        self.case_by_ticket[case.ticket_id] = case

    def case(self, case_id: str) -> Case:
        found = self.cases.get(case_id)
        if found is None:
            raise NotFound("unknown_case", "no such case")
        return found

    def case_of(self, ticket_id: str) -> Case | None:
        return self.case_by_ticket.get(ticket_id)

    def open_cases(self, unit: str | None = None, status: str | None = None, window: int | None = None) -> list[Case]:
        """The cases kept in memory (every open one, the day's done ones), oldest first."""
        found = [
            c
            for c in self.cases.values()
            if (unit is None or c.unit == unit)
            and (c.status in CASE_OPEN if status is None else c.status == status)
            and (window is None or c.window == window)
        ]
        return sorted(found, key=lambda c: (c.opened_at, c.number))

    def _case_event(self, event: str, actor: str, case: Case, **more: Any) -> None:
        self._emit(
            event,
            actor,
            {"number": case.number, "service": case.service, "unit": case.unit, "window": case.window, **more},
        )

    def _step(self, case: Case, action: str, clerk: str | None, decision: str | None = None, note: str = "") -> None:
        step = CaseStep(None, case.id, action, clerk, self.clock(), decision, note)
        case.steps.append(step)
        self.changes.case_steps.append(step)
        self.changes.cases[case.id] = case

    def _open_case(self, t: Ticket, window: int, actor: str, now: float) -> None:
        spec = self.config.service(t.service) if self.config.has_service(t.service) else None
        if spec is None or not spec.opens_case or spec.unit is None:
            return
        case = Case(
            id=self.new_id(),
            ticket_id=t.id,
            day=t.day,
            number=t.number,
            service=t.service,
            unit=spec.unit,
            kind=spec.kind,
            window=window,
            clerk=t.clerk,
            status=IN_REVIEW,
            opened_at=now,
        )
        self._index_case(case)
        self._step(case, "opened", t.clerk)
        self._case_event("case.opened", actor, case, clerk=t.clerk, kind=case.kind)

    def decide(self, case_id: str, duty: str, clerk_id: str, decision: str, note: str, actor: str) -> Case:
        """A reviewer's (duty `review`) or approver's (`approve`) decision: `pass` or `return` with a note."""
        case = self.case(case_id)
        clerk = self.clerks.get(clerk_id)
        if clerk is None or not clerk.decides(duty, case.unit):
            raise Forbidden("forbidden", f"{clerk_id} may not {duty} the cases of {case.unit}")
        if decision not in (PASS, RETURN):
            raise Invalid("bad_decision", 'decision must be "pass" or "return"')
        if decision == RETURN and not note.strip():
            raise Invalid("note_required", "say what the window must correct")
        if case.status != STAGE_OF[duty]:
            raise Conflict(f"not_{STAGE_OF[duty]}", f"case {case.number} is {case.status}, not {STAGE_OF[duty]}")
        refusal = same_person(case, duty, clerk_id)
        if refusal is not None:
            self._record(
                actor,
                "case.refused",
                {"number": case.number, "unit": case.unit, "duty": duty, "clerk": clerk_id, "reason": "same_person"},
            )
            raise Forbidden("same_person", refusal)
        now = self.clock()
        if duty == "review":
            case.reviewer, case.reviewed_at = clerk_id, now
        else:
            case.approver, case.approved_at = clerk_id, now
        self._step(case, "reviewed" if duty == "review" else "approved", clerk_id, decision, note)
        if decision == RETURN:
            case.status, case.note, case.returns = RETURNED, note, case.returns + 1
            self._case_event("case.returned", actor, case, stage=duty, clerk=clerk_id)
            return case
        case.status = next_status(case, duty, decision)
        self._case_event("case.reviewed" if duty == "review" else "case.approved", actor, case, clerk=clerk_id)
        if case.status == DONE:
            case.done_at = now
            self._case_event("case.done", actor, case, age_s=round(now - case.opened_at))
        return case

    def resubmit(self, case_id: str, window: int, actor: str, note: str = "") -> Case:
        """The window's clerk submits a returned case again, corrected: it goes back to review, keeping its id."""
        case = self.case(case_id)
        w = self.window(window)
        if case.window != window:
            raise Forbidden("forbidden", f"case {case.number} belongs to window {case.window}")
        if case.status != RETURNED:
            raise Conflict("not_returned", f"case {case.number} is {case.status}, not returned")
        case.status, case.clerk, case.note = IN_REVIEW, w.clerk, ""
        case.reviewer = case.reviewed_at = case.approver = case.approved_at = None
        self._step(case, "resubmitted", w.clerk, note=note)
        self._case_event("case.opened", actor, case, clerk=w.clerk, kind=case.kind, again=case.returns)
        return case

    # --- refusals -----------------------------------------------------------------------------
    def sign_in_refused(self, number: int, clerk_id: str, reason: str, locked: bool, actor: str) -> None:
        """A sign-in refused for a wrong PIN or an unknown clerk, and whether it locked the window and clerk."""
        self._record(
            actor, "window.sign_in_refused", {"window": number, "clerk": clerk_id, "reason": reason, "locked": locked}
        )

    def station_signed_in(self, clerk_id: str, actor: str) -> None:
        """A reviewer or approver signed in at a review station."""
        self._record(actor, "review.signed_in", {"clerk": clerk_id})

    def station_refused(self, clerk_id: str, reason: str, locked: bool, actor: str) -> None:
        """A review station's sign-in refused for a wrong PIN or an unknown clerk."""
        self._record(actor, "review.sign_in_refused", {"clerk": clerk_id, "reason": reason, "locked": locked})

    # --- alerts (the manager's page) ----------------------------------------------------------------
    def alerts(self) -> list[tuple[Alert, bool]]:
        """Every alert now, oldest first, each with whether a manager acknowledged its present cause."""
        now = self.clock()
        services = {s.id: s for s in self.config.services}
        found = [
            *window_alerts(self.windows.values(), self.shared, services, self.config.alerts, now),
            *device_alerts(self.devices.values()),
            *case_alerts(self.open_cases(), services, now),
        ]
        found.sort(key=lambda a: (a.since, a.key))
        return [(a, self.acknowledged.get(a.key) == a.cause) for a in found]

    def acknowledge(self, key: str, cause: str, actor: str) -> Alert:
        """A manager has seen the alert: it stays quiet until its cause changes (a new idle spell, another
        citizen, a new report). Refused when it has gone or its cause has changed since the page showed it."""
        alert = next((a for a, _ in self.alerts() if a.key == key), None)
        if alert is None:
            raise NotFound("unknown_alert", "there is no such alert now: it has ended")
        if alert.cause != cause:
            raise Conflict("alert_changed", "the alert's cause has changed since it was shown: look again")
        self.acknowledged[key] = cause
        about = {"window": alert.window, "number": alert.number, "device": alert.device, "detail": alert.detail}
        shown = {k: v for k, v in about.items() if v}
        self._record(actor, "alert.acknowledged", {"alert": alert.kind, **shown, "key": key, "cause": cause})
        return alert

    def restore_acknowledged(self, entries: Iterable[dict[str, Any]]) -> None:
        """Take back the day's acknowledgements from the log's entries (`alert.acknowledged`), oldest first, so a
        restart does not raise again what a manager has seen."""
        for data in entries:
            if isinstance(data.get("key"), str) and isinstance(data.get("cause"), str):
                self.acknowledged[data["key"]] = data["cause"]

    # --- devices ------------------------------------------------------------------------------
    def device_status(self, device_id: str, status: dict[str, Any], actor: str) -> DeviceState:
        d, changed = self.devices.report(device_id, status, self.clock())
        self.changes.devices[d.id] = d
        if changed:
            self._emit("device.status", actor, {"device": d.id, "kind": d.kind, "online": True, "status": status})
        return d

    def check_devices(self) -> None:
        """Devices silent for longer than the timeout are offline."""
        for d in self.devices.silent(self.clock()):
            self.changes.devices[d.id] = d
            self._emit("device.status", "system", {"device": d.id, "kind": d.kind, "online": False, "status": d.status})


def closed_message(hours: HallHours, now: datetime, opening: datetime | None) -> str:
    """Why no ticket is issued at `now`, and when the hall opens next, in plain words."""
    end = closing(hours, now)
    why = (
        f"no more tickets are issued before the hall closes at {end:%H:%M}"
        if is_open(hours, now) and end is not None
        else "the hall is closed"
    )
    if opening is None:
        return f"{why}, and its hall file has no opening hours ahead"
    if opening.date() == now.date():
        when = f"today at {opening:%H:%M}"
    elif opening.date() == now.date() + timedelta(days=1):
        when = f"tomorrow at {opening:%H:%M}"
    else:
        when = f"on {opening:%A %Y-%m-%d} at {opening:%H:%M}"
    return f"{why}; it opens again {when}"


def _check_score(score: int) -> None:
    if not isinstance(score, int) or isinstance(score, bool) or score not in SCORES:
        raise Invalid("bad_score", "score must be 1, 2, 3, 4 or 5")


def _prefix(number: str) -> str:
    return number.rstrip("0123456789")


def _window(spec: WindowSpec, needs_clerk: bool) -> Window:
    return Window(
        number=spec.number,
        services=spec.services,
        name=spec.name,
        closed=spec.closed,
        assists=spec.assists,
        needs_clerk=needs_clerk,
    )

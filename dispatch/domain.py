"""The hall's day: tickets issued, moved, called and finished, windows, clerks, ratings, on an injectable clock."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from onewindow.hallfile import HallConfig, WindowSpec

from .devices import Devices, DeviceState
from .model import (
    CALLED,
    CANCELLED,
    DONE,
    NO_SHOW,
    OPEN,
    SCORES,
    SERVING,
    WAITING,
    AuditRecord,
    Changes,
    Event,
    Rating,
    Ticket,
    Window,
    enqueue,
)
from .policy import HandlingTimes, Policy, ahead_of

Clock = Callable[[], float]


class HallError(Exception):
    """A request the hall cannot carry out; `status` is the HTTP status the interface answers with."""

    status = 409

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


class Invalid(HallError):
    status = 400


class NotFound(HallError):
    status = 404


class Conflict(HallError):
    status = 409


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
        self.shared: dict[str, list[Ticket]] = {s.id: [] for s in config.services}
        self.clerks = {c.id: c for c in config.clerks}
        self.tickets: dict[str, Ticket] = {}
        self.by_number: dict[str, Ticket] = {}
        self.by_key: dict[tuple[str, str], Ticket] = {}
        self.counters: dict[str, int] = {}
        self.order = 0
        self.times = HandlingTimes({s.id: s.minutes for s in config.services})
        self.ratings: dict[str, Rating] = {}
        self.devices = Devices(config.devices, device_timeout_s)
        self.day = self.local_day(clock())
        self.changes = Changes()

    # --- time ---------------------------------------------------------------------------------
    def local_day(self, ts: float) -> str:
        return datetime.fromtimestamp(ts, self.tz).date().isoformat()

    def iso(self, ts: float | None) -> str | None:
        return None if ts is None else datetime.fromtimestamp(ts, self.tz).isoformat(timespec="seconds")

    # --- loading (the store rebuilds a hall from what it kept) ------------------------------------
    def restore(
        self,
        tickets: Iterable[Ticket],
        windows: Iterable[dict[str, Any]],
        devices: Iterable[DeviceState],
        ratings: Iterable[Rating],
        day: str | None,
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
        for t in self.tickets.values():
            if t.status == WAITING:
                w = None if t.window is None else self.windows.get(t.window)
                if w is None and t.window is not None:  # its window left the hall file: where it would go now
                    w = self._choose(t.service, t.priority)
                    t.window = None if w is None else w.number
                if w is not None:
                    w.enqueue(t)
                elif t.service in self.shared:
                    enqueue(self.shared[t.service], t)
        self.devices.restore(devices)
        for r in ratings:
            self.ratings[r.ticket_id] = r
        self.changes = Changes()

    def _index(self, t: Ticket) -> None:
        self.tickets[t.id] = t
        if t.day == self.day:
            self.by_number[t.number] = t
        if t.device and t.idempotency_key:
            self.by_key[(t.device, t.idempotency_key)] = t

    # --- recording changes ------------------------------------------------------------------------
    def take_changes(self) -> Changes:
        changes, self.changes = self.changes, Changes()
        changes.day = self.day
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
        return sum(1 for q in queues for t in q if service is None or t.service == service)

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

    def service_estimate_s(self, service: str, priority: bool = False) -> int | None:
        return self.policy.service_estimate_s(
            self.times, self.windows, self.shared, service, priority, self.order, self.clock()
        )

    def takeover_lead_s(self, t: Ticket) -> float:
        return self.policy.takeover_bound_s(self.times, self.windows, self.shared, t, self.order, self.clock())

    def _choose(self, service: str, priority: bool, exclude: Iterable[int] = ()) -> Window | None:
        return self.policy.choose(self.times, self.windows, service, priority, self.clock(), exclude)

    # --- the day ------------------------------------------------------------------------------
    def roll_day(self) -> bool:
        """At local midnight numbers restart and every window starts the day as the hall file says."""
        today = self.local_day(self.clock())
        if today == self.day:
            return False
        old = self.day
        for t in list(self.tickets.values()):
            if t.status in OPEN:
                about = self._about(t)
                t.status, t.end_reason, t.finished_at = CANCELLED, "day_ended", self.clock()
                self._touch(t)
                self._emit("ticket.cancelled", "system", {**about, "reason": "day_ended"})
        spec = {w.number: w for w in self.config.windows}
        for w in self.windows.values():
            if w.clerk is not None:
                clerk = w.clerk
                w.clerk, w.signed_in_at = None, None
                self._emit("window.signed_out", "system", {"window": w.number, "clerk": clerk, "reason": "day_ended"})
            if w.paused:
                w.paused, w.pause_reason = False, None
                self._emit("window.resumed", "system", {"window": w.number, "reason": "day_ended"})
            if w.closed != spec[w.number].closed:
                w.closed = spec[w.number].closed
                self._emit(
                    "window.closed" if w.closed else "window.opened",
                    "system",
                    {"window": w.number, "reason": "day_started"},
                )
            w.current, w.current_since, w.armed_ticket, w.armed_until = None, None, None, None
            w.queue.clear()
            self._touch(w)
        for queue in self.shared.values():
            queue.clear()
        self.tickets = {}
        self.by_number = {}
        self.by_key = {}
        self.counters = {}
        self.order = 0
        self.times.clear()
        self.ratings = {}
        self.day = today
        self._record("system", "day.started", {"day": today, "previous": old})
        return True

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
        counter = self.counters.get(spec.prefix, 0) + 1
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
        enqueue(self.queue_of(t), t)
        self._touch(t)
        self._emit(
            "ticket.issued",
            actor,
            {
                **self._about(t),
                "priority": priority,
                "ahead": self.ahead_of(t),
                "estimated_wait_s": self.estimated_wait_s(t),
            },
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

    def queue_of(self, t: Ticket) -> list[Ticket]:
        """The queue a ticket waits in: its window's, or its service's shared queue."""
        return self.windows[t.window].queue if t.window is not None else self.shared.setdefault(t.service, [])

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
        enqueue(self.queue_of(t), t)
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
        self._touch(t, w)
        self._emit(
            "ticket.called",
            actor,
            {**self._about(t), "priority": t.priority, "clerk": w.clerk, "waited_s": round(now - t.issued_at)},
        )
        return t

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
        self._touch(t)
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
        w.current, w.current_since = None, None
        data = {**self._about(t), "clerk": w.clerk}
        if status == DONE:
            # learn from the time this window spent, which after a transfer is less than finish - first call
            t.handled_s = max(0.0, now - since)
            self.times.add(t.service, t.handled_s)
            w.armed_ticket, w.armed_until = t.id, now + self.config.rating_window_s
            data["rating_until"] = self.iso(w.armed_until)
        self._touch(t, w)
        self._emit("ticket.finished" if status == DONE else "ticket.no_show", actor, data)
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
        w.current, w.current_since = None, None
        enqueue(self.queue_of(t), t)
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
        w.paused, w.pause_reason = False, None
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
        w.closed = False
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
        if w.clerk == clerk_id:
            return w
        left = next((other for other in self.windows.values() if other.clerk == clerk_id), None)
        if left is not None:  # a clerk is at one window at a time: moving desks signs out at the old one
            self._free(left, f"signing in at window {number}")
            self._sign_out(left, actor, "moved")
        if w.clerk is not None:
            self._sign_out(w, actor, "replaced")
        w.clerk, w.signed_in_at = clerk_id, self.clock()
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
    def armed(self, w: Window) -> Ticket | None:
        if w.armed_ticket is None or w.armed_until is None or self.clock() > w.armed_until:
            return None
        t = self.tickets.get(w.armed_ticket)
        return t if t is not None and t.id not in self.ratings else None

    def rate(self, number: int, score: int, actor: str) -> Rating:
        w = self.window(number)
        if not isinstance(score, int) or isinstance(score, bool) or score not in SCORES:
            raise Invalid("bad_score", "score must be 1, 2, 3, 4 or 5")
        t = self.armed(w)
        if t is None:
            raise Conflict("not_armed", f"nothing to rate at window {number} now")
        rating = Rating(
            id=None,
            ticket_id=t.id,
            day=t.day,
            number=t.number,
            service=t.service,
            window=number,
            clerk=t.clerk,
            score=score,
            at=self.clock(),
        )
        self.ratings[t.id] = rating
        w.armed_ticket, w.armed_until = None, None
        self.changes.ratings.append(rating)
        self._touch(w)
        self._emit(
            "rating.recorded",
            actor,
            {**self._about(t), "window": number, "score": score, "clerk": t.clerk, "flagged": score <= 2},
        )
        return rating

    def follow_up(self, rating: Rating, note: str, actor: str) -> Rating:
        """A manager records what was done about a poor rating (差评整改)."""
        rating.follow_up, rating.follow_up_by, rating.follow_up_at = note, actor, self.clock()
        self.changes.ratings.append(rating)
        self._record(
            actor,
            "rating.followed_up",
            {"number": rating.number, "day": rating.day, "window": rating.window, "note": note},
        )
        return rating

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

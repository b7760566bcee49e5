"""The hall's records: tickets, windows, calls, ratings, events, audit records, and what one command changed."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Any

from .devices import DeviceState

WAITING, CALLED, SERVING, DONE, NO_SHOW, CANCELLED = "waiting", "called", "serving", "done", "no_show", "cancelled"
OPEN = (WAITING, CALLED, SERVING)
SCORES = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}
FINISHED, TRANSFERRED = "finished", "transferred"  # how a call ended, with NO_SHOW
# a case's stages (SPEC §10): with its unit's reviewer, its approver, back at its window for a correction, or done
IN_REVIEW, IN_APPROVAL, RETURNED = "in_review", "in_approval", "returned"
CASE_OPEN = (IN_REVIEW, IN_APPROVAL, RETURNED)
PASS, RETURN = "pass", "return"


@dataclass
class Ticket:
    id: str
    day: str
    number: str
    counter: int
    order: int
    service: str
    issued_service: str
    window: int | None  # None: in its service's shared queue, called by the first staffed window of the service
    printed_window: int | None  # None: printed with no window (请留意叫号)
    status: str
    priority: bool
    issued_at: float
    called_at: float | None = None
    called_window: int | None = None
    started_at: float | None = None
    finished_at: float | None = None
    served_window: int | None = None
    handled_s: float | None = None
    clerk: str | None = None
    recalls: int = 0
    transfers: int = 0
    device: str | None = None
    idempotency_key: str | None = None
    end_reason: str | None = None

    def queue_key(self) -> tuple[int, float, int]:
        return (0 if self.priority else 1, self.issued_at, self.order)


@dataclass
class Window:
    number: int
    services: tuple[str, ...]
    name: str | None
    closed: bool = False
    paused: bool = False
    pause_reason: str | None = None
    clerk: str | None = None
    signed_in_at: float | None = None
    current: Ticket | None = None
    current_since: float | None = None
    armed_ticket: str | None = None
    armed_until: float | None = None
    queue: list[Ticket] = field(default_factory=list)
    assists: tuple[str, ...] = ()
    needs_clerk: bool = True  # the hall's `require_sign_in`

    @property
    def staffed(self) -> bool:
        """Open, not paused and, where the hall requires it, a clerk signed in: only then is anyone sent here."""
        return not (self.paused or self.closed) and (self.clerk is not None or not self.needs_clerk)

    @property
    def state(self) -> str:
        return "closed" if self.closed else "paused" if self.paused else "open"

    def enqueue(self, ticket: Ticket) -> None:
        enqueue(self.queue, ticket)


def enqueue(queue: list[Ticket], ticket: Ticket) -> None:
    """Put a ticket in its place in a queue: priority first, then by issue time (moving never sends it back)."""
    keys = [t.queue_key() for t in queue]
    queue.insert(bisect.bisect(keys, ticket.queue_key()), ticket)


@dataclass
class Call:
    """One call of a ticket to a window, counted for the clerk who made it; `outcome` is set when the ticket
    ends at that window (finished, no_show, transferred) and stays None while it is there or if the day ends it."""

    id: int | None
    day: str
    number: str
    service: str
    window: int
    clerk: str | None
    at: float
    outcome: str | None = None


@dataclass
class Rating:
    id: int | None
    ticket_id: str
    day: str
    number: str
    service: str
    window: int
    clerk: str | None
    score: int
    at: float
    follow_up: str | None = None
    follow_up_by: str | None = None
    follow_up_at: float | None = None
    reasons: tuple[str, ...] = ()


@dataclass
class CaseStep:
    """One step of a case's history: opened, reviewed, approved, returned or resubmitted, by whom and why."""

    id: int | None
    case_id: str
    action: str
    clerk: str | None
    at: float
    decision: str | None = None
    note: str = ""


@dataclass
class Case:
    """Business a window handled that its unit reviews (and approves) before it is done (办结); its own id, never
    the ticket's. `opened_at` is the window's first finish, which the service's `limit_min` counts from."""

    id: str
    ticket_id: str
    day: str
    number: str
    service: str
    unit: str
    kind: str  # the service's class: review or approve
    window: int
    clerk: str | None  # who handled it at the window last
    status: str
    opened_at: float
    reviewer: str | None = None
    reviewed_at: float | None = None
    approver: str | None = None
    approved_at: float | None = None
    done_at: float | None = None
    returns: int = 0
    note: str = ""  # the last return's note, for the window's clerk
    steps: list[CaseStep] = field(default_factory=list)

    @property
    def handlers(self) -> set[str]:
        """Every clerk who handled it at the window, first time or after a return."""
        done = {s.clerk for s in self.steps if s.action in ("opened", "resubmitted") and s.clerk}
        return done | ({self.clerk} if self.clerk else set())


@dataclass
class Event:
    type: str
    data: dict[str, Any]
    at: float


@dataclass
class AuditRecord:
    actor: str
    action: str
    data: dict[str, Any]
    at: float


@dataclass
class Changes:
    """What one command changed, for the store to write in one transaction."""

    tickets: dict[str, Ticket] = field(default_factory=dict)
    windows: dict[int, Window] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    ratings: list[Rating] = field(default_factory=list)
    devices: dict[str, DeviceState] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)
    audit: list[AuditRecord] = field(default_factory=list)
    cases: dict[str, Case] = field(default_factory=dict)
    case_steps: list[CaseStep] = field(default_factory=list)
    day: str = ""

    def __bool__(self) -> bool:
        return bool(
            self.tickets
            or self.windows
            or self.calls
            or self.ratings
            or self.devices
            or self.events
            or self.audit
            or self.cases
            or self.case_steps
        )

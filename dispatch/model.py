"""The hall's records: tickets, windows, calls, ratings, events, audit records, and what one command changed."""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, overload

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

    def queue_key(self) -> Key:
        return (0 if self.priority else 1, self.issued_at, self.order)


Key = tuple[int, float, int]  # a ticket's place in a queue: (priority first, issued at, order of issue)
PRIORITY_ONLY: Key = (1, float("-inf"), 0)  # every priority ticket's key is smaller, every other one's larger


class Queue(Sequence[Ticket]):
    """Tickets waiting in one queue, in queue order: priority first, then by issue time and order of issue
    (moving never sends a ticket back). Each service's tickets are also kept apart, in the same order, so that
    counting who waits before a place, or finding a service's first ticket, never walks the queue: the hall's
    estimates cost the same with five thousand waiting as with none. A ticket's key must not change while it
    waits (priority, issue time and order never do)."""

    def __init__(self, tickets: Iterable[Ticket] = ()):
        self._tickets: list[Ticket] = []
        self._keys: list[Key] = []
        self._services: dict[str, tuple[list[Ticket], list[Key]]] = {}
        for t in tickets:
            self.add(t)

    def add(self, t: Ticket) -> None:
        key = t.queue_key()
        for tickets, keys in (self._tickets, self._keys), self._services.setdefault(t.service, ([], [])):
            i = bisect.bisect(keys, key)
            keys.insert(i, key)
            tickets.insert(i, t)

    def remove(self, t: Ticket) -> None:
        """Take `t` out; ValueError when it is not here."""
        i = self._find(self._tickets, self._keys, t)
        if i is None:
            raise ValueError(f"ticket {t.number} is not in this queue")
        del self._tickets[i], self._keys[i]
        tickets, keys = self._services[t.service]
        j = self._find(tickets, keys, t)
        assert j is not None
        del tickets[j], keys[j]
        if not tickets:
            del self._services[t.service]

    def clear(self) -> None:
        self._tickets, self._keys, self._services = [], [], {}

    @staticmethod
    def _find(tickets: list[Ticket], keys: list[Key], t: Ticket) -> int | None:
        key = t.queue_key()
        i = bisect.bisect_left(keys, key)
        while i < len(keys) and keys[i] == key:
            if tickets[i] is t:
                return i
            i += 1
        return None

    def place(self, t: Ticket) -> int:
        """How many wait before `t` here; the whole queue when `t` is not in it."""
        i = self._find(self._tickets, self._keys, t)
        return len(self._tickets) if i is None else i

    def before(self, key: Key) -> int:
        """How many wait here with a key smaller than `key`."""
        return bisect.bisect_left(self._keys, key)

    def counts(self, before: Key | None = None) -> dict[str, int]:
        """How many of each service wait here (with a key smaller than `before`)."""
        if before is None:
            return {s: len(keys) for s, (_, keys) in self._services.items()}
        return {s: bisect.bisect_left(keys, before) for s, (_, keys) in self._services.items()}

    def first(self, n: int, before: Key) -> Iterator[tuple[Key, Ticket]]:
        """The first `n` tickets here with a key smaller than `before`, in order, with their keys."""
        m = min(n, bisect.bisect_left(self._keys, before))
        return zip(self._keys[:m], self._tickets[:m], strict=True)

    def work(self, means: dict[str, float], before: Key | None = None) -> float:
        """The handling time of the tickets here (with a key smaller than `before`), by each service's mean."""
        if before is None:
            return sum(len(keys) * means[s] for s, (_, keys) in self._services.items())
        return sum(n * means[s] for s, (_, keys) in self._services.items() if (n := bisect.bisect_left(keys, before)))

    def services(self) -> Iterable[str]:
        """The services of the tickets waiting here."""
        return self._services.keys()

    def first_of(self, services: Iterable[str]) -> Ticket | None:
        """The earliest ticket here of one of `services`."""
        heads = (found[0][0] for s in services if (found := self._services.get(s)))
        return min(heads, key=Ticket.queue_key, default=None)

    def __contains__(self, t: object) -> bool:
        return isinstance(t, Ticket) and self._find(self._tickets, self._keys, t) is not None

    def __len__(self) -> int:
        return len(self._tickets)

    def __iter__(self) -> Iterator[Ticket]:
        return iter(self._tickets)

    @overload
    def __getitem__(self, i: int) -> Ticket: ...

    @overload
    def __getitem__(self, i: slice) -> list[Ticket]: ...

    def __getitem__(self, i: int | slice) -> Ticket | list[Ticket]:
        return self._tickets[i]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Queue):
            return self._tickets == other._tickets
        return isinstance(other, list) and self._tickets == other

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Queue({self._tickets!r})"


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
    # when it last became free to call (finish, transfer, sign-in, resume, opening): how long it has stood idle;
    # kept in memory only, so after a restart it counts from the restart
    free_since: float | None = None
    armed_ticket: str | None = None
    armed_until: float | None = None
    queue: Queue = field(default_factory=Queue)
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
        self.queue.add(ticket)


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


MARKS = ("morals", "ability", "dedication", "integrity", "learning")  # 品德, 才能, 奉献, 廉政, 学习 (SPEC §11)


@dataclass
class Marks:
    """A manager's qualitative marks (0-100 each) of a clerk for one appraisal period; the newest of a period
    counts, the earlier ones stay as its history."""

    id: int | None
    clerk: str
    first: str  # the period's first and last day, YYYY-MM-DD
    last: str
    scores: dict[str, int]  # each of MARKS
    by: str
    at: float


@dataclass
class Feedback:
    """The feedback a manager gave a clerk on one period's sheet (绩效反馈): each is kept, none overwrites another."""

    id: int | None
    clerk: str
    first: str
    last: str
    note: str
    by: str
    at: float


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
    marks: list[Marks] = field(default_factory=list)
    feedback: list[Feedback] = field(default_factory=list)
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
            or self.marks
            or self.feedback
        )

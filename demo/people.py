"""The demo's people: citizens taking tickets at the kiosks and clerks working their windows, on the wall clock.

Everything they do goes through the real HTTP interface with the example devices' tokens, as the hall's own
devices would: citizens tap kiosks (the kiosk's own worker: paper checked, one ticket per tap, printed on the
kiosk's printer), clerks press their caller keys (sign in, call, recall, start, finish, no-show, transfer,
pause, resume) and citizens rate on the evaluator of the window. Arrivals come from the simulator's drawing
(`simulator.day.citizens`: Poisson at the offered load, services by `share`, handling times around each service's
`minutes`), with hall time running `speed` times faster than the wall clock.

All the clerks' steps run on one thread (`Timeline`), so a window's state needs no lock; the kiosks' workers
and the event stream only put steps on it.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import math
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from onewindow.client import CoreClient, CoreRefused, CoreUnreachable, Event
from onewindow.hallfile import HallConfig
from onewindow.simulator.day import PROFILES, Citizen, citizens

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Habits:
    """How the simulated people behave, in seconds of hall time (the wall clock sees them `speed` times faster)."""

    sign_in_within_s: float = 120.0  # clerks sign in during the first minutes of the day
    react_s: tuple[float, float] = (1.0, 5.0)  # an idle clerk sees a new ticket on the screen and calls
    idle_look_s: float = 30.0  # an idle clerk presses call again this often: a ticket elsewhere may be taken over
    walk_s: tuple[float, float] = (10.0, 40.0)  # from the call to the counter
    no_show: float = 0.04  # called citizens who never come: recalled twice, then no-show
    recalled: float = 0.08  # citizens who come only after a recall
    recall_after_s: tuple[float, float] = (25.0, 40.0)
    handling_cv: float = 0.6  # spread of handling times around the service's minutes
    transfer: float = 0.03  # tickets sent on to another business instead of finished
    rated: float = 0.75  # citizens who press a key on the evaluator
    rate_after_s: tuple[float, float] = (3.0, 20.0)
    scores: tuple[tuple[int, float], ...] = ((5, 0.74), (4, 0.17), (3, 0.06), (2, 0.02), (1, 0.01))
    next_call_s: tuple[float, float] = (3.0, 12.0)  # between a finished ticket and the next call
    break_after: float = 0.05  # after a ticket, a clerk pauses the window for a while
    break_s: tuple[float, float] = (240.0, 720.0)
    paused_at_most: float = 0.12  # share of the windows on a break at once
    priority: float = 0.03  # tickets taken in the priority lane
    give_up: float = 0.02  # citizens who leave (cancel by the QR code) after waiting long
    patience_s: tuple[float, float] = (600.0, 1800.0)
    switch: float = 0.03  # citizens who look at their ticket's page and move to a shorter queue
    switch_after_s: tuple[float, float] = (120.0, 600.0)


PAUSE_REASONS = (None, "临时离开", "业务咨询")


@dataclass(frozen=True)
class Pace:
    """Hall time against the wall clock: `speed` hall seconds pass in one real second."""

    speed: float

    def real(self, hall_s: float) -> float:
        return hall_s / self.speed


class Timeline:
    """Steps to run at given wall-clock times, on one thread, in order; a step that fails is logged, never fatal."""

    def __init__(self, stop: threading.Event, clock: Callable[[], float] = time.monotonic):
        self.stop = stop
        self.clock = clock
        self._steps: list[tuple[float, int, Callable[[], None]]] = []
        self._order = itertools.count()
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None

    def at(self, when: float, step: Callable[[], None]) -> None:
        with self._cond:
            heapq.heappush(self._steps, (when, next(self._order), step))
            self._cond.notify()

    def after(self, seconds: float, step: Callable[[], None]) -> None:
        self.at(self.clock() + max(0.0, seconds), step)

    def start(self) -> Timeline:
        self._thread = threading.Thread(target=self.run, name="timeline", daemon=True)
        self._thread.start()
        return self

    def join(self, timeout: float = 10.0) -> None:
        with self._cond:
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)

    def run(self) -> None:
        while not self.stop.is_set():
            with self._cond:
                wait = self._steps[0][0] - self.clock() if self._steps else 0.5
                if wait > 0:
                    self._cond.wait(min(wait, 0.5))
                    continue
                _, _, step = heapq.heappop(self._steps)
            try:
                step()
            except Exception:
                log.exception("a simulated step failed")


class Tally:
    """What happened in the hall, counted from the event stream (the people at the pages included)."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.first_number: str | None = None
        self.latest_ticket: dict[str, Any] | None = None  # the newest ticket a simulated kiosk printed (with its id)
        self._lock = threading.Lock()

    def event(self, event: Event) -> None:
        with self._lock:
            self.counts[event.type] += 1
            if event.type == "ticket.issued" and self.first_number is None:
                self.first_number = event.data.get("number")

    def printed(self, ticket: dict[str, Any]) -> None:
        with self._lock:
            self.latest_ticket = ticket

    def line(self, snapshot: dict[str, Any] | None) -> str:
        c = self.counts
        parts = [
            f"issued {c['ticket.issued']}",
            f"called {c['ticket.called']}",
            f"finished {c['ticket.finished']}",
            f"no-show {c['ticket.no_show']}",
            f"transferred {c['ticket.transferred']}",
            f"rated {c['rating.recorded']}",
        ]
        if snapshot:
            waiting = sum(int(s.get("waiting", 0)) for s in snapshot.get("services", []))
            windows = snapshot.get("windows", [])
            serving = sum(1 for w in windows if w.get("current"))
            paused = sum(1 for w in windows if w.get("state") == "paused")
            parts += [f"waiting {waiting}", f"{serving} windows serving", f"{paused} paused"]
        return " · ".join(parts)


def handling_s(minutes: float, cv: float, rng: random.Random) -> float:
    """A handling time in hall seconds: log-normal with mean `minutes` and coefficient of variation `cv`, as the
    simulator draws them."""
    mean = minutes * 60.0
    if cv <= 0:
        return mean
    sigma = math.sqrt(math.log1p(cv * cv))
    return mean * math.exp(sigma * rng.gauss(0.0, 1.0) - sigma * sigma / 2)


def weighted(choices: Sequence[tuple[Any, float]], rng: random.Random) -> Any:
    total = sum(w for _, w in choices)
    u = rng.random() * total
    for value, w in choices:
        u -= w
        if u < 0:
            return value
    return choices[-1][0]


# --- citizens -------------------------------------------------------------------------------------------


class Citizens:
    """Arrivals through the kiosks, day after day: the simulator's citizens, each at its hall time / speed.

    `kiosks` are callables taking (service, priority, on_ticket): a tap on one kiosk. A citizen with a ticket
    may give up and cancel it, or move to a window with a shorter queue, through the ticket's own id (the QR
    code), as a phone would.
    """

    def __init__(
        self,
        config: HallConfig,
        timeline: Timeline,
        pace: Pace,
        kiosks: Sequence[Callable[[str, bool, Callable[[dict[str, Any]], None]], None]],
        phone: CoreClient,
        hall: Callable[[], dict[str, Any] | None],
        tally: Tally,
        *,
        load: float,
        profile: Sequence[float] = PROFILES["peak"],
        hours: float = 8.0,
        seed: int = 1,
        habits: Habits = Habits(),
        leave_alone: Sequence[int] = (),
    ):
        self.timeline = timeline
        self.pace = pace
        self.kiosks = itertools.cycle(kiosks)
        self.phone = phone
        self.hall = hall
        self.tally = tally
        self.load = load
        self.profile = profile
        self.hours = hours
        self.seed = seed
        self.habits = habits
        self.rng = random.Random(seed)
        self.handling: dict[str, float] = {}  # ticket number -> the citizen's handling time in hall seconds
        # arrivals are drawn for the windows that will be staffed: a window left to a person is not counted
        self.config = replace(
            config,
            windows=tuple(replace(w, closed=True) if w.number in leave_alone else w for w in config.windows),
        )
        self.days = 0

    def start(self) -> Citizens:
        self._day(self.timeline.clock())
        return self

    def _day(self, opening: float) -> None:
        day = citizens(
            self.config,
            self.load,
            self.hours,
            self.seed + self.days,
            cv=self.habits.handling_cv,
            profile=self.profile,
            priority_share=self.habits.priority,
        )
        self.days += 1
        for c in day:
            self.timeline.at(opening + self.pace.real(c.at), lambda c=c: self.arrive(c))  # type: ignore[misc]
        # the next day's doors open when this one's hours are over: a demo left running keeps its traffic
        next_opening = opening + self.pace.real(self.hours * 3600.0)
        self.timeline.at(next_opening, lambda: self._day(next_opening))

    def arrive(self, citizen: Citizen) -> None:
        kiosk = next(self.kiosks)
        kiosk(citizen.service, citizen.priority, lambda ticket: self.ticket(citizen, ticket))

    def ticket(self, citizen: Citizen, ticket: dict[str, Any]) -> None:
        """A citizen holds a printed ticket (called on a kiosk's worker thread)."""
        self.handling[ticket["number"]] = citizen.handling_s
        self.tally.printed(ticket)
        h = self.habits
        u = self.rng.random()
        if u < h.give_up:
            self.timeline.after(self.pace.real(self.rng.uniform(*h.patience_s)), lambda: self.leave(ticket["id"]))
        elif u < h.give_up + h.switch:
            self.timeline.after(self.pace.real(self.rng.uniform(*h.switch_after_s)), lambda: self.switch(ticket["id"]))

    def leave(self, ticket_id: str) -> None:
        try:
            if self.phone.ticket(ticket_id)["status"] == "waiting":
                self.phone.cancel(ticket_id)
        except (CoreRefused, CoreUnreachable) as exc:
            log.info("a citizen could not cancel: %s", exc)  # called just then: fine

    def switch(self, ticket_id: str) -> None:
        """Look at the hall and move to the open window of the same business with the shortest queue."""
        hall = self.hall()
        try:
            t = self.phone.ticket(ticket_id)
            if t["status"] != "waiting" or hall is None:
                return
            others = [
                w
                for w in hall.get("windows", [])
                if t["service"] in w.get("services", []) and w.get("state") == "open" and w["number"] != t["window"]
            ]
            best = min(others, key=lambda w: (w.get("waiting", 0), w["number"]), default=None)
            if best is not None and best.get("waiting", 0) + 2 < int(t.get("ahead") or 0):
                self.phone.move(ticket_id, best["number"])
        except (CoreRefused, CoreUnreachable) as exc:
            log.info("a citizen could not move: %s", exc)


# --- clerks ---------------------------------------------------------------------------------------------

AWAY, IDLE, BUSY, BREAK, GONE = "away", "idle", "busy", "break", "gone"
NEWS = {"ticket.issued", "ticket.transferred", "ticket.moved"}  # a ticket joined the queue of data["window"]


@dataclass
class Desk:
    """One simulated window: its clerk, the caller and evaluator it presses, and where the clerk is at."""

    number: int
    clerk: str
    services: tuple[str, ...]
    caller: CoreClient
    evaluator: CoreClient | None
    pin: str = "1234"  # every clerk's PIN in the example hall
    state: str = AWAY
    turn: int = 0  # bumped at every call: a step planned in an older turn is dropped
    ticket: dict[str, Any] | None = field(default=None, repr=False)


class Clerks:
    """The simulated clerks of the hall's windows, pressing their keys through the windows' caller devices."""

    def __init__(
        self,
        desks: Sequence[Desk],
        config: HallConfig,
        timeline: Timeline,
        pace: Pace,
        hall: Callable[[], dict[str, Any] | None],
        handling: dict[str, float],
        *,
        seed: int = 1,
        habits: Habits = Habits(),
    ):
        self.desks = {d.number: d for d in desks}
        self.config = config
        self.timeline = timeline
        self.pace = pace
        self.hall = hall
        self.handling = handling
        self.habits = habits
        self.rng = random.Random(seed * 7919 + 1)

    def start(self) -> Clerks:
        for desk in self.desks.values():
            delay = self.rng.uniform(min(5.0, self.habits.sign_in_within_s), self.habits.sign_in_within_s)
            self._later(desk, delay, self.sign_in)
        return self

    def news(self, event: Event) -> None:
        """From the event stream's thread: a ticket joined a window's queue. That window's clerk sees the count on
        the caller and calls soon; the other idle clerks call on their next look, and take it over if it still
        waits (the core decides which ticket a call takes)."""
        window = event.data.get("window")
        if not isinstance(window, int):
            return
        if event.type in NEWS:
            self.timeline.after(0, lambda: self._wake(window))
        elif event.type == "window.signed_in":
            clerk = event.data.get("clerk")
            self.timeline.after(0, lambda: self._signed_in(window, clerk))

    # --- steps (on the timeline's thread) ------------------------------------------------------

    def _later(self, desk: Desk, hall_s: float, step: Callable[[Desk], None]) -> None:
        turn = desk.turn

        def run() -> None:
            if desk.turn == turn and desk.state != GONE:
                step(desk)

        self.timeline.after(self.pace.real(hall_s), run)

    def _press(self, desk: Desk, action: str, body: dict[str, Any] | None = None) -> tuple[bool, Any]:
        """One key press; (True, answer), or (False, None) after a refusal, which sets the desk right."""
        try:
            return True, desk.caller.act(desk.number, action, body)
        except CoreRefused as exc:
            log.info("window %d: %s refused: %s", desk.number, action, exc)
        except CoreUnreachable as exc:
            log.info("window %d: %s: %s", desk.number, action, exc)
        desk.turn += 1
        self._later(desk, 5.0, self._set_right)
        return False, None

    def sign_in(self, desk: Desk) -> None:
        ok, _ = self._press(desk, "sign-in", {"clerk": desk.clerk, "pin": desk.pin})
        if ok:
            desk.state = IDLE
            self.call(desk)

    def _signed_in(self, window: int, clerk: object) -> None:
        """Someone else signed in at a simulated window (a person at the soft caller): it is theirs now."""
        desk = self.desks.get(window)
        if desk is not None and clerk != desk.clerk and desk.state != GONE:
            desk.state, desk.ticket = GONE, None
            desk.turn += 1
            log.info("window %d: %s signed in there; the simulated clerk leaves it to them", window, clerk)

    def _wake(self, window: int) -> None:
        desk = self.desks.get(window)
        if desk is not None and desk.state == IDLE:
            self._later(desk, self.rng.uniform(*self.habits.react_s), self.call)

    def call(self, desk: Desk) -> None:
        if desk.state != IDLE:
            return
        desk.turn += 1  # whatever else was planned for this desk (a look, another wake) is superseded
        ok, ticket = self._press(desk, "call")
        if not ok:
            return
        if ticket is None:
            self._later(desk, self.habits.idle_look_s, self.call)
            return
        desk.state, desk.ticket = BUSY, ticket
        h = self.habits
        u = self.rng.random()
        if u < h.no_show:
            self._later(desk, self.rng.uniform(*h.recall_after_s), lambda d: self.recall(d, then=self.recall_last))
        elif u < h.no_show + h.recalled:
            self._later(desk, self.rng.uniform(*h.recall_after_s), lambda d: self.recall(d, then=self.walk_up))
        else:
            self.walk_up(desk)

    def recall(self, desk: Desk, then: Callable[[Desk], None]) -> None:
        ok, _ = self._press(desk, "recall")
        if ok:
            then(desk)

    def recall_last(self, desk: Desk) -> None:
        self._later(desk, self.rng.uniform(*self.habits.recall_after_s), lambda d: self.recall(d, then=self.give_up))

    def give_up(self, desk: Desk) -> None:
        self._later(desk, self.rng.uniform(*self.habits.recall_after_s), self.no_show)

    def no_show(self, desk: Desk) -> None:
        ok, _ = self._press(desk, "no-show")
        if ok:
            self.after_ticket(desk)

    def walk_up(self, desk: Desk) -> None:
        self._later(desk, self.rng.uniform(*self.habits.walk_s), self.serve)

    def serve(self, desk: Desk) -> None:
        ok, _ = self._press(desk, "start")
        if not ok:
            return
        ticket = desk.ticket or {}
        number, service = ticket.get("number", ""), ticket.get("service", "")
        # the citizen's own time the first time round; after a transfer, or for a ticket a person took, a new draw
        took = self.handling.pop(number, None)
        if took is None:
            minutes = self.config.service(service).minutes if self.config.has_service(service) else 8.0
            took = handling_s(minutes, self.habits.handling_cv, self.rng)
        self._later(desk, took, self.end)

    def end(self, desk: Desk) -> None:
        ticket = desk.ticket or {}
        target = self._transfer_target(ticket.get("service", "")) if self.rng.random() < self.habits.transfer else None
        if target is not None:
            ok, _ = self._press(desk, "transfer", {"service": target})
            if ok:
                self.after_ticket(desk)
                return
            if desk.state == GONE:
                return
        ok, _ = self._press(desk, "finish")
        if not ok:
            return
        if desk.evaluator is not None and self.rng.random() < self.habits.rated:
            score = weighted(self.habits.scores, self.rng)
            self.timeline.after(
                self.pace.real(self.rng.uniform(*self.habits.rate_after_s)), lambda: self.rate(desk, score)
            )
        self.after_ticket(desk)

    def rate(self, desk: Desk, score: int) -> None:
        assert desk.evaluator is not None
        try:
            desk.evaluator.rate(desk.number, score)
        except (CoreRefused, CoreUnreachable) as exc:
            log.info("window %d: rating refused: %s", desk.number, exc)

    def after_ticket(self, desk: Desk) -> None:
        desk.state, desk.ticket = IDLE, None
        h = self.habits
        if self.rng.random() < h.break_after and self._may_pause(desk):
            ok, _ = self._press(desk, "pause", {"reason": self.rng.choice(PAUSE_REASONS)})
            if ok:
                desk.state = BREAK
                desk.turn += 1
                self._later(desk, self.rng.uniform(*h.break_s), self.resume)
            return
        self._later(desk, self.rng.uniform(*h.next_call_s), self.call)

    def resume(self, desk: Desk) -> None:
        ok, _ = self._press(desk, "resume")
        if ok:
            desk.state = IDLE
            self.call(desk)

    def _set_right(self, desk: Desk) -> None:
        """After a refused press: look at the window as the core has it and carry on from there."""
        try:
            window = desk.caller.window(desk.number)
        except (CoreRefused, CoreUnreachable):
            self._later(desk, self.habits.idle_look_s, self._set_right)
            return
        clerk = (window.get("clerk") or {}).get("id")
        desk.ticket = None
        if clerk is None:
            desk.state = AWAY
            self.sign_in(desk)
        elif clerk != desk.clerk:
            desk.state = GONE
            log.info("window %d: %s signed in there; the simulated clerk leaves it to them", desk.number, clerk)
        elif window.get("state") != "open":
            desk.state = BREAK  # paused or closed by someone else: look again later
            self._later(desk, self.habits.idle_look_s, self._set_right)
        else:
            desk.state = IDLE
            self.call(desk)  # a call ends a current ticket too

    # --- what a clerk looks at -------------------------------------------------------------------

    def _may_pause(self, desk: Desk) -> bool:
        """Not when too many are on a break, nor when this window is the last open one for any of its
        services (the kiosks would have to refuse that business)."""
        on_break = sum(1 for d in self.desks.values() if d.state == BREAK)
        if on_break >= max(1, round(self.habits.paused_at_most * len(self.desks))):
            return False
        hall = self.hall()
        if hall is None:
            return False
        for service in desk.services:
            open_elsewhere = [
                w
                for w in hall.get("windows", [])
                if service in w.get("services", []) and w.get("state") == "open" and w["number"] != desk.number
            ]
            if not open_elsewhere:
                return False
        return True

    def _transfer_target(self, service: str) -> str | None:
        """Another business for a citizen who turns out to need it, by the services' shares, among those an open
        window serves now."""
        hall = self.hall() or {}
        served = {s for w in hall.get("windows", []) if w.get("state") == "open" for s in w.get("services", [])}
        choices = [(sid, share) for sid, share in self.config.shares().items() if sid != service and sid in served]
        return weighted(choices, self.rng) if choices else None

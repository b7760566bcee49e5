"""One simulated day: citizens arriving, the core's own hall on a virtual clock, and the shared-queue yardstick.

`citizens()` draws the day once per seed: Poisson arrivals at the offered load (optionally shaped over the day),
each citizen's business by the services' `share`, a handling time around that service's `minutes` (log-normal
with the given coefficient of variation) and, when a comparison hall is given, the business that citizen would
have had there. A staffing (`staffing.py`) then gives each open window's clerk their day (signing in, lunch,
breaks, leaving early) and marks the citizens who are gone when called. The same citizens and clerks then go
through:

- `run_hall()`: the core's own `Hall` (`onewindow.dispatch.domain`) on a virtual clock: the kiosk issues each
  ticket as the citizen arrives, each clerk signs in, calls as soon as the citizen before is done (`Hall.call`
  calls the next by the hall's rules and the policy), finishes or marks a no-show, and pauses or signs out
  once done with the citizen at the window when a break, lunch or leaving falls due;
- `run_pooled()`: one shared first-come queue over the same windows, each there only while its clerk is in: a
  free window takes the earliest waiting ticket it can serve (priority first, as in the hall), so no assignment
  and no take-over can do better in first-come order.

Both take a citizen's handling time from the citizen, never from the window, and both play the day with the
same `_play()`, so the only difference between the runs is the order in which windows call. `run_seed()` is one
seed's `Day` through both, and through a comparison hall's layout when one is given.
"""

from __future__ import annotations

import heapq
import itertools
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from typing import Protocol
from zoneinfo import ZoneInfo

from onewindow.dispatch.domain import Hall
from onewindow.dispatch.model import Ticket
from onewindow.dispatch.policy import Policy
from onewindow.hallfile import Clerk, HallConfig

from .staffing import ALL_DAY, Shift, Staffing

KIOSK = "simulator:kiosk"
CLERK = "simulator:clerk"

# A morning-peak day from 09:00, one weight per hour (mean 1): the doors open on a crowd that came early, the
# peak is at 10, it falls to the lunch hour, a smaller bump after lunch, and a quiet last hour.
PROFILES: dict[str, tuple[float, ...]] = {
    "flat": (1.0,),
    "peak": (1.5, 1.6, 1.25, 0.75, 0.6, 1.0, 0.85, 0.45),
}


@dataclass(frozen=True)
class Citizen:
    """One citizen of the simulated day; `at` is seconds after opening."""

    at: float
    service: str
    handling_s: float
    priority: bool = False
    old_service: str | None = None  # the business in the comparison hall
    no_show: bool = False  # gone when called: the clerk calls and recalls, then marks the no-show


@dataclass(frozen=True)
class Served:
    """What happened to one citizen: the wait, the estimate printed on the ticket and where it was served."""

    at: float
    service: str
    wait_s: float
    window: int
    printed_window: int | None = None
    estimate_s: float | None = None


class VirtualClock:
    """Hall time the simulator moves; the hall reads it like the wall clock."""

    def __init__(self, now: float):
        self.now = now

    def __call__(self) -> float:
        return self.now


def opening_time(config: HallConfig, opening: str = "09:00", day: date = date(2026, 3, 2)) -> float:
    """The moment the simulated day opens, in the hall's time zone (a Monday by default)."""
    hours, minutes = (int(part) for part in opening.split(":"))
    return datetime.combine(day, time(hours, minutes), ZoneInfo(config.timezone)).timestamp()


def open_windows(config: HallConfig) -> list[tuple[int, tuple[str, ...]]]:
    return [(w.number, w.services) for w in config.windows if not w.closed]


def assisting(config: HallConfig) -> dict[int, tuple[str, ...]]:
    """The open windows that help with other services when nobody of their own waits."""
    return {w.number: w.assists for w in config.windows if not w.closed and w.assists}


def mean_handling_s(config: HallConfig) -> float:
    """The mean handling time of an arrival: every service's minutes, weighted by its share."""
    return sum(share * config.service(sid).minutes * 60.0 for sid, share in config.shares().items())


def arrival_rate(config: HallConfig, load: float, staffed: float = 1.0) -> float:
    """Arrivals per second that offer `load`: the share of the open windows' time that handling would fill,
    or with `staffed` < 1 the share of the time their clerks are in (a staffing's `staffed_share`)."""
    windows = len(open_windows(config))
    return load * windows * staffed / mean_handling_s(config)


def shape(profile: Sequence[float], hours: float) -> list[tuple[float, float, float]]:
    """The day's (start_s, end_s, relative rate) segments: the profile stretched over the day, mean 1."""
    weights = [float(w) for w in profile]
    mean = sum(weights) / len(weights)
    length = hours * 3600.0 / len(weights)
    return [(i * length, (i + 1) * length, w / mean) for i, w in enumerate(weights)]


def business_map(
    config: HallConfig, other: HallConfig, pairs: dict[str, str] | None = None
) -> dict[str, list[tuple[str, float]]]:
    """For each service of `config`, the businesses of `other` its citizens would have, with probabilities.

    A service of `config` is paired with the `other` service of the same id, else with the one whose id is
    the first word of its own (pension-review -> pension, medical-remote -> medical), else with what `pairs`
    names. A pair takes as much of both shares as it can; what is left of every service (the pooled business
    of the universal windows, and any excess of a pair) is spread over what is left of the other hall's
    shares in proportion. Both halls then see their own shares exactly, from the same citizens.
    """
    p = config.shares()
    q = dict(other.shares())
    pairs = dict(pairs or {})
    for sid in p:
        if sid in pairs:
            continue
        if other.has_service(sid):
            pairs[sid] = sid
        elif other.has_service(sid.split("-")[0]):
            pairs[sid] = sid.split("-")[0]
    joint: dict[str, dict[str, float]] = {sid: {} for sid in p}
    left_p = dict(p)
    for sid, oid in pairs.items():
        if sid not in p or oid not in q:
            continue
        mass = min(left_p[sid], q[oid])
        joint[sid][oid] = joint[sid].get(oid, 0.0) + mass
        left_p[sid] -= mass
        q[oid] -= mass
    rest = sum(q.values())
    for sid, mass in left_p.items():
        if mass <= 1e-12 or rest <= 1e-12:
            continue
        for oid, share in q.items():
            if share > 0:
                joint[sid][oid] = joint[sid].get(oid, 0.0) + mass * share / rest
    out: dict[str, list[tuple[str, float]]] = {}
    for sid, row in joint.items():
        total = sum(row.values())
        if total > 0:
            out[sid] = [(oid, v / total) for oid, v in sorted(row.items())]
        else:  # a service with no arrivals: any business of the other hall, by its shares
            out[sid] = sorted(other.shares().items())
    return out


def citizens(
    config: HallConfig,
    load: float,
    hours: float,
    seed: int,
    *,
    cv: float = 1.0,
    profile: Sequence[float] = PROFILES["flat"],
    priority_share: float = 0.0,
    other: dict[str, list[tuple[str, float]]] | None = None,
    staffed: float = 1.0,
) -> list[Citizen]:
    """The citizens of one day, in order of arrival; the same seed gives the same day."""
    rng = random.Random(seed)
    rate = arrival_rate(config, load, staffed)
    shares = sorted(config.shares().items())
    service_ids = [sid for sid, _ in shares]
    service_cum = list(itertools.accumulate(share for _, share in shares))
    sigma = math.sqrt(math.log1p(cv * cv))
    old_ids = {sid: [oid for oid, _ in row] for sid, row in (other or {}).items()}
    old_cum = {sid: list(itertools.accumulate(v for _, v in row)) for sid, row in (other or {}).items()}
    out: list[Citizen] = []
    for start, end, weight in shape(profile, hours):
        if weight <= 0:
            continue
        at = start
        while True:
            at += rng.expovariate(rate * weight)
            if at >= end:
                break
            sid = service_ids[_pick(service_cum, rng.random())]
            mean = config.service(sid).minutes * 60.0
            # log-normal with this mean and coefficient of variation; cv 0 gives the configured minutes exactly
            handling = mean * math.exp(sigma * rng.gauss(0.0, 1.0) - sigma * sigma / 2) if cv > 0 else mean
            priority = rng.random() < priority_share
            old = old_ids[sid][_pick(old_cum[sid], rng.random())] if other is not None else None
            out.append(Citizen(at, sid, handling, priority, old))
    return out


def _pick(cumulative: list[float], u: float) -> int:
    u *= cumulative[-1]
    return next((i for i, c in enumerate(cumulative) if u < c), len(cumulative) - 1)


def run_hall(
    config: HallConfig,
    day: Sequence[Citizen],
    policy: Policy | None = None,
    *,
    service_of: Callable[[Citizen], str] = lambda c: c.service,
    opening: float | None = None,
    staffing: Staffing = ALL_DAY,
    shifts: Sequence[Shift] | None = None,
) -> list[Served]:
    """The day through the core's own `Hall`: clerks sign in, call, finish, pause and sign out as `shifts` say."""
    start = opening_time(config) if opening is None else opening
    clock = VirtualClock(start)
    numbers = [n for n, _ in open_windows(config)]
    config = _simulated(config, len(numbers))
    ids = itertools.count(1)
    desk = _HallDesk(config, Hall(config, clock, policy, new_id=lambda: f"sim{next(ids)}"), day, service_of)
    _play(day, desk, _shifts(config, shifts), clock, start, staffing.no_show_after_s)
    return desk.served()


def _simulated(config: HallConfig, windows: int) -> HallConfig:
    """The hall file as the simulator runs it: a clerk for every open window (made up when the file has too
    few), and no opening hours, since `--open` and `--hours` set the simulated day."""
    extra = tuple(Clerk(f"sim-clerk-{k}", f"simulated clerk {k}", "") for k in range(len(config.clerks), windows))
    return replace(config, clerks=config.clerks + extra, hours=None)


def _shifts(config: HallConfig, shifts: Sequence[Shift] | None) -> list[Shift]:
    return list(shifts) if shifts is not None else ALL_DAY.roster(open_windows(config), 0)


class _Desk(Protocol):
    """What a day is played on: the core's hall, or the shared queue. `i` is a citizen's place in the day."""

    def issue(self, i: int) -> None: ...

    def callers(self, i: int, free: set[int]) -> list[int]:
        """The free windows that may call citizen `i` just issued, in the order they try."""
        ...

    def call(self, n: int) -> int | None:
        """Window `n`, its clerk in and nobody at it, calls the next citizen."""
        ...

    def end(self, n: int, i: int) -> None:
        """Window `n` is done with citizen `i`: served, or gone when called."""
        ...

    def sign_in(self, n: int) -> None: ...

    def away(self, n: int, reason: str) -> None: ...

    def back(self, n: int) -> None: ...


FINISH, SIGN_IN, DUE, BACK = 0, 1, 2, 3


def _play(
    day: Sequence[Citizen], desk: _Desk, shifts: Sequence[Shift], clock: VirtualClock, start: float, after_s: float
) -> None:
    """Play the day: citizens arrive and are called; each clerk signs in, leaves when due once the citizen at
    the window is done (lunch and breaks pause the window, leaving signs out), and comes back.

    Events at the same moment: arrivals first, then windows finishing, then clerks coming and going, each
    by window number. Runs until everyone who came has been called and finished.
    """
    events: list[tuple[float, int, int]] = []  # (seconds after opening, kind, window)
    plans = {s.window: list(s.away) for s in shifts}
    for s in shifts:
        events += [(s.sign_in_s, SIGN_IN, s.window), *((a.due_s, DUE, s.window) for a in s.away)]
    heapq.heapify(events)
    free: set[int] = set()
    at_window: dict[int, int] = {}
    called = 0
    now = 0.0  # seconds after opening, kept apart from the clock so that due times compare exactly

    def serve(n: int) -> int | None:
        nonlocal called
        i = desk.call(n)
        if i is None:
            free.add(n)
            return None
        free.discard(n)
        at_window[n] = i
        called += 1
        c = day[i]
        heapq.heappush(events, (now + (after_s if c.no_show else c.handling_s), FINISH, n))
        return i

    def leave_or_serve(n: int) -> None:
        plan = plans[n]
        if not plan or plan[0].due_s > now:
            serve(n)
            return
        away = plan.pop(0)
        free.discard(n)
        desk.away(n, away.reason)
        if away.length_s is not None:
            heapq.heappush(events, (now + away.length_s, BACK, n))
        for m in sorted(free):  # the tickets it had went to the others
            serve(m)

    i = 0
    while i < len(day) or called < len(day) or at_window:
        if i < len(day) and (not events or day[i].at <= events[0][0]):
            now = day[i].at
            clock.now = start + now
            desk.issue(i)
            for n in desk.callers(i, free):
                if serve(n) == i:
                    break
            i += 1
            continue
        if not events:
            raise RuntimeError(f"{len(day) - called} citizens are left with no clerk to call them")
        now, kind, n = heapq.heappop(events)
        clock.now = start + now
        if kind == FINISH:
            desk.end(n, at_window.pop(n))
            leave_or_serve(n)
        elif kind in (SIGN_IN, BACK):
            (desk.sign_in if kind == SIGN_IN else desk.back)(n)
            leave_or_serve(n)
        elif n in free:  # DUE: a free clerk goes now, a busy one when done
            leave_or_serve(n)


class _HallDesk:
    """The core's `Hall` as the clerks and the kiosk of a simulated day use it."""

    def __init__(self, config: HallConfig, hall: Hall, day: Sequence[Citizen], service_of: Callable[[Citizen], str]):
        self.hall = hall
        self.day = day
        self.service_of = service_of
        windows = open_windows(config)
        self.clerks = {n: clerk.id for (n, _), clerk in zip(windows, config.clerks, strict=False)}
        self.serves = {n: services for n, services in windows}
        self.assists = assisting(config)
        self.tickets: list[Ticket] = []
        self.estimates: list[float | None] = []
        self.index: dict[str, int] = {}

    def issue(self, i: int) -> None:
        c = self.day[i]
        t, _ = self.hall.issue(self.service_of(c), c.priority, KIOSK)
        self.tickets.append(t)
        self.index[t.id] = i
        self.estimates.append(self.hall.estimated_wait_s(t))
        self.hall.take_changes()

    def callers(self, i: int, free: set[int]) -> list[int]:
        # the ticket's own window first, then the others serving it, then those that assist with it
        t = self.tickets[i]
        serving = sorted(n for n in free if t.service in self.serves[n])
        helping = sorted(n for n in free if t.service in self.assists.get(n, ()))
        return sorted(dict.fromkeys([*serving, *helping]), key=lambda n: n != t.window)

    def call(self, n: int) -> int | None:
        t = self.hall.call(n, CLERK)
        self.hall.take_changes()
        return None if t is None else self.index[t.id]

    def end(self, n: int, i: int) -> None:
        if self.day[i].no_show:
            self.hall.no_show(n, CLERK)
        else:
            self.hall.finish(n, CLERK)
        self.hall.take_changes()

    def sign_in(self, n: int) -> None:
        self.hall.sign_in(n, self.clerks[n], CLERK)

    def away(self, n: int, reason: str) -> None:
        if reason == "leave":
            self.hall.sign_out(n, CLERK)
        else:
            self.hall.pause(n, CLERK, reason)
        self.hall.take_changes()

    def back(self, n: int) -> None:
        self.hall.resume(n, CLERK)

    def served(self) -> list[Served]:
        out = []
        for c, t, estimate in zip(self.day, self.tickets, self.estimates, strict=True):
            assert t.called_at is not None and t.called_window is not None
            out.append(
                Served(
                    at=c.at,
                    service=t.issued_service,
                    wait_s=t.called_at - t.issued_at,
                    window=t.called_window,
                    printed_window=t.printed_window,
                    estimate_s=estimate,
                )
            )
        return out


def run_pooled(
    config: HallConfig,
    day: Sequence[Citizen],
    *,
    service_of: Callable[[Citizen], str] = lambda c: c.service,
    staffing: Staffing = ALL_DAY,
    shifts: Sequence[Shift] | None = None,
) -> list[Served]:
    """The day through one shared first-come queue: a free window takes the earliest ticket it can serve.

    A window is there only while its clerk is in (`shifts`, the same clerks as the hall's run), and a citizen
    gone when called holds it just as long as in the hall.
    """
    clock = VirtualClock(0.0)
    queue = _SharedQueue(config, day, service_of, clock)
    _play(day, queue, _shifts(config, shifts), clock, 0.0, staffing.no_show_after_s)
    return [Served(c.at, service_of(c), queue.called[i][0] - c.at, queue.called[i][1]) for i, c in enumerate(day)]


class _SharedQueue:
    """One first-come queue per service over the same windows: the yardstick."""

    def __init__(
        self, config: HallConfig, day: Sequence[Citizen], service_of: Callable[[Citizen], str], clock: VirtualClock
    ):
        self.day = day
        self.service_of = service_of
        self.clock = clock
        self.services = dict(open_windows(config))
        self.helps = assisting(config)
        self.waiting: dict[str, list[tuple[int, float, int]]] = {sid: [] for sid in config.shares()}
        self.called: dict[int, tuple[float, int]] = {}

    def issue(self, i: int) -> None:
        c = self.day[i]
        heapq.heappush(self.waiting[self.service_of(c)], (0 if c.priority else 1, c.at, i))

    def callers(self, i: int, free: set[int]) -> list[int]:
        sid = self.service_of(self.day[i])
        serving = sorted(n for n in free if sid in self.services[n])
        return serving + sorted(n for n in free if sid in self.helps.get(n, ()))

    def call(self, n: int) -> int | None:
        heads = [q[0] for sid in self.services[n] if (q := self.waiting.get(sid))]
        if not heads:  # nobody of its own: the earliest of those it assists with
            heads = [q[0] for sid in self.helps.get(n, ()) if (q := self.waiting.get(sid))]
        if not heads:
            return None
        _, _, i = min(heads)
        heapq.heappop(self.waiting[self.service_of(self.day[i])])
        self.called[i] = (self.clock.now, n)
        return i

    def end(self, n: int, i: int) -> None:
        pass

    def sign_in(self, n: int) -> None:
        pass

    def away(self, n: int, reason: str) -> None:
        pass

    def back(self, n: int) -> None:
        pass


@dataclass(frozen=True)
class Day:
    """What a simulated day is: the load, its shape over the day, the citizens' handling times."""

    load: float
    hours: float = 8.0
    cv: float = 1.0
    profile: tuple[float, ...] = PROFILES["flat"]
    opening: str = "09:00"
    priority_share: float = 0.0
    staffing: Staffing = ALL_DAY


@dataclass
class SeedRun:
    """One seed's day through the policy, the shared queue and (optionally) the comparison hall."""

    seed: int
    policy: list[Served]
    pooled: list[Served]
    compare: list[Served] = field(default_factory=list)


def run_seed(
    config: HallConfig,
    day: Day,
    seed: int,
    policy: Policy | None = None,
    compare: HallConfig | None = None,
    pairs: dict[str, str] | None = None,
) -> SeedRun:
    """One day: the same citizens and the same clerks through the core's hall and the shared queue, and the
    same citizens through the comparison hall, whose own clerks keep the same staffing."""
    mapping = business_map(config, compare, pairs) if compare is not None else None
    staffing = day.staffing
    windows = open_windows(config)
    people = citizens(
        config,
        day.load,
        day.hours,
        seed,
        cv=day.cv,
        profile=day.profile,
        priority_share=day.priority_share,
        other=mapping,
        staffed=staffing.staffed_share(len(windows), day.hours),
    )
    gone = staffing.no_shows(len(people), seed)
    people = [replace(c, no_show=True) if away else c for c, away in zip(people, gone, strict=True)]
    shifts = staffing.roster(windows, seed)
    start = opening_time(config, day.opening)
    run = SeedRun(
        seed,
        run_hall(config, people, policy, opening=start, staffing=staffing, shifts=shifts),
        run_pooled(config, people, staffing=staffing, shifts=shifts),
    )
    if compare is not None:
        run.compare = run_hall(
            compare,
            people,
            policy,
            service_of=lambda c: c.old_service or "",
            opening=opening_time(compare, day.opening),
            staffing=staffing,
            shifts=staffing.roster(open_windows(compare), seed),
        )
    return run

"""One simulated day: citizens arriving, the core's own hall on a virtual clock, and the shared-queue yardstick.

`citizens()` draws the day once per seed: Poisson arrivals at the offered load (optionally shaped over the day),
each citizen's business by the services' `share`, a handling time around that service's `minutes` (log-normal
with the given coefficient of variation) and, when a comparison hall is given, the business that citizen would
have had there. The same citizens then go through:

- `run_hall()`: the core's own `Hall` (`onewindow.dispatch.domain`) on a virtual clock: the kiosk issues each
  ticket as the citizen arrives, every open window is staffed and calls as soon as it finishes (`Hall.call`
  finishes the current ticket and calls the next by the hall's rules and the policy);
- `run_pooled()`: one shared first-come queue over the same windows: a free window takes the earliest waiting
  ticket it can serve (priority first, as in the hall), so no assignment and no take-over can do better in
  first-come order.

Both take a citizen's handling time from the citizen, never from the window, so the only difference between
the runs is the order in which windows call. `run_seed()` is one seed's `Day` through both, and through a
comparison hall's layout when one is given.
"""

from __future__ import annotations

import heapq
import itertools
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from onewindow.dispatch.domain import Hall
from onewindow.dispatch.model import WAITING, Ticket
from onewindow.dispatch.policy import Policy
from onewindow.hallfile import HallConfig

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


def arrival_rate(config: HallConfig, load: float) -> float:
    """Arrivals per second that offer `load` (the share of the open windows' time that handling would fill)."""
    windows = len(open_windows(config))
    return load * windows / mean_handling_s(config)


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
) -> list[Citizen]:
    """The citizens of one day, in order of arrival; the same seed gives the same day."""
    rng = random.Random(seed)
    rate = arrival_rate(config, load)
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
) -> list[Served]:
    """The day through the core's own `Hall`: every open window staffed, calling as soon as it finishes."""
    start = opening_time(config) if opening is None else opening
    clock = VirtualClock(start)
    # the simulated day has its own opening and length (--open, --hours): the hall file's hours, lunch break
    # included, would refuse its citizens
    config = replace(config, hours=None)
    open_numbers = [n for n, _ in open_windows(config)]
    staffed = len(config.clerks) >= len(open_numbers)
    if not staffed:  # fewer clerks in the file than windows: let the windows call without signing in
        config = replace(config, require_sign_in=False)
    ids = itertools.count(1)
    hall = Hall(config, clock, policy, new_id=lambda: f"sim{next(ids)}")
    if staffed:
        for clerk, n in zip(config.clerks, open_numbers, strict=False):
            hall.sign_in(n, clerk.id, CLERK)
    serves = {sid: [n for n, services in open_windows(config) if sid in services] for sid in config.shares()}
    assists = assisting(config)
    idle = set(open_numbers)
    finishes: list[tuple[float, int]] = []
    handling: dict[str, float] = {}
    issued: list[tuple[Citizen, Ticket, float]] = []

    def call(n: int) -> bool:
        called = hall.call(n, CLERK)
        if called is None:
            idle.add(n)
            return False
        idle.discard(n)
        heapq.heappush(finishes, (clock.now + handling[called.id], n))
        return True

    i = 0
    while i < len(day) or finishes:
        if i < len(day) and (not finishes or start + day[i].at <= finishes[0][0]):
            c = day[i]
            i += 1
            clock.now = start + c.at
            sid = service_of(c)
            t, _ = hall.issue(sid, c.priority, KIOSK)
            handling[t.id] = c.handling_s
            issued.append((c, t, hall.estimated_wait_s(t)))
            # idle clerks call at once, the ticket's own window first, then windows that assist with it
            helpers = sorted(n for n, helps in assists.items() if sid in helps and n in idle)
            for n in [*sorted((n for n in serves[sid] if n in idle), key=lambda n: n != t.window), *helpers]:
                if t.status != WAITING:
                    break
                call(n)
        else:
            clock.now, n = heapq.heappop(finishes)
            call(n)
        hall.take_changes()
    out = []
    for c, t, estimate in issued:
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
    config: HallConfig, day: Sequence[Citizen], *, service_of: Callable[[Citizen], str] = lambda c: c.service
) -> list[Served]:
    """The day through one shared first-come queue: a free window takes the earliest ticket it can serve."""
    windows = open_windows(config)
    services = {n: s for n, s in windows}
    waiting: dict[str, list[tuple[int, float, int]]] = {sid: [] for sid in config.shares()}
    idle = sorted(n for n, _ in windows)
    finishes: list[tuple[float, int]] = []
    called: dict[int, tuple[float, int]] = {}

    helps = assisting(config)

    def take(n: int, now: float) -> None:
        heads = [q[0] for sid in services[n] if (q := waiting.get(sid))]
        if not heads:  # nobody of its own: the earliest of those it assists with
            heads = [q[0] for sid in helps.get(n, ()) if (q := waiting.get(sid))]
        if not heads:
            idle.append(n)
            idle.sort()
            return
        key = min(heads)
        heapq.heappop(waiting[service_of(day[key[2]])])
        called[key[2]] = (now, n)
        heapq.heappush(finishes, (now + day[key[2]].handling_s, n))

    i = 0
    while i < len(day) or finishes:
        if i < len(day) and (not finishes or day[i].at <= finishes[0][0]):
            c = day[i]
            sid = service_of(c)
            free = next((n for n in idle if sid in services[n]), None)
            if free is None:
                free = next((n for n in idle if sid in helps.get(n, ())), None)
            if free is not None:
                idle.remove(free)
                called[i] = (c.at, free)
                heapq.heappush(finishes, (c.at + c.handling_s, free))
            else:
                heapq.heappush(waiting[sid], (0 if c.priority else 1, c.at, i))
            i += 1
        else:
            now, n = heapq.heappop(finishes)
            take(n, now)
    return [Served(c.at, service_of(c), called[i][0] - c.at, called[i][1]) for i, c in enumerate(day)]


@dataclass(frozen=True)
class Day:
    """What a simulated day is: the load, its shape over the day, the citizens' handling times."""

    load: float
    hours: float = 8.0
    cv: float = 1.0
    profile: tuple[float, ...] = PROFILES["flat"]
    opening: str = "09:00"
    priority_share: float = 0.0


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
    """One day: the same citizens through the core's hall, the shared queue and the comparison hall."""
    mapping = business_map(config, compare, pairs) if compare is not None else None
    people = citizens(
        config,
        day.load,
        day.hours,
        seed,
        cv=day.cv,
        profile=day.profile,
        priority_share=day.priority_share,
        other=mapping,
    )
    start = opening_time(config, day.opening)
    run = SeedRun(seed, run_hall(config, people, policy, opening=start), run_pooled(config, people))
    if compare is not None:
        run.compare = run_hall(
            compare,
            people,
            policy,
            service_of=lambda c: c.old_service or "",
            opening=opening_time(compare, day.opening),
        )
    return run

"""How the hall picks a window, expects waits and bounds take-over: pure rules on windows, tickets and times.

Nothing here keeps the hall's state or reads a clock: every rule is given the windows (in the hall file's
order, which settles ties and the order sums are taken in), the services' shared queues (tickets issued while no
window of their service was staffed), the day's learned handling times and `now`, so the core's `Hall` and the
simulator run the very same arithmetic. Only staffed windows (`Window.staffed`) are chosen or counted on.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .model import PRIORITY_ONLY, WAITING, Key, Queue, Ticket, Window

Windows = Mapping[int, Window]
Shared = Mapping[str, Queue]  # each service's shared queue
NOWHERE = Queue()  # the queue of a service nobody shares


class HandlingTimes:
    """The day's handling times of each service as it finishes tickets, beside its configured minutes."""

    def __init__(self, minutes: Mapping[str, float]):
        self.prior_s = {service: m * 60.0 for service, m in minutes.items()}
        self._learned: dict[str, _SortedTimes] = {}
        # what was worked out from them since a time was last learned: an issue asks for each service's mean
        # and each busy window's residual time again and again (each window's wait, then the pooled estimate)
        self.means: dict[tuple[str, float], float] = {}  # by (service, prior weight)
        self.residuals: dict[tuple[str, float, float], float] = {}  # by (service, elapsed, prior weight)

    def add(self, service: str, seconds: float) -> None:
        self._learned.setdefault(service, _SortedTimes()).add(seconds)
        self.means.clear()
        self.residuals.clear()

    def clear(self) -> None:
        self._learned = {}
        self.means.clear()
        self.residuals.clear()

    def learned(self, service: str) -> _SortedTimes:
        times = self._learned.get(service)
        if times is None:
            return NOTHING_LEARNED
        times.catch_up()
        return times


class _SortedTimes:
    """One service's handling times kept sorted, with running sums; appended ones are merged in when asked."""

    def __init__(self) -> None:
        self.pending: list[float] = []
        self.times: list[float] = []
        self.sums: list[float] = [0.0]

    def add(self, seconds: float) -> None:
        self.pending.append(seconds)

    def catch_up(self) -> None:
        if not self.pending:
            return
        first = len(self.times)
        for seconds in self.pending:
            i = bisect.bisect_right(self.times, seconds)
            self.times.insert(i, seconds)
            first = min(first, i)
        self.pending = []
        # the sums before the first new time stand; those after it are summed again in the same order
        del self.sums[first + 1 :]
        after = itertools.accumulate(self.times[first:], initial=self.sums[first])
        next(after)
        self.sums.extend(after)

    def beyond(self, elapsed: float) -> tuple[int, float]:
        """How many times are longer than `elapsed`, and their sum."""
        i = bisect.bisect_right(self.times, elapsed)
        return len(self.times) - i, self.sums[-1] - self.sums[i]


NOTHING_LEARNED = _SortedTimes()  # a service with no ticket finished today (never added to)


class _Means(dict[str, float]):
    """Each service's mean handling time, asked once for one question about many queues."""

    def __init__(self, policy: Policy, times: HandlingTimes):
        super().__init__()
        self.policy = policy
        self.times = times

    def __missing__(self, service: str) -> float:
        mean = self[service] = self.policy.mean_handling_s(self.times, service)
        return mean


def queue_of(windows: Windows, shared: Shared, t: Ticket) -> Queue:
    """The queue a waiting ticket is in: its window's, or its service's shared queue."""
    return shared.get(t.service, NOWHERE) if t.window is None else windows[t.window].queue


def ahead_of(windows: Windows, shared: Shared, t: Ticket) -> int:
    """How many tickets wait before `t` in its queue (its window's, or its service's shared one); at a window,
    with the shared tickets of its services issued earlier, which that window calls first."""
    if t.status != WAITING:
        return 0
    place = queue_of(windows, shared, t).place(t)
    if t.window is None:
        return place
    key = t.queue_key()
    return place + sum(shared[s].before(key) for s in windows[t.window].services if s in shared)


def shared_head(shared: Shared, services: Iterable[str]) -> Ticket | None:
    """The earliest ticket of the shared queues of `services`."""
    heads = (queue[0] for s in services if (queue := shared.get(s)))
    return min(heads, key=Ticket.queue_key, default=None)


def assisted(windows: Windows, shared: Shared, w: Window) -> Ticket | None:
    """With nobody of its own services waiting, a window helps with the earliest ticket it assists with."""
    if not w.assists:
        return None
    heads = [x.queue.first_of(w.assists) for x in windows.values() if x.queue]
    heads.append(shared_head(shared, w.assists))
    return min((t for t in heads if t is not None), key=Ticket.queue_key, default=None)


@dataclass(frozen=True)
class Policy:
    """How windows are chosen, how far a window reaches into other queues and how waits are estimated.

    Tuned in the hall simulator (`onewindow simulate`, docs/simulation.md) against one shared first-come queue
    over the same windows: on the example hall at 85 % and 92 % load these defaults keep the mean wait and its
    95th percentile within a few per cent of that queue, for every service, while most citizens are served at
    the window printed on their ticket.

    `order` below is the order of the day's last issued ticket: a ticket issued now would come after it.
    """

    # The configured minutes count as this many finished tickets when learning the day's handling times.
    prior_weight: float = 3.0
    # The take-over bound: a window takes a ticket from another window's queue, although its own queue has
    # someone, when that ticket was issued more than the bound earlier than its own queue's head, so nobody is
    # stuck behind one long service. The bound is the smaller of a share of the wait the hall expects for
    # that service now and a number of its mean handling times: where waits are short (many windows) a citizen
    # is passed over by little, where they are long (a pair of specialist windows) by at most that many
    # services. A smaller bound keeps first-come order (a shorter tail), a larger one keeps more citizens at
    # their printed window; docs/simulation.md has the trade-off measured (0.6 since issue 10: with idle
    # assisting windows printed, below, it keeps the 95th percentile within 5 % of the shared queue at 92 %).
    takeover_lead_wait_share: float = 0.6
    takeover_lead_handlings: float = 1.0
    # A fixed bound in seconds instead, when set.
    takeover_lead_s: float | None = None
    # Print an assisting window at issue when it would call the ticket at once (`idle_assisting`) and no
    # window that serves the service is idle, rather than a busy window the ticket would then be taken from.
    print_idle_assisting: bool = True

    # --- handling times -----------------------------------------------------------------------
    # A ticket's handling time is learned from the day's finished tickets of its service, starting from the
    # configured minutes, which count as `prior_weight` finished tickets of an exponential spread around them.
    def mean_handling_s(self, times: HandlingTimes, service: str) -> float:
        memo = (service, self.prior_weight)
        known = times.means.get(memo)
        if known is not None:
            return known
        prior = times.prior_s[service]
        seen = times.learned(service)
        weight = self.prior_weight
        mean = times.means[memo] = (prior * weight + seen.sums[-1]) / (weight + len(seen.times))
        return mean

    def residual_s(self, times: HandlingTimes, service: str, elapsed: float) -> float:
        """The expected handling time still to come for a ticket of `service` handled for `elapsed` seconds.

        The mean of (t - elapsed) over the day's handling times t longer than `elapsed`, with the prior's
        pseudo-tickets; so a ticket that has run long is expected to run on, as long services do, rather than
        to end any moment.
        """
        memo = (service, elapsed, self.prior_weight)
        known = times.residuals.get(memo)
        if known is not None:
            return known
        prior = times.prior_s[service]
        elapsed = max(0.0, elapsed)
        weight = self.prior_weight * math.exp(-elapsed / prior)
        longer, total = times.learned(service).beyond(elapsed)
        # with none longer, the formula's own value, prior, without dividing by a weight that underflows to 0 once
        # a ticket has been at the window some 745 prior lengths (12 hours for a one-minute service)
        residual = prior if longer == 0 else (weight * prior + total - elapsed * longer) / (weight + longer)
        times.residuals[memo] = residual
        if len(times.residuals) > 1000:  # a long day with no ticket finished: forget the oldest
            del times.residuals[next(iter(times.residuals))]
        return residual

    def remaining_s(self, times: HandlingTimes, w: Window, now: float) -> float:
        """The expected handling time left for the ticket the window is serving."""
        if w.current is None:
            return 0.0
        return self.residual_s(times, w.current.service, now - (w.current_since or now))

    # --- waits --------------------------------------------------------------------------------
    def expected_wait_s(self, times: HandlingTimes, w: Window, priority: bool, now: float) -> float:
        """The wait of a ticket joining window `w` now: what is left of its current ticket and of all ahead."""
        return self._expected_wait_s(times, w, priority, now, _Means(self, times))

    def _expected_wait_s(self, times: HandlingTimes, w: Window, priority: bool, now: float, means: _Means) -> float:
        return self.remaining_s(times, w, now) + w.queue.work(means, PRIORITY_ONLY if priority else None)

    def estimated_wait_s(
        self, times: HandlingTimes, windows: Windows, shared: Shared, t: Ticket, now: float
    ) -> int | None:
        """The wait still expected for a waiting ticket (printed on it at issue, shown on its status page);
        None while no staffed window serves its service: nobody can say, and "no wait" would be a lie."""
        if t.status != WAITING:
            return 0
        estimate = self.pooled_wait_s(times, windows, shared, t.service, t.queue_key(), now)
        return None if estimate is None else round(estimate)

    def service_estimate_s(
        self,
        times: HandlingTimes,
        windows: Windows,
        shared: Shared,
        service: str,
        priority: bool,
        order: int,
        now: float,
    ) -> int | None:
        """The wait a ticket issued now would expect, or None when no staffed window serves the service."""
        estimate = self.pooled_wait_s(times, windows, shared, service, (0 if priority else 1, now, order + 1), now)
        return None if estimate is None else round(estimate)

    def pooled_wait_s(
        self, times: HandlingTimes, windows: Windows, shared: Shared, service: str, key: Key, now: float
    ) -> float | None:
        """The expected wait of a ticket whose queue key is `key`, with every staffed window that serves it calling.

        Take-over makes the windows of a service work through their queues together, nearly in first-come
        order, so a ticket is called at about the (k+1)-th moment one of them is free, k being the tickets
        ahead of it there. Idle windows are free now and take the first tickets ahead; then the first window
        to free is expected after 1/sum(1/r) (r: each window's expected remaining time, a fresh ticket's mean
        on a window just taken; the first of several independent ends comes sooner than any one of them);
        after that each ticket ahead holds the group for its mean handling time divided by the windows.
        Measured against the simulated waits this is unbiased, where the own window's queue alone was not.
        The shared queues of the services these windows serve are called by them in turn, so count as ahead too.
        """
        group = [w for w in windows.values() if w.staffed and service in w.services]
        if not group:
            return None
        served = {s for w in group for s in w.services}
        queues = [*(w.queue for w in group), *(shared[s] for s in sorted(served) if s in shared)]
        # counted, never walked: how many of each service are ahead, and the first `idle` of them in order
        queues = [q for q in queues if q]
        later: dict[str, int] = {}
        for q in queues:
            for s, n in q.counts(key).items():
                later[s] = later.get(s, 0) + n
        idle = sum(1 for w in group if w.current is None)
        if sum(later.values()) < idle:
            return 0.0
        first = itertools.islice(heapq.merge(*(q.first(idle, key) for q in queues)), idle) if idle else ()
        means = _Means(self, times)
        ends = [self.remaining_s(times, w, now) for w in group if w.current is not None]
        for _, t in first:
            ends.append(means[t.service])
            later[t.service] -= 1
        work = sum(n * means[s] for s, n in later.items() if n)
        return 1.0 / sum(1.0 / max(end, 1.0) for end in ends) + work / len(group)

    # --- assignment and calling ---------------------------------------------------------------
    def choose(
        self,
        times: HandlingTimes,
        windows: Windows,
        service: str,
        priority: bool,
        now: float,
        exclude: Iterable[int] = (),
    ) -> Window | None:
        """The staffed window a ticket of `service` goes to: the smallest expected wait, then the shortest queue;
        None when no window of the service is staffed."""
        skip = set(exclude)
        candidates = [w for w in windows.values() if w.staffed and service in w.services and w.number not in skip]
        if not candidates:
            return None
        means = _Means(self, times)
        best = min(
            candidates,
            key=lambda w: (round(self._expected_wait_s(times, w, priority, now, means), 6), len(w.queue), w.number),
        )
        if self.print_idle_assisting and (best.current is not None or best.queue):
            return self.idle_assisting(windows, service, skip) or best
        return best

    def idle_assisting(self, windows: Windows, service: str, exclude: Iterable[int] = ()) -> Window | None:
        """A staffed window assisting with `service` that would call its ticket at once: idle, nobody of its own
        services waiting at any window (`assisted`). Printing it keeps the ticket's promise; printing a busy
        window instead, the ticket would be taken from it at once. Only `choose` asks, and only while some
        window serving the service is staffed: with none, tickets keep to the service's shared queue."""
        skip = set(exclude)
        helpers = [
            w
            for w in windows.values()
            if w.staffed and service in w.assists and w.number not in skip and w.current is None and not w.queue
        ]
        if not helpers:
            return None
        waiting = {s for x in windows.values() for s in x.queue.services()}
        return next((w for w in helpers if waiting.isdisjoint(w.services)), None)

    def next_for(
        self, times: HandlingTimes, windows: Windows, shared: Shared, w: Window, order: int, now: float
    ) -> Ticket | None:
        """The ticket window `w` calls next: by the rules of the hall and the take-over bound, unless a shared
        ticket of its services came earlier (those were issued to nobody, so no bound holds them back)."""
        chosen = self._next_at_windows(times, windows, shared, w, order, now)
        first = shared_head(shared, w.services)
        if first is not None and (chosen is None or first.queue_key() < chosen.queue_key()):
            return first
        return chosen if chosen is not None else assisted(windows, shared, w)

    def _next_at_windows(
        self, times: HandlingTimes, windows: Windows, shared: Shared, w: Window, order: int, now: float
    ) -> Ticket | None:
        own = w.queue[0] if w.queue else None
        other = None
        for x in windows.values():
            t = None if x is w or not x.queue else x.queue.first_of(w.services)
            if t is not None and (other is None or t.queue_key() < other.queue_key()):
                other = t
        if own is None or other is None or not other.queue_key() < own.queue_key():
            return own or other
        if other.priority and not own.priority:
            return other
        bound = self.takeover_bound_s(times, windows, shared, other, order, now)
        return other if own.issued_at - other.issued_at > bound else own

    def takeover_bound_s(
        self, times: HandlingTimes, windows: Windows, shared: Shared, t: Ticket, order: int, now: float
    ) -> float:
        """How much earlier than a window's own head `t` must have been issued for that window to take it."""
        if self.takeover_lead_s is not None:
            return self.takeover_lead_s
        expected = self.pooled_wait_s(times, windows, shared, t.service, (1, now, order + 1), now) or 0.0
        return min(
            self.takeover_lead_wait_share * expected,
            self.takeover_lead_handlings * self.mean_handling_s(times, t.service),
        )

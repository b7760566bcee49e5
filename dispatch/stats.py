"""A day's figures per window, clerk and service: workload, waits, handling times and ratings."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from .domain import Hall
from .model import DONE, NO_SHOW, Rating, Ticket


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile: the smallest value at or above q of the values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


class _Tally:
    def __init__(self) -> None:
        self.issued = 0
        self.finished = 0
        self.no_shows = 0
        self.waits: list[float] = []
        self.handling: list[float] = []
        self.scores: list[int] = []
        self.not_rated = 0

    def view(self) -> dict[str, Any]:
        counts = {str(s): self.scores.count(s) for s in (5, 4, 3, 2, 1)}
        return {
            "issued": self.issued,
            "finished": self.finished,
            "no_shows": self.no_shows,
            "mean_wait_s": _round(_mean(self.waits)),
            "p95_wait_s": _round(percentile(self.waits, 95)),
            "mean_handling_s": _round(_mean(self.handling)),
            "ratings": {
                **counts,
                "not_rated": self.not_rated,
                "mean": _round(_mean(list(map(float, self.scores)))),
                "flagged": counts["2"] + counts["1"],
            },
        }


def day_stats(hall: Hall, day: str, tickets: Iterable[Ticket], ratings: Iterable[Rating]) -> dict[str, Any]:
    """Workload by the rules of the hall: a clerk's count is what they finished (a transferred ticket counts for
    whoever finishes it, recalls not at all), no-shows apart; wait = first call - issue; handling = finish -
    first call. A finished ticket without a rating once its rating time is over counts as not rated."""
    now = hall.clock()
    rated = {r.ticket_id: r for r in ratings}
    by_window: dict[int, _Tally] = {}
    by_clerk: dict[str, _Tally] = {}
    by_service: dict[str, _Tally] = {}
    total = _Tally()
    for t in tickets:
        service = by_service.setdefault(t.issued_service, _Tally())
        printed = [] if t.printed_window is None else [by_window.setdefault(t.printed_window, _Tally())]
        for tally in (service, total, *printed):  # a ticket printed with no window counts for no window
            tally.issued += 1
        if t.called_at is not None:
            wait = t.called_at - t.issued_at
            for tally in (
                total,
                by_service.setdefault(t.service, _Tally()),
                by_window.setdefault(t.called_window or t.window or 0, _Tally()),
            ):
                tally.waits.append(wait)
        if t.status not in (DONE, NO_SHOW):
            continue
        groups = [
            total,
            by_service.setdefault(t.service, _Tally()),
            by_window.setdefault(t.served_window or t.window or 0, _Tally()),
        ]
        if t.clerk:
            groups.append(by_clerk.setdefault(t.clerk, _Tally()))
        for tally in groups:
            if t.status == NO_SHOW:
                tally.no_shows += 1
                continue
            tally.finished += 1
            if t.called_at is not None and t.finished_at is not None:
                tally.handling.append(t.finished_at - t.called_at)
            rating = rated.get(t.id)
            if rating is not None:
                tally.scores.append(rating.score)
            elif t.finished_at is not None and now - t.finished_at > hall.config.rating_window_s:
                tally.not_rated += 1
    clerk_names = {c.id: c.name for c in hall.config.clerks}
    return {
        "date": day,
        "hall": total.view(),
        "windows": [{"window": n, **by_window[n].view()} for n in sorted(by_window)],
        "clerks": [{"clerk": c, "name": clerk_names.get(c, c), **by_clerk[c].view()} for c in sorted(by_clerk)],
        "services": [{"service": s, **by_service[s].view()} for s in sorted(by_service)],
    }

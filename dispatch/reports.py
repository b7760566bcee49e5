"""Reports over any range of days, per window, clerk, service or hour of day, made from the stored records."""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from onewindow.hallfile import HallConfig

from .model import DONE, NO_SHOW, TRANSFERRED, Call, Rating, Ticket
from .stats import percentile

# any three years, a leap day included: a longer report is a mistake more often than a wish, and a slow one
MAX_DAYS = 3 * 365 + 1
LEVELS = (5, 4, 3, 2, 1)  # the 好差评 levels, best first
FIGURES = (
    "issued",
    "calls",
    "finished",
    "no_shows",
    "transfers",
    "mean_wait_s",
    "p95_wait_s",
    "mean_handling_s",
    *(f"rated_{level}" for level in LEVELS),
    "not_rated",
    "satisfaction_pct",
)
DAY = re.compile(r"\d{4}-\d{2}-\d{2}")

Key = Hashable
Row = dict[str, Any]


class BadRange(ValueError):
    """A range of days no report is made for; the message says why, for the person who asked."""


def report_range(first: str | None, last: str | None) -> tuple[str, str]:
    """The days `first` to `last` (YYYY-MM-DD, both included) checked: real dates, in order, at most MAX_DAYS."""
    days = []
    for name, raw in (("from", first), ("to", last)):
        try:
            days.append(date.fromisoformat(raw or "") if DAY.fullmatch(raw or "") else None)
        except ValueError:
            days.append(None)
        if days[-1] is None:
            raise BadRange(f"{name} must be a date, YYYY-MM-DD (got {raw!r})")
    start, end = days
    assert start is not None and end is not None
    if start > end:
        raise BadRange(f"from ({start}) is after to ({end})")
    if (end - start).days + 1 > MAX_DAYS:
        raise BadRange(f"a report covers at most {MAX_DAYS} days (three years); ask for shorter ranges")
    return start.isoformat(), end.isoformat()


class Records(Protocol):
    """A hall's records of a range of days; a report reads each kind once, in the order ratings, calls, tickets."""

    def tickets(self) -> Iterable[Ticket]: ...

    def calls(self) -> Iterable[Call]: ...

    def ratings(self) -> Iterable[Rating]: ...


@dataclass(frozen=True)
class Legend:
    """What a report's keys mean in its hall: the hall's name, its time zone for hours, its clerks' and services'
    names (an id missing here is shown as itself)."""

    hall: str
    zone: tzinfo
    clerks: dict[str, str] = field(default_factory=dict)
    services: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, config: HallConfig) -> Legend:
        return cls(
            hall=config.name,
            zone=ZoneInfo(config.timezone),
            clerks={c.id: c.name for c in config.clerks},
            services={s.id: s.name for s in config.services},
        )


@dataclass(frozen=True)
class Kind:
    """One kind of report: the columns of its rows, and how the rows are made from a hall's records."""

    columns: tuple[str, ...]
    rows: Callable[[Records, Legend], list[Row]]


def report(kind: str, records: Records, legend: Legend) -> list[Row]:
    """The rows of one kind of report (KINDS) over `records`, each with every column of the kind, in order."""
    return KINDS[kind].rows(records, legend)


def city_report(kind: str, halls: Iterable[tuple[Records, Legend]]) -> list[Row]:
    """One kind of report over several halls: each hall's rows in turn, the hall's name first."""
    return [{"hall": legend.hall, **row} for records, legend in halls for row in report(kind, records, legend)]


# --- workload: calls, what came of them, waits, handling and ratings (SPEC §3 Workload) -------------------------


@dataclass(frozen=True)
class Grouping:
    """How a workload report groups what happened: the group of a ticket's issue, of a call, of a ticket's wait
    (first call - issue) and of its end (finished or no-show, with its handling and rating); None counts in no
    group. A grouping without `issued` or `waited` leaves those columns empty: a clerk issues no ticket, and the
    wait before a first call is the queue's, not a clerk's."""

    labels: tuple[str, ...]
    label: Callable[[Any, Legend], tuple[Any, ...]]
    called: Callable[[Call, Legend], Key | None]
    ended: Callable[[Ticket, Legend], Key | None]
    issued: Callable[[Ticket, Legend], Key | None] | None = None
    waited: Callable[[Ticket, Legend], Key | None] | None = None


class _Tally:
    def __init__(self) -> None:
        self.issued = self.calls = self.transfers = self.finished = self.no_shows = self.not_rated = 0
        self.waits: list[float] = []
        self.handling: list[float] = []
        self.levels = dict.fromkeys(LEVELS, 0)

    def figures(self, grouping: Grouping) -> Row:
        rated = sum(self.levels.values())
        waits = grouping.waited is not None
        return {
            "issued": self.issued if grouping.issued is not None else None,
            "calls": self.calls,
            "finished": self.finished,
            "no_shows": self.no_shows,
            "transfers": self.transfers,
            "mean_wait_s": _round(_mean(self.waits)) if waits else None,
            "p95_wait_s": _round(percentile(self.waits, 95)) if waits else None,
            "mean_handling_s": _round(_mean(self.handling)),
            **{f"rated_{level}": self.levels[level] for level in LEVELS},
            "not_rated": self.not_rated,
            "satisfaction_pct": _round(100 * (self.levels[5] + self.levels[4]) / rated) if rated else None,
        }


def workload(grouping: Grouping) -> Kind:
    """A report of the hall's workload, grouped by `grouping`."""

    def rows(records: Records, legend: Legend) -> list[Row]:
        scores = {r.ticket_id: r.score for r in records.ratings()}
        tallies: dict[Key, _Tally] = {}
        for c in records.calls():
            key = grouping.called(c, legend)
            if key is not None:
                tally = tallies.setdefault(key, _Tally())
                tally.calls += 1
                tally.transfers += c.outcome == TRANSFERRED
        for t in records.tickets():
            _count_ticket(grouping, legend, t, scores, tallies)
        return [
            {**dict(zip(grouping.labels, grouping.label(key, legend), strict=True)), **tallies[key].figures(grouping)}
            for key in sorted(tallies)  # type: ignore[type-var]
        ]

    return Kind((*grouping.labels, *FIGURES), rows)


def _count_ticket(
    grouping: Grouping, legend: Legend, t: Ticket, scores: dict[str, int], tallies: dict[Key, _Tally]
) -> None:
    if grouping.issued is not None and (key := grouping.issued(t, legend)) is not None:
        tallies.setdefault(key, _Tally()).issued += 1
    if grouping.waited is not None and t.called_at is not None and (key := grouping.waited(t, legend)) is not None:
        tallies.setdefault(key, _Tally()).waits.append(t.called_at - t.issued_at)
    if t.status not in (DONE, NO_SHOW) or (key := grouping.ended(t, legend)) is None:
        return
    tally = tallies.setdefault(key, _Tally())
    if t.status == NO_SHOW:
        tally.no_shows += 1
        return
    tally.finished += 1
    if t.called_at is not None and t.finished_at is not None:
        tally.handling.append(t.finished_at - t.called_at)
    score = scores.get(t.id)
    if score in tally.levels:
        tally.levels[score] += 1
    else:
        tally.not_rated += 1


def _hour(at: float | None, legend: Legend) -> int | None:
    return None if at is None else datetime.fromtimestamp(at, legend.zone).hour


# Which group each thing counts in. A ticket is issued for the window printed on it (none for 请留意叫号) and its
# issued service; it waited for the window and service of its first call; it ends where and as what it was served,
# after any transfer. By hour: issued and waited in the hour of issue, called in the hour of the call, ended in the
# hour of its end.
KINDS: dict[str, Kind] = {
    "windows": workload(
        Grouping(
            labels=("window",),
            label=lambda key, _: (key,),
            issued=lambda t, _: t.printed_window,
            called=lambda c, _: c.window,
            waited=lambda t, _: t.called_window,
            ended=lambda t, _: t.served_window,
        )
    ),
    "clerks": workload(
        Grouping(
            labels=("clerk", "name"),
            label=lambda key, legend: (key, legend.clerks.get(key, key)),
            called=lambda c, _: c.clerk,
            ended=lambda t, _: t.clerk,
        )
    ),
    "services": workload(
        Grouping(
            labels=("service", "name"),
            label=lambda key, legend: (key, legend.services.get(key, key)),
            issued=lambda t, _: t.issued_service,
            called=lambda c, _: c.service,
            waited=lambda t, _: t.issued_service,
            ended=lambda t, _: t.service,
        )
    ),
    "hours": workload(
        Grouping(
            labels=("hour",),
            label=lambda key, _: (key,),
            issued=lambda t, legend: _hour(t.issued_at, legend),
            called=lambda c, legend: _hour(c.at, legend),
            waited=lambda t, legend: _hour(t.issued_at, legend),
            ended=lambda t, legend: _hour(t.finished_at, legend),
        )
    ),
}


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)

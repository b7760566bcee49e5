"""Reports over any range of days, per window, clerk, service, unit or hour of day, and the appraisal sheet, made
from the stored records."""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from onewindow.hallfile import HallConfig, Weights

from . import appraisal
from .model import CASE_OPEN, DONE, NO_SHOW, PASS, TRANSFERRED, Call, Case, Feedback, Marks, Rating, Ticket
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


class Shift(Protocol):
    """A window's sign-in or sign-out as the event stream recorded it."""

    @property
    def type(self) -> str: ...

    @property
    def data(self) -> dict[str, Any]: ...

    @property
    def at(self) -> float: ...


class Records(Protocol):
    """A hall's records of a range of days; a report reads each kind once, in the order ratings, calls, tickets."""

    @property
    def first(self) -> str: ...

    @property
    def last(self) -> str: ...

    def tickets(self) -> Iterable[Ticket]: ...

    def calls(self) -> Iterable[Call]: ...

    def ratings(self) -> Iterable[Rating]: ...

    def cases(self) -> Iterable[Case]: ...

    def marks(self) -> Iterable[Marks]: ...

    def feedback(self) -> Iterable[Feedback]: ...

    def shifts(self, start: float, end: float) -> Iterable[Shift]: ...


@dataclass(frozen=True)
class Legend:
    """What a report's keys mean in its hall: the hall's name, its time zone for hours, its clerks', services' and
    units' names (an id missing here is shown as itself), each service's 办结时限 in minutes, the appraisal's weights,
    and the time the report is made (open cases are overdue, and signed-in clerks counted, up to it)."""

    hall: str
    zone: tzinfo
    clerks: dict[str, str] = field(default_factory=dict)
    services: dict[str, str] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)
    limits: dict[str, int] = field(default_factory=dict)
    weights: Weights = Weights()
    now: float | None = None

    @classmethod
    def of(cls, config: HallConfig, now: float | None = None) -> Legend:
        return cls(
            hall=config.name,
            zone=ZoneInfo(config.timezone),
            clerks={c.id: c.name for c in config.clerks},
            services={s.id: s.name for s in config.services},
            units={u.id: u.name for u in config.units},
            limits={s.id: s.limit_min for s in config.services if s.limit_min is not None},
            weights=config.appraisal,
            now=now,
        )

    def span(self, first: str, last: str) -> tuple[float, float]:
        """The period's first moment and its end (midnight after `last`, or now when that is earlier)."""
        start = datetime.fromisoformat(first).replace(tzinfo=self.zone).timestamp()
        end = (datetime.fromisoformat(last).replace(tzinfo=self.zone) + timedelta(days=1)).timestamp()
        return start, end if self.now is None else max(start, min(end, self.now))


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


# --- units: the cases each unit reviewed and approved, and how long they took (SPEC §10, §11) -----------------

UNIT_FIGURES = (
    "cases",
    "reviewed",
    "approved",
    "returns",
    "done",
    "open",
    "overdue",
    "mean_review_s",
    "p95_review_s",
    "mean_approval_s",
    "p95_approval_s",
)


def _passed(case: Case, action: str) -> float | None:
    """When the case's last passing decision of `action` (reviewed, approved) was taken."""
    return next((s.at for s in reversed(case.steps) if s.action == action and s.decision == PASS), None)


def units_rows(records: Records, legend: Legend) -> list[Row]:
    """Per unit, the cases opened in the period: how many passed review and approval, the returns (each 退回补正),
    done and still open, overdue against the service's `limit_min` (open ones up to now), and the flow times
    (流转时间) from the window's first finish to the passing review and to the approval, mean and 95th percentile."""
    tallies: dict[str, dict[str, Any]] = {}
    for case in records.cases():
        tally = tallies.setdefault(
            case.unit, {"counts": dict.fromkeys(UNIT_FIGURES[:7], 0), "review": [], "approval": []}
        )
        counts = tally["counts"]
        counts["cases"] += 1
        counts["returns"] += sum(1 for s in case.steps if s.decision == "return")
        counts["done"] += case.status == DONE
        counts["open"] += case.status in CASE_OPEN
        for action, key in (("reviewed", "review"), ("approved", "approval")):
            at = _passed(case, action)
            if at is not None:
                counts[action] += 1
                tally[key].append(at - case.opened_at)
        limit = legend.limits.get(case.service)
        end = case.done_at if case.done_at is not None else legend.now
        counts["overdue"] += limit is not None and end is not None and end - case.opened_at > limit * 60
    return [
        {
            "unit": unit,
            "name": legend.units.get(unit, unit),
            **tallies[unit]["counts"],
            "mean_review_s": _round(_mean(tallies[unit]["review"])),
            "p95_review_s": _round(percentile(tallies[unit]["review"], 95)),
            "mean_approval_s": _round(_mean(tallies[unit]["approval"])),
            "p95_approval_s": _round(percentile(tallies[unit]["approval"], 95)),
        }
        for unit in sorted(tallies)
    ]


KINDS["units"] = Kind(("unit", "name", *UNIT_FIGURES), units_rows)
KINDS["appraisal"] = Kind(appraisal.COLUMNS, appraisal.sheet)


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)

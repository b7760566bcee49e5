"""The appraisal sheet (绩效考核, SPEC §11): each clerk's quantity, efficiency, attitude and marks over a period,
weighed into a total and ranked, with the feedback given."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from .model import DONE, MARKS, NO_SHOW, TRANSFERRED, Feedback, Marks

if TYPE_CHECKING:
    from .reports import Legend, Records, Shift

LEVELS = (5, 4, 3, 2, 1)
COLUMNS = (
    "clerk",
    "name",
    # quantity (工作数量): the seed's workload rule, calls counted for the clerk who made them, and cases decided
    "calls",
    "finished",
    "no_shows",
    "transfers",
    "reviewed",
    "approved",
    # efficiency (工作效率)
    "mean_handling_s",
    "service_mean_s",
    "handling_pct",
    "signed_in_h",
    "calls_per_hour",
    # attitude (服务态度)
    *(f"rated_{level}" for level in LEVELS),
    "satisfaction_pct",
    "poor",
    "followed_up",
    # the manager's marks
    *MARKS,
    # the sheet's parts out of 100, the total by the hall's weights, the rank
    "quantity_score",
    "efficiency_score",
    "attitude_score",
    "marks_score",
    "total",
    "rank",
    "feedback",
)
PARTS = ("quantity", "efficiency", "attitude", "marks")


@dataclass
class _Clerk:
    calls: int = 0
    transfers: int = 0
    finished: int = 0
    no_shows: int = 0
    reviewed: int = 0
    approved: int = 0
    handling: list[tuple[str, float]] = field(default_factory=list)  # (service, seconds) of each finished ticket
    levels: dict[int, int] = field(default_factory=lambda: dict.fromkeys(LEVELS, 0))
    poor: int = 0
    followed_up: int = 0
    signed_in_s: float = 0.0
    marks: Marks | None = None
    feedback: list[Feedback] = field(default_factory=list)


def sheet(records: Records, legend: Legend) -> list[Row]:
    """One row per clerk of the hall file (and any other clerk the records name), best total first.

    Quantity: calls (a recall is not a call) plus review and approval decisions, scored 100 for the busiest clerk
    of the period and in proportion below. Efficiency: the clerk's mean handling time against the mean the hall
    took for the same services in the period (handling_pct, 100 = the hall's pace), scored 100 at or under it and
    10000 / handling_pct above. Attitude: the satisfaction rate (4 and 5 over all rated). Marks: the mean of the
    manager's five marks. The total weighs the parts a clerk has figures for by the hall's `[appraisal]`, the
    weights of the others left out; equal totals share a rank. A clerk with no calls, decisions, time signed in or
    marks in the period (away all of it) has no total and no rank."""
    clerks: dict[str, _Clerk] = {c: _Clerk() for c in legend.clerks}
    scores = {r.ticket_id: r for r in records.ratings()}
    for c in records.calls():
        if c.clerk is not None:
            one = clerks.setdefault(c.clerk, _Clerk())
            one.calls += 1
            one.transfers += c.outcome == TRANSFERRED
    by_service: dict[str, list[float]] = {}
    for t in records.tickets():
        if t.clerk is None or t.status not in (DONE, NO_SHOW):
            continue
        one = clerks.setdefault(t.clerk, _Clerk())
        if t.status == NO_SHOW:
            one.no_shows += 1
            continue
        one.finished += 1
        if t.called_at is not None and t.finished_at is not None:
            one.handling.append((t.service, t.finished_at - t.called_at))
            by_service.setdefault(t.service, []).append(t.finished_at - t.called_at)
        rating = scores.get(t.id)
        if rating is not None and rating.score in one.levels:
            one.levels[rating.score] += 1
            one.poor += rating.score <= 2
            one.followed_up += rating.score <= 2 and rating.follow_up is not None
    for case in records.cases():
        for step in case.steps:
            if step.clerk is not None and step.action in ("reviewed", "approved"):
                one = clerks.setdefault(step.clerk, _Clerk())
                one.reviewed += step.action == "reviewed"
                one.approved += step.action == "approved"
    start, end = legend.span(records.first, records.last)
    for clerk, seconds in signed_in(records.shifts(start, end), start, end).items():
        clerks.setdefault(clerk, _Clerk()).signed_in_s += seconds
    for m in records.marks():  # oldest first: the newest of the period counts
        clerks.setdefault(m.clerk, _Clerk()).marks = m
    for f in records.feedback():
        clerks.setdefault(f.clerk, _Clerk()).feedback.append(f)
    means = {s: sum(v) / len(v) for s, v in by_service.items()}
    busiest = max((c.calls + c.reviewed + c.approved for c in clerks.values()), default=0)
    rows = [_row(clerk, one, legend, means, busiest) for clerk, one in clerks.items()]
    _rank(rows)
    return sorted(rows, key=lambda r: (r["rank"] is None, r["rank"] or 0, r["clerk"]))


def signed_in(shifts: Iterable[Shift], start: float, end: float) -> dict[str, float]:
    """Seconds each clerk was signed in at a window between `start` and `end`, from the windows' sign-ins and
    sign-outs in order: a sign-out with no sign-in seen counts from `start`, a sign-in still open runs to `end`."""
    since: dict[int, tuple[str, float]] = {}  # window: (clerk, signed in at)
    total: dict[str, float] = {}
    for e in shifts:
        window, clerk = e.data.get("window"), e.data.get("clerk")
        if not isinstance(window, int) or not isinstance(clerk, str):
            continue
        if e.type == "window.signed_in":
            since[window] = (clerk, max(e.at, start))
            continue
        who, at = since.pop(window, (clerk, start))
        total[who] = total.get(who, 0.0) + max(0.0, min(e.at, end) - at)
    for who, at in since.values():
        total[who] = total.get(who, 0.0) + max(0.0, end - at)
    return total


Row = dict[str, Any]


def _row(clerk: str, one: _Clerk, legend: Legend, means: dict[str, float], busiest: int) -> Row:
    handled = [seconds for _, seconds in one.handling]
    mean_handling = sum(handled) / len(handled) if handled else None
    expected = sum(means[s] for s, _ in one.handling) / len(handled) if handled else None
    pct = 100 * mean_handling / expected if mean_handling is not None and expected else None
    hours = one.signed_in_s / 3600
    rated = sum(one.levels.values())
    satisfaction = 100 * (one.levels[5] + one.levels[4]) / rated if rated else None
    marks = one.marks.scores if one.marks is not None else None
    work = one.calls + one.reviewed + one.approved
    # a clerk with no work, no time signed in and no marks in the period (on leave) is not appraised
    present = work > 0 or one.signed_in_s > 0 or marks is not None
    parts = {
        "quantity": 100 * work / busiest if busiest and present else None,
        "efficiency": (100.0 if pct <= 100 else 10000 / pct) if pct else None,
        "attitude": satisfaction,
        "marks": sum(marks.values()) / len(marks) if marks else None,
    }
    weights = legend.weights.parts()
    counted = {p: v for p, v in parts.items() if v is not None and weights[p] > 0}
    weight = sum(weights[p] for p in counted)
    total = sum(weights[p] * v for p, v in counted.items()) / weight if weight else None
    return {
        "clerk": clerk,
        "name": legend.clerks.get(clerk, clerk),
        "calls": one.calls,
        "finished": one.finished,
        "no_shows": one.no_shows,
        "transfers": one.transfers,
        "reviewed": one.reviewed,
        "approved": one.approved,
        "mean_handling_s": _round(mean_handling),
        "service_mean_s": _round(expected),
        "handling_pct": _round(pct),
        "signed_in_h": round(hours, 2),
        "calls_per_hour": _round(one.calls / hours) if hours > 0 else None,
        **{f"rated_{level}": one.levels[level] for level in LEVELS},
        "satisfaction_pct": _round(satisfaction),
        "poor": one.poor,
        "followed_up": one.followed_up,
        **{name: marks[name] if marks else None for name in MARKS},
        **{f"{part}_score": _round(parts[part]) for part in PARTS},
        "total": _round(total),
        "rank": None,
        "feedback": "\n".join(f"{_day(f.at, legend)} {f.note}" for f in one.feedback),
    }


def _rank(rows: list[Row]) -> None:
    """Competition ranking by total (1, 2, 2, 4); a clerk with no total has no rank."""
    ranked = sorted((r for r in rows if r["total"] is not None), key=lambda r: -r["total"])
    for i, r in enumerate(ranked):
        r["rank"] = ranked[i - 1]["rank"] if i and r["total"] == ranked[i - 1]["total"] else i + 1


def _day(at: float, legend: Legend) -> str:
    return datetime.fromtimestamp(at, legend.zone).date().isoformat()


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)

"""The appraisal sheet over HTTP: a manager gives marks and records feedback; each clerk sees their own sheet."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, request

from ..model import MARKS, Feedback, Marks
from ..reports import BadRange, Legend, Row, report, report_range
from .auth import principal, require_user
from .body import read_body
from .errors import ApiError
from .state import app_state

appraisal = Blueprint("appraisal", __name__)


def _period(first: str | None, last: str | None) -> tuple[str, str]:
    try:
        return report_range(first, last)
    except BadRange as exc:
        raise ApiError(400, "bad_range", str(exc)) from None


def _sheet(first: str, last: str) -> tuple[list[Row], Legend]:
    core = app_state().core
    legend = core.read(lambda hall: Legend.of(hall.config, hall.clock()))
    return report("appraisal", core.store.period(first, last), legend), legend


def _iso(at: float, legend: Legend) -> str:
    return datetime.fromtimestamp(at, legend.zone).isoformat(timespec="seconds")


def _marks_view(m: Marks, legend: Legend) -> dict[str, Any]:
    return {**m.scores, "by": m.by, "at": _iso(m.at, legend)}


def _feedback_view(f: Feedback, legend: Legend) -> dict[str, Any]:
    return {"note": f.note, "by": f.by, "at": _iso(f.at, legend)}


def _clerk_sheet(clerk: str, first: str, last: str) -> dict[str, Any]:
    rows, legend = _sheet(first, last)
    row = next((r for r in rows if r["clerk"] == clerk), None)
    if row is None:
        raise ApiError(404, "unknown_clerk", f"there is no clerk {clerk!r}")
    store = app_state().core.store
    return {
        "from": first,
        "to": last,
        "weights": legend.weights.parts(),
        "ranked": sum(1 for r in rows if r["rank"] is not None),
        "row": row,
        "marks": [_marks_view(m, legend) for m in store.marks_of(first, last, clerk)],
        "feedback": [_feedback_view(f, legend) for f in store.feedback_of(first, last, clerk)],
    }


@appraisal.get("/api/v1/appraisal/mine")
def own_sheet() -> dict[str, Any]:
    """A clerk's own sheet, and only theirs: signed in at a window or at the review station."""
    p = principal()
    if p.kind != "clerk":
        raise ApiError(403, "forbidden", "a clerk's own sheet is for the clerk signed in")
    first, last = _period(request.args.get("from"), request.args.get("to"))
    return _clerk_sheet(p.id, first, last)


@appraisal.get("/api/v1/appraisal/<clerk>")
def clerk_sheet(clerk: str) -> dict[str, Any]:
    """One clerk's sheet with the history of its marks and every feedback, for managers and auditors."""
    require_user("manager", "auditor")
    first, last = _period(request.args.get("from"), request.args.get("to"))
    return _clerk_sheet(clerk, first, last)


@appraisal.post("/api/v1/appraisal/<clerk>/marks")
def give_marks(clerk: str) -> dict[str, Any]:
    """A manager's marks (品德, 才能, 奉献, 廉政, 学习) of a clerk for a period; the sheet shows the newest."""
    p = require_user("manager")
    body = read_body({"from": (str, True), "to": (str, True), **{name: (int, True) for name in MARKS}})
    first, last = _period(body["from"], body["to"])
    scores = {name: body[name] for name in MARKS}
    core = app_state().core
    core.execute(lambda hall: hall.give_marks(clerk, first, last, scores, p.actor))
    return _clerk_sheet(clerk, first, last)


@appraisal.post("/api/v1/appraisal/<clerk>/feedback")
def give_feedback(clerk: str) -> dict[str, Any]:
    """The feedback a manager gave a clerk on a period's sheet (绩效反馈), kept beside the earlier ones."""
    p = require_user("manager")
    body = read_body({"from": (str, True), "to": (str, True), "note": (str, True)})
    first, last = _period(body["from"], body["to"])
    if len(body["note"]) > 2000:
        raise ApiError(400, "bad_field", "the feedback is at most 2000 characters")
    core = app_state().core
    core.execute(lambda hall: hall.give_feedback(clerk, first, last, body["note"], p.actor))
    return _clerk_sheet(clerk, first, last)

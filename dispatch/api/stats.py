"""The day's figures and the citizens' ratings, for managers and auditors; managers follow up the low ones."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, request

from ..stats import day_stats
from ..store import Store
from .auth import principal, require_user
from .body import read_body
from .errors import ApiError
from .state import app_state
from .views import rating_view

stats = Blueprint("stats", __name__)

DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def day_arg(raw: str) -> str:
    """A `date=` parameter as the day it names (YYYY-MM-DD, a real date); 400 otherwise."""
    try:
        day = date.fromisoformat(raw).isoformat() if DAY.fullmatch(raw) else ""
    except ValueError:
        day = ""
    if not day:
        raise ApiError(400, "bad_date", "date must be YYYY-MM-DD")
    return day


@stats.get("/api/v1/stats")
def day_figures() -> dict[str, Any]:
    """The day's figures for users; a clerk signed in at a window gets their own row only (the soft caller's
    figure of the day), never a colleague's."""
    p = principal()
    own = p.id if p.kind == "clerk" and p.window is not None else None
    if own is None:
        require_user()
    core = app_state().core
    raw = request.args.get("date")
    day = core.read(lambda hall: hall.day) if raw is None else day_arg(raw)
    tickets = core.store.tickets_of(day)
    ratings = core.store.ratings_of(day)
    calls = core.store.calls_of(day)
    figures = core.read(lambda hall: day_stats(hall, day, tickets, ratings, calls))
    if own is not None:
        return {"date": day, "clerks": [row for row in figures["clerks"] if row["clerk"] == own]}
    # the operation log's keyed head as the day ended (or now, today): a later removal of entries is seen
    end = datetime.fromisoformat(day).replace(tzinfo=ZoneInfo(core.config.timezone)) + timedelta(days=1)
    return {**figures, "oplog": oplog_head(core.store, end.timestamp())}


def oplog_head(store: Store, before: float | None = None) -> dict[str, Any]:
    """The operation log's last sequence number and its hash (SPEC §3), as a day's report prints them."""
    seq, digest = store.audit_head_at(before)
    return {"seq": seq, "hash": digest}


@stats.get("/api/v1/ratings")
def list_ratings() -> dict[str, Any]:
    require_user()
    core = app_state().core
    flagged = request.args.get("flagged") in ("1", "true", "yes")
    raw = request.args.get("date")
    if raw is not None and not DAY.fullmatch(raw):
        raise ApiError(400, "bad_date", "date must be YYYY-MM-DD")
    found = core.store.ratings_of(raw, flagged=flagged)
    return core.read(lambda hall: {"ratings": [rating_view(hall, r) for r in found]})


@stats.post("/api/v1/ratings/<int:rating_id>/follow-up")
def follow_up(rating_id: int) -> dict[str, Any]:
    p = require_user("manager")
    core = app_state().core
    body = read_body({"note": (str, True)})
    if not body["note"].strip():
        raise ApiError(400, "bad_field", "say what was done")
    rating = core.store.rating(rating_id)
    if rating is None:
        raise ApiError(404, "unknown_rating", f"there is no rating {rating_id}")
    if rating.score > 2:
        raise ApiError(409, "not_flagged", "only ratings of 2 or 1 need a follow-up")
    done = core.execute(lambda hall: hall.follow_up(rating, body["note"].strip(), p.actor))
    return core.read(lambda hall: rating_view(hall, done))

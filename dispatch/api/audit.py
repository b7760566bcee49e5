"""The operation log for auditors and managers: its newest entries, a day's entries searched and downloaded in the
hall's words, and a check of its hash chain that goes on from the last entry it found intact."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from typing import Any

from flask import Blueprint, Response, request

from ..domain import Hall
from ..sheets import FORMATS, as_file
from ..store import check_audit
from .auth import require_user
from .errors import ApiError
from .oplog_words import ACTIONS, action_words, actor_words, detail_words, words
from .state import app_state
from .stats import day_arg

audit = Blueprint("audit", __name__)

LIMIT = 1000  # entries a search answers as JSON; a download holds the whole day


@audit.get("/api/v1/audit")
def audit_log() -> dict[str, Any]:
    require_user("auditor", "manager")
    raw = request.args.get("before")
    before = int(raw) if raw is not None and raw.isdigit() and len(raw) < 19 else None
    raw_limit = request.args.get("limit", "100")
    limit = min(int(raw_limit), 1000) if raw_limit.isdigit() and len(raw_limit) < 6 else 100
    core = app_state().core
    entries = core.store.audit_page(before, max(1, limit))
    return core.read(lambda hall: {"entries": [_entry(e, hall) for e in entries]})


@audit.get("/api/v1/audit/search")
def audit_search() -> Response | dict[str, Any]:
    """A day's entries (`date`, the hall's today by default), narrowed by `window`, `clerk`, `device` and `action`
    (a whole action, or its first part: `ticket` for every ticket action); `format=csv` or `xlsx` downloads them."""
    require_user("auditor", "manager")
    core = app_state().core
    day, filters = _search_args(core.read(lambda hall: hall.day))
    file_format = request.args.get("format")
    if file_format is not None and file_format not in FORMATS:
        raise ApiError(400, "bad_format", f"format must be one of: {', '.join(FORMATS)}")
    start, end = core.read(lambda hall: _day_bounds(hall, day))
    if file_format is None and not any(filters.values()):
        # the page's view at every event: the newest entries only, counted by the database
        count, newest = core.store.audit_newest_between(start, end, LIMIT)
        entries = core.read(lambda hall: [_entry(r, hall) for r in newest])
        return {"date": day, "count": count, "entries": entries[::-1]}
    rows = core.store.audit_between(start, end)

    def shown(hall: Hall) -> list[dict[str, Any]]:
        return [e for e in (_entry(r, hall) for r in rows) if _matches(e, **filters)]

    found = core.read(shown)
    if file_format is None:
        return {"date": day, "count": len(found), "entries": found[-LIMIT:][::-1]}  # newest first
    locale = core.config.locale
    columns = [words(locale, c) for c in ("seq", "at", "actor", "action", "detail")]
    table = [dict(zip(columns, (e["seq"], e["at"], e["who"], e["what"], e["details"]), strict=True)) for e in found]
    name = f"oplog-{day}.{file_format}"
    return Response(
        as_file(file_format, columns, table, words(locale, "title")),
        mimetype=FORMATS[file_format],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _search_args(today: str) -> tuple[str, dict[str, Any]]:
    day = day_arg(request.args.get("date") or today)
    window = request.args.get("window") or None
    if window is not None and not (window.isdigit() and len(window) < 5):
        raise ApiError(400, "bad_window", "window must be a window's number")
    filters = {
        "window": None if window is None else int(window),
        "clerk": request.args.get("clerk") or None,
        "device": request.args.get("device") or None,
        "action": request.args.get("action") or None,
    }
    return day, filters


def _day_bounds(hall: Hall, day: str) -> tuple[float, float]:
    start = datetime.combine(date.fromisoformat(day), time(), hall.tz)
    return start.timestamp(), (start + timedelta(days=1)).timestamp()


def _matches(e: dict[str, Any], window: int | None, clerk: str | None, device: str | None, action: str | None) -> bool:
    data, actors = e["data"] or {}, e["actors"]
    name = str(e["action"])
    if action is not None and not (name == action or name.startswith(action.rstrip(".") + ".")):
        return False
    at_window = window in (data.get("window"), data.get("from_window")) or any(
        a.get("window") == window for a in actors
    )
    if window is not None and not at_window:
        return False
    by_clerk = data.get("clerk") == clerk or any(a["kind"] == "clerk" and a["id"] == clerk for a in actors)
    if clerk is not None and not by_clerk:
        return False
    by_device = data.get("device") == device or any(a["kind"] == "device" and a["id"] == device for a in actors)
    return device is None or by_device


def _entry(row: dict[str, Any], hall: Hall) -> dict[str, Any]:
    """An entry as JSON with its words in the hall's locale, whatever its row holds: a damaged field is shown as
    damaged, never a failure."""
    entry: dict[str, Any] = {name: _plain(row[name]) for name in ("seq", "actor", "action", "hash")}
    try:
        entry["data"] = json.loads(row["data"]) if isinstance(row["data"], str) else None
    except ValueError:
        entry["data"] = None
    if not isinstance(entry["data"], dict) or any(entry[n] is None for n in ("seq", "actor", "action", "hash")):
        entry["damaged"] = True
        entry["data"] = entry["data"] if isinstance(entry["data"], dict) else None
    at = row.get("at")
    entry["at"] = hall.iso(at) if isinstance(at, int | float) and not isinstance(at, bool) else None
    entry["actors"], entry["who"] = actor_words(hall, str(entry["actor"] or ""))
    entry["what"] = action_words(hall.config.locale, str(entry["action"] or ""))
    entry["details"] = detail_words(hall, entry["data"] or {})
    return entry


def _plain(value: Any) -> int | str | None:
    if isinstance(value, bool) or not isinstance(value, int | str):
        return None
    return value


@audit.get("/api/v1/audit/choices")
def audit_choices() -> dict[str, Any]:
    """What the page's search offers: the actions the log records in the hall's words, and the clerks by name."""
    require_user("auditor", "manager")
    config = app_state().core.config
    return {
        "actions": [{"action": a, "words": action_words(config.locale, a)} for a in ACTIONS["zh-Hans"]],
        "clerks": [{"id": c.id, "name": c.name} for c in config.clerks],
    }


@audit.get("/api/v1/audit/verify")
def audit_verify() -> dict[str, Any]:
    """The chain checked from the last entry found intact (`full=1`: from the first entry)."""
    require_user("auditor", "manager")
    verdict = check_audit(app_state().core.store, full=request.args.get("full") in ("1", "true", "yes"))
    return {"ok": verdict.ok, "message": verdict.message, "count": verdict.count, "checked": verdict.walked}


@audit.get("/api/v1/ratings/<int:rating_id>/follow-ups")
def follow_ups(rating_id: int) -> dict[str, Any]:
    """Every follow-up recorded for a rating, oldest first, from the operation log: each entry kept, none
    overwriting another (SPEC §11)."""
    require_user()
    core = app_state().core
    rating = core.store.rating(rating_id)
    if rating is None:
        raise ApiError(404, "unknown_rating", f"there is no rating {rating_id}")
    rows = core.store.audit_of_action("rating.followed_up")

    def about(data: dict[str, Any]) -> bool:
        if "rating" in data:
            return bool(data["rating"] == rating_id)
        # entries from before the log named the rating: a ticket's number is unique within its day
        return bool(data.get("number") == rating.number and data.get("day") == rating.day)

    def history(hall: Hall) -> list[dict[str, Any]]:
        entries = [_entry(r, hall) for r in rows]
        return [
            {"at": e["at"], "by": e["who"], "actor": e["actor"], "note": (e["data"] or {}).get("note")}
            for e in entries
            if about(e["data"] or {})
        ]

    return {"rating": rating_id, "follow_ups": core.read(history)}

"""The managers' and auditors' page and what only it asks for: the hall's alerts, acknowledged by a manager."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, send_from_directory
from flask.typing import ResponseReturnValue

from ..alerts import Alert
from ..cases import overdue
from ..domain import Hall
from ..reports import Legend, report
from ..stats import day_stats
from .auth import require_user
from .body import read_body
from .state import app_state
from .views import window_name

FILES = Path(__file__).parents[1] / "manage"

manage = Blueprint("manage", __name__)


@manage.get("/manage")
def page() -> ResponseReturnValue:
    return send_from_directory(FILES, "index.html", max_age=0)


@manage.get("/manage/appraisal")
def appraisal_page() -> ResponseReturnValue:
    """The appraisal sheet (绩效考核): managers give marks and record feedback, auditors read."""
    return send_from_directory(FILES, "appraisal.html", max_age=0)


@manage.get("/manage/<path:name>")
def asset(name: str) -> ResponseReturnValue:
    return send_from_directory(FILES, name, max_age=0)


@manage.get("/api/v1/alerts")
def alerts() -> dict[str, Any]:
    """Every alert now, oldest first; those a manager acknowledged carry `acknowledged` and stay quiet."""
    require_user("manager", "auditor")
    core = app_state().core
    return core.read(lambda hall: {"alerts": [_alert_view(hall, a, seen) for a, seen in hall.alerts()]})


@manage.post("/api/v1/alerts/acknowledge")
def acknowledge() -> dict[str, Any]:
    """A manager acknowledges `{"key", "cause"}` as shown: 404 when the alert has ended, 409 when its cause has
    changed since (a new alert, to be looked at first). Recorded in the operation log."""
    p = require_user("manager")
    body = read_body({"key": (str, True), "cause": (str, True)})
    core = app_state().core
    alert = core.execute(lambda hall: hall.acknowledge(body["key"], body["cause"], p.actor))
    return core.read(lambda hall: _alert_view(hall, alert, True))


@manage.get("/api/v1/figures")
def figures() -> dict[str, Any]:
    """The day at a glance for the manager's strip and charts: issued, waiting, the longest wait now, the mean wait,
    the satisfaction rate (4 and 5 over all rated), poor ratings not yet followed up (any day), overdue cases, and
    arrivals and waits by hour and ratings by level."""
    require_user()
    core = app_state().core
    day = core.read(lambda hall: hall.day)
    tickets, rated, calls = core.store.tickets_of(day), core.store.ratings_of(day), core.store.calls_of(day)
    open_poor = sum(1 for r in core.store.ratings_of(None, flagged=True) if r.follow_up is None)
    legend = core.read(lambda hall: Legend.of(hall.config))
    by_hour = report("hours", core.store.period(day, day), legend)

    def now(hall: Hall) -> dict[str, Any]:
        total = day_stats(hall, day, tickets, rated, calls)["hall"]
        levels = {int(k): total["ratings"][k] for k in ("5", "4", "3", "2", "1")}
        clock = hall.clock()
        waits = [
            clock - t.issued_at for q in (*(w.queue for w in hall.windows.values()), *hall.shared.values()) for t in q
        ]
        services = {s.id: s for s in hall.config.services}
        late = [c for c in hall.open_cases() if overdue(c, services.get(c.service), clock)]
        return {
            "day": day,
            "issued": total["issued"],
            "waiting": len(waits),
            "longest_wait_s": round(max(waits)) if waits else None,
            "mean_wait_s": total["mean_wait_s"],
            "satisfaction": (levels[5] + levels[4]) / sum(levels.values()) if sum(levels.values()) else None,
            "rated": sum(levels.values()),
            "ratings": {str(k): v for k, v in levels.items()},
            "open_poor": open_poor,
            "overdue_cases": len(late),
            "hours": [{"hour": r["hour"], "issued": r["issued"], "mean_wait_s": r["mean_wait_s"]} for r in by_hour],
        }

    return core.read(now)


def _alert_view(hall: Hall, a: Alert, acknowledged: bool) -> dict[str, Any]:
    w = hall.windows.get(a.window) if a.window is not None else None
    clerk = hall.clerks.get(w.clerk) if w is not None and w.clerk else None
    device = hall.devices.get(a.device) if a.device is not None else None
    unit = hall.config.unit(a.detail) if a.kind == "case_overdue" else None
    return {
        "key": a.key,
        "kind": a.kind,
        "cause": a.cause,
        "since": hall.iso(a.since),
        "for_s": max(0, round(hall.clock() - a.since)),
        "acknowledged": acknowledged,
        "window": a.window,
        "window_name": window_name(hall, w) if w is not None else None,
        "clerk_name": clerk.name if clerk is not None else None,
        "waiting": None if w is None else len(w.queue),
        "number": a.number,
        "device": a.device,
        "device_kind": device.kind if device is not None else None,
        "unit_name": unit.name if unit is not None else None,
        "detail": a.detail,
    }

"""The hall as a whole: its services, windows, waits and hours for every device, the core's health, and a
manager ending the day."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, current_app

from .auth import require_user
from .body import read_body
from .state import app_state
from .stats import oplog_head
from .views import hall_view

hall = Blueprint("hall", __name__)


@hall.get("/healthz")
def healthz() -> Response | dict[str, Any]:
    """Ok only when the core can write: the write path's last outcome, or a probe when that is old (core.health)."""
    reason = app_state().core.health()
    if reason is not None:
        return current_app.response_class(
            json.dumps({"ok": False, "error": reason}, ensure_ascii=False), status=503, mimetype="application/json"
        )
    return {"ok": True}


@hall.get("/api/v1/hall")
def get_hall() -> dict[str, Any]:
    core = app_state().core
    return core.read(lambda hall: hall_view(hall, core.seq_of(hall)))


@hall.post("/api/v1/day/end")
def end_day() -> dict[str, Any]:
    """A manager ends the day: the waiting tickets are cancelled and the clerks signed out (409 while serving)."""
    p = require_user("manager")
    read_body({})  # like every other action: a field it does not know is refused, not silently ignored
    core = app_state().core
    ended = core.execute(lambda hall: hall.end_day(p.actor))
    return {**ended, "oplog": oplog_head(core.store)}  # the day's last entry is written: its keyed head

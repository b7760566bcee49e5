"""The hall as a whole: its services, windows and waits for every device at start, and the core's health."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, current_app

from ..store import StoreError
from .state import app_state
from .views import hall_view

hall = Blueprint("hall", __name__)


@hall.get("/healthz")
def healthz() -> Response | dict[str, Any]:
    try:
        app_state().core.store.ping()
    except StoreError as exc:
        return current_app.response_class(
            json.dumps({"ok": False, "error": str(exc)}), status=503, mimetype="application/json"
        )
    return {"ok": True}


@hall.get("/api/v1/hall")
def get_hall() -> dict[str, Any]:
    core = app_state().core
    return core.read(lambda hall: hall_view(hall, core.broker.last_seq))

"""The operation log for auditors and managers: its newest entries, page by page, and a check of its hash chain."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, request

from ..store import verify_audit
from .auth import require_user
from .state import app_state

audit = Blueprint("audit", __name__)


@audit.get("/api/v1/audit")
def audit_log() -> dict[str, Any]:
    require_user("auditor", "manager")
    raw = request.args.get("before")
    before = int(raw) if raw is not None and raw.isdigit() and len(raw) < 19 else None
    raw_limit = request.args.get("limit", "100")
    limit = min(int(raw_limit), 1000) if raw_limit.isdigit() and len(raw_limit) < 6 else 100
    entries = app_state().core.store.audit_page(before, max(1, limit))
    return {"entries": [_entry(e) for e in entries]}


def _entry(row: dict[str, Any]) -> dict[str, Any]:
    """An entry as JSON, whatever its row holds: a damaged field is shown as damaged, never a failure."""
    entry: dict[str, Any] = {name: _plain(row[name]) for name in ("seq", "actor", "action", "hash")}
    try:
        entry["data"] = json.loads(row["data"]) if isinstance(row["data"], str) else None
    except ValueError:
        entry["data"] = None
    if entry["data"] is None or any(entry[name] is None for name in ("seq", "actor", "action", "hash")):
        entry["damaged"] = True
    return entry


def _plain(value: Any) -> int | str | None:
    if isinstance(value, bool) or not isinstance(value, int | str):
        return None
    return value


@audit.get("/api/v1/audit/verify")
def audit_verify() -> dict[str, Any]:
    require_user("auditor", "manager")
    ok, message = verify_audit(app_state().core.store)
    return {"ok": ok, "message": message}

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
    return {
        "entries": [
            {
                "seq": e["seq"],
                "actor": e["actor"],
                "action": e["action"],
                "data": json.loads(e["data"]),
                "hash": e["hash"],
            }
            for e in entries
        ]
    }


@audit.get("/api/v1/audit/verify")
def audit_verify() -> dict[str, Any]:
    require_user("auditor", "manager")
    ok, message = verify_audit(app_state().core.store)
    return {"ok": ok, "message": message}

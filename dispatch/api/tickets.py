"""Tickets: kiosks issue them; anyone holding a ticket's id reads it, moves it, cancels it or rates it."""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, request

from ..domain import Hall
from ..model import SCORES
from .auth import principal, principal_or_none
from .body import read_body
from .errors import ApiError
from .state import app_state
from .views import rating_view, ticket_view

MAX_REASONS, MAX_REASON = 8, 60

tickets = Blueprint("tickets", __name__)


@tickets.post("/api/v1/tickets")
def issue() -> tuple[dict[str, Any], int, dict[str, str]]:
    p = principal()
    if p.device is None or p.device.kind != "kiosk":
        raise ApiError(403, "forbidden", "only kiosks issue tickets")
    body = read_body({"service": (str, True), "priority": (bool, False)})
    key = request.headers.get("Idempotency-Key")
    if key is not None and not re.fullmatch(r"[\x21-\x7e]{1,200}", key):
        raise ApiError(400, "bad_idempotency_key", "Idempotency-Key must be 1-200 visible ASCII characters")

    def command(hall: Hall) -> tuple[dict[str, Any], bool]:
        t, new = hall.issue(body["service"], body.get("priority", False), p.actor, device=p.id, idempotency_key=key)
        return ticket_view(hall, t), new

    view, new = app_state().core.execute(command)
    return view, 201, ({} if new else {"Idempotent-Replayed": "true"})


@tickets.get("/api/v1/tickets/<ticket_id>")
def get_ticket(ticket_id: str) -> dict[str, Any]:
    core = app_state().core

    def view(hall: Hall) -> dict[str, Any] | None:
        t = hall.tickets.get(ticket_id)
        return None if t is None else ticket_view(hall, t)

    found = core.read(view)
    if found is not None:
        return found
    # a ticket of an earlier day: its QR code still shows how it ended
    if len(ticket_id) > 64 or (old := core.store.ticket(ticket_id)) is None:
        raise ApiError(404, "unknown_ticket", "no such ticket")
    return core.read(lambda hall: ticket_view(hall, old))


@tickets.post("/api/v1/tickets/<ticket_id>/move")
def move(ticket_id: str) -> dict[str, Any]:
    p = principal_or_none()
    body = read_body({"window": (int, True)})
    actor = p.actor if p else "citizen"
    return app_state().core.execute(lambda hall: ticket_view(hall, hall.move(ticket_id, body["window"], actor)))


@tickets.post("/api/v1/tickets/<ticket_id>/cancel")
def cancel(ticket_id: str) -> dict[str, Any]:
    p = principal_or_none()
    read_body({})
    actor = p.actor if p else "citizen"
    return app_state().core.execute(lambda hall: ticket_view(hall, hall.cancel(ticket_id, actor)))


@tickets.post("/api/v1/tickets/<ticket_id>/rating")
def rate(ticket_id: str) -> tuple[dict[str, Any], int]:
    """The citizen's rating from the ticket's page: one per ticket, whichever channel (evaluator, phone) came first."""
    p = principal_or_none()
    body = read_body({"score": (int, True), "reasons": (list, False)})
    if body["score"] not in SCORES:
        raise ApiError(400, "bad_score", "score must be 1, 2, 3, 4 or 5")
    reasons = reasons_of(body.get("reasons", []))
    core = app_state().core
    if not core.read(lambda hall: ticket_id in hall.tickets):
        if len(ticket_id) > 64 or core.store.ticket(ticket_id) is None:
            raise ApiError(404, "unknown_ticket", "no such ticket")
        raise ApiError(409, "rating_closed", "a ticket is rated until the end of its day")
    actor = p.actor if p else "citizen"
    rating = core.execute(lambda hall: hall.rate_ticket(ticket_id, body["score"], actor, reasons))
    return core.read(lambda hall: rating_view(hall, rating)), 201


def reasons_of(raw: list[Any]) -> tuple[str, ...]:
    """The reasons a citizen ticked: a few short texts."""
    if len(raw) > MAX_REASONS or not all(isinstance(r, str) and 0 < len(r.strip()) <= MAX_REASON for r in raw):
        raise ApiError(400, "bad_field", f"'reasons' must be at most {MAX_REASONS} texts of 1-{MAX_REASON} characters")
    return tuple(r.strip() for r in raw)

"""Cases (SPEC §10): the review station's sign-in, the unit's cases, review and approval, the window's resubmission."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request

from onewindow.credentials import unknown_hash, verify_secret

from ..model import CASE_OPEN, DONE
from .auth import Principal, principal, window_actor
from .body import read_body
from .errors import ApiError
from .state import app_state
from .views import case_view

cases = Blueprint("cases", __name__)

STATUSES = (*CASE_OPEN, DONE)
DECISION: dict[str, tuple[type | tuple[type, ...], bool]] = {"decision": (str, True), "note": (str, False)}


def review_login(clerk_id: str, pin: str) -> dict[str, Any]:
    """A clerk with the review or approve duty signs in at a review station: no window; the caller opens the
    session. Each attempt counts against the clerk before the PIN is checked (given back when right), an unknown
    id is checked and answered like a known one, and each refusal goes to the operation log."""
    state = app_state()
    keys = (f"clerk:{clerk_id}",)
    reservation = state.attempts.reserve(*keys)
    clerk = next((c for c in state.core.config.clerks if c.id == clerk_id), None)
    actor = f"web:{request.remote_addr}"
    if clerk is None or not verify_secret(pin, clerk.pin_hash if clerk is not None else unknown_hash()):
        reason = "wrong_pin" if clerk is not None else "unknown_clerk"
        state.core.execute(lambda hall: hall.station_refused(clerk_id, reason, reservation.locked, actor))
        raise ApiError(401, "wrong_pin", "wrong staff id or PIN")
    state.attempts.give_back(reservation, clear=keys)
    duties = [d for d in clerk.duties if d in ("review", "approve")]
    if not duties:
        raise ApiError(403, "no_review_duty", f"{clerk_id} has no review or approve duty")
    state.core.execute(lambda hall: hall.station_signed_in(clerk_id, f"clerk:{clerk_id}@review"))
    return {"clerk": clerk_id, "name": clerk.name, "station": "review", "duties": duties, "units": list(clerk.units)}


def _deciding_clerk(p: Principal) -> Any:
    if p.kind != "clerk" or p.window is not None:
        return None
    return next((c for c in app_state().core.config.clerks if c.id == p.id), None)


@cases.get("/api/v1/cases")
def list_cases() -> dict[str, Any]:
    """Reviewers and approvers see their units' cases, managers and auditors every unit's, a window (its clerk or
    caller) the cases of that window (`window=`: returned ones to correct); oldest first."""
    p = principal()
    unit, status, window = request.args.get("unit") or None, request.args.get("status") or None, None
    if status is not None and status not in STATUSES:
        raise ApiError(400, "bad_status", f"status must be one of {', '.join(STATUSES)}")
    if "window" in request.args:
        try:
            window = int(request.args["window"])
        except ValueError:
            raise ApiError(400, "bad_window", "window must be a window's number") from None
    units: set[str] | None = None  # None: every unit
    clerk = _deciding_clerk(p)
    if p.kind == "user" and p.role in ("manager", "auditor"):
        pass
    elif clerk is not None:
        units = set(clerk.units)
        if unit is not None and unit not in units:
            raise ApiError(403, "forbidden", f"you do not decide the cases of {unit}")
    elif window is not None:
        window_actor(window, "cases")
    else:
        raise ApiError(403, "forbidden", "only the unit's reviewers and approvers, managers and auditors see cases")

    def listed(hall: Any) -> list[dict[str, Any]]:
        found = hall.open_cases(unit=unit, status=status, window=window)
        return [case_view(hall, c) for c in found if units is None or c.unit in units]

    return {"cases": app_state().core.read(listed)}


def _decide(case_id: str, duty: str) -> dict[str, Any]:
    p = principal()
    if _deciding_clerk(p) is None:
        raise ApiError(403, "forbidden", f"sign in at a review station to {duty} cases")
    body = read_body(DECISION)
    actor = f"clerk:{p.id}@review"
    return app_state().core.execute(
        lambda hall: case_view(hall, hall.decide(case_id, duty, p.id, body["decision"], body.get("note", ""), actor))
    )


@cases.post("/api/v1/cases/<case_id>/review")
def review(case_id: str) -> dict[str, Any]:
    return _decide(case_id, "review")


@cases.post("/api/v1/cases/<case_id>/approve")
def approve(case_id: str) -> dict[str, Any]:
    return _decide(case_id, "approve")


@cases.post("/api/v1/cases/<case_id>/resubmit")
def resubmit(case_id: str) -> dict[str, Any]:
    """The clerk (or caller) of the case's window submits a returned case again, corrected, with an optional note."""
    body = read_body({"note": (str, False)})
    window = app_state().core.read(lambda hall: hall.case(case_id).window)
    p = window_actor(window, "resubmit")
    return app_state().core.execute(
        lambda hall: case_view(hall, hall.resubmit(case_id, window, p.actor, body.get("note", "")))
    )

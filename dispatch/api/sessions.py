"""Sessions for the web pages: a clerk at a window, a user, or a page signed in as a device, kept in a cookie."""

from __future__ import annotations

import base64
from typing import Any

from flask import Blueprint, Response, request, session

from .auth import basic_user, check_device_token, principal_or_none
from .body import read_body
from .cases import review_login
from .errors import ApiError
from .state import app_state
from .windows import sign_in

sessions = Blueprint("sessions", __name__)

LOGIN_FIELDS: dict[str, tuple[type | tuple[type, ...], bool]] = {
    "clerk": (str, False),
    "pin": (str, False),
    "window": (int, False),
    "user": (str, False),
    "password": (str, False),
    "device": (str, False),
    "token": (str, False),
    "station": (str, False),
}


@sessions.post("/api/v1/session")
def login() -> dict[str, Any]:
    body = read_body(LOGIN_FIELDS)
    if "device" in body:
        device = check_device_token(body["device"], body.get("token", ""))
        session.clear()
        session.update({"device": device.id, "token_sha256": device.token_sha256})
        return {"device": device.id, "kind": device.kind, "windows": list(device.windows)}
    if "user" in body:
        if "password" not in body:
            raise ApiError(400, "missing_field", "'password' is required")
        p = basic_user(base64.b64encode(f"{body['user']}:{body['password']}".encode()).decode())
        session.clear()
        session["user"] = p.id
        return {"user": p.id, "role": p.role}
    if body.get("station") == "review":
        return review_login(body.get("clerk", ""), body.get("pin", ""))
    return _clerk_login(body)


def _clerk_login(body: dict[str, Any]) -> dict[str, Any]:
    for name in ("clerk", "pin", "window"):
        if name not in body:
            raise ApiError(400, "missing_field", f"{name!r} is required")
    n = body["window"]
    if n not in app_state().windows:
        raise ApiError(400, "unknown_window", f"there is no window {n}")
    view = sign_in(n, body["clerk"], body["pin"], f"clerk:{body['clerk']}@{n}", f"web:{request.remote_addr}")
    since = app_state().core.read(lambda hall: hall.windows[n].signed_in_at)
    session.clear()
    session.update({"clerk": body["clerk"], "window": n, "since": since})
    return {"clerk": body["clerk"], "window": view}


@sessions.get("/api/v1/session")
def whois() -> dict[str, Any]:
    p = principal_or_none()
    if p is None:
        return {"signed_in": False}
    return {
        "signed_in": True,
        "kind": p.kind,
        "id": p.id,
        "window": p.window,
        "role": p.role,
        "device_kind": p.device.kind if p.device else None,
        "windows": list(p.device.windows) if p.device else None,
    }


@sessions.delete("/api/v1/session")
def logout() -> Response:
    session.clear()
    return Response(status=204)

"""Sessions for the web pages: a clerk at a window, a user, or a page signed in as a device, each in its own
cookie naming a session the core keeps (signins.py)."""

from __future__ import annotations

import base64
from typing import Any

from flask import Blueprint, Response, jsonify, request

from .auth import basic_user, check_device_token, page_session, principal_or_none
from .body import read_body
from .cases import review_login
from .errors import ApiError
from .signins import COOKIES, KINDS
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


def _same_origin() -> None:
    """A sign-in comes as JSON from the core's own pages: a cross-site form cannot send JSON, and a browser names
    the page a request comes from in Origin (login CSRF: another site signing a PC in as someone else)."""
    if not request.is_json:
        raise ApiError(415, "json_required", "sign in with a JSON body (application/json)")
    origin = request.headers.get("Origin")
    if origin is not None and origin.rstrip("/") != request.host_url.rstrip("/"):
        raise ApiError(403, "cross_origin", "sign in from the core's own pages")
    if request.headers.get("Sec-Fetch-Site", "same-origin") not in ("same-origin", "none"):
        raise ApiError(403, "cross_origin", "sign in from the core's own pages")
    if request.headers.get("Authorization"):
        raise ApiError(400, "bad_credentials", "a page signs in with its body, not an Authorization header")


def _opened(kind: str, fields: dict[str, Any], answer: dict[str, Any]) -> Response:
    """The answer that sets the page's cookie for a new session, ending the one it had."""
    state = app_state()
    old = request.cookies.get(COOKIES[kind])
    if old:
        state.signins.end(old)
    response = jsonify(answer)
    rules = state.cookies
    response.set_cookie(
        COOKIES[kind],
        state.signins.open(kind, fields),
        httponly=True,
        secure=rules.secure,
        samesite=rules.samesite,
        path="/",
    )
    return response


@sessions.post("/api/v1/session")
def login() -> Response:
    _same_origin()
    body = read_body(LOGIN_FIELDS)
    if "device" in body:
        device = check_device_token(body["device"], body.get("token", ""))
        if device.kind == "caller":
            # a caller's token acts for its windows' clerks: it stays on the caller Pi, never in a browser
            raise ApiError(403, "forbidden", "a caller's token cannot sign a page in")
        return _opened(
            "device",
            {"device": device.id, "token_sha256": device.token_sha256},
            {"device": device.id, "kind": device.kind, "windows": list(device.windows)},
        )
    if "user" in body:
        if "password" not in body:
            raise ApiError(400, "missing_field", "'password' is required")
        p = basic_user(base64.b64encode(f"{body['user']}:{body['password']}".encode()).decode())
        return _opened("user", {"user": p.id}, {"user": p.id, "role": p.role})
    if body.get("station") == "review":
        clerk_id = body.get("clerk", "")
        answer = review_login(clerk_id, body.get("pin", ""))
        return _opened("clerk", {"clerk": clerk_id, "station": "review"}, answer)
    return _clerk_login(body)


def _clerk_login(body: dict[str, Any]) -> Response:
    for name in ("clerk", "pin", "window"):
        if name not in body:
            raise ApiError(400, "missing_field", f"{name!r} is required")
    n = body["window"]
    if n not in app_state().windows:
        raise ApiError(400, "unknown_window", f"there is no window {n}")
    view = sign_in(n, body["clerk"], body["pin"], f"clerk:{body['clerk']}@{n}", f"web:{request.remote_addr}")
    since = app_state().core.read(lambda hall: hall.windows[n].signed_in_at)
    return _opened(
        "clerk", {"clerk": body["clerk"], "window": n, "since": since}, {"clerk": body["clerk"], "window": view}
    )


@sessions.get("/api/v1/session")
def whois() -> dict[str, Any]:
    p = principal_or_none()
    if p is None:
        return {"signed_in": False}
    answer: dict[str, Any] = {
        "signed_in": True,
        "kind": p.kind,
        "id": p.id,
        "window": p.window,
        "role": p.role,
        "device_kind": p.device.kind if p.device else None,
        "windows": list(p.device.windows) if p.device else None,
    }
    if p.kind == "clerk" and p.window is None:
        answer.update(_station(p.id))
    return answer


def _station(clerk_id: str) -> dict[str, Any]:
    """What a review station shows of the person signed in there after a reload: name, duties, units by name."""
    config = app_state().core.config
    clerk = next(c for c in config.clerks if c.id == clerk_id)
    units = [{"id": u, "name": unit.name if (unit := config.unit(u)) else u} for u in clerk.units]
    duties = [d for d in clerk.duties if d in ("review", "approve")]
    return {"station": "review", "name": clerk.name, "duties": duties, "units": units}


@sessions.delete("/api/v1/session")
def logout() -> Response:
    """The page's session ends on the core: its cookie, or any copy of it, no longer signs anyone in."""
    carried = page_session()
    kinds = [carried[0]] if carried is not None else ([] if request.headers.get("X-Onewindow-Session") else KINDS)
    response = Response(status=204)
    for kind in kinds:
        sid = request.cookies.get(COOKIES[kind])
        if sid:
            app_state().signins.end(sid)
        response.delete_cookie(COOKIES[kind], path="/")
    return response

"""Who is asking and what they may do: a device by its token, a person by password or by their page's session."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

from flask import g, request

from onewindow.credentials import same_digest, token_sha256, unknown_hash, verify_secret
from onewindow.hallfile import Device

from .errors import ApiError
from .signins import COOKIES, KINDS
from .state import app_state


@dataclass(frozen=True)
class Principal:
    """Who is asking: a device by its token, a clerk at a window, or a user, by their session."""

    kind: str  # device, clerk, user
    id: str
    device: Device | None = None
    window: int | None = None
    role: str | None = None

    @property
    def actor(self) -> str:
        return f"clerk:{self.id}@{self.window}" if self.kind == "clerk" else f"{self.kind}:{self.id}"

    def at_window(self, clerk: str | None) -> str:
        """The operation log's actor for an action at a window whose signed-in clerk is `clerk`: a caller device
        (a keypad, a pad) acts for that clerk, so both are named, "device:caller-1 clerk:c03"."""
        if clerk and self.device is not None and self.device.kind == "caller":
            return f"{self.actor} clerk:{clerk}"
        return self.actor


def principal() -> Principal:
    """Who is asking; a request with no credentials is refused."""
    found = principal_or_none()
    if found is None:
        raise ApiError(401, "unauthenticated", "this needs a device token or a signed-in person")
    return found


def principal_or_none() -> Principal | None:
    """Who is asking, or None for a citizen with no credentials; wrong credentials are refused all the same."""
    if "principal" in g:
        return g.principal  # type: ignore[no-any-return]
    found: Principal | None = None
    header = request.headers.get("Authorization", "")
    if header:
        found = _authorization(header)
    else:
        found = _session_principal()
        if found is not None and request.method not in ("GET", "HEAD") and not request.is_json:
            raise ApiError(400, "json_required", "send the body as application/json")
    g.principal = found
    return found


def _authorization(header: str) -> Principal:
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        digest = token_sha256(value.strip())
        match = None
        # every device is compared, so the time taken does not tell which one came close
        for known_hash, device in app_state().devices_by_hash:
            if same_digest(digest, known_hash):
                match = device
        if match is None:
            raise ApiError(401, "bad_token", "this device token is not in the hall file")
        return Principal("device", match.id, device=match)
    if scheme.lower() == "basic":
        return basic_user(value.strip())
    raise ApiError(401, "bad_credentials", "use 'Authorization: Bearer <device token>'")


def basic_user(value: str) -> Principal:
    """The user named by basic credentials (base64 of `name:password`), if the password is right."""
    try:
        name, _, password = base64.b64decode(value, validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise ApiError(401, "bad_credentials", "malformed basic credentials") from None
    state = app_state()
    # counted per user from this address, and per address: a stranger's guesses slow the stranger and never lock
    # the user out at their own PC
    address = request.remote_addr or "?"
    reservation = state.attempts.reserve(f"user:{name}@{address}", f"addr:{address}")
    user = state.users.get(name)
    # an unknown name costs the same scrypt as a known one, so the time taken does not tell which names exist
    if not verify_secret(password, user.password_hash if user is not None else unknown_hash()) or user is None:
        raise ApiError(401, "bad_credentials", "wrong user name or password")
    state.attempts.give_back(reservation, clear=(f"user:{name}@{address}",))
    return Principal("user", user.name, role=user.role)


def page_session() -> tuple[str, str] | None:
    """The kind and id of the session this request carries: its page's own (the pages send their kind in
    `X-Onewindow-Session`, so a browser signed in at /caller and at /manage keeps both apart), or else the one
    session cookie it has."""
    present = [kind for kind in KINDS if request.cookies.get(COOKIES[kind])]
    wanted = request.headers.get("X-Onewindow-Session")
    if wanted in KINDS:
        present = [wanted] if wanted in present else []
    if not present:
        return None
    return present[0], request.cookies[COOKIES[present[0]]]


def _session_principal() -> Principal | None:
    carried = page_session()
    if carried is None:
        return None
    kind, sid = carried
    state = app_state()
    fields = state.signins.find(kind, sid)
    found = _live(kind, fields) if fields is not None else None
    if found is None:
        state.signins.end(sid)
        raise ApiError(401, "session_ended", SESSION_ENDED[kind])
    return found


SESSION_ENDED = {
    "clerk": "you were signed out of this window; sign in again",
    "user": "your session ended; sign in again",
    "device": "this page's session ended or its device token changed; sign the page in again",
}


def _live(kind: str, fields: dict[str, Any]) -> Principal | None:
    """Who a live session is, if what it was opened for still holds."""
    state = app_state()
    if kind == "device":
        # a tablet evaluator or a browser display signed in once with its device token
        device = next((d for d in state.core.config.devices if d.id == fields["device"]), None)
        if device is None or not same_digest(device.token_sha256, fields["token_sha256"]):
            return None
        return Principal("device", device.id, device=device)
    if kind == "user":
        user = state.users.get(fields["user"])
        return Principal("user", user.name, role=user.role) if user else None
    if fields.get("station") == "review":  # a reviewer or approver at a review station, at no window
        found = next((c for c in state.core.config.clerks if c.id == fields.get("clerk")), None)
        if found is None or not {"review", "approve"} & set(found.duties):
            return None
        return Principal("clerk", found.id)
    clerk, window, since = fields["clerk"], fields["window"], fields["since"]
    valid = state.core.read(
        lambda hall: (
            window in hall.windows
            and hall.windows[window].clerk == clerk
            and hall.windows[window].signed_in_at == since
        )
    )
    return Principal("clerk", clerk, window=window) if valid else None


def require_user(*roles: str) -> Principal:
    """A signed-in user, of one of these roles when any are named."""
    p = principal()
    if p.kind != "user" or (roles and p.role not in roles):
        raise ApiError(403, "forbidden", f"only {' or '.join(roles) or 'users'} may do this")
    return p


def window_actor(n: int, action: str) -> Principal:
    """Who may do `action` at window `n`: its caller or signed-in clerk, its evaluator to rate, managers to open."""
    p = principal()
    if n not in app_state().windows:
        raise ApiError(404, "unknown_window", f"there is no window {n}")
    if action in ("close", "open"):
        if p.kind == "user" and p.role == "manager":
            return p
        raise ApiError(403, "forbidden", "only managers open and close windows")
    if p.kind == "device" and p.device is not None:
        kind, windows = p.device.kind, p.device.windows
        if action == "rating":
            if kind == "evaluator" and n in windows:
                return p
            raise ApiError(403, "forbidden", f"only window {n}'s evaluator may rate")
        if kind == "caller" and n in windows:
            return p
        raise ApiError(403, "forbidden", f"device {p.id} may not act for window {n}")
    if p.kind == "clerk" and p.window == n and action not in ("rating", "sign-in"):
        return p
    raise ApiError(403, "forbidden", f"you may not {action} at window {n}")


def check_pin(n: int, clerk_id: str, pin: str, actor: str) -> None:
    """A clerk's PIN, before they sign in at window `n`. Each attempt is counted against that window and that clerk
    before the PIN is checked (given back when right), never the device or address: a caller Pi or a PC serves
    several windows, and one clerk's typos must not lock the others. A refusal, and the lock-out it may start, goes
    to the operation log."""
    state = app_state()
    clerk = next((c for c in state.core.config.clerks if c.id == clerk_id), None)
    # an unknown id is counted, checked and answered like a known one, so no answer tells which ids exist; the
    # capped table keeps made-up ids from piling up
    keys = (f"window:{n}", f"clerk:{clerk_id}")
    reservation = state.attempts.reserve(*keys)
    if verify_secret(pin, clerk.pin_hash if clerk is not None else unknown_hash()) and clerk is not None:
        state.attempts.give_back(reservation, clear=keys)
        return
    reason = "wrong_pin" if clerk is not None else "unknown_clerk"
    state.core.execute(lambda hall: hall.sign_in_refused(n, clerk_id, reason, reservation.locked, actor))
    raise ApiError(401, "wrong_pin", "wrong staff id or PIN")


def check_device_token(device_id: str, token: str) -> Device:
    """The device a page signs in as with its token; wrong guesses count against the device and address."""
    attempts = app_state().attempts
    keys = (f"device:{device_id}@{request.remote_addr}", f"addr:{request.remote_addr}")
    reservation = attempts.reserve(*keys)
    digest = token_sha256(token)
    device = next((d for d in app_state().core.config.devices if d.id == device_id), None)
    if device is None or not same_digest(digest, device.token_sha256):
        raise ApiError(401, "bad_token", "wrong device or token")
    attempts.give_back(reservation, clear=keys[:1])
    return device

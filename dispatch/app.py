"""HTTP interface v1: thin Flask routes that parse, authorise, call the hall's rules and answer JSON."""

from __future__ import annotations

import base64
import binascii
import json
import logging
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import Flask, Response, g, request, session
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from onewindow.credentials import same_digest, token_sha256, verify_secret
from onewindow.hallfile import Device, default_window_name

from .core import Core
from .domain import Hall, HallError
from .model import SCORES, Rating, Ticket, Window
from .stats import day_stats
from .store import StoreError, verify_audit

log = logging.getLogger(__name__)

MAX_BODY = 16 * 1024


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


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


class Attempts:
    """Failed PIN and password attempts; too many in a while answer 429 until it has passed."""

    def __init__(self, limit: int = 5, period_s: float = 300.0, clock: Callable[[], float] = time.monotonic):
        self.limit, self.period_s, self.clock = limit, period_s, clock
        self.failures: dict[str, deque[float]] = {}
        self.lock = threading.Lock()

    def _recent(self, key: str) -> deque[float]:
        now = self.clock()
        failures = self.failures.setdefault(key, deque())
        while failures and now - failures[0] > self.period_s:
            failures.popleft()
        return failures

    def check(self, *keys: str) -> None:
        with self.lock:
            for key in keys:
                failures = self._recent(key)
                if len(failures) >= self.limit:
                    wait = int(self.period_s - (self.clock() - failures[0])) + 1
                    raise ApiError(429, "too_many_attempts", f"too many wrong attempts: try again in {wait} s")

    def fail(self, *keys: str) -> None:
        with self.lock:
            for key in keys:
                self._recent(key).append(self.clock())

    def clear(self, *keys: str) -> None:
        with self.lock:
            for key in keys:
                self.failures.pop(key, None)


# --- bodies ------------------------------------------------------------------------------------------


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def read_body(fields: dict[str, tuple[type | tuple[type, ...], bool]]) -> dict[str, Any]:
    """The JSON object in the request, with exactly these fields: name -> (type, required)."""
    try:
        raw = request.get_data(cache=True)
    except RequestEntityTooLarge:
        raise ApiError(413, "body_too_large", f"the body is larger than {MAX_BODY} bytes") from None
    if not raw.strip():
        body: Any = {}
    else:
        try:
            body = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
        except (UnicodeDecodeError, ValueError, RecursionError):
            raise ApiError(400, "bad_json", "the body is not valid JSON") from None
    if not isinstance(body, dict):
        raise ApiError(400, "bad_json", "the body must be a JSON object")
    for name in body:
        if name not in fields:
            allowed = ", ".join(fields) or "no fields"
            raise ApiError(400, "unknown_field", f"unknown field {name!r} (allowed: {allowed})")
    for name, (kind, required) in fields.items():
        if name not in body or body[name] is None:
            if required:
                raise ApiError(400, "missing_field", f"{name!r} is required")
            body.pop(name, None)
            continue
        value = body[name]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            names = " or ".join(
                {str: "a string", int: "a whole number", bool: "true or false"}.get(k, k.__name__) for k in kinds
            )
            raise ApiError(400, "bad_field", f"{name!r} must be {names}")
        if isinstance(value, str) and len(value) > 500:
            raise ApiError(400, "bad_field", f"{name!r} is too long")
    return body


PART_STATES = ("ok", "warning", "fault", "unknown")


def check_parts(parts: dict[str, Any]) -> dict[str, Any]:
    """A device's parts (printer, led-1, keypad-3, …): each a state, a message and a few plain details."""
    if len(parts) > 32:
        raise ApiError(400, "bad_field", "at most 32 parts")
    for name, part in parts.items():
        if not re.fullmatch(r"[A-Za-z0-9_.:-]{1,40}", name):
            raise ApiError(400, "bad_field", f"part name {name[:40]!r} must be 1-40 letters, digits or _.:-")
        if not isinstance(part, dict) or part.get("state") not in PART_STATES:
            raise ApiError(400, "bad_field", f"part {name!r} needs a state: {', '.join(PART_STATES)}")
        if len(part) > 12:
            raise ApiError(400, "bad_field", f"part {name!r} has too many details")
        for key, value in part.items():
            plain = (
                value is None
                or isinstance(value, bool | int | str)
                or (isinstance(value, float) and value == value and abs(value) != float("inf"))
            )
            if not re.fullmatch(r"[a-z_]{1,32}", key) or not plain or (isinstance(value, str) and len(value) > 200):
                raise ApiError(400, "bad_field", f"part {name!r}: {key[:32]!r} must be a short plain value")
    return parts


# --- views -------------------------------------------------------------------------------------------


def ticket_view(hall: Hall, t: Ticket) -> dict[str, Any]:
    return {
        "id": t.id,
        "number": t.number,
        "service": t.service,
        "window": t.window,
        "status": t.status,
        "priority": t.priority,
        "ahead": hall.ahead_of(t),
        "estimated_wait_s": hall.estimated_wait_s(t),
        "issued_at": hall.iso(t.issued_at),
        "called_at": hall.iso(t.called_at),
        "service_name": hall.config.service(t.service).name if hall.config.has_service(t.service) else t.service,
        "window_name": window_name(hall, hall.windows[t.window]) if t.window in hall.windows else None,
        "printed_window": t.printed_window,
        "recalls": t.recalls,
    }


def window_name(hall: Hall, w: Window) -> str:
    return w.name or default_window_name(w.number, hall.config.locale)


def window_view(hall: Hall, w: Window, queue: bool = False) -> dict[str, Any]:
    clerk = hall.clerks.get(w.clerk) if w.clerk else None
    current = w.current
    armed = hall.armed(w)
    view: dict[str, Any] = {
        "number": w.number,
        "name": window_name(hall, w),
        "services": list(w.services),
        "state": w.state,
        "pause_reason": w.pause_reason,
        "clerk": {"id": clerk.id, "name": clerk.name} if clerk else None,
        "current": None
        if current is None
        else {
            "number": current.number,
            "service": current.service,
            "status": current.status,
            "recalls": current.recalls,
            "called_at": hall.iso(w.current_since),
        },
        "waiting": len(w.queue),
        "rating_until": hall.iso(w.armed_until) if armed else None,
    }
    if queue:
        view["queue"] = [
            {"number": t.number, "service": t.service, "priority": t.priority, "issued_at": hall.iso(t.issued_at)}
            for t in w.queue
        ]
    return view


def hall_view(hall: Hall, seq: int) -> dict[str, Any]:
    cfg = hall.config
    services = []
    for s in cfg.services:
        estimate = hall.service_estimate_s(s.id)
        services.append(
            {
                "id": s.id,
                "name": s.name,
                "prefix": s.prefix,
                "guide": s.guide,
                "waiting": hall.waiting(s.id),
                "estimated_wait_s": estimate,
                "available": estimate is not None,
            }
        )
    return {
        "name": cfg.name,
        "locale": cfg.locale,
        "timezone": cfg.timezone,
        "day": hall.day,
        "now": hall.iso(hall.clock()),
        "priority": cfg.priority,
        "recall_limit": cfg.recall_limit,
        "rating_window_s": cfg.rating_window_s,
        "require_sign_in": cfg.require_sign_in,
        "services": services,
        "windows": [window_view(hall, w) for w in hall.windows.values()],
        "seq": seq,
    }


def rating_view(hall: Hall, r: Rating) -> dict[str, Any]:
    return {
        "id": r.id,
        "number": r.number,
        "day": r.day,
        "service": r.service,
        "window": r.window,
        "clerk": r.clerk,
        "score": r.score,
        "label": SCORES[r.score],
        "at": hall.iso(r.at),
        "flagged": r.score <= 2,
        "follow_up": r.follow_up,
        "follow_up_by": r.follow_up_by,
        "follow_up_at": hall.iso(r.follow_up_at),
    }


# --- the app -----------------------------------------------------------------------------------------

WINDOW_ACTIONS = (
    "call",
    "recall",
    "start",
    "finish",
    "no-show",
    "transfer",
    "pause",
    "resume",
    "sign-in",
    "sign-out",
    "close",
    "open",
    "rating",
)


def create_app(core: Core, *, heartbeat_s: float = 15.0, attempts: Attempts | None = None) -> Flask:
    app = Flask(__name__, static_folder=None)
    secret = core.store.meta_value("secret_key") or ""
    app.config.update(
        SECRET_KEY=secret,
        MAX_CONTENT_LENGTH=MAX_BODY,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_NAME="onewindow",
        JSON_AS_ASCII=False,
    )
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    config = core.config
    devices_by_hash = [(d.token_sha256, d) for d in config.devices]
    users = {u.name: u for u in config.users}
    attempts = attempts or Attempts()
    app.extensions["onewindow.core"] = core

    # --- errors ----------------------------------------------------------------------------------
    def error(status: int, code: str, message: str) -> Response:
        return app.response_class(
            json.dumps({"error": {"code": code, "message": message}}, ensure_ascii=False),
            status=status,
            mimetype="application/json",
        )

    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError) -> Response:
        return error(exc.status, exc.code, exc.message)

    @app.errorhandler(HallError)
    def _hall_error(exc: HallError) -> Response:
        return error(exc.status, exc.code, exc.message)

    @app.errorhandler(StoreError)
    def _store_error(exc: StoreError) -> Response:
        log.error("%s", exc)
        return error(503, "storage_unavailable", "the core cannot reach its database just now; try again")

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Response:
        codes = {404: "not_found", 405: "method_not_allowed", 413: "body_too_large", 400: "bad_request"}
        return error(exc.code or 400, codes.get(exc.code or 400, "bad_request"), exc.description or exc.name)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.path)
        return error(500, "internal", "the core hit an unexpected error; it is logged")

    # --- who is asking -----------------------------------------------------------------------------
    def principal(optional: bool = False) -> Principal | None:
        if "principal" in g:
            return g.principal  # type: ignore[no-any-return]
        found: Principal | None = None
        header = request.headers.get("Authorization", "")
        if header:
            scheme, _, value = header.partition(" ")
            if scheme.lower() == "bearer" and value.strip():
                digest = token_sha256(value.strip())
                match = None
                for known_hash, device in devices_by_hash:
                    if same_digest(digest, known_hash):
                        match = device
                if match is None:
                    raise ApiError(401, "bad_token", "this device token is not in the hall file")
                found = Principal("device", match.id, device=match)
            elif scheme.lower() == "basic":
                found = basic_user(value.strip())
            else:
                raise ApiError(401, "bad_credentials", "use 'Authorization: Bearer <device token>'")
        elif "clerk" in session or "user" in session or "device" in session:
            found = session_principal()
            if found is not None and request.method not in ("GET", "HEAD") and not request.is_json:
                raise ApiError(400, "json_required", "send the body as application/json")
        if found is None and not optional:
            raise ApiError(401, "unauthenticated", "this needs a device token or a signed-in person")
        g.principal = found
        return found

    def basic_user(value: str) -> Principal:
        try:
            name, _, password = base64.b64decode(value, validate=True).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise ApiError(401, "bad_credentials", "malformed basic credentials") from None
        attempts.check(f"user:{name}")
        user = users.get(name)
        if user is None or not verify_secret(password, user.password_hash):
            attempts.fail(f"user:{name}")
            raise ApiError(401, "bad_credentials", "wrong user name or password")
        return Principal("user", user.name, role=user.role)

    def session_principal() -> Principal | None:
        if "device" in session:
            # a tablet evaluator or a browser display signed in once with its device token
            device = next((d for d in config.devices if d.id == session["device"]), None)
            if device is None or not same_digest(device.token_sha256, str(session.get("token_sha256", ""))):
                session.clear()
                raise ApiError(401, "session_ended", "this device's token changed; sign the page in again")
            return Principal("device", device.id, device=device)
        if "user" in session:
            user = users.get(session["user"])
            return Principal("user", user.name, role=user.role) if user else None
        clerk, window, since = session.get("clerk"), session.get("window"), session.get("since")
        valid = core.read(
            lambda hall: (
                window in hall.windows
                and hall.windows[window].clerk == clerk
                and hall.windows[window].signed_in_at == since
            )
        )
        if not valid or not isinstance(clerk, str):
            session.clear()
            raise ApiError(401, "session_ended", "you were signed out of this window; sign in again")
        return Principal("clerk", clerk, window=window)

    def require_user(*roles: str) -> Principal:
        p = principal()
        assert p is not None
        if p.kind != "user" or (roles and p.role not in roles):
            raise ApiError(403, "forbidden", f"only {' or '.join(roles) or 'users'} may do this")
        return p

    def window_actor(n: int, action: str) -> Principal:
        p = principal()
        assert p is not None
        if n not in config_windows:
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

    config_windows = {w.number for w in config.windows}

    # --- routes --------------------------------------------------------------------------------------
    @app.get("/healthz")
    def healthz() -> Response | dict[str, Any]:
        try:
            core.store.ping()
        except StoreError as exc:
            return app.response_class(
                json.dumps({"ok": False, "error": str(exc)}), status=503, mimetype="application/json"
            )
        return {"ok": True}

    @app.get("/api/v1/hall")
    def get_hall() -> dict[str, Any]:
        return core.read(lambda hall: hall_view(hall, core.broker.last_seq))

    @app.get("/api/v1/device")
    def whoami() -> dict[str, Any]:
        p = principal()
        if p is None or p.device is None:
            raise ApiError(403, "forbidden", "only devices have a device record")
        return {"id": p.device.id, "kind": p.device.kind, "windows": list(p.device.windows)}

    @app.post("/api/v1/tickets")
    def issue() -> tuple[dict[str, Any], int, dict[str, str]]:
        p = principal()
        assert p is not None
        if p.device is None or p.device.kind != "kiosk":
            raise ApiError(403, "forbidden", "only kiosks issue tickets")
        body = read_body({"service": (str, True), "priority": (bool, False)})
        key = request.headers.get("Idempotency-Key")
        if key is not None and not re.fullmatch(r"[\x21-\x7e]{1,200}", key):
            raise ApiError(400, "bad_idempotency_key", "Idempotency-Key must be 1-200 visible ASCII characters")

        def command(hall: Hall) -> tuple[dict[str, Any], bool]:
            t, new = hall.issue(body["service"], body.get("priority", False), p.actor, device=p.id, idempotency_key=key)
            return ticket_view(hall, t), new

        view, new = core.execute(command)
        return view, 201, ({} if new else {"Idempotent-Replayed": "true"})

    @app.get("/api/v1/tickets/<ticket_id>")
    def get_ticket(ticket_id: str) -> dict[str, Any]:
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

    @app.post("/api/v1/tickets/<ticket_id>/move")
    def move(ticket_id: str) -> dict[str, Any]:
        p = principal(optional=True)
        body = read_body({"window": (int, True)})
        actor = p.actor if p else "citizen"
        return core.execute(lambda hall: ticket_view(hall, hall.move(ticket_id, body["window"], actor)))

    @app.post("/api/v1/tickets/<ticket_id>/cancel")
    def cancel(ticket_id: str) -> dict[str, Any]:
        p = principal(optional=True)
        read_body({})
        actor = p.actor if p else "citizen"
        return core.execute(lambda hall: ticket_view(hall, hall.cancel(ticket_id, actor)))

    @app.get("/api/v1/windows/<int:n>")
    def get_window(n: int) -> dict[str, Any]:
        return core.read(lambda hall: window_view(hall, hall.window(n), queue=True))

    @app.post("/api/v1/windows/<int:n>/<action>")
    def window_action(n: int, action: str) -> Any:
        if action not in WINDOW_ACTIONS:
            raise ApiError(404, "not_found", f"windows have no action {action!r}")
        p = window_actor(n, action)
        actor = p.actor
        if action == "call":
            read_body({})
            result = core.execute(lambda hall: _view_or_none(hall, hall.call(n, actor)))
            return result if result is not None else Response(status=204)
        if action in ("recall", "start", "finish", "no-show"):
            read_body({})
            method = {"recall": "recall", "start": "start", "finish": "finish", "no-show": "no_show"}[action]
            return core.execute(lambda hall: ticket_view(hall, getattr(hall, method)(n, actor)))
        if action == "transfer":
            body = read_body({"service": (str, False), "window": (int, False)})
            if "service" not in body and "window" not in body:
                raise ApiError(400, "missing_field", "give 'service' or 'window' to transfer to")
            return core.execute(
                lambda hall: ticket_view(
                    hall, hall.transfer(n, actor, service=body.get("service"), window=body.get("window"))
                )
            )
        if action == "pause":
            body = read_body({"reason": (str, False)})
            return core.execute(lambda hall: window_view(hall, hall.pause(n, actor, body.get("reason"))))
        if action in ("resume", "close", "open", "sign-out"):
            read_body({})
            method = action.replace("-", "_")
            view = core.execute(lambda hall: window_view(hall, getattr(hall, method)(n, actor)))
            if action == "sign-out" and p.kind == "clerk":
                session.clear()
            return view
        if action == "sign-in":
            body = read_body({"clerk": (str, True), "pin": (str, True)})
            return sign_in(n, body["clerk"], body["pin"], actor)
        body = read_body({"score": (int, True)})
        if body["score"] not in SCORES:
            raise ApiError(400, "bad_score", "score must be 1, 2, 3, 4 or 5")
        rating = core.execute(lambda hall: hall.rate(n, body["score"], actor))
        return core.read(lambda hall: rating_view(hall, rating)), 201

    def sign_in(n: int, clerk_id: str, pin: str, actor: str) -> dict[str, Any]:
        keys = (f"window:{n}", f"clerk:{clerk_id}", f"addr:{request.remote_addr}")
        attempts.check(*keys)
        clerk = next((c for c in config.clerks if c.id == clerk_id), None)
        if clerk is None:
            attempts.fail(*keys)
            raise ApiError(400, "unknown_clerk", f"no clerk {clerk_id!r} in the hall file")
        if not verify_secret(pin, clerk.pin_hash):
            attempts.fail(*keys)
            raise ApiError(401, "wrong_pin", "wrong PIN")
        attempts.clear(*keys)
        return core.execute(lambda hall: window_view(hall, hall.sign_in(n, clerk_id, actor)))

    @app.post("/api/v1/devices/<device_id>/status")
    def device_status(device_id: str) -> dict[str, Any]:
        p = principal()
        assert p is not None
        if not any(d.id == device_id for d in config.devices):
            raise ApiError(404, "unknown_device", f"there is no device {device_id!r}")
        if p.kind != "device" or p.id != device_id:
            raise ApiError(403, "forbidden", "a device reports only its own status")
        body = read_body({"ok": (bool, True), "message": (str, False), "parts": (dict, False), "version": (str, False)})
        if len(request.get_data(cache=True)) > 4096:
            raise ApiError(413, "body_too_large", "a status report is at most 4096 bytes")
        status = {"ok": body["ok"], "message": body.get("message", ""), "parts": check_parts(body.get("parts", {}))}
        if "version" in body:
            status["version"] = body["version"]
        d = core.execute(lambda hall: hall.device_status(device_id, status, p.actor))
        return {"device": d.id, "kind": d.kind, "online": d.online, "status": d.status}

    @app.get("/api/v1/devices")
    def list_devices() -> dict[str, Any]:
        require_user()
        return core.read(
            lambda hall: {
                "devices": [
                    {
                        "id": d.id,
                        "kind": d.kind,
                        "online": d.online,
                        "last_seen": hall.iso(d.last_seen),
                        "status": d.status,
                    }
                    for d in hall.devices.values()
                ]
            }
        )

    @app.get("/api/v1/events")
    def stream_events() -> Response:
        after: int | None = None
        for raw in (request.headers.get("Last-Event-ID"), request.args.get("after")):
            if raw is not None and raw.strip().isdigit() and len(raw.strip()) < 19:
                after = int(raw.strip())
                break
        follow = core.broker.follow(after, heartbeat_s)

        def stream() -> Iterator[str]:
            yield "retry: 2000\n\n"
            for e in follow:
                yield ": heartbeat\n\n" if e is None else e.sse

        response = Response(stream(), mimetype="text/event-stream")
        response.headers["Cache-Control"] = "no-cache"
        response.headers["X-Accel-Buffering"] = "no"
        return response

    @app.get("/api/v1/stats")
    def stats() -> dict[str, Any]:
        require_user()
        raw = request.args.get("date")
        day = core.read(lambda hall: hall.day)
        if raw is not None:
            try:
                day = date.fromisoformat(raw).isoformat() if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw) else ""
            except ValueError:
                day = ""
            if not day:
                raise ApiError(400, "bad_date", "date must be YYYY-MM-DD")
        tickets = core.store.tickets_of(day)
        ratings = core.store.ratings_of(day)
        return core.read(lambda hall: day_stats(hall, day, tickets, ratings))

    @app.get("/api/v1/audit")
    def audit_log() -> dict[str, Any]:
        require_user("auditor", "manager")
        raw = request.args.get("before")
        before = int(raw) if raw is not None and raw.isdigit() and len(raw) < 19 else None
        raw_limit = request.args.get("limit", "100")
        limit = min(int(raw_limit), 1000) if raw_limit.isdigit() and len(raw_limit) < 6 else 100
        entries = core.store.audit_page(before, max(1, limit))
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

    @app.get("/api/v1/audit/verify")
    def audit_verify() -> dict[str, Any]:
        require_user("auditor", "manager")
        try:
            ok, message = verify_audit(core.store)
        except SQLAlchemyError as exc:
            raise StoreError(str(exc)) from exc
        return {"ok": ok, "message": message}

    @app.get("/api/v1/ratings")
    def list_ratings() -> dict[str, Any]:
        require_user()
        flagged = request.args.get("flagged") in ("1", "true", "yes")
        raw = request.args.get("date")
        if raw is not None and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
            raise ApiError(400, "bad_date", "date must be YYYY-MM-DD")
        found = core.store.ratings_of(raw, flagged=flagged)
        return core.read(lambda hall: {"ratings": [rating_view(hall, r) for r in found]})

    @app.post("/api/v1/ratings/<int:rating_id>/follow-up")
    def follow_up(rating_id: int) -> dict[str, Any]:
        p = require_user("manager")
        body = read_body({"note": (str, True)})
        if not body["note"].strip():
            raise ApiError(400, "bad_field", "say what was done")
        rating = core.store.rating(rating_id)
        if rating is None:
            raise ApiError(404, "unknown_rating", f"there is no rating {rating_id}")
        if rating.score > 2:
            raise ApiError(409, "not_flagged", "only ratings of 2 or 1 need a follow-up")
        done = core.execute(lambda hall: hall.follow_up(rating, body["note"].strip(), p.actor))
        return core.read(lambda hall: rating_view(hall, done))

    # --- sessions for the web pages ---------------------------------------------------------------
    @app.post("/api/v1/session")
    def login() -> dict[str, Any]:
        body = read_body(
            {
                "clerk": (str, False),
                "pin": (str, False),
                "window": (int, False),
                "user": (str, False),
                "password": (str, False),
                "device": (str, False),
                "token": (str, False),
            }
        )
        if "device" in body:
            digest = token_sha256(body.get("token", ""))
            device = next((d for d in config.devices if d.id == body["device"]), None)
            attempts.check(f"device:{body['device']}", f"addr:{request.remote_addr}")
            if device is None or not same_digest(digest, device.token_sha256):
                attempts.fail(f"device:{body['device']}", f"addr:{request.remote_addr}")
                raise ApiError(401, "bad_token", "wrong device or token")
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
        for name in ("clerk", "pin", "window"):
            if name not in body:
                raise ApiError(400, "missing_field", f"{name!r} is required")
        n = body["window"]
        if n not in config_windows:
            raise ApiError(400, "unknown_window", f"there is no window {n}")
        view = sign_in(n, body["clerk"], body["pin"], f"clerk:{body['clerk']}@{n}")
        since = core.read(lambda hall: hall.windows[n].signed_in_at)
        session.clear()
        session.update({"clerk": body["clerk"], "window": n, "since": since})
        return {"clerk": body["clerk"], "window": view}

    @app.get("/api/v1/session")
    def whois() -> dict[str, Any]:
        p = principal(optional=True)
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

    @app.delete("/api/v1/session")
    def logout() -> Response:
        session.clear()
        return Response(status=204)

    from .manage import manage
    from .pages import pages

    app.register_blueprint(pages)
    app.register_blueprint(manage)
    return app


def _view_or_none(hall: Hall, t: Ticket | None) -> dict[str, Any] | None:
    return None if t is None else ticket_view(hall, t)

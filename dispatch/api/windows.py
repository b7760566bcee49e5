"""Windows: what a caller, a clerk's soft caller, an evaluator or a manager does at one window."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response
from flask.typing import ResponseReturnValue

from ..domain import Hall
from ..model import SCORES, Ticket
from .auth import Principal, check_pin, window_actor
from .body import read_body
from .errors import ApiError
from .state import app_state
from .tickets import reasons_of
from .views import rating_view, ticket_view, window_view

windows = Blueprint("windows", __name__)


@windows.get("/api/v1/windows/<int:n>")
def get_window(n: int) -> dict[str, Any]:
    return app_state().core.read(lambda hall: window_view(hall, hall.window(n), queue=True))


@windows.post("/api/v1/windows/<int:n>/rating/reasons")
def rating_reasons(n: int) -> dict[str, Any]:
    """What the citizen ticked on the window's evaluator after its 2 or 1 (recorded at the press, reasons after)."""
    p = window_actor(n, "rating")
    body = read_body({"reasons": (list, True)})
    reasons = reasons_of(body["reasons"])
    if not reasons:
        raise ApiError(400, "bad_field", "'reasons' must name at least one reason")
    core = app_state().core
    rating = core.execute(lambda hall: hall.give_reasons(n, reasons, p.actor))
    return core.read(lambda hall: rating_view(hall, rating))


@windows.post("/api/v1/windows/<int:n>/<action>")
def window_action(n: int, action: str) -> ResponseReturnValue:
    act = ACTIONS.get(action)
    if act is None:
        raise ApiError(404, "not_found", f"windows have no action {action!r}")
    return act(n, window_actor(n, action))


def sign_in(n: int, clerk_id: str, pin: str, actor: str, typed_at: str) -> dict[str, Any]:
    """A clerk signs in at window `n` with their PIN, typed at a device or page (`typed_at`, the actor of a
    refusal: a wrong PIN is nobody's act but the keypad's); the window as it is then."""
    check_pin(n, clerk_id, pin, typed_at)
    return app_state().core.execute(lambda hall: window_view(hall, hall.sign_in(n, clerk_id, actor)))


def _call(n: int, p: Principal) -> ResponseReturnValue:
    read_body({})
    result = app_state().core.execute(lambda hall: _view_or_none(hall, hall.call(n, _actor(hall, n, p))))
    return result if result is not None else Response(status=204)


def _on_current(method: str) -> Callable[[int, Principal], ResponseReturnValue]:
    """An action on the window's current ticket (recall, start, finish, no-show), answering the ticket."""

    def act(n: int, p: Principal) -> ResponseReturnValue:
        read_body({})
        return app_state().core.execute(lambda hall: ticket_view(hall, getattr(hall, method)(n, _actor(hall, n, p))))

    return act


def _transfer(n: int, p: Principal) -> ResponseReturnValue:
    body = read_body({"service": (str, False), "window": (int, False)})
    if "service" not in body and "window" not in body:
        raise ApiError(400, "missing_field", "give 'service' or 'window' to transfer to")
    return app_state().core.execute(
        lambda hall: ticket_view(
            hall, hall.transfer(n, _actor(hall, n, p), service=body.get("service"), window=body.get("window"))
        )
    )


def _pause(n: int, p: Principal) -> ResponseReturnValue:
    body = read_body({"reason": (str, False)})
    return app_state().core.execute(
        lambda hall: window_view(hall, hall.pause(n, _actor(hall, n, p), body.get("reason")))
    )


def _on_window(method: str) -> Callable[[int, Principal], ResponseReturnValue]:
    """An action on the window itself (resume, close, open, sign-out), answering the window."""

    def act(n: int, p: Principal) -> ResponseReturnValue:
        read_body({})
        # a clerk's page session ends with the sign-in it was bound to (auth checks it on every request)
        return app_state().core.execute(lambda hall: window_view(hall, getattr(hall, method)(n, _actor(hall, n, p))))

    return act


def _sign_in(n: int, p: Principal) -> ResponseReturnValue:
    body = read_body({"clerk": (str, True), "pin": (str, True)})
    return sign_in(n, body["clerk"], body["pin"], p.at_window(body["clerk"]), p.actor)


def _rate(n: int, p: Principal) -> ResponseReturnValue:
    body = read_body({"score": (int, True)})
    if body["score"] not in SCORES:
        raise ApiError(400, "bad_score", "score must be 1, 2, 3, 4 or 5")
    core = app_state().core
    rating = core.execute(lambda hall: hall.rate(n, body["score"], p.actor))
    return core.read(lambda hall: rating_view(hall, rating)), 201


def _actor(hall: Hall, n: int, p: Principal) -> str:
    return p.at_window(hall.windows[n].clerk)


def _view_or_none(hall: Hall, t: Ticket | None) -> dict[str, Any] | None:
    return None if t is None else ticket_view(hall, t)


ACTIONS: dict[str, Callable[[int, Principal], ResponseReturnValue]] = {
    "call": _call,
    "recall": _on_current("recall"),
    "start": _on_current("start"),
    "finish": _on_current("finish"),
    "no-show": _on_current("no_show"),
    "transfer": _transfer,
    "pause": _pause,
    "resume": _on_window("resume"),
    "sign-in": _sign_in,
    "sign-out": _on_window("sign_out"),
    "close": _on_window("close"),
    "open": _on_window("open"),
    "rating": _rate,
}

"""Reading request bodies: exactly the JSON fields a route takes, and the parts of a device's status report."""

from __future__ import annotations

import json
import re
from typing import Any

from flask import request
from werkzeug.exceptions import RequestEntityTooLarge

from .errors import ApiError

MAX_BODY = 16 * 1024
PART_STATES = ("ok", "warning", "fault", "unknown")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _too_large() -> ApiError:
    # made only when raised: an ApiError is an exception with its answer, too dear to build for every body
    return ApiError(413, "body_too_large", f"the body is larger than {MAX_BODY} bytes")


def _parsed() -> dict[str, Any]:
    """The request's body as a JSON object; an empty body is an empty object."""
    try:
        raw = request.get_data(cache=True)
    except RequestEntityTooLarge:
        raise _too_large() from None
    if request.content_length is None and len(raw) >= MAX_BODY:
        # a chunked body is read up to the limit and cut there: one that reaches it went on past it
        raise _too_large()
    if not raw.strip():
        body: Any = {}
    else:
        try:
            body = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
        except (UnicodeDecodeError, ValueError, RecursionError):
            raise ApiError(400, "bad_json", "the body is not valid JSON") from None
    if not isinstance(body, dict):
        raise ApiError(400, "bad_json", "the body must be a JSON object")
    return body


def read_body(fields: dict[str, tuple[type | tuple[type, ...], bool]]) -> dict[str, Any]:
    """The JSON object in the request, with exactly these fields: name -> (type, required)."""
    body = _parsed()
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

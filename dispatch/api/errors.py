"""The one place refusals and failures become answers: `{"error": {"code": …, "message": …}}` with a status."""

from __future__ import annotations

import json
import logging
from typing import Any

from flask import Flask, Response, current_app, request
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter

from ..domain import HallError
from ..store import StoreError

log = logging.getLogger(__name__)

# werkzeug's own refusals (no such route, wrong method, …) in the interface's words
HTTP_CODES = {404: "not_found", 405: "method_not_allowed", 413: "body_too_large", 400: "bad_request"}


class ApiError(Exception):
    """A request the interface refuses before it reaches the hall: bad body, wrong credentials, no such thing."""

    def __init__(self, status: int, code: str, message: str, retry_after_s: int | None = None):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.retry_after_s = retry_after_s


def error_answer(
    status: int, code: str, message: str, details: dict[str, Any] | None = None, retry_after_s: int | None = None
) -> Response:
    """The error answer; `details` are a code's own fields beside code and message (`next_opening`, …)."""
    answer = current_app.response_class(
        json.dumps({"error": {"code": code, "message": message, **(details or {})}}, ensure_ascii=False),
        status=status,
        mimetype="application/json",
    )
    if status == 429:
        # every "too many" says when to come back, so clients wait instead of hammering
        answer.headers["Retry-After"] = str(max(1, retry_after_s or 1))
    return answer


def _api_error(exc: ApiError) -> Response:
    return error_answer(exc.status, exc.code, exc.message, retry_after_s=exc.retry_after_s)


def _hall_error(exc: HallError) -> Response:
    return error_answer(exc.status, exc.code, exc.message, exc.details)


# what the database said, in words for whoever sees the refusal; the full reason goes to the log
STORAGE_REASONS = (
    ("full", "the core's disk is full: nothing was written; try again once the technician has made room"),
    ("locked", "another program holds the core's database: nothing was written; try again"),
    ("readonly", "the core's database cannot be written: nothing was written; tell the technician"),
)


def _store_error(exc: StoreError) -> Response:
    log.error("%s", exc)
    reason = str(exc)
    message = next((said for word, said in STORAGE_REASONS if word in reason), None)
    return error_answer(503, "storage_unavailable", message or "the core cannot reach its database just now; try again")


def _http_error(exc: HTTPException) -> Response:
    status = exc.code or 400
    retry_after = getattr(exc, "retry_after", None)
    return error_answer(
        status,
        HTTP_CODES.get(status, "bad_request"),
        exc.description or exc.name,
        retry_after_s=retry_after if isinstance(retry_after, int) else None,
    )


def _unexpected(exc: Exception) -> Response:
    log.exception("unexpected error on %s %s", request.method, request.path)
    return error_answer(500, "internal", "the core hit an unexpected error; it is logged")


class PathNumber(IntegerConverter):
    """A number in a path (a rating, a window): one no database can hold is no resource, so 404, not a crash."""

    def __init__(self, map: object, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("max", 2**63 - 1)
        super().__init__(map, *args, **kwargs)  # type: ignore[arg-type]


def register(app: Flask) -> None:
    """Answer every error the app meets; Flask picks the most specific class.

    Also bounds `<int:…>` in every route's path; called before the blueprints are registered, so theirs use it.
    """
    app.url_map.converters["int"] = PathNumber
    app.register_error_handler(ApiError, _api_error)
    app.register_error_handler(HallError, _hall_error)
    app.register_error_handler(StoreError, _store_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)

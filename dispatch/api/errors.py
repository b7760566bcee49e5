"""The one place refusals and failures become answers: `{"error": {"code": …, "message": …}}` with a status."""

from __future__ import annotations

import json
import logging
from typing import Any

from flask import Flask, Response, current_app, request
from werkzeug.exceptions import HTTPException

from ..domain import HallError
from ..store import StoreError

log = logging.getLogger(__name__)

# werkzeug's own refusals (no such route, wrong method, …) in the interface's words
HTTP_CODES = {404: "not_found", 405: "method_not_allowed", 413: "body_too_large", 400: "bad_request"}


class ApiError(Exception):
    """A request the interface refuses before it reaches the hall: bad body, wrong credentials, no such thing."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def error_answer(status: int, code: str, message: str, details: dict[str, Any] | None = None) -> Response:
    """The error answer; `details` are a code's own fields beside code and message (`next_opening`, …)."""
    return current_app.response_class(
        json.dumps({"error": {"code": code, "message": message, **(details or {})}}, ensure_ascii=False),
        status=status,
        mimetype="application/json",
    )


def _api_error(exc: ApiError) -> Response:
    return error_answer(exc.status, exc.code, exc.message)


def _hall_error(exc: HallError) -> Response:
    return error_answer(exc.status, exc.code, exc.message, exc.details)


def _store_error(exc: StoreError) -> Response:
    log.error("%s", exc)
    return error_answer(503, "storage_unavailable", "the core cannot reach its database just now; try again")


def _http_error(exc: HTTPException) -> Response:
    status = exc.code or 400
    return error_answer(status, HTTP_CODES.get(status, "bad_request"), exc.description or exc.name)


def _unexpected(exc: Exception) -> Response:
    log.exception("unexpected error on %s %s", request.method, request.path)
    return error_answer(500, "internal", "the core hit an unexpected error; it is logged")


def register(app: Flask) -> None:
    """Answer every error the app meets; Flask picks the most specific class."""
    app.register_error_handler(ApiError, _api_error)
    app.register_error_handler(HallError, _hall_error)
    app.register_error_handler(StoreError, _store_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)

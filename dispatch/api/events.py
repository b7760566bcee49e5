"""The event stream: every committed event as server-sent events, replayed from `Last-Event-ID` or `?after=`."""

from __future__ import annotations

from collections.abc import Iterator

from flask import Blueprint, Response, request

from .sse import HEARTBEAT, RETRY
from .state import app_state

events = Blueprint("events", __name__)


def _after() -> int | None:
    """The last event the follower has, from the header a reconnecting EventSource sends or from the query."""
    for raw in (request.headers.get("Last-Event-ID"), request.args.get("after")):
        if raw is not None and raw.strip().isdigit() and len(raw.strip()) < 19:
            return int(raw.strip())
    return None


@events.get("/api/v1/events")
def stream_events() -> Response:
    state = app_state()
    follow = state.core.broker.follow(_after(), state.heartbeat_s)

    def stream() -> Iterator[str]:
        yield RETRY
        for e in follow:
            yield HEARTBEAT if e is None else state.frames.of(e)

    response = Response(stream(), mimetype="text/event-stream")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["X-Accel-Buffering"] = "no"
    return response

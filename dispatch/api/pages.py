"""The web pages the core serves: the soft caller, the review station, the evaluator, a ticket's status page, an index.

The pages are plain HTML, CSS and JavaScript from `dispatch/web/` (no build step, nothing fetched from the internet: the
hall's LAN has none). They speak the HTTP interface v1 like any device, follow the event stream, and take their
texts from `web/i18n.js` in the hall's locale, which the server writes into each page's `lang`. The one thing
they need beyond v1 is `GET /t/<id>/windows`: where else a waiting ticket could go, and how long it would
wait there (its issue time keeps its place in any queue). Only staffed windows are offered.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, Response, send_file

from ..domain import Hall
from ..model import WAITING, Ticket, Window
from .errors import ApiError
from .state import app_state
from .views import window_name

WEB = Path(__file__).parents[1] / "web"

pages = Blueprint("pages", __name__, static_folder=str(WEB), static_url_path="/static")

# Only the core's own files and requests: nothing on a clerk's PC or a citizen's phone reaches out elsewhere.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)


def no_framing(response: Response) -> Response:
    """Every answer refuses to be framed (clickjacking a manager's buttons); pages of web/ carry the full CSP,
    the rest (/manage, its files, JSON) at least frame-ancestors."""
    response.headers.setdefault("Content-Security-Policy", "frame-ancestors 'none'")
    response.headers["X-Frame-Options"] = "DENY"
    return response


def _page(name: str, status: int = 200, private: bool = False) -> Response:
    """A page of web/ in the hall's locale."""
    core = app_state().core
    html = (WEB / name).read_text(encoding="utf-8")
    html = html.replace('lang="zh-Hans"', f'lang="{core.config.locale}"', 1)
    response = Response(html, status=status, mimetype="text/html")
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"  # a ticket's address is its capability: never pass it on
    if private:
        response.headers["Cache-Control"] = "no-store"
    return response


@pages.get("/")
def index() -> Response:
    return _page("index.html")


@pages.get("/caller")
def caller() -> Response:
    """The soft caller: a clerk's PC at one window."""
    return _page("caller.html", private=True)


@pages.get("/caller/sheet")
def caller_sheet() -> Response:
    """A clerk's own appraisal sheet, from the soft caller's session (SPEC §11): theirs and only theirs."""
    return _page("sheet.html", private=True)


@pages.get("/caller/keys")
def caller_keys() -> Response:
    """The clerks' key card for the built-in numpad map, with the hall's services as the transfer digits count them;
    printed and put beside each keypad."""
    return _page("keys.html")


@pages.get("/review")
def review() -> Response:
    """The review station (SPEC §10): a unit's reviewer or approver deciding the cases the windows handled."""
    return _page("review.html", private=True)


@pages.get("/evaluator")
def evaluator() -> Response:
    """The web evaluator: a tablet at a window, facing the citizen."""
    return _page("evaluator.html", private=True)


@pages.get("/clerks/<clerk_id>/photo")
def clerk_photo(clerk_id: str) -> Response:
    """A clerk's photo from the hall file, for the window's evaluator: public, like the name badge at the counter."""
    clerk = app_state().core.read(lambda hall: hall.clerks.get(clerk_id))
    if clerk is None or clerk.photo is None or not Path(clerk.photo).is_file():
        raise ApiError(404, "unknown_photo", "no photo of this clerk")
    response = send_file(clerk.photo, max_age=300)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@pages.get("/t/<ticket_id>")
def ticket(ticket_id: str) -> Response:
    """A ticket's status page, where its QR code points. An unknown id gets the same page, saying so, with 404."""
    known = app_state().core.read(lambda hall: ticket_id in hall.tickets)
    return _page("ticket.html", status=200 if known else 404, private=True)


@pages.get("/t/<ticket_id>/windows")
def ticket_windows(ticket_id: str) -> dict[str, Any]:
    """The windows serving a waiting ticket's service: how many would be ahead of it there and how long it would
    wait; a window nobody staffs is listed as not available. Only windows: no other ticket is named."""
    found = app_state().core.read(lambda hall: _choices(hall, ticket_id))
    if found is None:
        raise ApiError(404, "unknown_ticket", "no such ticket")
    return found


def _choices(hall: Hall, ticket_id: str) -> dict[str, Any] | None:
    t = hall.tickets.get(ticket_id)
    if t is None:
        return None
    windows: list[dict[str, Any]] = []
    if t.status == WAITING:
        for w in hall.windows.values():
            if t.service not in w.services:
                continue
            here = w.number == t.window
            movable = here or w.staffed
            ahead, wait = _as_if_at(hall, t, w) if movable else (None, None)
            windows.append(
                {
                    "number": w.number,
                    "name": window_name(hall, w),
                    "state": w.state,
                    "here": here,
                    "available": movable,
                    "ahead": ahead,
                    "estimated_wait_s": wait,
                    # a citizen at its counter: why a wait remains with nobody ahead
                    "busy": w.current is not None,
                }
            )
    return {"status": t.status, "window": t.window, "windows": windows}


def _as_if_at(hall: Hall, t: Ticket, w: Window) -> tuple[int, int | None]:
    """What the core would tell the citizen after moving to `w`: the people ahead there and the estimated wait.

    Asked of the hall's own rules by placing the ticket there for a moment and back (under the core's lock,
    recording nothing), so that the page never promises what the ticket page would not show after the move.
    """
    if w.number == t.window:
        return hall.ahead_of(t), hall.estimated_wait_s(t)
    home, was = hall.queue_of(t), t.window  # its window's queue or its service's shared one
    home.remove(t)
    t.window = w.number
    w.enqueue(t)
    try:
        return hall.ahead_of(t), hall.estimated_wait_s(t)
    finally:
        w.queue.remove(t)
        t.window = was
        home.add(t)  # back in its place: queues are ordered by (priority, issue time, issue order)

"""HTTP interface v1: thin Flask blueprints that parse, authorise, call the hall's rules and answer JSON."""

from __future__ import annotations

from flask import Flask

from ..core import Core
from . import errors
from .attempts import Attempts
from .audit import audit
from .body import MAX_BODY
from .devices import devices
from .events import events
from .hall import hall
from .manage import manage
from .pages import pages
from .sessions import sessions
from .state import KEY, AppState
from .stats import stats
from .tickets import tickets
from .windows import windows

BLUEPRINTS = (hall, tickets, windows, devices, events, sessions, stats, audit, pages, manage)


def create_app(
    core: Core, *, heartbeat_s: float = 15.0, attempts: Attempts | None = None, behind_tls: bool = False
) -> Flask:
    """The core's web app: the v1 interface and the pages, answering from `core`. `behind_tls`: browsers reach it
    over HTTPS through a proxy, so the session cookie is marked Secure (sent back over HTTPS only)."""
    app = Flask(__name__, static_folder=None)
    app.config.update(
        SECRET_KEY=core.store.meta_value("secret_key") or "",
        MAX_CONTENT_LENGTH=MAX_BODY,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_NAME="onewindow",
        SESSION_COOKIE_SECURE=behind_tls,
        JSON_AS_ASCII=False,
    )
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.extensions[KEY] = AppState.serving(core, heartbeat_s, attempts or Attempts())
    errors.register(app)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    return app

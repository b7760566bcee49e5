"""HTTP interface v1: thin Flask blueprints that parse, authorise, call the hall's rules and answer JSON."""

from __future__ import annotations

from dataclasses import replace

from flask import Flask

from ..core import Core
from . import errors
from .appraisal import appraisal
from .attempts import Attempts
from .audit import audit
from .body import MAX_BODY
from .cases import cases
from .devices import devices
from .hall import hall
from .manage import manage
from .pages import no_framing, pages
from .reports import reports
from .sessions import sessions
from .signins import CookieRules
from .state import KEY, AppState
from .stats import stats
from .tickets import tickets
from .windows import windows

BLUEPRINTS = (hall, tickets, windows, devices, sessions, stats, reports, audit, pages, manage, cases, appraisal)


def create_app(
    core: Core,
    *,
    heartbeat_s: float = 15.0,
    attempts: Attempts | None = None,
    cookies: CookieRules | None = None,
    behind_tls: bool = False,
) -> Flask:
    """The core's web app: the v1 interface and the pages, answering from `core`. Session cookies follow `cookies`,
    or ONEWINDOW_COOKIE_SECURE and ONEWINDOW_COOKIE_SAMESITE (docs/web.md); `behind_tls`: browsers reach it over
    HTTPS through a proxy, so the session cookies are Secure (sent back over HTTPS only) whatever those say."""
    app = Flask(__name__, static_folder=None)
    app.config.update(
        MAX_CONTENT_LENGTH=MAX_BODY,
        JSON_AS_ASCII=False,
    )
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    rules = cookies or CookieRules.from_environment()
    if behind_tls:
        rules = replace(rules, secure=True)
    app.extensions[KEY] = AppState.serving(core, heartbeat_s, attempts or Attempts(), rules)
    errors.register(app)
    app.after_request(no_framing)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    return app

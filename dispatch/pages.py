"""The web pages the core serves: the soft caller, the evaluator, a ticket's status page, and an index."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response

WEB = Path(__file__).parent / "web"

pages = Blueprint("pages", __name__, static_folder=str(WEB), static_url_path="/static")


@pages.get("/")
def index() -> Response:
    return Response(
        "<!doctype html><meta charset=utf-8><title>onewindow</title><h1>onewindow</h1>"
        '<p><a href="/api/v1/hall">/api/v1/hall</a></p>',
        mimetype="text/html",
    )

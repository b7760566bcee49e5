"""The managers' and auditors' page: live windows, the day's figures, ratings to follow up, devices, the log."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, send_from_directory
from flask.typing import ResponseReturnValue

FILES = Path(__file__).parents[1] / "manage"

manage = Blueprint("manage", __name__)


@manage.get("/manage")
def page() -> ResponseReturnValue:
    return send_from_directory(FILES, "index.html", max_age=0)


@manage.get("/manage/appraisal")
def appraisal_page() -> ResponseReturnValue:
    """The appraisal sheet (绩效考核): managers give marks and record feedback, auditors read."""
    return send_from_directory(FILES, "appraisal.html", max_age=0)


@manage.get("/manage/<path:name>")
def asset(name: str) -> ResponseReturnValue:
    return send_from_directory(FILES, name, max_age=0)

"""Reports over any range of days for managers and auditors: JSON rows, or the same rows as CSV or XLSX."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request

from ..reports import KINDS, BadRange, Legend, report, report_range
from ..sheets import FORMATS, as_file
from .auth import require_user
from .errors import ApiError
from .state import app_state

reports = Blueprint("reports", __name__)


@reports.get("/api/v1/reports/<kind>")
def range_report(kind: str) -> dict[str, Any] | Response:
    require_user("manager", "auditor")
    if kind not in KINDS:
        raise ApiError(404, "unknown_report", f"there is no report {kind!r}; there are: {', '.join(KINDS)}")
    file_format = request.args.get("format", "json")
    if file_format != "json" and file_format not in FORMATS:
        raise ApiError(400, "bad_format", "format is json, csv or xlsx")
    try:
        first, last = report_range(request.args.get("from"), request.args.get("to"))
    except BadRange as exc:
        raise ApiError(400, "bad_range", str(exc)) from None
    core = app_state().core
    legend = core.read(lambda hall: Legend.of(hall.config, hall.clock()))
    rows = report(kind, core.store.period(first, last), legend)
    columns = KINDS[kind].columns
    if file_format == "json":
        return {"kind": kind, "from": first, "to": last, "columns": list(columns), "rows": rows}
    name = f"report-{kind}-{first}-{last}.{file_format}"
    return Response(
        as_file(file_format, columns, rows, f"{kind} {first} {last}"),
        content_type=FORMATS[file_format],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )

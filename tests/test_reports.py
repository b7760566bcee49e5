"""Reports over a range of days: every figure of three known days, the same rows as CSV and XLSX, the same after a
restart, and who may ask for which range."""

from __future__ import annotations

import csv
import io
import urllib.error
import urllib.request
from datetime import datetime, timedelta
from email.message import Message

import pytest
from openpyxl import load_workbook

from onewindow.dispatch.model import DONE, FINISHED, Call, Case, Feedback, Marks, Rating, Ticket
from onewindow.dispatch.reports import KINDS, MAX_DAYS, BadRange, Legend, report, report_range
from onewindow.dispatch.store import StoredEvent
from tests.support.hall import TZ, Clock, basic, raw_request, serve
from tests.support.workload import D1, D2, D3, EXPECTED, EXPECTED_D2_WINDOWS, START, row, three_days


def fetch(url: str, path: str, headers: dict[str, str]) -> tuple[int, Message, bytes]:
    """(status, headers read case-insensitively as HTTP says, body)."""
    request = urllib.request.Request(url + path, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.headers, answer.read()
    except urllib.error.HTTPError as refused:
        return refused.code, refused.headers, refused.read()


def csv_rows(body: bytes) -> tuple[list[str], list[list[str]]]:
    assert body.startswith(b"\xef\xbb\xbf"), "UTF-8 with a BOM, so Excel reads the Chinese names"
    lines = list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    return lines[0], lines[1:]


def xlsx_rows(body: bytes) -> tuple[list[str], list[list[object]]]:
    sheet = load_workbook(io.BytesIO(body), read_only=True).worksheets[0]
    header = [str(v) for v in next(sheet.iter_rows(values_only=True))]
    # read_only leaves out a row's empty cells at its end: read as wide as the header
    lines = [list(values) for values in sheet.iter_rows(min_row=2, values_only=True, max_col=len(header))]
    return header, lines


def test_three_days_give_every_figure_and_the_same_rows_as_csv_and_xlsx(tmp_path):
    with serve(tmp_path, clock=Clock(START)) as hall:
        three_days(hall)
        for kind, expected in EXPECTED.items():
            query = f"/api/v1/reports/{kind}?from={D1}&to={D3}"
            status, answer = raw_request(hall.url, "GET", query, headers=basic("manager"))
            assert status == 200, answer
            assert answer == {"kind": kind, "from": D1, "to": D3, "columns": list(expected[0]), "rows": expected}

            status, headers, body = fetch(hall.url, query + "&format=csv", basic("auditor"))
            assert status == 200 and headers["Content-Type"] == "text/csv; charset=utf-8"
            assert headers["Content-Disposition"] == f'attachment; filename="report-{kind}-{D1}-{D3}.csv"'
            columns, lines = csv_rows(body)
            assert columns == list(expected[0])
            assert lines == [["" if r[c] is None else str(r[c]) for c in columns] for r in expected]

            status, headers, body = fetch(hall.url, query + "&format=xlsx", basic("manager"))
            assert status == 200 and headers["Content-Type"].startswith("application/vnd.openxmlformats")
            columns, cells = xlsx_rows(body)
            assert columns == list(expected[0])
            assert cells == [[r[c] for c in columns] for r in expected]  # numbers stay numbers

        status, answer = raw_request(
            hall.url, "GET", f"/api/v1/reports/windows?from={D2}&to={D2}", None, basic("manager")
        )
        assert answer["rows"] == EXPECTED_D2_WINDOWS


def test_the_figures_are_the_same_after_a_restart(tmp_path):
    db = str(tmp_path / "hall.sqlite")
    with serve(tmp_path, clock=Clock(START), db=db) as hall:
        three_days(hall)
    with serve(tmp_path, clock=Clock(datetime(2026, 12, 1, 9, 0, tzinfo=TZ)), db=db) as hall:
        for kind, expected in EXPECTED.items():
            query = f"/api/v1/reports/{kind}?from={D1}&to={D3}"
            assert raw_request(hall.url, "GET", query, headers=basic("auditor"))[1]["rows"] == expected


def test_who_may_ask_and_which_ranges_are_refused(tmp_path):
    with serve(tmp_path) as hall:
        ok = f"from={D1}&to={D1}"
        assert raw_request(hall.url, "GET", f"/api/v1/reports/windows?{ok}")[0] == 401
        assert raw_request(hall.url, "GET", f"/api/v1/reports/windows?{ok}", headers=basic("technician"))[0] == 403
        assert raw_request(hall.url, "GET", f"/api/v1/reports/windows?{ok}", headers=basic("manager"))[1]["rows"] == []
        status, answer = raw_request(hall.url, "GET", f"/api/v1/reports/nonsense?{ok}", headers=basic("manager"))
        assert (status, answer["error"]["code"]) == (404, "unknown_report")
        status, answer = raw_request(
            hall.url, "GET", f"/api/v1/reports/hours?{ok}&format=pdf", headers=basic("manager")
        )
        assert (status, answer["error"]["code"]) == (400, "bad_format")
        for query in (
            f"from={D2}&to={D1}",  # from after to
            "from=2026-02-30&to=2026-03-01",  # no such day
            "from=2026-1-5&to=2026-01-06",
            f"to={D1}",
            "from=2020-01-01&to=2023-01-01",  # more than three years
        ):
            status, answer = raw_request(hall.url, "GET", f"/api/v1/reports/clerks?{query}", headers=basic("manager"))
            assert (status, answer["error"]["code"]) == (400, "bad_range"), query


def test_a_range_is_real_days_in_order_of_at_most_three_years():
    assert report_range("2024-01-01", "2026-12-31") == ("2024-01-01", "2026-12-31")  # 1096 days, a leap day in
    last = (datetime(2024, 1, 1) + timedelta(days=MAX_DAYS)).date().isoformat()
    with pytest.raises(BadRange, match="at most"):
        report_range("2024-01-01", last)
    with pytest.raises(BadRange, match="after"):
        report_range("2026-01-02", "2026-01-01")
    with pytest.raises(BadRange, match="from must be a date"):
        report_range(None, "2026-01-01")


class Listed:
    """Records of one day held in lists, as a test gives them; no cases, marks, feedback or sign-ins."""

    first = last = D1

    def __init__(self, tickets: list[Ticket], calls: list[Call], ratings: list[Rating]):
        self._tickets, self._calls, self._ratings = tickets, calls, ratings

    def cases(self) -> list[Case]:
        return []

    def marks(self) -> list[Marks]:
        return []

    def feedback(self) -> list[Feedback]:
        return []

    def shifts(self, start: float, end: float) -> list[StoredEvent]:
        return []

    def tickets(self) -> list[Ticket]:
        return self._tickets

    def calls(self) -> list[Call]:
        return self._calls

    def ratings(self) -> list[Rating]:
        return self._ratings


def test_hours_are_the_halls_local_hours_and_every_kind_has_its_columns():
    issued = datetime(2026, 11, 24, 23, 50, tzinfo=TZ).timestamp()  # 15:50 UTC
    t = Ticket("t1", D1, "A001", 1, 1, "general", "general", 1, 1, DONE, False, issued, issued + 300, 1)
    t.finished_at, t.served_window, t.clerk = issued + 900, 1, "c01"  # 00:05 the next morning
    call = Call(1, D1, "A001", "general", 1, "c01", issued + 300, FINISHED)
    records = Listed([t], [call], [Rating(1, "t1", D1, "A001", "general", 1, "c01", 4, issued + 901)])
    rows = report("hours", records, Legend("测试大厅", TZ))
    assert rows == [
        row(("hour", 0), finished=1, mean_handling_s=600.0, rated_4=1, satisfaction_pct=100.0),
        row(("hour", 23), issued=1, calls=1, mean_wait_s=300.0, p95_wait_s=300.0),
    ]
    assert report("clerks", records, Legend("测试大厅", TZ))[0]["name"] == "c01"  # no name known: the id
    for kind in KINDS:
        for r in report(kind, records, Legend("测试大厅", TZ)):
            assert tuple(r) == KINDS[kind].columns

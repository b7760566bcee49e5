"""A report's rows as a download: CSV (UTF-8 with a BOM, so Excel reads Chinese) or an XLSX workbook."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def as_csv(columns: Sequence[str], rows: Sequence[dict[str, Any]]) -> bytes:
    """A header line of the columns, then one line per row; an empty figure is an empty field."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row[c] is None else row[c] for c in columns])
    return out.getvalue().encode("utf-8-sig")


def as_xlsx(columns: Sequence[str], rows: Sequence[dict[str, Any]], title: str) -> bytes:
    """One sheet named `title`: a header row of the columns, then the rows, numbers as numbers."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])  # Excel's limit on a sheet's name
    sheet.append(list(columns))
    for row in rows:
        sheet.append([row[c] for c in columns])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def as_file(file_format: str, columns: Sequence[str], rows: Sequence[dict[str, Any]], title: str) -> bytes:
    """The rows in `file_format` (a key of FORMATS)."""
    return as_csv(columns, rows) if file_format == "csv" else as_xlsx(columns, rows, title)

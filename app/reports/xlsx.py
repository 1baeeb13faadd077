"""The reports' XLSX data pack (openpyxl): one sheet per table, text cells made safe.

Pure: it takes the sheets as rows and gives back the workbook's bytes. A text cell that a
spreadsheet would read as a formula or a command (it starts with `=`, `+`, `-`, `@`, a tab or
a carriage return) is written with a leading `'`, so it stays text (spec 7)."""

import io
from collections.abc import Mapping, Sequence
from datetime import date, datetime

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

Cell = str | int | float | bool | date | datetime | None
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOLD = Font(bold=True)


def safe(value: Cell) -> Cell:
    """The value as it is safe to write: text that could run as a formula gets a `'`."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def workbook(sheets: Mapping[str, tuple[Sequence[str], Sequence[Sequence[Cell]]]]) -> bytes:
    """A workbook of one sheet per entry: (header, rows), the header frozen and bold."""
    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]  # the default sheet; ours follow
    for name, (header, rows) in sheets.items():
        sheet = book.create_sheet(title=name)
        sheet.append(list(header))
        for row in rows:
            sheet.append([safe(value) for value in row])
        sheet.freeze_panes = "A2"
        for index, title in enumerate(header, start=1):
            sheet.cell(row=1, column=index).font = BOLD
            widest = max([len(str(title))] + [len(str(row[index - 1] or "")) for row in rows])
            sheet.column_dimensions[get_column_letter(index)].width = min(60, widest + 2)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()

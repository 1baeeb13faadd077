"""Opening a `workforce-staff` file's tables (ingest 3.4): the staff table (the file, or its
`sheet=` of a workbook) and, when sent, the absence episodes, from a multipart part named
`absence` or from a sheet named `absence` of the same workbook; then reading them with
employee references replaced by their keyed hashes."""

import uuid
from contextlib import ExitStack
from datetime import date
from typing import Final

from app.config import Settings
from app.errors import InvalidInput
from app.imports.files import XLSX, Columns, PostedFile, open_table, workbook_sheets
from app.imports.hashing import employee_hasher
from app.integrations.directory import TeamDirectory
from app.integrations.tabular import InvalidTable, Table
from app.workforce.staff_extract import (
    ABSENCE_COLUMNS,
    ABSENCE_TABLE,
    STAFF_COLUMNS,
    StaffExtract,
    in_absence_table,
    read_workforce_staff,
)

STAFF: Final = Columns(required=STAFF_COLUMNS.required, optional=STAFF_COLUMNS.optional)
ABSENCE: Final = Columns(required=ABSENCE_COLUMNS.required, optional=ABSENCE_COLUMNS.optional)


def is_absence(sheet: str) -> bool:
    """A sheet named `absence`, matched as `sheet=` matches (case and outer spaces aside)."""
    return sheet.strip().casefold() == ABSENCE_TABLE


def read_staff_upload(
    upload: PostedFile,
    sheet: str | None,
    directory: TeamDirectory[uuid.UUID],
    settings: Settings,
    window: tuple[date, date],
) -> StaffExtract[uuid.UUID]:
    """Reads the staff table and the absence episodes, if any, into the months of `window`.

    422 on `sheet` when the staff table would be the `absence` sheet, and on the `absence`
    part when the workbook has an absence sheet too (which of the two to read?). Errors of
    the absence table's header, like its rows', name their column `absence.<name>`."""
    part = upload.parts.get(ABSENCE_TABLE)
    absence_sheet = None
    if upload.media_type == XLSX:
        sheets = workbook_sheets(upload, settings)
        staff_sheet = sheet if sheet is not None else next(iter(sheets), None)
        if staff_sheet is not None and is_absence(staff_sheet):
            raise InvalidInput.at(
                ("query", "sheet"),
                "the staff table cannot be the `absence` sheet: name the staff sheet with sheet=",
            )
        absence_sheet = next((name for name in sheets if is_absence(name)), None)
        if absence_sheet is not None and part is not None:
            raise InvalidInput.at(
                ("body", ABSENCE_TABLE),
                "the workbook has an `absence` sheet too: send the absence episodes once",
            )
    with ExitStack() as tables:
        staff = tables.enter_context(open_table(upload, STAFF, sheet, settings))
        absence = None
        if part is not None:
            absence = tables.enter_context(_absence_part(part, settings))
        elif absence_sheet is not None:
            absence = tables.enter_context(_absence_table(upload, absence_sheet, settings, None))
        return read_workforce_staff(
            staff,
            absence,
            directory,
            window_first=window[0],
            window_last=window[1],
            hash_employee=employee_hasher(settings.employee_ref_key),
        )


def _absence_part(part: PostedFile, settings: Settings) -> Table:
    """The `absence` part: CSV, or a workbook's sheet named `absence` (else its first)."""
    sheet = None
    if part.media_type == XLSX:
        sheets = workbook_sheets(part, settings, part=ABSENCE_TABLE)
        sheet = next((name for name in sheets if is_absence(name)), None)
    return _absence_table(part, sheet, settings, ABSENCE_TABLE)


def _absence_table(
    file: PostedFile, sheet: str | None, settings: Settings, part: str | None
) -> Table:
    try:
        return open_table(file, ABSENCE, sheet, settings, part=part)
    except InvalidTable as invalid:
        raise in_absence_table(invalid) from None

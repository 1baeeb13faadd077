"""The file kinds an import can read, one registry entry each (`KINDS`), and the workforce
kinds; the survey kinds are in `survey_kinds.py`, and what every kind is in `kind_base.py`.
Adding a kind is one entry in KINDS."""

import uuid
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any, Protocol, TypeVar

from sqlalchemy.orm import Session

from app.bindings import service as bindings
from app.bindings.service import Recomputed
from app.config import Settings
from app.errors import FieldProblem, InvalidInput
from app.imports import staff_files
from app.imports.files import Columns, PostedFile
from app.imports.hashing import employee_hasher
from app.imports.kind_base import (
    Extract,
    ImportQuery,
    PreparedKind,
    Written,
    refuse_parameters,
    refuse_parts,
)
from app.imports.models import ImportKind
from app.imports.survey_kinds import SurveyCounts, SurveyResponses
from app.integrations.directory import TeamDirectory
from app.integrations.tabular import ErrorList, Table
from app.workforce import monthly_extract
from app.workforce import service as workforce_service
from app.workforce.aggregation import MonthlyFigures
from app.workforce.monthly_extract import MonthlyExtract
from app.workforce.staff_extract import (
    ABSENCE_TABLE,
    StaffExtract,
    WindowError,
    parse_window,
    read_workforce_staff,
)


class MonthsExtract(Extract, Protocol):
    """What the workforce kinds read: each (team, first day of a month)'s figures."""

    @property
    def months(self) -> Mapping[tuple[uuid.UUID, date], MonthlyFigures]: ...


MonthsT = TypeVar("MonthsT", bound=MonthsExtract)


class WorkforceKind(PreparedKind[MonthsT]):
    """The workforce kinds store alike: each (team, month) they read replaces the stored one
    (ingest spec 2), and the measures bound to the months are recomputed."""

    def write(
        self, session: Session, extract: MonthsT, import_id: uuid.UUID, *, threshold: int
    ) -> Written:
        written = workforce_service.replace_months(session, extract.months, import_id)
        return Written(written, self.preview(extract, threshold=threshold).suppressed)

    def preview(self, extract: MonthsT, *, threshold: int) -> Written:
        suppressed = workforce_service.suppressed_months(extract.months.values(), threshold)
        return Written(len(extract.months), suppressed)

    def recompute(
        self, session: Session, extract: MonthsT, import_id: uuid.UUID | None, *, threshold: int
    ) -> Recomputed:
        months = {month for _, month in extract.months}
        return bindings.recompute_workforce(
            session, extract.teams, months, threshold=threshold, import_id=import_id
        )


class WorkforceMonthly(WorkforceKind[MonthlyExtract[uuid.UUID]]):
    """`workforce-monthly` (ingest 3.3): replaces every (team, month) the file covers."""

    columns = Columns(required=monthly_extract.REQUIRED, optional=monthly_extract.OPTIONAL)

    @classmethod
    def prepare(cls, _session: Session, query: ImportQuery) -> "WorkforceMonthly":
        refuse_parameters(query, ImportKind.WORKFORCE_MONTHLY, "survey", "from", "to")
        return cls()

    def read(self, table: Table, directory: TeamDirectory[uuid.UUID]) -> MonthlyExtract[uuid.UUID]:
        return monthly_extract.read_workforce_monthly(table, directory)

    def warnings(self, extract: MonthlyExtract[uuid.UUID]) -> ErrorList:
        return extract.warnings


class WorkforceStaff(WorkforceKind[StaffExtract[uuid.UUID]]):
    """`workforce-staff` (ingest 3.4): person-level assignments, and optionally their absence
    episodes (a part, or a sheet, named `absence`), aggregated into every month of the window
    `from`..`to`; each (team, month) replaces the stored one, as workforce-monthly's do."""

    columns = staff_files.STAFF

    def __init__(self, first: date, last: date) -> None:
        self.first = first
        self.last = last

    @classmethod
    def prepare(cls, _session: Session, query: ImportQuery) -> "WorkforceStaff":
        refuse_parameters(query, ImportKind.WORKFORCE_STAFF, "survey")
        given = {"from": query.window_from, "to": query.window_to}
        missing = [name for name, month in given.items() if month is None]
        if missing:
            raise InvalidInput(
                f"A workforce-staff file covers a stated window: send {' and '.join(missing)}"
                " (months, YYYY-MM).",
                [FieldProblem(("query", name), "required: a month, YYYY-MM") for name in missing],
            )
        try:
            first, last = parse_window(*(str(month) for month in given.values()))
        except WindowError as error:
            raise InvalidInput.at(("query", error.parameter), error.message) from None
        return cls(first, last)

    def read(self, table: Table, directory: TeamDirectory[uuid.UUID]) -> StaffExtract[uuid.UUID]:
        """The staff table alone (no sickness figures), its references hashed with a key
        drawn for this read."""
        return read_workforce_staff(
            table,
            None,
            directory,
            window_first=self.first,
            window_last=self.last,
            hash_employee=employee_hasher(None),
        )

    def read_file(
        self,
        upload: PostedFile,
        sheet: str | None,
        directory: TeamDirectory[uuid.UUID],
        settings: Settings,
    ) -> StaffExtract[uuid.UUID]:
        refuse_parts(upload, ABSENCE_TABLE)
        return staff_files.read_staff_upload(
            upload, sheet, directory, settings, (self.first, self.last)
        )


# kind -> how to prepare it for a request. The kinds not listed answer 422 "not supported yet".
KINDS: dict[ImportKind, Callable[[Session, ImportQuery], PreparedKind[Any]]] = {
    ImportKind.WORKFORCE_MONTHLY: WorkforceMonthly.prepare,
    ImportKind.WORKFORCE_STAFF: WorkforceStaff.prepare,
    ImportKind.SURVEY_RESPONSES: SurveyResponses.prepare,
    ImportKind.SURVEY_COUNTS: SurveyCounts.prepare,
}

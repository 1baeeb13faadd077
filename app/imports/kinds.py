"""The file kinds an import can read, one registry entry each: what a kind needs from the query,
which columns it reads, how it reads a table, and how it stores what it read.

A kind is prepared for one request (`prepare`: the query checked, a survey definition loaded),
which gives a `PreparedKind`; the import service opens the file with its `columns`, `read`s
it (no database: a worker thread, any length of time), and then, with the teams locked,
`write`s it, or for a dry run `preview`s what it would write. Adding a kind is one entry in
KINDS: `survey-responses` and `survey-counts` come with their readers. A kind that reads more
than one table (workforce-staff and its `absence`) opens them itself (`read_file`).
"""

import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy.orm import Session

from app.bindings import service as bindings
from app.bindings.service import Recomputed
from app.config import Settings
from app.errors import FieldProblem, InvalidInput
from app.imports import staff_files
from app.imports.files import Columns, PostedFile, open_table
from app.imports.hashing import employee_hasher
from app.imports.models import ImportKind
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


@dataclass(frozen=True)
class ImportQuery:
    """The query of POST /imports, parsed."""

    kind: ImportKind
    collaborative_id: uuid.UUID
    survey: str | None = None
    sheet: str | None = None
    dry_run: bool = False
    window_from: date | None = None  # `from`: workforce-staff's first month
    window_to: date | None = None  # `to`: its last


class Extract(Protocol):
    """What every kind's reader reports (the counts of the import resource, ingest spec 2).
    `unmapped` counts skipped rows per (ODS code, team_ref); `forbidden` lists the rows the
    caller may not send, `errors` the bad ones; `periods` are the first and last period kept."""

    @property
    def rows_read(self) -> int: ...
    @property
    def rows_skipped(self) -> int: ...
    @property
    def unmapped(self) -> Mapping[tuple[str, str], int]: ...
    @property
    def forbidden(self) -> ErrorList: ...
    @property
    def errors(self) -> ErrorList: ...
    @property
    def ignored_columns(self) -> tuple[str, ...]: ...
    @property
    def periods(self) -> tuple[date, date] | None: ...
    @property
    def teams(self) -> frozenset[uuid.UUID]: ...


ExtractT = TypeVar("ExtractT", bound=Extract)


@dataclass(frozen=True)
class Written:
    """What a kind stored (or would store): aggregates, and how many of them are suppressed."""

    aggregates: int
    suppressed: int


class PreparedKind(ABC, Generic[ExtractT]):
    """A kind ready to read one request's file."""

    columns: Columns

    @abstractmethod
    def read(self, table: Table, directory: TeamDirectory[uuid.UUID]) -> ExtractT:
        """Every row validated and placed; pure, so it runs outside any transaction."""

    @abstractmethod
    def write(
        self, session: Session, extract: ExtractT, import_id: uuid.UUID, *, threshold: int
    ) -> Written:
        """Stores the extract's aggregates; the caller holds the locks of `extract.teams`."""

    @abstractmethod
    def preview(self, extract: ExtractT, *, threshold: int) -> Written:
        """What `write` would store."""

    @abstractmethod
    def recompute(
        self, session: Session, extract: ExtractT, import_id: uuid.UUID | None, *, threshold: int
    ) -> Recomputed:
        """After `write`: the points of the measures bound to what it stored, for the
        extract's teams and periods (ingest spec 7), from the stored aggregates."""

    def warnings(self, extract: ExtractT) -> ErrorList:
        """Rows kept but worth a look; most kinds have none."""
        return ErrorList()

    def read_file(
        self,
        upload: PostedFile,
        sheet: str | None,
        directory: TeamDirectory[uuid.UUID],
        settings: Settings,
    ) -> ExtractT:
        """Opens the posted file with `columns` and `read`s it: what the import service calls,
        outside any transaction. A kind that reads more than one table opens them itself;
        the others take no further part."""
        refuse_parts(upload)
        with open_table(upload, self.columns, sheet, settings) as table:
            return self.read(table, directory)


def refuse_parts(upload: PostedFile, *taken: str) -> None:
    """A multipart part the kind does not read is a 422, never silently ignored."""
    unused = sorted(set(upload.parts) - set(taken))
    if unused:
        raise InvalidInput(
            f"Not a part of this kind of import: {', '.join(unused)}.",
            [FieldProblem(("body", name), "not a part of this kind of import") for name in unused],
        )


def refuse_parameters(query: ImportQuery, kind: ImportKind, *names: str) -> None:
    """A query parameter the kind does not use is a 422, never silently ignored."""
    given = {"survey": query.survey, "from": query.window_from, "to": query.window_to}
    unused = [name for name in names if given[name] is not None]
    if unused:
        raise InvalidInput(
            f"Not a parameter of a {kind} import: {', '.join(unused)}.",
            [FieldProblem(("query", name), f"not used by {kind}") for name in unused],
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
}

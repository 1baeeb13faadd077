"""What every file kind of an import is and gets: the query it is prepared with, what its
reader reports (`Extract`), the `PreparedKind` the import service runs, and the refusals every
kind shares. The kinds themselves are in `kinds.py` (the registry, and the workforce kinds)
and `survey_kinds.py`.

A kind is prepared for one request (`prepare`: the query checked, a survey definition loaded),
which gives a `PreparedKind`; the import service has it open the file (`read_file`: its
`columns`, or more than one table) and `read` it (no database: a worker thread, any length of
time), and then, with the teams locked, `write` it and `recompute` the bound measures' points;
a dry run does the same in a transaction it rolls back. `write` may refuse rows only once it
sees what is stored (`RowsRefused`): the import then fails, recorded, with nothing stored.
"""

import uuid
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Generic, Protocol, TypeVar

from sqlalchemy.orm import Session

from app.bindings.service import Recomputed
from app.config import Settings
from app.errors import FieldProblem, InvalidInput
from app.imports.files import Columns, PostedFile, open_table
from app.imports.models import ImportKind
from app.integrations.directory import TeamDirectory
from app.integrations.tabular import ErrorList, Table


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
    def close(self) -> None:
        """Lets go of what the reader holds outside memory (temporary files)."""


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


class RowsRefused(Exception):
    """Rows `write` refuses once it has seen what is stored (a partial overlap of response ids,
    spec 2): the caller rolls the transaction back and records the failed import with them."""

    def __init__(self, errors: ErrorList) -> None:
        super().__init__(f"{errors.error_count} row(s) refused")
        self.errors = errors

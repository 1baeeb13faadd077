"""The file kinds an import can read, one registry entry each: what a kind needs from the query,
which columns it reads, how it reads a table, and how it stores what it read.

A kind is prepared for one request (`prepare`: the query checked, a survey definition loaded,
the server's settings at hand), which gives a `PreparedKind`; the import service opens the file
with its `columns`, `read`s it (no database: a worker thread, any length of time), and then,
with the teams locked, `write`s it and `recompute`s the bound measures' points (a dry run does
the same in a transaction it rolls back). Adding a kind is one entry in KINDS.
"""

import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy.orm import Session

from app.bindings import service as bindings
from app.bindings.service import Recomputed
from app.config import Settings
from app.errors import FieldProblem, InvalidInput
from app.imports.files import Columns
from app.imports.models import ImportKind
from app.integrations import summary
from app.integrations.directory import TeamDirectory
from app.integrations.tabular import ErrorList, Table
from app.survey_results import response_ids
from app.survey_results import service as results
from app.survey_results.models import Source
from app.surveys import counts_extract, extracts
from app.surveys.counts_extract import CountsExtract
from app.surveys.definitions import Survey
from app.surveys.extracts import GroupKey, ResponsesExtract
from app.surveys.scoring import Aggregate, question_results, score_results
from app.workforce import monthly_extract
from app.workforce import service as workforce_service
from app.workforce.monthly_extract import MonthlyExtract


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


class WorkforceMonthly(PreparedKind[MonthlyExtract[uuid.UUID]]):
    """`workforce-monthly` (ingest 3.3): replaces every (team, month) the file covers."""

    columns = Columns(required=monthly_extract.REQUIRED, optional=monthly_extract.OPTIONAL)

    @classmethod
    def prepare(
        cls, _session: Session, query: ImportQuery, _settings: Settings
    ) -> "WorkforceMonthly":
        refuse_parameters(query, ImportKind.WORKFORCE_MONTHLY, "survey", "from", "to")
        return cls()

    def read(self, table: Table, directory: TeamDirectory[uuid.UUID]) -> MonthlyExtract[uuid.UUID]:
        return monthly_extract.read_workforce_monthly(table, directory)

    def write(
        self,
        session: Session,
        extract: MonthlyExtract[uuid.UUID],
        import_id: uuid.UUID,
        *,
        threshold: int,
    ) -> Written:
        written = workforce_service.replace_months(session, extract.months, import_id)
        return Written(written, self.preview(extract, threshold=threshold).suppressed)

    def preview(self, extract: MonthlyExtract[uuid.UUID], *, threshold: int) -> Written:
        suppressed = workforce_service.suppressed_months(extract.months.values(), threshold)
        return Written(len(extract.months), suppressed)

    def recompute(
        self,
        session: Session,
        extract: MonthlyExtract[uuid.UUID],
        import_id: uuid.UUID | None,
        *,
        threshold: int,
    ) -> Recomputed:
        months = {month for _, month in extract.months}
        return bindings.recompute_workforce(
            session, extract.teams, months, threshold=threshold, import_id=import_id
        )

    def warnings(self, extract: MonthlyExtract[uuid.UUID]) -> ErrorList:
        return extract.warnings


SliceKey = tuple[uuid.UUID, date]  # (team, period start) of one survey
# A file's slice that holds some stored response ids but not all (spec 2). The row named is the
# slice's first; the message names no value.
PARTIAL_OVERLAP = (
    "some responses of this row's team and period are stored already and others are not in the"
    " file: send the period's responses in full (every response so far) or only new ones"
)


def survey_of(session: Session, query: ImportQuery, kind: ImportKind) -> Survey:
    """A survey kind's `survey` parameter: required, the code of a built-in or local survey
    (422 naming it otherwise); its frequency sets the periods."""
    refuse_parameters(query, kind, "from", "to")
    if query.survey is None:
        raise InvalidInput.at(("query", "survey"), f"required for a {kind} import")
    return results.definition_in_query(session, query.survey, ("query", "survey"))


def _columns(read: summary.Columns) -> Columns:
    return Columns(required=read.required, optional=read.optional, prefixes=read.prefixes)


def _by_slice(
    groups: Mapping[GroupKey[uuid.UUID], Aggregate],
) -> dict[SliceKey, dict[tuple[str, str], Aggregate]]:
    """A file's group breakdowns per (team, period), as `store_slice` takes them."""
    by_slice: dict[SliceKey, dict[tuple[str, str], Aggregate]] = {}
    for (team, period, group_type, value), aggregate in groups.items():
        by_slice.setdefault((team, period), {})[group_type, value] = aggregate
    return by_slice


def suppressed_cells(survey: Survey, totals: Iterable[Aggregate], threshold: int) -> int:
    """The question results and scores of these totals that are shown suppressed (5.4)."""
    return sum(
        sum(r.suppressed for r in question_results(survey, aggregate, threshold=threshold).values())
        + sum(r.suppressed for r in score_results(survey, aggregate, threshold=threshold).values())
        for aggregate in totals
    )


class _SurveyKind(PreparedKind[ExtractT]):
    """What both survey kinds share: the survey, its cells counted as stored, the recompute."""

    def __init__(self, survey: Survey) -> None:
        self.survey = survey

    @abstractmethod
    def slices(self, extract: ExtractT) -> set[SliceKey]:
        """The (team, period) slices the file writes."""

    def stored_cells(self, session: Session, keys: set[SliceKey], threshold: int) -> int:
        """Suppressed cells of the slices as stored (an added slice may no longer be small)."""
        stored = results.aggregates_for(
            session, {team for team, _ in keys}, self.survey.code, {p for _, p in keys}
        )
        return suppressed_cells(self.survey, (stored[k] for k in keys if k in stored), threshold)

    def recompute(
        self, session: Session, extract: ExtractT, import_id: uuid.UUID | None, *, threshold: int
    ) -> Recomputed:
        periods = {period for _, period in self.slices(extract)}
        return bindings.recompute_survey(
            session, self.survey, extract.teams, periods, threshold=threshold, import_id=import_id
        )


class SurveyResponses(_SurveyKind[ResponsesExtract[uuid.UUID]]):
    """`survey-responses` (3.1): response ids arrive only as keyed hashes (`response_ids`).
    Each (team, period) slice is added to the stored one when all its ids are new, replaces it
    when it holds every stored id, and is refused when it overlaps only partly (spec 2), so a
    file posted again, or a cumulative export, never counts anyone twice."""

    def __init__(self, survey: Survey, hasher: response_ids.ResponseIdHasher) -> None:
        super().__init__(survey)
        self.hasher = hasher
        self.columns = _columns(extracts.responses_columns(survey))

    @classmethod
    def prepare(cls, session: Session, query: ImportQuery, settings: Settings) -> "SurveyResponses":
        survey = survey_of(session, query, ImportKind.SURVEY_RESPONSES)
        return cls(survey, response_ids.load_key(settings.data_dir).hasher())

    def read(
        self, table: Table, directory: TeamDirectory[uuid.UUID]
    ) -> ResponsesExtract[uuid.UUID]:
        return extracts.read_survey_responses(table, self.survey, directory, hash_id=self.hasher)

    def slices(self, extract: ResponsesExtract[uuid.UUID]) -> set[SliceKey]:
        return set(extract.slices)

    def modes(
        self, session: Session, extract: ResponsesExtract[uuid.UUID]
    ) -> dict[SliceKey, results.Mode]:
        """How each slice meets the stored one; RowsRefused naming each partial overlap's
        first row. Under the teams' locks, so nothing stored changes before `write` ends."""
        stored = results.stored_hashes(session, self.survey.code, extract.slices)
        for digests in stored.values():
            self.hasher.check_stored(digests)
        modes: dict[SliceKey, results.Mode] = {}
        refused = ErrorList()
        for key, part in sorted(extract.slices.items(), key=lambda item: item[1].first_row):
            mode = extracts.merge_slice(stored[key], part.hashes)
            if mode == "partial":
                refused.add(part.first_row, "response_id", PARTIAL_OVERLAP)
            else:
                modes[key] = mode
        if refused:
            raise RowsRefused(refused)
        return modes

    def write(
        self,
        session: Session,
        extract: ResponsesExtract[uuid.UUID],
        import_id: uuid.UUID,
        *,
        threshold: int,
    ) -> Written:
        modes = self.modes(session, extract)
        groups = _by_slice(extract.groups)
        written = 0
        for (team, period), part in sorted(extract.slices.items()):
            written += results.store_slice(
                session,
                team,
                self.survey.code,
                period,
                part.aggregate,
                groups.get((team, period), {}),
                part.hashes,
                modes[team, period],
                Source.RESPONSES,
                import_id,
            )
        return Written(written, self.stored_cells(session, set(extract.slices), threshold))

    def preview(self, extract: ResponsesExtract[uuid.UUID], *, threshold: int) -> Written:
        totals = [part.aggregate for part in extract.slices.values()]
        return Written(
            len(extract.slices) + len(extract.groups),
            suppressed_cells(self.survey, totals, threshold),
        )


class SurveyCounts(_SurveyKind[CountsExtract[uuid.UUID]]):
    """`survey-counts` (3.2): replaces every (team, period) slice the file covers, its totals
    and its group breakdowns (a slice given only breakdowns is left with empty totals: the
    file says nothing of its totals, and a breakdown never makes one)."""

    columns = _columns(counts_extract.COUNTS_COLUMNS)

    @classmethod
    def prepare(cls, session: Session, query: ImportQuery, _settings: Settings) -> "SurveyCounts":
        return cls(survey_of(session, query, ImportKind.SURVEY_COUNTS))

    def read(self, table: Table, directory: TeamDirectory[uuid.UUID]) -> CountsExtract[uuid.UUID]:
        return counts_extract.read_survey_counts(table, self.survey, directory)

    def slices(self, extract: CountsExtract[uuid.UUID]) -> set[SliceKey]:
        return {*extract.totals, *((team, period) for team, period, _, _ in extract.groups)}

    def write(
        self,
        session: Session,
        extract: CountsExtract[uuid.UUID],
        import_id: uuid.UUID,
        *,
        threshold: int,
    ) -> Written:
        keys = self.slices(extract)
        groups = _by_slice(extract.groups)
        written = 0
        for team, period in sorted(keys):
            written += results.store_slice(
                session,
                team,
                self.survey.code,
                period,
                extract.totals.get((team, period), Aggregate()),
                groups.get((team, period), {}),
                None,
                "replace",
                Source.COUNTS,
                import_id,
            )
        return Written(written, self.stored_cells(session, keys, threshold))

    def preview(self, extract: CountsExtract[uuid.UUID], *, threshold: int) -> Written:
        return Written(
            len(self.slices(extract)) + len(extract.groups),
            suppressed_cells(self.survey, extract.totals.values(), threshold),
        )


# kind -> how to prepare it for a request. The kinds not listed answer 422 "not supported yet".
KINDS: dict[ImportKind, Callable[[Session, ImportQuery, Settings], PreparedKind[Any]]] = {
    ImportKind.WORKFORCE_MONTHLY: WorkforceMonthly.prepare,
    ImportKind.SURVEY_RESPONSES: SurveyResponses.prepare,
    ImportKind.SURVEY_COUNTS: SurveyCounts.prepare,
}

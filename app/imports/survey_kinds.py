"""The survey file kinds (ingest spec 3.1 and 3.2): `survey-responses`, added to or replacing
each stored (team, period) slice by the keyed hashes of its response ids (spec 2), and
`survey-counts`, replacing each slice it covers; both refill the measures bound to the survey.
"""

import uuid
from abc import abstractmethod
from collections.abc import Iterable, Mapping
from datetime import date

from sqlalchemy.orm import Session

from app.bindings import service as bindings
from app.bindings.service import Recomputed
from app.config import Settings
from app.errors import Conflict, InvalidInput
from app.imports.files import Columns, PostedFile, open_table
from app.imports.kind_base import (
    ExtractT,
    ImportQuery,
    PreparedKind,
    RowsRefused,
    Written,
    refuse_parameters,
    refuse_parts,
)
from app.imports.models import ImportKind
from app.integrations import summary
from app.integrations.directory import TeamDirectory
from app.integrations.tabular import ErrorList, Table
from app.survey_results import response_ids
from app.survey_results import service as results
from app.survey_results import slices as slice_store
from app.survey_results.models import Source
from app.surveys import counts_extract, extracts
from app.surveys.counts_extract import CountsExtract
from app.surveys.definitions import Survey
from app.surveys.extracts import GroupKey, ResponsesExtract
from app.surveys.response_slices import merge_slice
from app.surveys.scoring import Aggregate, question_results, score_results

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
    """A file's group breakdowns per (team, period), as `SliceWrite` takes them."""
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

    def hold(self, session: Session) -> None:
        """Share-locks a local survey until the store ends, so that it cannot be deleted or
        changed under its results: deleted since the file was read, the 422 of an unknown
        survey; changed (its periods or codes may differ), a 409 asking for the file again."""
        current = results.definition_in_query(
            session, self.survey.code, ("query", "survey"), hold=True
        )
        if current != self.survey:
            raise Conflict(
                f"Survey {self.survey.code} was changed while the file was read; nothing was"
                " stored. Post the file again.",
                slug="survey-changed",
                title="Survey changed",
            )

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

    def __init__(self, survey: Survey) -> None:
        super().__init__(survey)
        self.columns = _columns(extracts.responses_columns(survey))
        self._hasher: response_ids.ResponseIdHasher | None = None

    @classmethod
    def prepare(cls, session: Session, query: ImportQuery) -> "SurveyResponses":
        return cls(survey_of(session, query, ImportKind.SURVEY_RESPONSES))

    def read_file(
        self,
        upload: PostedFile,
        sheet: str | None,
        directory: TeamDirectory[uuid.UUID],
        settings: Settings,
    ) -> ResponsesExtract[uuid.UUID]:
        """The server's response-id key first (503 NoResponseKey without one), then the file."""
        self._hasher = response_ids.load_key(settings.data_dir).hasher()
        refuse_parts(upload)
        with open_table(upload, self.columns, sheet, settings) as table:
            return self.read(table, directory)

    @property
    def hasher(self) -> response_ids.ResponseIdHasher:
        if self._hasher is None:
            raise RuntimeError("read_file loads the server's response-id key: call it first")
        return self._hasher

    def read(
        self, table: Table, directory: TeamDirectory[uuid.UUID]
    ) -> ResponsesExtract[uuid.UUID]:
        return extracts.read_survey_responses(table, self.survey, directory, hash_id=self.hasher)

    def slices(self, extract: ResponsesExtract[uuid.UUID]) -> set[SliceKey]:
        return set(extract.slices)

    def modes(
        self, session: Session, extract: ResponsesExtract[uuid.UUID]
    ) -> dict[SliceKey, slice_store.Mode]:
        """How each slice meets the stored one; RowsRefused naming each partial overlap's
        first row. Under the teams' locks, so nothing stored changes before `write` ends."""
        stored = slice_store.stored_hashes(session, self.survey.code, extract.slices)
        for digests in stored.values():
            self.hasher.check_stored(digests)
        found = extract.digests.found_in(stored)
        modes: dict[SliceKey, slice_store.Mode] = {}
        refused = ErrorList()
        for key, part in sorted(extract.slices.items(), key=lambda item: item[1].first_row):
            mode = merge_slice(len(stored[key]), found[key])
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
        self.hold(session)
        modes = self.modes(session, extract)
        groups = _by_slice(extract.groups)
        writes = [
            slice_store.SliceWrite(
                team,
                period,
                part.aggregate,
                groups.get((team, period), {}),
                frozenset(),  # all of the import's at once, below
                modes[team, period],
            )
            for (team, period), part in sorted(extract.slices.items())
        ]
        written = slice_store.store_slices(
            session, self.survey.code, writes, Source.RESPONSES, import_id
        )
        slice_store.store_hashes(session, self.survey.code, extract.digests)
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
    def prepare(cls, session: Session, query: ImportQuery) -> "SurveyCounts":
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
        self.hold(session)
        keys = self.slices(extract)
        groups = _by_slice(extract.groups)
        writes = [
            slice_store.SliceWrite(
                team,
                period,
                extract.totals.get((team, period), Aggregate()),
                groups.get((team, period), {}),
                None,
                "replace",
            )
            for team, period in sorted(keys)
        ]
        written = slice_store.store_slices(
            session, self.survey.code, writes, Source.COUNTS, import_id
        )
        return Written(written, self.stored_cells(session, keys, threshold))

    def preview(self, extract: CountsExtract[uuid.UUID], *, threshold: int) -> Written:
        return Written(
            len(self.slices(extract)) + len(extract.groups),
            suppressed_cells(self.survey, extract.totals.values(), threshold),
        )

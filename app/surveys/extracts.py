"""The `survey-responses` file kind (ingest spec 3.1): one row per respondent, validated,
placed in its team and aggregated in memory; how a file's slice of responses meets the one
stored before it (spec 2); and the spellings and row checks `counts_extract` shares.

Pure: the reader takes an open `Table` (CSV or XLSX), a `Survey` and a `TeamDirectory`, and
gives back aggregates per (team, period) and per group, with the import's counts. No
respondent leaves it: response ids only as the caller's keyed hashes (held by a `DigestSpill`,
on disk once they are many), answers and group codes only counted. A file with errors is
stored by nobody: its slices are not what a good file's would be (a row that repeats an id is
only found once every row is read, so it is counted).
"""

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from datetime import date
from operator import itemgetter
from typing import Final, Generic, TypeVar

from app.integrations.cells import CellError
from app.integrations.dates import LondonDates
from app.integrations.directory import Placements, TeamDirectory
from app.integrations.spill import DigestSpill
from app.integrations.summary import (
    Columns,
    ExtractSummary,
    column_index,
    period_span,
    required_cell,
)
from app.integrations.tabular import ErrorList, RowError, Table
from app.surveys.definitions import Question, Survey, period_start
from app.surveys.gaps import group_value
from app.surveys.patterns import NOT_ANSWERED, AnswerSlots, Slots, count_into
from app.surveys.response_slices import (
    UNPLACED,
    ResponseSlice,
    SliceDigests,
    SliceKey,
)
from app.surveys.scoring import Aggregate, aggregate_counts, tidy

TeamT = TypeVar("TeamT", bound=Hashable)

GROUP_PREFIX: Final = "group_"
RESPONSES_REQUIRED: Final = ("response_id", "ods_code", "team_ref", "submitted_on")
# What a bad group code should have been; the message never repeats the code itself, which is
# special-category data.
GROUP_CODES: Final = {
    "ethnicity": "an ETHNIC CATEGORY code (A to S, Z or 99)",
    "disability": "a disability code (Y, N, Z or 9)",
}

# (team, period start, group type, group value): one group's breakdown for the equality gaps.
GroupKey = tuple[TeamT, date, str, str]


def responses_columns(survey: Survey) -> Columns:
    """The columns of a `survey-responses` file: the fixed ones, the survey's question codes
    (optional: a question absent from the header is not asked) and the `group_` columns. A
    question whose code is also a fixed column's name cannot be answered in a file."""
    fixed = {name.casefold() for name in RESPONSES_REQUIRED}
    questions = tuple(q.code for q in survey.questions if q.code.casefold() not in fixed)
    return Columns(required=RESPONSES_REQUIRED, optional=questions, prefixes=(GROUP_PREFIX,))


def option_lookup(question: Question) -> dict[str, str]:
    """Casefolded spelling -> option code, as `match_option` matches: a code before a label,
    the earlier option first. One dict look-up per cell instead of a scan of the scale."""
    lookup = {o.label.strip().casefold(): o.code for o in reversed(question.scale)}
    lookup.update((o.code.strip().casefold(), o.code) for o in reversed(question.scale))
    return lookup


@dataclass(frozen=True, kw_only=True)
class ResponsesExtract(ExtractSummary[TeamT]):
    slices: Mapping[SliceKey[TeamT], ResponseSlice]
    digests: SliceDigests[TeamT]
    # Per-question counts only (no composite scores): what the equality gaps read.
    groups: Mapping[GroupKey[TeamT], Aggregate]

    def close(self) -> None:
        self.digests.close()


# Memory bounds: a file of a million distinct spellings, dates or places keeps these flat.
SPELLINGS_KEPT: Final = 1_024  # per column, besides the ones of the definition
DATES_KEPT: Final = 8_192
PLACES_KEPT: Final = 8_192

# A group column's look-up: a code as written -> (group type, group), or () for none.
GroupFound = tuple[str, ...]


class _Slice:
    """A responses slice as it is read: its respondents tallied and each group's answers
    counted (per slot); `tag` is its index, which its response ids' hashes carry."""

    __slots__ = ("first_row", "groups", "responses", "score_keys", "tag", "tally")

    def __init__(self, slots: AnswerSlots, tag: int, first_row: int, *, scored: bool) -> None:
        self.tally = slots.tally()
        self.score_keys = slots.score_keys if scored else None
        self.groups: dict[GroupFound, dict[int, int]] = {}
        self.tag = tag
        self.responses = 0
        self.first_row = first_row

    def add(self, answers: Slots, in_groups: tuple[GroupFound, ...]) -> None:
        """One respondent (`SlotTally.add` inlined: this runs once per row)."""
        self.responses += 1
        count_into(self.tally.counts, answers)
        if self.score_keys is not None:
            count_into(self.tally.scores, self.score_keys(answers))
        for group in in_groups:
            if group:
                counted = self.groups.get(group)
                if counted is None:
                    counted = self.groups[group] = {}
                count_into(counted, answers)


def _group_columns(table: Table, survey: Survey) -> list[tuple[str, str, int]]:
    """(group type, column, index) of the file's `group_` columns."""
    taken = {*RESPONSES_REQUIRED, *(q.code for q in survey.questions)}
    return [
        (column[len(GROUP_PREFIX) :], column, index)
        for index, column in enumerate(table.columns)
        if column.startswith(GROUP_PREFIX) and column not in taken
    ]


def _spellings(question: Question, slots: Mapping[str, int]) -> dict[str, int]:
    """Spelling as written -> the option's slot, for "" (not answered) and the spellings a
    file is likely to use; any other is matched through `option_lookup` after `casefold`.
    Each key maps to what its casefolded form does in `option_lookup`, so the two agree."""
    folded = option_lookup(question)
    written = {s for o in question.scale for s in (o.code, o.label)}
    variants = {v for s in written for v in (s, s.strip(), s.lower(), s.upper(), s.title())}
    found = {
        v: slots[folded[v.casefold()]] for v in variants | set(folded) if v.casefold() in folded
    }
    return found | {"": NOT_ANSWERED}


def _picker(indexes: list[int]) -> Callable[[tuple[str, ...]], tuple[str, ...]]:
    """The cells at `indexes`, as one tuple (itemgetter, in C)."""
    if len(indexes) == 1:
        (only,) = indexes
        return lambda cells: (cells[only],)
    if not indexes:
        return lambda cells: ()
    return itemgetter(*indexes)


class _Row:
    """Reads a responses row's answers (the survey's questions the header has, in the survey's
    order) as slots and its groups (the `group_` columns, after grouping the codes), each in
    one C-level pass of dictionary look-ups that know the spellings met so far."""

    def __init__(self, table: Table, survey: Survey) -> None:
        fixed = {name.casefold() for name in RESPONSES_REQUIRED}
        asked = [
            (q, index)
            for q in survey.questions
            if q.code.casefold() not in fixed and (index := table.index(q.code)) is not None
        ]
        self.slots = AnswerSlots(survey, [q.code for q, _ in asked])
        self.questions = [
            (q.code, index, _spellings(q, slots), option_lookup(q), slots)
            for (q, index), slots in zip(asked, self.slots.slot, strict=True)
        ]
        self.groups = [
            (group_type, column, index, dict[str, GroupFound]({"": ()}))
            for group_type, column, index in _group_columns(table, survey)
        ]
        self.pick_answers = _picker([index for _, index, *_ in self.questions])
        self.spellings = [spellings for _, _, spellings, *_ in self.questions]
        self.pick_groups = _picker([index for _, _, index, _ in self.groups])
        self.codes = [known for *_, known in self.groups]

    def resolve(
        self, errors: ErrorList, row: int, cells: tuple[str, ...]
    ) -> tuple[Slots, tuple[GroupFound, ...]] | None:
        """The answers and groups of a row some cell of which the look-ups did not know: a
        spelling in another case, a group code not met yet, or an error (then None)."""
        before = errors.error_count
        answers = []
        for code, index, spellings, folded, slots in self.questions:
            text = cells[index]
            slot = spellings.get(text)
            if slot is None:
                option = folded.get(text.casefold())
                if option is None:
                    errors.add(row, code, f"not an option (code or label) of question {code}")
                    continue
                slot = slots[option]
                if len(spellings) < SPELLINGS_KEPT:
                    spellings[text] = slot
            answers.append(slot)
        groups: list[GroupFound] = []
        for group_type, column, index, known in self.groups:
            text = cells[index]
            found = known.get(text)
            if found is None:
                try:
                    group = group_value(group_type, text)
                except ValueError:
                    expected = GROUP_CODES.get(group_type, f"a code of {column}")
                    errors.add(row, column, f"expected {expected}")
                    continue
                found = () if group is None else (group_type, group)
                if len(known) < SPELLINGS_KEPT:
                    known[text] = found
            groups.append(found)
        return None if errors.error_count != before else (tuple(answers), tuple(groups))


class _Periods:
    """submitted_on -> the period it falls in, or the error's message; `known` remembers the
    texts met first (a file of dates has few), `LondonDates` the dates of timestamps."""

    def __init__(self, survey: Survey) -> None:
        self.frequency = survey.frequency
        self.dates = LondonDates(DATES_KEPT)
        self.known: dict[str, date | str] = {}
        self.periods: dict[date, date] = {}  # a day -> its period

    def __call__(self, text: str) -> date | str:
        try:
            day = self.dates(text)
        except CellError as error:
            found: date | str = error.message
        else:
            if day is None:
                found = "submitted_on is required"
            else:
                found = self.periods.get(day) or period_start(day, self.frequency)
                if len(self.periods) < DATES_KEPT:
                    self.periods[day] = found
        if len(self.known) < DATES_KEPT:
            self.known[text] = found
        return found


def _blanks(errors: ErrorList, row: int, response_id: str, ods_code: str, team_ref: str) -> None:
    for column, text in (
        ("response_id", response_id),
        ("ods_code", ods_code),
        ("team_ref", team_ref),
    ):
        if not text:
            required_cell(errors, row, column, text)


class _Places(Generic[TeamT]):
    """(ods_code, team_ref) -> the row's team, as `Placements.team` says (which counts and
    reports the rows it does not place); the pairs placed are remembered as written."""

    def __init__(self, directory: TeamDirectory[TeamT], errors: ErrorList) -> None:
        self.directory = directory
        self.errors = errors
        self.placements: Placements[TeamT] = Placements()
        self.known: dict[tuple[str, str], TeamT] = {}

    def __call__(self, row: int, ods_code: str, team_ref: str) -> TeamT | None:
        if not (ods_code and team_ref):
            return None
        team = self.placements.team(self.directory, row, ods_code, team_ref, self.errors)
        if team is not None and len(self.known) < PLACES_KEPT:
            self.known[ods_code, team_ref] = team
        return team


def read_survey_responses(
    table: Table,
    survey: Survey,
    directory: TeamDirectory[TeamT],
    *,
    hash_id: Callable[[str], bytes],
) -> ResponsesExtract[TeamT]:
    """Reads every row of a `survey-responses` table (3.1) opened with `responses_columns`.

    `hash_id` is the keyed hash (HMAC-SHA256 with the server's secret) of a response id, of
    one length for every id: ids are hashed as read and only the hashes kept (in a
    `DigestSpill`, which the extract's `close` lets go of), both to find a repeated id (an error
    on the later row, found once every row is read) and for the slice. A response's period
    starts on the survey frequency's first day of the London date it was submitted on.

    Each row's answers are read into slots and tallied per slice as `patterns.SlotTally`
    does: the same aggregates as adding each respondent to a `ResponseTally`, and the same
    errors in the same order as checking each cell in turn, with no Python work per cell
    (the look-ups and counts run in C), and spellings, dates and places remembered."""
    id_at, ods_at, ref_at, when_at = (column_index(table, c) for c in RESPONSES_REQUIRED)
    reader = _Row(table, survey)
    pick_answers, spellings = reader.pick_answers, reader.spellings
    pick_groups, codes = reader.pick_groups, reader.codes
    period_of = _Periods(survey)
    known_periods = period_of.known
    errors = table.errors
    place = _Places(directory, errors)
    placed = place.known
    spill = DigestSpill()
    spill_add = spill.add
    slices: dict[tuple[TeamT, date], _Slice] = {}
    # Each column's look-up: None for a spelling or code it does not know (yet).
    slot_of: Callable[[dict[str, int], str], int | None] = dict.get
    group_of: Callable[[dict[str, GroupFound], str], GroupFound | None] = dict.get
    for row, cells in table:
        before = errors.error_count
        text, ods, ref = cells[id_at], cells[ods_at], cells[ref_at]
        digest = hash_id(text) if text else None
        if not (text and ods and ref):
            _blanks(errors, row, text, ods, ref)
        found = known_periods.get(cells[when_at]) or period_of(cells[when_at])
        period = None
        if isinstance(found, str):
            errors.add(row, "submitted_on", found)
        else:
            period = found
        looked = tuple(map(slot_of, spellings, pick_answers(cells)))
        groups = tuple(map(group_of, codes, pick_groups(cells)))
        if None in looked or None in groups:
            answers, in_groups = reader.resolve(errors, row, cells) or ((), ())
        else:
            answers, in_groups = looked, groups  # type: ignore[assignment]  # no None: checked
        team = placed.get((ods, ref))
        if team is None:
            team = place(row, ods, ref)
        if team is None or period is None or digest is None or errors.error_count != before:
            if digest is not None:
                spill_add(UNPLACED, row, digest)  # its id is still one a later row may repeat
            continue
        into = slices.get((team, period))
        if into is None:
            into = slices[team, period] = _Slice(
                reader.slots, len(slices), row, scored=bool(survey.scores)
            )
        spill_add(into.tag, row, digest)
        into.add(answers, in_groups)
    keys = list(slices)  # each slice's tag is its place here
    repeats = spill.repeats(errors.limit)
    if repeats.count:
        errors.add_found_later(
            [
                RowError(row, "response_id", f"the response_id repeats that of row {first}")
                for row, first in repeats.first
            ],
            repeats.count,
        )
        slices = _without_repeats(slices, repeats.by_tag)
    built, groups_built = _results(slices, reader.slots)
    return ResponsesExtract(
        rows_read=table.rows_read,
        rows_skipped=place.placements.rows_skipped,
        unmapped=dict(place.placements.unmapped),
        forbidden=place.placements.forbidden,
        errors=errors,
        ignored_columns=tuple(table.ignored_columns),
        periods=period_span(period for _, period in slices),
        teams=frozenset(team for team, _ in slices),
        slices=built,
        digests=SliceDigests(spill, keys),
        groups=groups_built,
    )


def _without_repeats(
    slices: dict[tuple[TeamT, date], _Slice], repeats: Mapping[int, int]
) -> dict[tuple[TeamT, date], _Slice]:
    """The slices less the rows that repeat an earlier id, found after they were counted: a
    slice of only such rows goes (so the failed import's teams and periods are those of its
    good rows), the others count them out of `responses` (their tallies still hold them,
    but a file with errors is stored by nobody)."""
    kept = {}
    for key, into in slices.items():
        into.responses -= repeats.get(into.tag, 0)
        if into.responses:
            kept[key] = into
    return kept


def _results(
    slices: Mapping[tuple[TeamT, date], _Slice], slots: AnswerSlots
) -> tuple[dict[tuple[TeamT, date], ResponseSlice], dict[GroupKey[TeamT], Aggregate]]:
    """Each slice's aggregate, and its groups' aggregates (a group nobody in which answered a
    question has none)."""
    built: dict[tuple[TeamT, date], ResponseSlice] = {}
    groups: dict[GroupKey[TeamT], Aggregate] = {}
    for (team, period), into in slices.items():
        built[team, period] = ResponseSlice(into.tally.aggregate(), into.responses, into.first_row)
        for (group_type, value), counted in into.groups.items():
            counts = slots.counts(counted)
            if counts:
                groups[team, period, group_type, value] = tidy(counts, {})
    return built, groups


def counted(survey: Survey, counts: Mapping[tuple[str, str], int]) -> Aggregate:
    return aggregate_counts(survey, ((q, o, n) for (q, o), n in counts.items()))

"""The `survey-responses` file kind (ingest spec 3.1): one row per respondent, validated,
placed in its team and aggregated in memory; how a file's slice of responses meets the one
stored before it (spec 2); and the spellings and row checks `counts_extract` shares.

Pure: the reader takes an open `Table` (CSV or XLSX), a `Survey` and a `TeamDirectory`, and
gives back aggregates per (team, period) and per group, with the import's counts. No
respondent leaves it: response ids only as the caller's keyed hashes, answers and group codes
only counted. A row with errors adds nothing (the import then fails as a whole anyway).
"""

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Final, Literal, TypeVar

from app.integrations.directory import Placements, TeamDirectory
from app.integrations.summary import (
    Columns,
    ExtractSummary,
    column_index,
    parse_cell,
    period_span,
    required_cell,
)
from app.integrations.tabular import (
    ErrorList,
    Table,
    parse_datetime_to_london_date,
)
from app.surveys.definitions import Question, Survey, period_start
from app.surveys.gaps import group_value
from app.surveys.scoring import Aggregate, ResponseTally, aggregate_counts

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


def merge_slice(
    stored_hashes: frozenset[bytes], file_hashes: frozenset[bytes]
) -> Literal["add", "replace", "partial"]:
    """How a file's (team, survey, period) slice meets the stored one (spec 2): all its ids new
    -> "add" to it; holding every stored id (a cumulative or corrected export) -> "replace"
    it; otherwise "partial", which the import refuses, so no response is ever counted twice."""
    if stored_hashes.isdisjoint(file_hashes):
        return "add"
    if stored_hashes <= file_hashes:
        return "replace"
    return "partial"


@dataclass(frozen=True, slots=True)
class ResponseSlice:
    """One (team, period) of a responses file: its aggregate, the keyed hashes of its
    response ids (to merge with the stored slice), and its first row (named when refused)."""

    aggregate: Aggregate
    hashes: frozenset[bytes]
    first_row: int


@dataclass(frozen=True, kw_only=True)
class ResponsesExtract(ExtractSummary[TeamT]):
    slices: Mapping[tuple[TeamT, date], ResponseSlice]
    # Per-question counts only (no composite scores): what the equality gaps read.
    groups: Mapping[GroupKey[TeamT], Aggregate]


class _Slice:
    """A responses slice as it is read."""

    def __init__(self, survey: Survey, first_row: int) -> None:
        self.tally = ResponseTally(survey)
        self.hashes: set[bytes] = set()
        self.first_row = first_row

    def done(self) -> ResponseSlice:
        return ResponseSlice(self.tally.aggregate(), frozenset(self.hashes), self.first_row)


def _group_columns(table: Table, survey: Survey) -> list[tuple[str, str, int]]:
    """(group type, column, index) of the file's `group_` columns."""
    taken = {*RESPONSES_REQUIRED, *(q.code for q in survey.questions)}
    return [
        (column[len(GROUP_PREFIX) :], column, index)
        for index, column in enumerate(table.columns)
        if column.startswith(GROUP_PREFIX) and column not in taken
    ]


class _Answers:
    """Reads a responses row's answers and groups: the survey's questions the header has, each
    with its spellings, and the `group_` columns."""

    def __init__(self, table: Table, survey: Survey) -> None:
        fixed = {name.casefold() for name in RESPONSES_REQUIRED}
        self.questions = [
            (q.code, index, option_lookup(q))
            for q in survey.questions
            if q.code.casefold() not in fixed and (index := table.index(q.code)) is not None
        ]
        self.groups = _group_columns(table, survey)

    def answers(self, errors: ErrorList, row: int, cells: tuple[str, ...]) -> dict[str, str]:
        """Question code -> option code for the questions answered (a blank is not)."""
        answers: dict[str, str] = {}
        for code, index, lookup in self.questions:
            text = cells[index]
            if text:
                option = lookup.get(text.casefold())
                if option is None:
                    errors.add(row, code, f"not an option (code or label) of question {code}")
                else:
                    answers[code] = option
        return answers

    def in_groups(
        self, errors: ErrorList, row: int, cells: tuple[str, ...]
    ) -> list[tuple[str, str]]:
        """(group type, group) of each group the respondent is in, after grouping the codes."""
        found: list[tuple[str, str]] = []
        for group_type, column, index in self.groups:
            try:
                value = group_value(group_type, cells[index])
            except ValueError:
                expected = GROUP_CODES.get(group_type, f"a code of {column}")
                errors.add(row, column, f"expected {expected}")
                continue
            if value is not None:
                found.append((group_type, value))
        return found


def _digest(
    errors: ErrorList,
    row: int,
    text: str,
    hash_id: Callable[[str], bytes],
    seen: dict[bytes, int],
) -> bytes | None:
    """The response id's keyed hash; a repeat of an earlier row's is an error."""
    if required_cell(errors, row, "response_id", text) is None:
        return None
    digest = hash_id(text)
    first = seen.setdefault(digest, row)
    if first != row:
        errors.add(row, "response_id", f"the response_id repeats that of row {first}")
    return digest


def read_survey_responses(
    table: Table,
    survey: Survey,
    directory: TeamDirectory[TeamT],
    *,
    hash_id: Callable[[str], bytes],
) -> ResponsesExtract[TeamT]:
    """Reads every row of a `survey-responses` table (3.1) opened with `responses_columns`.

    `hash_id` is the keyed hash (HMAC-SHA256 with the server's secret) of a response id: ids
    are hashed as read and only the hashes kept, both to find a repeated id (an error on the
    later row) and for the slice. A response's period starts on the survey frequency's first
    day of the London date it was submitted on."""
    id_at, ods_at, ref_at, when_at = (column_index(table, c) for c in RESPONSES_REQUIRED)
    reader = _Answers(table, survey)
    errors = table.errors
    placements: Placements[TeamT] = Placements()
    seen: dict[bytes, int] = {}
    slices: dict[tuple[TeamT, date], _Slice] = {}
    groups: dict[GroupKey[TeamT], dict[tuple[str, str], int]] = {}
    for row, cells in table:
        before = errors.error_count
        digest = _digest(errors, row, cells[id_at], hash_id, seen)
        ods = required_cell(errors, row, "ods_code", cells[ods_at])
        ref = required_cell(errors, row, "team_ref", cells[ref_at])
        submitted = parse_cell(
            errors,
            row,
            "submitted_on",
            cells[when_at],
            parse_datetime_to_london_date,
            required=True,
        )
        answers = reader.answers(errors, row, cells)
        in_groups = reader.in_groups(errors, row, cells)
        team = None
        if ods is not None and ref is not None:
            team = placements.team(directory, row, ods, ref, errors)
        if team is None or submitted is None or digest is None or errors.error_count != before:
            continue
        key = (team, period_start(submitted, survey.frequency))
        into = slices.get(key)
        if into is None:
            into = slices[key] = _Slice(survey, row)
        into.tally.add(answers)
        into.hashes.add(digest)
        for group_type, value in in_groups if answers else ():
            counts = groups.setdefault((*key, group_type, value), {})
            for pair in answers.items():
                counts[pair] = counts.get(pair, 0) + 1
    return ResponsesExtract(
        rows_read=table.rows_read,
        rows_skipped=placements.rows_skipped,
        unmapped=dict(placements.unmapped),
        forbidden=placements.forbidden,
        errors=errors,
        ignored_columns=tuple(table.ignored_columns),
        periods=period_span(period for _, period in slices),
        teams=frozenset(team for team, _ in slices),
        slices={key: built.done() for key, built in slices.items()},
        groups={key: counted(survey, counts) for key, counts in groups.items()},
    )


def counted(survey: Survey, counts: Mapping[tuple[str, str], int]) -> Aggregate:
    return aggregate_counts(survey, ((q, o, n) for (q, o), n in counts.items()))

"""The `survey-counts` file kind (ingest spec 3.2): aggregated answers per team, period,
question and option, and optionally per group, validated and placed like a responses file.

Pure, as `app.surveys.extracts` (whose spellings and row helpers it shares): totals and group
breakdowns come back apart, since a breakdown never changes a total.
"""

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Final, TypeVar

from app.integrations.cells import parse_date, parse_whole
from app.integrations.directory import Placements, TeamDirectory, fold_ods, fold_ref
from app.integrations.summary import (
    Columns,
    ExtractSummary,
    column_index,
    parse_cell,
    period_span,
    required_cell,
)
from app.integrations.tabular import ErrorList, Table
from app.surveys.definitions import Question, Survey, period_start
from app.surveys.extracts import GROUP_CODES, GroupKey, counted, option_lookup
from app.surveys.gaps import group_value
from app.surveys.scoring import Aggregate

TeamT = TypeVar("TeamT", bound=Hashable)

COUNTS_COLUMNS: Final = Columns(
    required=("ods_code", "team_ref", "period_start", "question", "option", "count"),
    optional=("group_type", "group_value"),
)


@dataclass(frozen=True, kw_only=True)
class CountsExtract(ExtractSummary[TeamT]):
    # Totals and group breakdowns are kept apart: a breakdown never changes a total (3.2).
    totals: Mapping[tuple[TeamT, date], Aggregate]
    groups: Mapping[GroupKey[TeamT], Aggregate]


_FIRST_DAY: Final = {
    "weekly": "the Monday of its week",
    "monthly": "the first day of its month",
    "quarterly": "the first day of its quarter",
    "annual": "the first day of its year",
}
# The groups a published breakdown may name instead of a code (section 6's grouping).
_GROUP_NAMES: Final = {
    ("ethnicity", "white"),
    ("ethnicity", "bme"),
    ("disability", "disabled"),
    ("disability", "not_disabled"),
}


def question_lookup(survey: Survey) -> dict[str, Question]:
    """Casefolded code or text -> question: a `survey-counts` row names its question by either
    (3.2), a code before a text, the earlier question first."""
    lookup = {q.text.strip().casefold(): q for q in reversed(survey.questions)}
    lookup.update((q.code.strip().casefold(), q) for q in reversed(survey.questions))
    return lookup


def _counts_group(group_type: str, raw: str) -> str | None:
    """A counts row's group: a code as in a responses file, or the group it makes already
    (`white`, `bme`, `disabled`, `not_disabled`), as a published breakdown may name it."""
    named = raw.casefold()
    if (group_type, named) in _GROUP_NAMES:
        return named
    return group_value(group_type, raw)


def _period(errors: ErrorList, row: int, text: str, survey: Survey) -> date | None:
    """A counts row's period_start: a date that is the first day of its period."""
    day = parse_cell(errors, row, "period_start", text, parse_date, required=True)
    if day is None:
        return None
    expected = period_start(day, survey.frequency)
    if day != expected:
        errors.add(
            row,
            "period_start",
            f"period_start must be {_FIRST_DAY[survey.frequency]} for a {survey.frequency} "
            f"survey: expected {expected.isoformat()}",
        )
        return None
    return day


def _group(
    errors: ErrorList, row: int, kind: str, raw: str
) -> tuple[()] | tuple[str, str, str | None] | None:
    """(group type, the code as the key folds it, its group or None) of a breakdown row; ()
    for a total row; None for a bad pair (an error)."""
    if not kind and not raw:
        return ()
    if not kind or not raw:
        missing, given = (
            ("group_type", "group_value") if not kind else ("group_value", "group_type")
        )
        errors.add(row, missing, f"{missing} is required with {given}")
        return None
    group_type = kind.casefold()
    try:
        return group_type, raw.casefold(), _counts_group(group_type, raw)
    except ValueError:
        expected = GROUP_CODES.get(group_type, f"a code of group {group_type}")
        errors.add(row, "group_value", f"expected {expected}")
        return None


def read_survey_counts(
    table: Table, survey: Survey, directory: TeamDirectory[TeamT]
) -> CountsExtract[TeamT]:
    """Reads every row of a `survey-counts` table (3.2) opened with `COUNTS_COLUMNS`.

    One row per (team, period, question, option[, group]): a repeated key (the group as its
    code, so codes that make one group add up) is an error on the later row. Rows with a
    group's code outside every group (not stated, not known) are valid and count nowhere."""
    ods_at, ref_at, period_at, question_at, option_at, count_at = (
        column_index(table, c) for c in COUNTS_COLUMNS.required
    )
    type_at, value_at = (table.index(c) for c in COUNTS_COLUMNS.optional)
    questions = question_lookup(survey)
    options = {q.code: option_lookup(q) for q in survey.questions}
    errors = table.errors
    placements: Placements[TeamT] = Placements()
    seen: dict[tuple[object, ...], int] = {}
    totals: dict[tuple[TeamT, date], dict[tuple[str, str], int]] = {}
    groups: dict[GroupKey[TeamT], dict[tuple[str, str], int]] = {}
    for row, cells in table:
        before = errors.error_count
        ods = required_cell(errors, row, "ods_code", cells[ods_at])
        ref = required_cell(errors, row, "team_ref", cells[ref_at])
        period = _period(errors, row, cells[period_at], survey)
        question = option = None
        if required_cell(errors, row, "question", cells[question_at]) is not None:
            question = questions.get(cells[question_at].casefold())
            if question is None:
                errors.add(
                    row, "question", f"not a question (code or text) of survey {survey.code}"
                )
        if required_cell(errors, row, "option", cells[option_at]) is not None and question:
            option = options[question.code].get(cells[option_at].casefold())
            if option is None:
                message = f"not an option (code or label) of question {question.code}"
                errors.add(row, "option", message)
        count = parse_cell(errors, row, "count", cells[count_at], parse_whole, required=True)
        group = _group(
            errors,
            row,
            "" if type_at is None else cells[type_at],
            "" if value_at is None else cells[value_at],
        )
        if ods is None or ref is None:
            continue
        team = placements.team(directory, row, ods, ref, errors)
        if period is None or question is None or option is None or group is None:
            continue
        # Rows outside the collaborative are checked for repeats by the pair they name.
        where = ("team", team) if team is not None else ("pair", fold_ods(ods), fold_ref(ref))
        key = (where, period, question.code, option, group[:2])
        first = seen.setdefault(key, row)
        if first != row:
            message = f"repeats row {first}: the same team, period, question, option and group"
            errors.add(row, None, message)
        if team is None or count is None or errors.error_count != before:
            continue
        if not group:
            into = totals.setdefault((team, period), {})
        elif group[2] is not None:
            into = groups.setdefault((team, period, group[0], group[2]), {})
        else:  # not stated or not known: in no group
            continue
        into[question.code, option] = into.get((question.code, option), 0) + count
    keys = [*totals, *((team, period) for team, period, _, _ in groups)]
    return CountsExtract(
        rows_read=table.rows_read,
        rows_skipped=placements.rows_skipped,
        unmapped=dict(placements.unmapped),
        forbidden=placements.forbidden,
        errors=errors,
        ignored_columns=tuple(table.ignored_columns),
        periods=period_span(period for _, period in keys),
        teams=frozenset(team for team, _ in keys),
        totals={key: counted(survey, counts) for key, counts in totals.items()},
        groups={key: counted(survey, counts) for key, counts in groups.items()},
    )

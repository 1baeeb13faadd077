"""`read_survey_responses` (slots, look-ups that learn spellings, remembered dates and places)
against the straightforward reading of spec 3.1 written here cell by cell with the
definitions' own functions: (Hypothesis) the same extract, errors and their order included,
for random files full of odd spellings, bad cells, repeats and rows of other teams."""

import csv
import io
import tempfile
from collections.abc import Callable
from datetime import date
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from app.integrations.cells import parse_datetime_to_london_date
from app.integrations.directory import Placements, TeamDirectory
from app.integrations.spill import DigestSpill
from app.integrations.summary import parse_cell, period_span, required_cell
from app.integrations.tabular import ErrorList, Table, read_csv
from app.surveys.builtins import ENJOYING_WORK, NQPS
from app.surveys.definitions import Question, Survey, match_option, period_start
from app.surveys.extracts import (
    GROUP_CODES,
    GROUP_PREFIX,
    RESPONSES_REQUIRED,
    ResponsesExtract,
    read_survey_responses,
    responses_columns,
)
from app.surveys.gaps import group_value
from app.surveys.response_slices import ResponseSlice, SliceDigests
from app.surveys.scoring import Aggregate, ResponseTally, aggregate_counts
from tests.surveys.test_extracts import hash_id
from tests.surveys.test_properties import local_surveys

TEAMS = {("RHQ", "ed nursing"): "ed", ("RHQ", "ward 3"): "ward3", ("RP5", "ward 3"): "rp5"}
DIRECTORIES = [
    TeamDirectory(teams=TEAMS, organisations=frozenset({"RHQ", "RP5"})),
    TeamDirectory(
        teams=TEAMS,
        organisations=frozenset({"RHQ", "RP5"}),
        permitted_organisations=frozenset({"RHQ"}),
        permitted_teams=frozenset({"ed"}),
    ),
]
GROUP_COLUMNS = ["group_ethnicity", "group_disability", "Group_Sex"]


def straightforward(
    table: Table, survey: Survey, directory: TeamDirectory[str], *, hash_id: Callable[[str], bytes]
) -> ResponsesExtract[str]:
    """Spec 3.1 read cell by cell: every check in the order of the row's columns as the
    reader names them, an answer matched with `match_option`, each respondent added to a
    `ResponseTally` and each group's answers counted one by one."""
    errors = table.errors
    at = {name: index for index, name in enumerate(table.columns)}
    fixed = {name.casefold() for name in RESPONSES_REQUIRED}
    questions = [q for q in survey.questions if q.code.casefold() not in fixed and q.code in at]
    taken = {*RESPONSES_REQUIRED, *(q.code for q in survey.questions)}
    groups_read = [c for c in table.columns if c.startswith(GROUP_PREFIX) and c not in taken]
    placements: Placements[str] = Placements()
    seen: dict[bytes, int] = {}
    tallies: dict[tuple[str, date], tuple[ResponseTally, set[bytes], int]] = {}
    groups: dict[tuple[str, date, str, str], dict[tuple[str, str], int]] = {}
    for row, cells in table:
        before = errors.error_count
        cell = {name: cells[index] for name, index in at.items()}
        digest = None
        if required_cell(errors, row, "response_id", cell["response_id"]) is not None:
            digest = hash_id(cell["response_id"])
            first = seen.setdefault(digest, row)
            if first != row:
                errors.add(row, "response_id", f"the response_id repeats that of row {first}")
        ods = required_cell(errors, row, "ods_code", cell["ods_code"])
        ref = required_cell(errors, row, "team_ref", cell["team_ref"])
        day = parse_cell(
            errors, row, "submitted_on", cell["submitted_on"], parse_datetime_to_london_date,
            required=True,
        )  # fmt: skip
        answers = _answers(errors, row, cell, questions)
        in_groups = _groups(errors, row, cell, groups_read)
        team = None
        if ods is not None and ref is not None:
            team = placements.team(directory, row, ods, ref, errors)
        if team is None or day is None or digest is None or errors.error_count != before:
            continue
        key = (team, period_start(day, survey.frequency))
        tally, hashes, _ = tallies.setdefault(key, (ResponseTally(survey), set(), row))
        tally.add(answers)
        hashes.add(digest)
        for group_type, value in in_groups if answers else ():
            counts = groups.setdefault((*key, group_type, value), {})
            for pair in answers.items():
                counts[pair] = counts.get(pair, 0) + 1
    spill = DigestSpill()
    for tag, (_, hashes, _) in enumerate(tallies.values()):
        for digest in hashes:
            spill.add(tag, 0, digest)
    return ResponsesExtract(
        rows_read=table.rows_read,
        rows_skipped=placements.rows_skipped,
        unmapped=dict(placements.unmapped),
        forbidden=placements.forbidden,
        errors=errors,
        ignored_columns=tuple(table.ignored_columns),
        periods=period_span(period for _, period in tallies),
        teams=frozenset(team for team, _ in tallies),
        slices={
            key: ResponseSlice(tally.aggregate(), len(hashes), first)
            for key, (tally, hashes, first) in tallies.items()
        },
        digests=SliceDigests(spill, list(tallies)),
        groups={
            key: aggregate_counts(survey, ((q, o, n) for (q, o), n in counts.items()))
            for key, counts in groups.items()
        },
    )


def _answers(
    errors: ErrorList, row: int, cell: dict[str, str], questions: list[Question]
) -> dict[str, str]:
    answers: dict[str, str] = {}
    for question in questions:
        text = cell[question.code]
        if text:
            option = match_option(question, text)
            if option is None:
                message = f"not an option (code or label) of question {question.code}"
                errors.add(row, question.code, message)
            else:
                answers[question.code] = option.code
    return answers


def _groups(
    errors: ErrorList, row: int, cell: dict[str, str], columns: list[str]
) -> list[tuple[str, str]]:
    in_groups = []
    for column in columns:
        group_type = column[len(GROUP_PREFIX) :]
        try:
            value = group_value(group_type, cell[column])
        except ValueError:
            expected = GROUP_CODES.get(group_type, f"a code of {column}")
            errors.add(row, column, f"expected {expected}")
            continue
        if value is not None:
            in_groups.append((group_type, value))
    return in_groups


def spellings(option_code: str, label: str) -> st.SearchStrategy[str]:
    written = st.sampled_from([option_code, label])
    return written | written.map(str.upper) | written.map(str.swapcase) | st.just(f" {label} ")


@st.composite
def response_files(draw: st.DrawFn) -> tuple[Survey, str, int]:
    """A survey, a responses file (some questions and group columns, in any order, odd
    spellings, bad cells, repeated ids, other teams) and which directory reads it."""
    survey = draw(st.sampled_from([ENJOYING_WORK, NQPS]) | local_surveys())
    asked = draw(st.lists(st.sampled_from(survey.questions), unique=True))
    groups = draw(st.lists(st.sampled_from(GROUP_COLUMNS), unique=True))
    header = [*RESPONSES_REQUIRED, *(q.code for q in asked), *groups, "Comments"]
    order = draw(st.permutations(range(len(header))))
    rows = []
    for _ in range(draw(st.integers(0, 25))):
        cells = [
            draw(st.sampled_from(["", "r1", "r2", "r3"]) | st.integers(4, 99).map(str)),
            draw(st.sampled_from(["RHQ", "rhq", "RP5", "QQQ", ""])),
            draw(st.sampled_from(["ed nursing", "ED Nursing", "ward 3", "elsewhere", ""])),
            draw(
                st.sampled_from(["", "2025-02-30", "31/12/2025", "03/31/2025", "soon"])
                | st.dates(date(2024, 12, 1), date(2025, 12, 31)).flatmap(
                    lambda d: st.sampled_from([d.isoformat(), d.strftime("%d/%m/%Y")]).flatmap(
                        lambda text: st.sampled_from(
                            [text, f"{text} 08:30", f"{text}T23:30:00Z", f"{text}T00:10:00Z"]
                        )
                    )
                )
            ),
        ]
        for question in asked:
            option = draw(st.sampled_from(question.scale))
            cells.append(
                draw(st.just("") | st.just("maybe") | spellings(option.code, option.label))
            )
        for column in groups:
            codes = {
                "group_ethnicity": ["", "A", "a", "D", "H1", "Z", "99", "Q", "AAA"],
                "group_disability": ["", "Y", "n", "Z", "9", "x"],
                "Group_Sex": ["", "Female", "female", "Male"],
            }[column]
            cells.append(draw(st.sampled_from(codes)))
        cells.append(draw(st.sampled_from(["", "no comment"])))
        rows.append([cells[i] for i in order])
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([header[i] for i in order])
    writer.writerows(rows)
    return survey, out.getvalue(), draw(st.integers(0, len(DIRECTORIES) - 1))


def read(
    path: Path, survey: Survey, reader: Callable[..., ResponsesExtract[str]], directory: int
) -> ResponsesExtract[str]:
    columns = responses_columns(survey)
    with read_csv(
        path,
        charset=None,
        required=columns.required,
        optional=columns.optional,
        prefixes=columns.prefixes,
        max_rows=1_000,
    ) as table:
        return reader(table, survey, DIRECTORIES[directory], hash_id=hash_id)


def comparable(extract: ResponsesExtract[str]) -> tuple[object, ...]:
    """Everything the extract says, its errors (in order) and the groups' aggregates too. Of
    a file with errors (stored by nobody), each slice's number of responses only: a row that
    repeats an id is found after it was tallied."""
    groups: dict[tuple[str, date, str, str], Aggregate] = dict(extract.groups)
    keys = sorted(extract.slices, key=repr)
    slices: list[object] = [(key, extract.slices[key].responses) for key in keys]
    if not extract.errors:
        slices.append([extract.digests.of(key) for key in keys])
        slices.append([extract.slices[key] for key in keys])
        slices.append(sorted(groups.items(), key=lambda item: repr(item[0])))
    return (
        extract.rows_read,
        extract.rows_skipped,
        tuple(sorted(extract.unmapped.items())),
        tuple(extract.forbidden.errors),
        extract.forbidden.error_count,
        tuple(extract.errors.errors),
        extract.errors.error_count,
        extract.ignored_columns,
        extract.periods,
        extract.teams,
        slices,
    )


@settings(max_examples=300, deadline=None)
@given(response_files())
def test_the_reader_equals_the_straightforward_reading(case: tuple[Survey, str, int]) -> None:
    survey, text, directory = case
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "responses.csv"
        path.write_text(text, encoding="utf-8", newline="")
        fast = read(path, survey, read_survey_responses, directory)
        slow = read(path, survey, straightforward, directory)
    assert comparable(fast) == comparable(slow)

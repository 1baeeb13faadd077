"""`survey-counts` files (ingest spec 3.2) read from real CSV files: totals equal to the responses
they count, spellings, the first day of a period, breakdowns kept apart, and every row error."""

from datetime import date
from pathlib import Path

from app.integrations.directory import TeamDirectory
from app.integrations.tabular import read_csv
from app.surveys.builtins import ENJOYING_WORK
from app.surveys.counts_extract import COUNTS_COLUMNS, CountsExtract, read_survey_counts
from app.surveys.definitions import Survey
from app.surveys.scoring import question_results
from tests.surveys.test_extracts import DIRECTORY, WEEK, lines, write
from tests.surveys.test_extracts import read as read_responses

HEADER = "ods_code,team_ref,period_start,question,option,count"
GROUPED = HEADER + ",group_type,group_value"


def read(
    path: Path, survey: Survey = ENJOYING_WORK, directory: TeamDirectory[str] = DIRECTORY
) -> CountsExtract[str]:
    with read_csv(
        path,
        charset=None,
        required=COUNTS_COLUMNS.required,
        optional=COUNTS_COLUMNS.optional,
        prefixes=COUNTS_COLUMNS.prefixes,
        max_rows=10_000,
    ) as table:
        return read_survey_counts(table, survey, directory)


def test_worked_example_8_1_as_counts_equals_the_responses_it_counts(tmp_path: Path) -> None:
    counts = read(
        write(
            tmp_path,
            lines(
                "RHQ,ED nursing,2025-03-03,enjoy_work,always,3",
                "RHQ,ED nursing,2025-03-03,enjoy_work,often,4",
                "RHQ,ED nursing,03/03/2025,enjoy_work,sometimes,3",
                "RHQ,ED nursing,2025-03-03,enjoy_work,rarely,1",
                "RHQ,ED nursing,2025-03-03,enjoy_work,never,0",
                header=HEADER,
            ),
            "counts.csv",
        )
    )
    answers = ["always"] * 3 + ["often"] * 4 + ["sometimes"] * 3 + ["rarely", ""]
    responses = read_responses(
        write(
            tmp_path,
            lines(
                *(f"r{i},RHQ,ed nursing,2025-03-05,{a},," for i, a in enumerate(answers)),
                header="response_id,ods_code,team_ref,submitted_on,enjoy_work,burnout,x",
            ),
        )
    )
    assert not counts.errors
    assert counts.totals == {("ed", WEEK): responses.slices["ed", WEEK].aggregate}
    result = question_results(ENJOYING_WORK, counts.totals["ed", WEEK])["enjoy_work"]
    assert (result.respondents, result.favourable) == (11, 7)
    assert (counts.rows_read, counts.periods, counts.teams) == (5, (WEEK, WEEK), frozenset({"ed"}))
    assert counts.groups == {}


def test_questions_match_by_code_or_text_and_options_by_code_or_label(tmp_path: Path) -> None:
    text = lines(
        "RHQ,ed nursing,2025-03-03,HOW OFTEN DO YOU ENJOY BEING AT WORK?,Always,5",
        "RHQ,ed nursing,2025-03-03,Recommend_Team,don't know,2",
        "RHQ,ed nursing,2025-03-03,burnout,I feel completely burned out,1",
        header=HEADER.upper(),
    )
    extract = read(write(tmp_path, text))
    assert not extract.errors
    assert extract.totals["ed", WEEK].counts == {
        "burnout": {"5": 1},
        "enjoy_work": {"always": 5},
        "recommend_team": {"dont_know": 2},
    }


def test_breakdowns_feed_the_groups_and_never_the_totals(tmp_path: Path) -> None:
    text = lines(
        "RHQ,ed nursing,2025-03-03,enjoy_work,often,10,,",
        "RHQ,ed nursing,2025-03-03,enjoy_work,often,3,ethnicity,A",
        "RHQ,ed nursing,2025-03-03,enjoy_work,often,2,Ethnicity,b",  # A and B: both white
        "RHQ,ed nursing,2025-03-03,enjoy_work,often,4,ethnicity,D",
        "RHQ,ed nursing,2025-03-03,enjoy_work,often,1,ethnicity,Z",  # not stated: no group
        "RHQ,ed nursing,2025-03-03,enjoy_work,often,6,disability,not_disabled",  # a group name
        "RHQ,ed nursing,2025-03-03,enjoy_work,often,2,sex,Female",
        "RHQ,ed nursing,2025-03-10,enjoy_work,never,2,sex,Female",  # a breakdown alone
        header=GROUPED,
    )
    extract = read(write(tmp_path, text))
    assert not extract.errors
    assert {k: dict(a.counts) for k, a in extract.totals.items()} == {
        ("ed", WEEK): {"enjoy_work": {"often": 10}}
    }
    assert {k: dict(a.counts) for k, a in extract.groups.items()} == {
        ("ed", WEEK, "ethnicity", "white"): {"enjoy_work": {"often": 5}},
        ("ed", WEEK, "ethnicity", "bme"): {"enjoy_work": {"often": 4}},
        ("ed", WEEK, "disability", "not_disabled"): {"enjoy_work": {"often": 6}},
        ("ed", WEEK, "sex", "Female"): {"enjoy_work": {"often": 2}},
        ("ed", date(2025, 3, 10), "sex", "Female"): {"enjoy_work": {"never": 2}},
    }
    assert extract.periods == (WEEK, date(2025, 3, 10))


def test_every_row_error_names_its_row_and_column(tmp_path: Path) -> None:
    rows = [
        "RHQ,ed nursing,2025-03-03,enjoy_work,often,1,,",  # 2: good
        "RHQ,ed nursing,2025-03-05,enjoy_work,often,1,,",  # 3: a Wednesday
        "RHQ,ed nursing,,enjoy_work,often,1,,",  # 4: no period_start
        "RHQ,ed nursing,2025-03-03,happiness,often,1,,",  # 5: not a question
        "RHQ,ed nursing,2025-03-03,enjoy_work,maybe,1,,",  # 6: not an option
        "RHQ,ed nursing,2025-03-03,enjoy_work,always,-1,,",  # 7: negative
        "RHQ,ed nursing,2025-03-03,enjoy_work,never,1.5,,",  # 8: a fraction
        "RHQ,ed nursing,2025-03-03,enjoy_work,rarely,,,",  # 9: no count
        "RHQ,ed nursing,2025-03-03,enjoy_work,rarely,1,ethnicity,",  # 10: group_value missing
        "RHQ,ed nursing,2025-03-03,enjoy_work,rarely,1,,A",  # 11: group_type missing
        "RHQ,ed nursing,2025-03-03,enjoy_work,rarely,1,ethnicity,XY",  # 12: not a code
        "RHQ,ED NURSING,2025-03-03,enjoy_work,OFTEN,4,,",  # 13: repeats row 2
        "QQQ,ed nursing,2025-03-03,enjoy_work,often,1,,",  # 14: unknown organisation
        ",ed nursing,2025-03-03,enjoy_work,often,1,,",  # 15: no ods_code
        "RHQ,ed nursing,2025-03-03,,,1,,",  # 16: no question, no option
        "RHQ,ed nursing,2025-03-03,enjoy_work,rarely,1,disability,A",  # 17: not Y N Z 9
    ]
    extract = read(write(tmp_path, lines(*rows, header=GROUPED)))
    assert [(e.row, e.column) for e in extract.errors.errors] == [
        (3, "period_start"),
        (4, "period_start"),
        (5, "question"),
        (6, "option"),
        (7, "count"),
        (8, "count"),
        (9, "count"),
        (10, "group_value"),
        (11, "group_type"),
        (12, "group_value"),
        (13, None),
        (14, "ods_code"),
        (15, "ods_code"),
        (16, "question"),
        (16, "option"),
        (17, "group_value"),
    ]
    messages = {(e.row, e.column): e.message for e in extract.errors.errors}
    assert messages[3, "period_start"] == (
        "period_start must be the Monday of its week for a weekly survey: expected 2025-03-03"
    )
    assert messages[13, None] == (
        "repeats row 2: the same team, period, question, option and group"
    )
    assert messages[10, "group_value"] == "group_value is required with group_type"
    assert messages[12, "group_value"] == "expected an ETHNIC CATEGORY code (A to S, Z or 99)"
    assert not any("XY" in m or "maybe" in m or "happiness" in m for m in messages.values())
    assert {k: dict(a.counts) for k, a in extract.totals.items()} == {
        ("ed", WEEK): {"enjoy_work": {"often": 1}}
    }


def test_repeats_are_found_among_skipped_rows_and_groups_too(tmp_path: Path) -> None:
    rows = [
        "RP5,Theatres,2025-03-03,enjoy_work,often,1,,",
        "rp5,theatres ,2025-03-03,enjoy_work,often,1,,",  # 3: the same pair, same key
        "RHQ,ed nursing,2025-03-03,enjoy_work,often,1,ethnicity,a",
        "RHQ,ed nursing,2025-03-03,enjoy_work,often,1,ethnicity,A",  # 5: the same code
        "RHQ,ed nursing,2025-03-03,enjoy_work,often,1,ethnicity,B",  # another code: fine
    ]
    extract = read(write(tmp_path, lines(*rows, header=GROUPED)))
    assert [(e.row, e.column) for e in extract.errors.errors] == [(3, None), (5, None)]
    assert extract.unmapped == {("RP5", "Theatres"): 2}


def test_unmapped_rows_are_skipped_and_other_organisations_forbidden(tmp_path: Path) -> None:
    bound = TeamDirectory(DIRECTORY.teams, DIRECTORY.organisations, frozenset({"RP5"}))
    rows = [
        "RHQ,ed nursing,2025-03-03,enjoy_work,often,1",
        "RP5,Theatres,2025-03-03,enjoy_work,often,1",
    ]
    extract = read(write(tmp_path, lines(*rows, header=HEADER)), directory=bound)
    assert not extract.errors
    assert [(e.row, e.column) for e in extract.forbidden.errors] == [(2, "ods_code")]
    assert (extract.rows_read, extract.rows_skipped, extract.unmapped) == (
        2,
        1,
        {("RP5", "Theatres"): 1},
    )
    assert (extract.totals, extract.periods, extract.teams) == ({}, None, frozenset())

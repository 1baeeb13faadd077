"""`survey-responses` files (ingest spec 3.1) read from real CSV files: the worked examples 8.1
and 8.2, spellings, encodings, placing, every row error, dates, groups, and (Hypothesis) that a
file split in two adds up to the whole; and the re-posting rule of spec 2 (`merge_slice`)."""

import csv
import hashlib
import hmac
import io
import tempfile
from collections.abc import Hashable, Mapping
from datetime import date, timedelta
from fractions import Fraction
from pathlib import Path
from typing import TypeVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.integrations.directory import TeamDirectory
from app.integrations.tabular import read_csv
from app.surveys.builtins import ENJOYING_WORK, NQPS, NSS
from app.surveys.definitions import Survey, match_option
from app.surveys.extracts import (
    ResponsesExtract,
    option_lookup,
    read_survey_responses,
    responses_columns,
)
from app.surveys.response_slices import merge_slice
from app.surveys.scoring import Aggregate, ScoreSum, combine, question_results

SECRET = b"test-secret"
DIRECTORY = TeamDirectory(
    teams={("RHQ", "ed nursing"): "ed", ("RHQ", "ward 3"): "ward3"},
    organisations=frozenset({"RHQ", "RP5"}),
)
WEEK = date(2025, 3, 3)  # a Monday
HEADER = "response_id,ods_code,team_ref,submitted_on,enjoy_work,burnout,recommend_team"


def hash_id(response_id: str) -> bytes:
    return hmac.new(SECRET, response_id.encode(), hashlib.sha256).digest()


def write(folder: Path, text: str | bytes, name: str = "responses.csv") -> Path:
    path = folder / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


def read(
    path: Path,
    survey: Survey = ENJOYING_WORK,
    directory: TeamDirectory[str] = DIRECTORY,
) -> ResponsesExtract[str]:
    columns = responses_columns(survey)
    with read_csv(
        path,
        charset=None,
        required=columns.required,
        optional=columns.optional,
        prefixes=columns.prefixes,
        max_rows=10_000,
    ) as table:
        return read_survey_responses(table, survey, directory, hash_id=hash_id)


def lines(*rows: str, header: str = HEADER) -> str:
    return "\r\n".join((header, *rows)) + "\r\n"


def test_worked_example_8_1_one_team_one_week(tmp_path: Path) -> None:
    answers = ["always"] * 3 + ["often"] * 4 + ["sometimes"] * 3 + ["rarely", ""]
    # Any day of the week, in each format a tool writes, falls in the week of Monday 3 March.
    days = ["2025-03-03", "04/03/2025", "2025-03-05T09:30:00", "06/03/2025 17:45", "2025-03-09"]
    rows = [
        f"r{i},RHQ,ED Nursing,{days[i % len(days)]},{answer},,"
        for i, answer in enumerate(answers, 1)
    ]
    extract = read(write(tmp_path, lines(*rows)))
    assert not extract.errors
    assert extract.rows_read == 12
    assert list(extract.slices) == [("ed", WEEK)]
    week = extract.slices["ed", WEEK]
    assert week.aggregate.counts == {
        "enjoy_work": {"always": 3, "often": 4, "rarely": 1, "sometimes": 3}
    }
    assert extract.digests.of(("ed", WEEK)) == {hash_id(f"r{i}") for i in range(1, 13)}
    assert week.responses == 12
    assert week.first_row == 2
    result = question_results(ENJOYING_WORK, week.aggregate)["enjoy_work"]
    assert (result.respondents, result.favourable) == (11, 7)
    assert result.percent_favourable == pytest.approx(63.63636363636363, rel=1e-12)
    assert (extract.periods, extract.teams) == ((WEEK, WEEK), frozenset({"ed"}))

    # The same week with only 8 answers is suppressed (threshold 10).
    few = read(write(tmp_path, lines(*rows[:8]), "few.csv"))
    suppressed = question_results(ENJOYING_WORK, few.slices["ed", WEEK].aggregate)
    assert suppressed["enjoy_work"].suppressed
    assert suppressed["enjoy_work"].percent_favourable is None


NQPS_HEADER = "response_id,ods_code,team_ref,submitted_on,q2a,q2b,q2c,q3c,q3d,q3f,q25a,q25c,q25d"


def test_worked_example_8_2_nqps_engagement_of_one_respondent(tmp_path: Path) -> None:
    row = "p1,RHQ,ward 3,2025-03-05,Often,Always,Sometimes,Agree,Strongly agree,"
    row += "Neither agree nor disagree,{q25a},,Strongly agree"
    extract = read(write(tmp_path, lines(row.format(q25a="Agree"), header=NQPS_HEADER)), NQPS)
    assert not extract.errors
    quarter = extract.slices["ward3", date(2025, 1, 1)]
    # Sums of respondents' scores and their number, exact: 7.5, 7.5, 8.75, and 95/12.
    assert quarter.aggregate.scores == {
        "advocacy": ScoreSum(Fraction(35, 4), 1),
        "engagement": ScoreSum(Fraction(95, 12), 1),
        "involvement": ScoreSum(Fraction(15, 2), 1),
        "motivation": ScoreSum(Fraction(15, 2), 1),
    }
    assert float(quarter.aggregate.scores["engagement"].total) == pytest.approx(7.916666666666667)

    # With q25a blank too, advocacy (1 of 3) and engagement have no score for this respondent,
    # who still counts in the results of the questions answered.
    blank = read(write(tmp_path, lines(row.format(q25a=""), header=NQPS_HEADER), "b.csv"), NQPS)
    aggregate = blank.slices["ward3", date(2025, 1, 1)].aggregate
    assert set(aggregate.scores) == {"involvement", "motivation"}
    assert aggregate.counts["q25d"] == {"5": 1}
    assert "q25a" not in aggregate.counts


def test_answers_match_by_code_or_label_in_any_case(tmp_path: Path) -> None:
    header = HEADER
    codes = read(
        write(tmp_path, lines("a,RHQ,ed nursing,2025-03-03,always,1,dont_know"), "codes.csv")
    )
    labels = read(
        write(
            tmp_path,
            lines(
                "a,RHQ,ed nursing,2025-03-03,ALWAYS,"
                '"I enjoy my work. I have no symptoms of burnout",don\'t KNOW',
                header=header.upper(),
            ),
            "labels.csv",
        )
    )
    assert not codes.errors
    assert not labels.errors
    assert codes.slices["ed", WEEK].aggregate == labels.slices["ed", WEEK].aggregate
    assert codes.slices["ed", WEEK].aggregate.counts == {
        "burnout": {"1": 1},
        "enjoy_work": {"always": 1},
        "recommend_team": {"dont_know": 1},
    }


def test_a_question_absent_from_the_header_is_not_asked(tmp_path: Path) -> None:
    header = "response_id,ods_code,team_ref,submitted_on,burnout,comments"
    extract = read(write(tmp_path, lines("a,RHQ,ed nursing,2025-03-03,2,fine", header=header)))
    assert not extract.errors
    assert extract.slices["ed", WEEK].aggregate.counts == {"burnout": {"2": 1}}
    assert extract.ignored_columns == ("comments",)


def test_bom_and_windows_1252_files_find_their_team(tmp_path: Path) -> None:
    # An en dash (0x96 in Windows-1252) and an e with diaeresis (0xEB).
    dash = "\u2013"
    directory = TeamDirectory(
        teams={("RHQ", f"urgent {dash} zoë"): "urgent"}, organisations=frozenset({"RHQ"})
    )
    text = lines(
        f"a,RHQ,Urgent {dash} Zoë,2025-03-03,often,,", f"b,rhq,URGENT {dash} ZOË,2025-03-04,never,,"
    )
    for name, data in (
        ("bom.csv", b"\xef\xbb\xbf" + text.encode()),
        ("cp1252.csv", text.encode("cp1252")),
    ):
        extract = read(write(tmp_path, data, name), directory=directory)
        assert not extract.errors, name
        assert extract.slices["urgent", WEEK].aggregate.counts == {
            "enjoy_work": {"never": 1, "often": 1}
        }


def test_unmapped_rows_are_skipped_and_rows_of_other_teams_forbidden(tmp_path: Path) -> None:
    coach = TeamDirectory(
        DIRECTORY.teams, DIRECTORY.organisations, permitted_teams=frozenset({"ed"})
    )
    text = lines(
        "a,RHQ,ED nursing,2025-03-03,often,,",
        "b,RP5,Theatres,2025-03-03,often,,",
        "c,rp5,theatres ,2025-03-03,often,,",
        "d,RHQ,ward 3,2025-03-03,often,,",
    )
    extract = read(write(tmp_path, text), directory=coach)
    assert not extract.errors
    assert (extract.rows_read, extract.rows_skipped) == (4, 2)
    assert extract.unmapped == {("RP5", "Theatres"): 2}
    assert [(e.row, e.column) for e in extract.forbidden.errors] == [(5, "ods_code")]
    assert list(extract.slices) == [("ed", WEEK)]
    assert extract.digests.of(("ed", WEEK)) == {hash_id("a")}


def test_every_row_error_names_its_row_and_column_and_never_the_value(tmp_path: Path) -> None:
    header = HEADER + ",group_ethnicity,group_disability"
    rows = [
        ",RHQ,ed nursing,2025-03-03,often,,,,",  # 2: no response_id
        "r1,RHQ,ed nursing,2025-03-03,often,,,A,N",  # 3: good
        "r1,RHQ,ed nursing,2025-03-04,often,,,,",  # 4: repeats row 3's id
        "r2,,ed nursing,2025-03-03,often,,,,",  # 5: no ods_code
        "r3,RHQ,,2025-03-03,often,,,,",  # 6: no team_ref
        "r4,QQQ,ed nursing,2025-03-03,often,,,,",  # 7: unknown organisation
        "r5,RHQ,ed nursing,,often,,,,",  # 8: no submitted_on
        "r6,RHQ,ed nursing,2025-02-30,often,,,,",  # 9: no such day
        "r7,RHQ,ed nursing,03/31/2025,often,,,,",  # 10: month first is never read
        "r8,RHQ,ed nursing,2025-03-03,maybe,,,,",  # 11: not an option
        "r9,RHQ,ed nursing,2025-03-03,often,,,X,",  # 12: not an ethnic category
        "r10,RHQ,ed nursing,2025-03-03,often,,,,Q",  # 13: not a disability code
        "r11,RHQ,ed nursing,2025-03-03,often,,,,,surplus",  # 14: more cells than the header
        "r12,RHQ,ed nursing,2025-03-03,sometimes,9,,,",  # 15: burnout has no option 9
    ]
    extract = read(write(tmp_path, lines(*rows, header=header)))
    assert [(e.row, e.column) for e in extract.errors.errors] == [
        (2, "response_id"),
        (4, "response_id"),
        (5, "ods_code"),
        (6, "team_ref"),
        (7, "ods_code"),
        (8, "submitted_on"),
        (9, "submitted_on"),
        (10, "submitted_on"),
        (11, "enjoy_work"),
        (12, "group_ethnicity"),
        (13, "group_disability"),
        (14, None),
        (15, "burnout"),
    ]
    messages = {e.row: e.message for e in extract.errors.errors}
    assert messages[4] == "the response_id repeats that of row 3"
    assert messages[11] == "not an option (code or label) of question enjoy_work"
    assert messages[12] == "expected an ETHNIC CATEGORY code (A to S, Z or 99)"
    assert messages[13] == "expected a disability code (Y, N, Z or 9)"
    for message in messages.values():
        assert not {"maybe", "'X'", "'Q'", "r1", "surplus", "QQQ"} & set(message.split())
    # Only the good row counts as a response (row 4's repeat is found after it was tallied:
    # the file is refused whole, so no tally of it is ever stored).
    assert extract.errors.error_count == 13
    assert list(extract.slices) == [("ed", WEEK)]
    assert extract.slices["ed", WEEK].responses == 1
    assert set(extract.groups) == {
        ("ed", WEEK, "ethnicity", "white"),
        ("ed", WEEK, "disability", "not_disabled"),
    }


def test_dates_are_day_first_and_datetimes_are_cut_to_the_london_date(tmp_path: Path) -> None:
    text = lines(
        "a,RHQ,ed nursing,03/04/2025,often,,",  # 3 April (a Thursday), never 4 March
        "b,RHQ,ed nursing,03/04/2025 08:30,often,,",  # as MS Forms writes it
        "c,RHQ,ed nursing,2025-06-01T23:30:00Z,often,,",  # 00:30 on Monday 2 June in London
        "d,RHQ,ed nursing,2025-06-01T23:30:00,often,,",  # London time already: a Sunday
        "e,RHQ,ed nursing,2025-01-05T23:30:00Z,often,,",  # GMT in winter: still Sunday 5th
    )
    extract = read(write(tmp_path, text))
    assert not extract.errors
    assert {key: len(extract.digests.of(key)) for key in extract.slices} == {
        ("ed", date(2025, 3, 31)): 2,
        ("ed", date(2025, 6, 2)): 1,
        ("ed", date(2025, 5, 26)): 1,
        ("ed", date(2024, 12, 30)): 1,
    }
    assert extract.periods == (date(2024, 12, 30), date(2025, 6, 2))


def test_group_columns_count_answers_per_group_after_grouping_codes(tmp_path: Path) -> None:
    header = "response_id,ods_code,team_ref,submitted_on,enjoy_work,group_ethnicity,"
    header += "group_disability,Group_Sex"
    text = lines(
        "a,RHQ,ed nursing,2025-03-03,always,A,Y,Female",
        "b,RHQ,ed nursing,2025-03-03,often,C,N,Male",
        "c,RHQ,ed nursing,2025-03-03,never,D,9,Female",
        "d,RHQ,ed nursing,2025-03-03,rarely,Z,Z,",
        "e,RHQ,ed nursing,2025-03-03,,99,N,Female",
        "f,RHQ,ed nursing,2025-03-03,often,,,",
        header=header,
    )
    extract = read(write(tmp_path, text))
    assert not extract.errors
    counts = {key[2:]: dict(a.counts.get("enjoy_work", {})) for key, a in extract.groups.items()}
    assert counts == {
        ("ethnicity", "white"): {"always": 1, "often": 1},
        ("ethnicity", "bme"): {"never": 1},
        ("disability", "disabled"): {"always": 1},
        ("disability", "not_disabled"): {"often": 1},  # e answered nothing
        ("sex", "Female"): {"always": 1, "never": 1},
        ("sex", "Male"): {"often": 1},
    }
    # A breakdown holds counts only; the totals are the slice's.
    assert all(a.scores == {} for a in extract.groups.values())
    assert extract.slices["ed", WEEK].aggregate.counts["enjoy_work"] == {
        "always": 1,
        "never": 1,
        "often": 2,
        "rarely": 1,
    }


def test_the_option_lookup_matches_as_match_option_does() -> None:
    for survey in (ENJOYING_WORK, NQPS, NSS):
        for question in survey.questions:
            lookup = option_lookup(question)
            spellings = [s for o in question.scale for s in (o.code, o.label)]
            for text in [*spellings, *(s.upper() for s in spellings), "maybe", "0", "6"]:
                option = match_option(question, text)
                assert lookup.get(text.casefold()) == (option and option.code), text


# Hypothesis ----------------------------------------------------------------------------------

TEAMS = ("ed nursing", "ward 3", "elsewhere")
SURVEYS = {"enjoying-work": ENJOYING_WORK, "nqps": NQPS}


def csv_line(cells: list[str]) -> str:
    """One CSV record, quoted where a cell needs it (a label with a comma)."""
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(cells)
    return out.getvalue()


@st.composite
def response_files(draw: st.DrawFn) -> tuple[Survey, list[str], int]:
    """A survey, the lines of a responses file (header first) and where to cut its rows."""
    survey = SURVEYS[draw(st.sampled_from(sorted(SURVEYS)))]
    codes = [q.code for q in survey.questions]
    header = ",".join(["response_id", "ods_code", "team_ref", "submitted_on", *codes])
    header += ",group_ethnicity"
    rows = []
    for i in range(draw(st.integers(1, 30))):
        cells = [f"id{i}", "RHQ", draw(st.sampled_from(TEAMS))]
        day = date(2025, 1, 1) + timedelta(days=draw(st.integers(0, 364)))
        cells.append(day.isoformat() if draw(st.booleans()) else day.strftime("%d/%m/%Y"))
        for question in survey.questions:
            option = draw(st.none() | st.sampled_from(question.scale))
            spelling = "" if option is None else draw(st.sampled_from([option.code, option.label]))
            cells.append(spelling.upper() if draw(st.booleans()) else spelling)
        cells.append(draw(st.sampled_from(["", "A", "D", "Z", "99"])))
        rows.append(csv_line(cells))
    return survey, [header, *rows], draw(st.integers(0, len(rows)))


K = TypeVar("K", bound=Hashable)


def added(a: Mapping[K, Aggregate], b: Mapping[K, Aggregate]) -> dict[K, Aggregate]:
    return {key: combine(a.get(key, Aggregate()), b.get(key, Aggregate())) for key in {*a, *b}}


@settings(max_examples=60, deadline=None)
@given(response_files())
def test_a_file_split_in_two_adds_up_to_the_whole(case: tuple[Survey, list[str], int]) -> None:
    survey, file_lines, cut = case
    header, rows = file_lines[0], file_lines[1:]
    with tempfile.TemporaryDirectory() as folder:
        whole, first, second = (
            read(write(Path(folder), lines(*part, header=header), name), survey)
            for name, part in (("w.csv", rows), ("1.csv", rows[:cut]), ("2.csv", rows[cut:]))
        )
    for extract in (whole, first, second):
        assert not extract.errors
    assert whole.rows_skipped == first.rows_skipped + second.rows_skipped
    parts = (first, second)
    aggregates = [{k: s.aggregate for k, s in x.slices.items()} for x in parts]
    assert added(*aggregates) == {k: s.aggregate for k, s in whole.slices.items()}
    assert added(first.groups, second.groups) == dict(whole.groups)
    for key in whole.slices:
        mine = [x.digests.of(key) for x in parts if key in x.slices]
        assert whole.digests.of(key) == frozenset().union(*mine)
        if len(mine) == 2:  # the second half of a period is all new: added, never replacing
            assert merge_slice(len(mine[0]), len(mine[0] & mine[1])) == "add"
        assert whole.slices[key].responses == sum(map(len, mine))
    found = whole.digests.found_in({key: first.digests.of(key) for key in first.slices})
    assert found == {key: len(first.digests.of(key)) for key in whole.slices}


@settings(max_examples=300, deadline=None)
@given(
    st.frozensets(st.binary(min_size=1, max_size=1), max_size=6),
    st.frozensets(st.binary(min_size=1, max_size=1), min_size=1, max_size=6),
)
def test_merge_slice_never_counts_a_response_twice_nor_loses_one(
    stored: frozenset[bytes], file: frozenset[bytes]
) -> None:
    """Whichever it picks, the stored slice ends with every id of both counted once; and it
    answers "partial" exactly when neither adding nor replacing could do that."""
    verdict = merge_slice(len(stored), len(stored & file))
    everyone = len(stored | file)
    if verdict == "add":
        assert len(stored) + len(file) == everyone
    elif verdict == "replace":
        assert len(file) == everyone
    else:
        assert len(stored) + len(file) != everyone
        assert len(file) != everyone
    assert (verdict == "add") == stored.isdisjoint(file)
    assert (verdict == "replace") == (bool(stored & file) and stored <= file)


def test_merge_slice_cases_of_spec_2() -> None:
    assert merge_slice(0, 0) == "add"  # a first import
    assert merge_slice(1, 0) == "add"  # only new responses ({a} stored, {b, c} posted)
    assert merge_slice(2, 2) == "replace"  # all so far ({a, b} stored, {a, b, c} posted)
    assert merge_slice(2, 1) == "partial"  # {a, b} stored, {b, c} posted
    with pytest.raises(ValueError, match="cannot be among"):
        merge_slice(1, 2)

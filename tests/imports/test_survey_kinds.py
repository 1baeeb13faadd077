"""POST /imports of survey-responses and survey-counts files through HTTP (ingest spec 3.1, 3.2,
5, 6 and 8): the worked examples, answers by code or label, suppression, group columns feeding
the equality gaps, the bound measures' points, and the query a survey kind needs."""

import copy
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from app.errors import Conflict
from app.imports.survey_kinds import SurveyCounts
from app.surveys.service import get_definition
from tests import api
from tests.api import API, assert_problem
from tests.imports.survey_support import (
    ENJOY_COLUMNS as COLUMNS,
)
from tests.imports.survey_support import (
    SPEC_8_1,
    Response,
    enjoy,
    post_counts,
    post_responses,
    question,
    responses_csv,
    survey_results,
)
from tests.imports_support import IMPORTS, Collaborative, collaborative, post_file
from tests.integrations.workbooks import write_openpyxl
from tests.surveys.test_api import PULSE

ENJOY = {"type": "survey-question", "survey": "enjoying-work", "question": "enjoy_work"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NQPS_COLUMNS = ("q2a", "q2b", "q2c", "q3c", "q3d", "q3f", "q25a", "q25c", "q25d")


@pytest.fixture
def world(client: TestClient) -> Collaborative:
    return collaborative(client)


def _points(client: TestClient, team_id: str, measure_id: str) -> list[dict[str, Any]]:
    response = client.get(f"{API}/teams/{team_id}/measures/{measure_id}/data")
    assert response.status_code == 200, response.text
    return [
        {k: p[k] for k in ("period_start", "numerator", "denominator", "suppressed", "source")}
        for p in response.json()["items"]
    ]


def test_worked_example_8_1_from_a_file_is_7_of_11_on_the_bound_p_chart(
    client: TestClient, world: Collaborative
) -> None:
    measure = api.measure(client, collaborative_id=world.id, chart="p", data_source=ENJOY)["id"]
    text = responses_csv(enjoy(world.a, SPEC_8_1))

    response = post_responses(client, world.id, text)

    assert response.status_code == 201, response.text
    record = response.json()
    assert {k: record[k] for k in SUMMARY} == {
        "kind": "survey-responses",
        "status": "succeeded",
        "survey": "enjoying-work",
        "rows_read": 12,
        "rows_skipped": 0,
        "teams": [world.a.team_id],
        "periods": {"first": "2025-03-03", "last": "2025-03-03"},
        "aggregates_written": 1,
        "cells_suppressed": 0,
        "points_written": 1,
        "typed_points_replaced": 0,
        "error_count": 0,
        "errors": [],
    }
    assert client.get(f"{IMPORTS}/{record['id']}").json() == record
    (results,) = survey_results(client, world.a.team_id)
    assert (results["period_start"], results["source"]) == ("2025-03-03", "responses")
    enjoy_work = question([results], "2025-03-03", "enjoy_work")
    assert enjoy_work == {
        "question": "enjoy_work",
        "respondents": 11,
        "favourable": 7,
        "percent_favourable": pytest.approx(63.63636363636363, rel=1e-12),
        "mean_score": pytest.approx((3 * 10 + 4 * 7.5 + 3 * 5 + 2.5) / 11, rel=1e-12),
        "value": pytest.approx(700 / 11, rel=1e-12),
        "suppressed": False,
    }
    assert _points(client, world.a.team_id, measure) == [
        {
            "period_start": "2025-03-03",
            "numerator": 7,
            "denominator": 11,
            "suppressed": False,
            "source": f"import:{record['id']}",
        }
    ]
    chart = client.get(f"{API}/teams/{world.a.team_id}/measures/{measure}/chart")
    assert chart.status_code == 200, chart.text


SUMMARY = [
    "kind",
    "status",
    "survey",
    "rows_read",
    "rows_skipped",
    "teams",
    "periods",
    "aggregates_written",
    "cells_suppressed",
    "points_written",
    "typed_points_replaced",
    "error_count",
    "errors",
]


def test_the_same_week_with_8_answers_is_suppressed_and_a_gap(
    client: TestClient, world: Collaborative
) -> None:
    measure = api.measure(client, collaborative_id=world.id, chart="p", data_source=ENJOY)["id"]
    eight = enjoy(world.a, [("always", 3), ("often", 2), ("never", 3)])

    record = post_responses(client, world.id, responses_csv(eight)).json()

    assert (record["cells_suppressed"], record["points_written"]) == (1, 1)
    (results,) = survey_results(client, world.a.team_id)
    assert results["questions"] == [
        {
            "question": "enjoy_work",
            "respondents": None,
            "favourable": None,
            "percent_favourable": None,
            "mean_score": None,
            "value": None,
            "suppressed": True,
        }
    ]
    (point,) = _points(client, world.a.team_id, measure)
    assert (point["numerator"], point["denominator"], point["suppressed"]) == (None, None, True)
    # Two more respondents later in the week: the slice, added to, is no longer small.
    more = enjoy(world.a, [("often", 2)], prefix="later")
    added = post_responses(client, world.id, responses_csv(more)).json()
    assert (added["cells_suppressed"], added["points_written"]) == (0, 1)
    enjoy_work = question(survey_results(client, world.a.team_id), "2025-03-03", "enjoy_work")
    assert (enjoy_work["respondents"], enjoy_work["favourable"]) == (10, 7)


def _nqps_8_2(team: Any, i: int, *, by_label: bool, q25a: bool = True) -> Response:
    """Spec 8.2's respondent, the answers by code or by the questionnaire's label."""
    labels = {
        "q2a": ("4", "Often"),
        "q2b": ("5", "always"),
        "q2c": ("3", "SOMETIMES"),
        "q3c": ("4", "Agree"),
        "q3d": ("5", " strongly agree "),
        "q3f": ("3", "Neither agree nor disagree"),
        "q25a": ("4", "agree"),
        "q25d": ("5", "Strongly Agree"),
    }
    answers = {q: pair[1 if by_label else 0] for q, pair in labels.items()}
    if not q25a:
        del answers["q25a"]
    return Response(f"nqps-{i}", team, "15/05/2025 12:00", answers)


def test_worked_example_8_2_through_a_file_scores_engagement_7_91666(
    client: TestClient, world: Collaborative
) -> None:
    people = [_nqps_8_2(world.a, i, by_label=i % 2 == 0) for i in range(10)]
    # Had q25a been blank too: no advocacy nor engagement, still in the per-question results.
    people.append(_nqps_8_2(world.a, 10, by_label=True, q25a=False))
    text = responses_csv(people, NQPS_COLUMNS)

    record = post_responses(client, world.id, text, survey="nqps").json()

    assert (record["status"], record["periods"]) == (
        "succeeded",
        {"first": "2025-04-01", "last": "2025-04-01"},
    )
    (results,) = survey_results(client, world.a.team_id, "nqps")
    scores = {s["score"]: (s["respondents"], s["value"]) for s in results["scores"]}
    assert scores == {
        "motivation": (11, pytest.approx(7.5)),
        "involvement": (11, pytest.approx(7.5)),
        "advocacy": (10, pytest.approx(8.75)),
        "engagement": (10, pytest.approx(7.916666666666667, rel=1e-12)),
    }
    by_question = {q["question"]: q["respondents"] for q in results["questions"]}
    assert by_question == {q: 11 for q in NQPS_COLUMNS if q not in ("q25a", "q25c")} | {"q25a": 10}


def test_an_answer_that_is_no_option_is_named_by_row_and_column_without_its_value(
    client: TestClient, world: Collaborative
) -> None:
    people = enjoy(world.a, [("always", 2)])
    people.append(Response("bad-1", world.a, "2025-03-04", {"enjoy_work": "Sometimes-ish"}))
    people.append(Response("bad-2", world.a, "2025-03-04", {"burnout": "6"}))

    response = post_responses(client, world.id, responses_csv(people))

    problem = assert_problem(response, 422)
    assert problem["error_count"] == 2
    assert [(e["row"], e["column"]) for e in problem["errors"]] == [
        (4, "enjoy_work"),
        (5, "burnout"),
    ]
    assert "Sometimes-ish" not in response.text
    assert survey_results(client, world.a.team_id) == []
    failed = client.get(f"{IMPORTS}/{problem['import_id']}").json()
    assert (failed["status"], failed["error_count"]) == ("failed", 2)


def test_group_columns_feed_the_equality_gaps_and_never_the_totals(
    client: TestClient, world: Collaborative
) -> None:
    white = [("always", 16), ("never", 4)]  # 80 %
    bme = [("always", 9), ("never", 6)]  # 60 %
    people = [
        Response(r.response_id, r.team, r.submitted_on, r.answers, {"ethnicity": code})
        for code, counts, prefix in (("A", white, "w"), ("D", bme, "b"))
        for r in enjoy(world.a, counts, prefix=prefix)
    ]
    # Not stated: in no group, but in the totals.
    people += [
        Response(f"z-{i}", world.a, "2025-03-04", {"enjoy_work": "often"}, {"ethnicity": "Z"})
        for i in range(2)
    ]
    record = post_responses(client, world.id, responses_csv(people)).json()
    assert (record["status"], record["aggregates_written"]) == ("succeeded", 3)
    totals = question(survey_results(client, world.a.team_id), "2025-03-03", "enjoy_work")
    assert (totals["respondents"], totals["favourable"]) == (37, 27)

    response = client.get(
        f"{API}/collaboratives/{world.id}/equality-gaps",
        params={"survey": "enjoying-work", "question": "enjoy_work", "group": "ethnicity"},
    )
    assert response.status_code == 200, response.text
    (team,) = [t for t in response.json()["teams"] if t["team_id"] == world.a.team_id]
    groups = {g["group"]: (g["respondents"], g["percent_favourable"]) for g in team["groups"]}
    assert groups == {"bme": (15, 60.0), "white": (20, 80.0)}
    (gap,) = team["gaps"]
    assert (gap["gap_points"], gap["relative_likelihood"]) == (
        pytest.approx(-20.0),
        pytest.approx(0.75),
    )


def test_survey_counts_replace_each_slice_they_cover(
    client: TestClient, world: Collaborative
) -> None:
    measure = api.measure(client, collaborative_id=world.id, chart="p", data_source=ENJOY)["id"]
    a, b = world.a, world.b
    first = [
        f"{a.ods},{a.ref},2025-03-03,enjoy_work,Always,7,,",
        f"{a.ods},{a.ref},2025-03-03,enjoy_work,rarely,4,,",
        f"{a.ods},{a.ref},2025-03-03,enjoy_work,always,3,ethnicity,bme",
        f"{b.ods.lower()},{b.ref},2025-03-10,How often do you enjoy being at work?,often,12,,",
    ]
    record = post_counts(client, world.id, first).json()
    assert {k: record[k] for k in ("status", "aggregates_written", "points_written")} == {
        "status": "succeeded",
        "aggregates_written": 3,
        "points_written": 2,
    }
    enjoy_a = question(survey_results(client, a.team_id), "2025-03-03", "enjoy_work")
    assert (enjoy_a["respondents"], enjoy_a["favourable"]) == (11, 7)
    assert survey_results(client, a.team_id)[0]["source"] == "counts"

    # A corrected count for team a's week replaces it whole; team b's week is left alone.
    record = post_counts(client, world.id, [f"{a.ods},{a.ref},2025-03-03,enjoy_work,often,10,,"])
    assert (record.json()["aggregates_written"], record.json()["points_written"]) == (1, 1)
    enjoy_a = question(survey_results(client, a.team_id), "2025-03-03", "enjoy_work")
    assert (enjoy_a["respondents"], enjoy_a["favourable"]) == (10, 10)
    assert _points(client, a.team_id, measure)[0]["numerator"] == 10
    enjoy_b = question(survey_results(client, b.team_id), "2025-03-10", "enjoy_work")
    assert (enjoy_b["respondents"], enjoy_b["favourable"]) == (12, 12)


def test_a_counts_row_off_its_period_start_names_the_expected_date(
    client: TestClient, world: Collaborative
) -> None:
    rows = [f"{world.a.ods},{world.a.ref},2025-03-05,enjoy_work,often,10,,"]
    problem = assert_problem(post_counts(client, world.id, rows), 422)
    (error,) = problem["errors"]
    assert (error["row"], error["column"]) == (2, "period_start")
    assert "expected 2025-03-03" in error["message"]
    assert survey_results(client, world.a.team_id) == []


def test_a_dry_run_reports_what_a_survey_import_would_store_and_stores_nothing(
    client: TestClient, world: Collaborative
) -> None:
    measure = api.measure(client, collaborative_id=world.id, chart="p", data_source=ENJOY)["id"]
    text = responses_csv(enjoy(world.a, SPEC_8_1))

    response = post_responses(client, world.id, text, dry_run="true")

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["aggregates_written"], body["points_written"]) == (1, 1)
    assert survey_results(client, world.a.team_id) == []
    assert _points(client, world.a.team_id, measure) == []
    # And then for real, the same.
    assert post_responses(client, world.id, text).json()["points_written"] == 1


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, "required for a survey-responses import"),
        ({"survey": "no-such-survey"}, "not a known survey"),
        ({"survey": "nqps", "from": "2025-01"}, None),
    ],
)
def test_the_survey_parameter_is_required_and_must_be_known(
    client: TestClient, world: Collaborative, params: dict[str, str], message: str | None
) -> None:
    query = {"kind": "survey-responses", "collaborative_id": world.id} | params
    response = client.post(
        IMPORTS,
        params=query,
        content=responses_csv(enjoy(world.a, SPEC_8_1)).encode(),
        headers={"Content-Type": "text/csv"},
    )
    problem = assert_problem(response, 422)
    (error,) = problem["errors"]
    assert error["loc"] == (["query", "survey"] if message else ["query", "from"])
    if message:
        assert error["message"] == message
    listed = client.get(IMPORTS, params={"collaborative_id": world.id}).json()["items"]
    assert listed == []


def test_a_local_survey_is_imported_with_its_own_frequency(
    client: TestClient, world: Collaborative
) -> None:
    code = api.unique("pulse-").lower()
    body: dict[str, Any] = {
        "code": code,
        "name": "Ward pulse",
        "frequency": "monthly",
        "questions": [
            {
                "code": "safe",
                "text": "I feel safe at work.",
                "scale": [
                    {"code": "y", "label": "Yes", "score": 10},
                    {"code": "n", "label": "No", "score": 0},
                ],
                "favourable": ["y"],
            }
        ],
    }
    created = client.post(f"{API}/surveys", json=body)
    assert created.status_code == 201, created.text
    people = [
        Response(f"p-{i}", world.a, f"{day:02d}/03/2025", {"safe": "Yes" if i % 4 else "n"})
        for i, day in enumerate(range(1, 13))
    ]
    record = post_responses(client, world.id, responses_csv(people, ("safe",)), survey=code)
    assert record.json()["periods"] == {"first": "2025-03-01", "last": "2025-03-01"}
    safe = question(survey_results(client, world.a.team_id, code), "2025-03-01", "safe")
    assert (safe["respondents"], safe["favourable"]) == (12, 9)


def test_a_workbook_of_responses_stores_what_the_same_csv_does(
    client: TestClient, world: Collaborative, tmp_path: Path
) -> None:
    """Datetime cells (cut to their London date), numbers as burnout codes, a second sheet."""
    a = world.a
    answers = [("always", 1), ("Often", 2), ("never", 5)] * 4
    rows: list[list[Any]] = [["response_id", "ods_code", "team_ref", "submitted_on", *COLUMNS]]
    rows += [
        [f"x-{i}", a.ods, a.ref, datetime(2025, 3, 3 + i % 7, 9, 30), enjoy_work, burnout, None]
        for i, (enjoy_work, burnout) in enumerate(answers)
    ]
    content = write_openpyxl(tmp_path / "pulse.xlsx", {"Notes": [["x"]], "Week": rows})
    workbook = post_file(
        client,
        world.id,
        content.read_bytes(),
        media_type=XLSX,
        kind="survey-responses",
        survey="enjoying-work",
        sheet="Week",
    )
    assert workbook.status_code == 201, workbook.text
    from_xlsx = survey_results(client, a.team_id)

    other = collaborative(client)
    people = []
    for i, (enjoy_work, burnout) in enumerate(answers):
        day = f"{3 + i % 7:02d}/03/2025 09:30"
        given = {"enjoy_work": enjoy_work, "burnout": str(burnout)}
        people.append(Response(f"x-{i}", other.a, day, given))
    assert post_responses(client, other.id, responses_csv(people)).status_code == 201
    assert survey_results(client, other.a.team_id) == from_xlsx
    result = question(from_xlsx, "2025-03-03", "burnout")
    assert (result["respondents"], result["favourable"]) == (12, 4)


def test_a_survey_changed_while_its_file_was_read_stores_nothing(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    """The store share-locks the survey and checks it is the definition the file was read
    with: a PATCH in between (here weekly -> monthly) is a 409, never results in old periods."""
    created = client.post(f"{API}/surveys", json=copy.deepcopy(PULSE))
    assert created.status_code == 201, created.text
    with session_factory() as session:
        read_with = SurveyCounts(get_definition(session, "pulse"))
    patched = client.patch(
        f"{API}/surveys/pulse",
        json={"frequency": "monthly"},
        headers={"If-Match": created.headers["ETag"]},
    )
    assert patched.status_code == 200, patched.text
    with session_factory.begin() as session:
        with pytest.raises(Conflict, match=r"^Survey pulse was changed while the file was read"):
            read_with.hold(session)
        SurveyCounts(get_definition(session, "pulse")).hold(session)  # the current one holds

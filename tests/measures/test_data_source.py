"""A measure's `data_source` (ingest spec 7): the survey, question or score exists, the chart
type fits the source, the frequency is the survey's; on create and on PATCH."""

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.measures import service
from app.measures.models import ChartType
from app.workforce.metrics import WorkforceMetric
from tests import api
from tests.api import API, assert_problem

MEASURES = f"{API}/measures"

QUESTION = {"type": "survey-question", "survey": "enjoying-work", "question": "enjoy_work"}
SCORE = {"type": "survey-score", "survey": "nqps", "score": "engagement"}


def _workforce(metric: str) -> dict[str, Any]:
    return {"type": "workforce", "metric": metric}


# Spec 7 written out again here, so that the code's table is checked against the spec, not
# against itself: (source, its frequency, the chart types that fit it).
FITS: list[tuple[dict[str, Any], str, set[str]]] = [
    (QUESTION, "weekly", {"p", "xmr", "run"}),
    (SCORE, "quarterly", {"xmr", "run"}),
    (_workforce("leaver_rate"), "monthly", {"p", "xmr", "run"}),
    (_workforce("sickness_absence_rate"), "monthly", {"xmr", "run"}),
    (_workforce("vacancy_rate"), "monthly", {"xmr", "run"}),
    (_workforce("leavers"), "monthly", {"c", "run"}),
    (_workforce("starters"), "monthly", {"c", "run"}),
    (_workforce("stability_index_12m"), "monthly", {"run"}),
    (_workforce("leaver_rate_12m"), "monthly", {"run"}),
]
# Why a chart that does not fit is refused, in words a coach can act on.
WHY = {
    "survey-question": "favourable answers out of respondents",
    "survey-score": "neither a proportion nor a count of events",
    "leaver_rate": "leavers out of the mean headcount",
    "sickness_absence_rate": (
        "days and FTE are not independent trials, so a p chart's limits would be far too narrow"
    ),
    "vacancy_rate": (
        "days and FTE are not independent trials, so a p chart's limits would be far too narrow"
    ),
    "leavers": "a count of events",
    "starters": "a count of events",
    "stability_index_12m": "their points are not independent",
    "leaver_rate_12m": "their points are not independent",
}


def _team(client: TestClient) -> dict[str, Any]:
    organisation = api.organisation(client)
    collaborative = api.collaborative(client)
    return api.team(client, collaborative["id"], [organisation["id"]])


def _etag(client: TestClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.text
    return response.headers["ETag"]


def _patch(client: TestClient, measure: dict[str, Any], body: dict[str, Any]) -> Any:
    path = f"{MEASURES}/{measure['id']}"
    return client.patch(path, json=body, headers={"If-Match": _etag(client, path)})


def _locs(problem: dict[str, Any]) -> list[list[Any]]:
    return sorted(error["loc"] for error in problem["errors"])


def _key(source: dict[str, Any]) -> str:
    return str(source.get("metric", source["type"]))


def test_the_spec_table_names_every_metric() -> None:
    metrics = {source["metric"] for source, _, _ in FITS if source["type"] == "workforce"}
    assert metrics == set(WorkforceMetric)


@pytest.mark.parametrize(
    ("source", "frequency", "fits"), FITS, ids=[_key(source) for source, _, _ in FITS]
)
def test_each_source_takes_the_charts_that_fit_it_and_refuses_the_rest(
    client: TestClient, source: dict[str, Any], frequency: str, fits: set[str]
) -> None:
    team = _team(client)
    for chart in ChartType:
        body = api.measure_body(
            team_id=team["id"], chart=chart.value, frequency=frequency, data_source=source
        )
        response = client.post(MEASURES, json=body)
        if chart.value in fits:
            assert response.status_code == 201, (chart, response.text)
            assert response.json()["data_source"] == source
            continue
        problem = assert_problem(response, 422)
        assert _locs(problem) == [["body", "chart"], ["body", "data_source"]], chart
        message = problem["errors"][0]["message"]
        assert message == problem["errors"][1]["message"]
        listed = message.split(" is charted ")[1].split(f", not {chart.value}: ")[0]
        assert set(listed.replace(" or ", ", ").split(", ")) == fits
        assert WHY[_key(source)] in message
        assert problem["detail"] == f"The data source does not fit the measure: {message}."


def test_sickness_on_a_p_chart_says_why_in_full(client: TestClient) -> None:
    team = _team(client)
    body = api.measure_body(
        team_id=team["id"],
        chart="p",
        frequency="monthly",
        data_source=_workforce("sickness_absence_rate"),
    )
    problem = assert_problem(client.post(MEASURES, json=body), 422)
    assert problem["errors"][0]["message"] == (
        "a workforce sickness_absence_rate measure is charted xmr or run, not p: days and FTE"
        " are not independent trials, so a p chart's limits would be far too narrow"
    )


def test_a_bound_measure_reads_back_and_an_unbound_one_has_null(client: TestClient) -> None:
    team = _team(client)
    bound = api.measure(client, team_id=team["id"], chart="p", data_source=QUESTION)
    unbound = api.measure(client, team_id=team["id"])
    assert unbound["data_source"] is None
    assert client.get(f"{MEASURES}/{bound['id']}").json()["data_source"] == QUESTION
    listed = client.get(MEASURES, params={"team_id": team["id"]}).json()["items"]
    assert [item["data_source"] for item in listed] == [QUESTION, None]


def test_patch_sets_changes_and_clears_the_source(client: TestClient) -> None:
    team = _team(client)
    measure = api.measure(client, team_id=team["id"], chart="xmr", frequency="quarterly")
    set_ = _patch(client, measure, {"data_source": SCORE})
    assert set_.status_code == 200, set_.text
    assert set_.json()["data_source"] == SCORE
    other = {"type": "survey-question", "survey": "nqps", "question": "q2a"}
    changed = _patch(client, measure, {"data_source": other})
    assert changed.json()["data_source"] == other
    renamed = _patch(client, measure, {"name": "Motivation"})
    assert renamed.json()["data_source"] == other
    cleared = _patch(client, measure, {"data_source": None})
    assert cleared.status_code == 200, cleared.text
    assert cleared.json()["data_source"] is None
    assert client.get(f"{MEASURES}/{measure['id']}").json()["data_source"] is None


def test_patch_rechecks_a_new_source_against_the_stored_chart(client: TestClient) -> None:
    team = _team(client)
    measure = api.measure(client, team_id=team["id"], chart="p", frequency="monthly")
    problem = assert_problem(_patch(client, measure, {"data_source": _workforce("leavers")}), 422)
    assert _locs(problem) == [["body", "chart"], ["body", "data_source"]]
    assert "is charted c or run, not p" in problem["detail"]
    assert client.get(f"{MEASURES}/{measure['id']}").json()["data_source"] is None


def test_patch_rechecks_a_new_chart_against_the_bound_source(client: TestClient) -> None:
    team = _team(client)
    measure = api.measure(
        client,
        team_id=team["id"],
        chart="run",
        frequency="monthly",
        data_source=_workforce("stability_index_12m"),
    )
    problem = assert_problem(_patch(client, measure, {"chart": "xmr"}), 422)
    assert _locs(problem) == [["body", "chart"], ["body", "data_source"]]
    assert "rolling twelve-month figures overlap" in problem["detail"]
    stored = client.get(f"{MEASURES}/{measure['id']}").json()
    assert (stored["chart"], stored["data_source"]) == ("run", _workforce("stability_index_12m"))
    # Changing both at once is checked on the merged state, and fits.
    both = _patch(client, measure, {"chart": "xmr", "data_source": _workforce("vacancy_rate")})
    assert both.status_code == 200, both.text
    assert (both.json()["chart"], both.json()["data_source"]["metric"]) == ("xmr", "vacancy_rate")


def test_patch_rechecks_a_new_frequency_against_the_bound_survey(client: TestClient) -> None:
    team = _team(client)
    measure = api.measure(client, team_id=team["id"], chart="p", data_source=QUESTION)
    problem = assert_problem(_patch(client, measure, {"frequency": "monthly"}), 422)
    assert _locs(problem) == [["body", "data_source", "survey"], ["body", "frequency"]]
    assert problem["errors"][0]["message"] == (
        "the measure is monthly but survey 'enjoying-work' is weekly: a bound measure has one"
        " point per survey period"
    )
    assert client.get(f"{MEASURES}/{measure['id']}").json()["frequency"] == "weekly"


@pytest.mark.parametrize(
    ("source", "loc", "message"),
    [
        (
            {"type": "survey-question", "survey": "no-such", "question": "enjoy_work"},
            ["body", "data_source", "survey"],
            "no survey has the code 'no-such' (GET /surveys lists them)",
        ),
        (
            {"type": "survey-score", "survey": "no-such", "score": "engagement"},
            ["body", "data_source", "survey"],
            "no survey has the code 'no-such' (GET /surveys lists them)",
        ),
        (
            {"type": "survey-question", "survey": "enjoying-work", "question": "q2a"},
            ["body", "data_source", "question"],
            "survey 'enjoying-work' has no question 'q2a'",
        ),
        (
            {"type": "survey-score", "survey": "enjoying-work", "score": "engagement"},
            ["body", "data_source", "score"],
            "survey 'enjoying-work' has no score 'engagement'",
        ),
    ],
)
def test_an_unknown_survey_question_or_score_is_named(
    client: TestClient, source: dict[str, Any], loc: list[str], message: str
) -> None:
    team = _team(client)
    body = api.measure_body(team_id=team["id"], data_source=source)
    problem = assert_problem(client.post(MEASURES, json=body), 422)
    assert problem["errors"] == [{"loc": loc, "message": message}]
    assert problem["detail"] == f"The data source does not fit the measure: {message}."


def test_every_problem_of_a_source_is_named_at_once(client: TestClient) -> None:
    team = _team(client)
    source = {"type": "survey-question", "survey": "nqps", "question": "nope"}
    body = api.measure_body(team_id=team["id"], chart="c", frequency="weekly", data_source=source)
    problem = assert_problem(client.post(MEASURES, json=body), 422)
    assert _locs(problem) == [
        ["body", "chart"],
        ["body", "data_source"],
        ["body", "data_source", "question"],
        ["body", "data_source", "survey"],
        ["body", "frequency"],
    ]


def test_a_survey_measure_has_the_survey_frequency(client: TestClient) -> None:
    team = _team(client)
    body = api.measure_body(team_id=team["id"], frequency="monthly", data_source=SCORE)
    problem = assert_problem(client.post(MEASURES, json=body), 422)
    assert _locs(problem) == [["body", "data_source", "survey"], ["body", "frequency"]]
    assert "the measure is monthly but survey 'nqps' is quarterly" in problem["detail"]


def test_a_workforce_measure_is_monthly(client: TestClient) -> None:
    team = _team(client)
    body = api.measure_body(
        team_id=team["id"], frequency="quarterly", data_source=_workforce("leaver_rate")
    )
    problem = assert_problem(client.post(MEASURES, json=body), 422)
    assert _locs(problem) == [["body", "data_source", "type"], ["body", "frequency"]]
    assert problem["errors"][0]["message"] == (
        "a workforce measure is monthly, not quarterly: the extract carries one row per team"
        " and month"
    )


def test_an_annual_survey_cannot_be_bound(client: TestClient) -> None:
    team = _team(client)
    source = {"type": "survey-question", "survey": "nss", "question": "q2a"}
    body = api.measure_body(team_id=team["id"], frequency="quarterly", data_source=source)
    problem = assert_problem(client.post(MEASURES, json=body), 422)
    assert problem["errors"] == [
        {
            "loc": ["body", "data_source", "survey"],
            "message": "survey 'nss' is annual: an annual survey is read through its survey"
            " results only, so a measure can be bound to a weekly, monthly or quarterly survey",
        }
    ]


def test_a_local_survey_can_be_bound(client: TestClient) -> None:
    survey = {
        "code": "ward-pulse",
        "name": "Ward pulse",
        "frequency": "monthly",
        "questions": [
            {
                "code": "valued",
                "text": "I feel valued at work.",
                "favourable": ["yes"],
                "scale": [
                    {"code": "yes", "label": "Yes", "score": 10},
                    {"code": "no", "label": "No", "score": 0},
                ],
            }
        ],
    }
    assert client.post(f"{API}/surveys", json=survey).status_code == 201
    team = _team(client)
    source = {"type": "survey-question", "survey": "ward-pulse", "question": "valued"}
    measure = api.measure(
        client, team_id=team["id"], chart="p", frequency="monthly", data_source=source
    )
    assert measure["data_source"] == source


@pytest.mark.parametrize(
    ("source", "loc"),
    [
        ({"type": "survey-answer", "survey": "nqps"}, ["body", "data_source"]),
        (
            {"type": "workforce", "metric": "turnover"},
            ["body", "data_source", "workforce", "metric"],
        ),
        (
            {"type": "workforce", "metric": "leavers", "survey": "nqps"},
            ["body", "data_source", "workforce", "survey"],
        ),
        (
            {"type": "survey-score", "survey": "NQPS", "score": "engagement"},
            ["body", "data_source", "survey-score", "survey"],
        ),
    ],
)
def test_a_malformed_source_is_refused_by_shape(
    client: TestClient, source: dict[str, Any], loc: list[str]
) -> None:
    team = _team(client)
    body = api.measure_body(team_id=team["id"], chart="run", data_source=source)
    problem = assert_problem(client.post(MEASURES, json=body), 422)
    assert loc in [error["loc"] for error in problem["errors"]]


def test_bound_measures_lists_each_teams_own_and_shared_bindings(
    client: TestClient, session: Session
) -> None:
    team = _team(client)
    sibling = api.team(client, team["collaborative_id"], team["organisation_ids"])
    elsewhere = _team(client)
    shared = api.measure(
        client,
        collaborative_id=team["collaborative_id"],
        chart="xmr",
        frequency="quarterly",
        data_source=SCORE,
    )
    own = api.measure(
        client,
        team_id=team["id"],
        chart="p",
        frequency="quarterly",
        data_source={"type": "survey-question", "survey": "nqps", "question": "q2a"},
    )
    weekly = api.measure(client, team_id=team["id"], chart="p", data_source=QUESTION)
    leavers = api.measure(
        client,
        team_id=sibling["id"],
        chart="c",
        frequency="monthly",
        data_source=_workforce("leavers"),
    )
    api.measure(client, team_id=team["id"])  # typed in: never bound
    api.measure(
        client, team_id=elsewhere["id"], chart="xmr", frequency="quarterly", data_source=SCORE
    )

    def ids(found: dict[Any, list[Any]]) -> dict[str, list[str]]:
        return {str(team_id): [str(m.id) for m in ms] for team_id, ms in found.items()}

    teams = [uuid.UUID(team["id"]), uuid.UUID(sibling["id"])]
    assert ids(service.bound_measures(session, teams, survey="nqps")) == {
        team["id"]: [shared["id"], own["id"]],
        sibling["id"]: [shared["id"]],
    }
    assert ids(service.bound_measures(session, teams, survey="enjoying-work")) == {
        team["id"]: [weekly["id"]],
        sibling["id"]: [],
    }
    assert ids(service.bound_measures(session, teams, workforce=True)) == {
        team["id"]: [],
        sibling["id"]: [leavers["id"]],
    }
    assert service.bound_measures(session, [uuid.uuid4()], workforce=True) == {}
    with pytest.raises(ValueError, match="exactly one"):
        service.bound_measures(session, teams, survey="nqps", workforce=True)

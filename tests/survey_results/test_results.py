"""GET /teams/{id}/survey-results over real HTTP, from slices stored as the import stores them:
the worked examples of ingest spec 8.1 and 8.2, suppression (5.4), filters and pages, reach."""

import uuid
from datetime import timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy.orm import Session, sessionmaker

from app.auth.models import Role
from app.config import Settings
from app.main import create_app
from app.surveys.builtins import ENJOYING_WORK, NQPS
from app.surveys.scoring import ScoreSum
from app.surveys.service import get_definition
from tests import api
from tests.api import API, assert_problem
from tests.conftest import add_user, person_token
from tests.survey_results.support import (
    QUARTER,
    SPEC_8_1,
    WEEK,
    counts_in,
    enjoy,
    new_team,
    respondents,
    results,
    store,
    stored_totals,
)
from tests.surveys.test_api import _pulse

# Spec 8.2's respondent: engagement (7.5 + 7.5 + 8.75) / 3 = 95/12.
SPEC_8_2 = {
    "q2a": "4",
    "q2b": "5",
    "q2c": "3",
    "q3c": "4",
    "q3d": "5",
    "q3f": "3",
    "q25a": "4",
    "q25c": None,
    "q25d": "5",
}


def _question(item: dict[str, Any], code: str) -> dict[str, Any]:
    found: dict[str, Any] = next(q for q in item["questions"] if q["question"] == code)
    return found


def _score(item: dict[str, Any], code: str) -> dict[str, Any]:
    found: dict[str, Any] = next(s for s in item["scores"] if s["score"] == code)
    return found


def test_spec_8_1_a_week_of_enjoying_work(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    team = new_team(client)
    import_id = uuid.uuid4()
    written = store(
        session_factory, ENJOYING_WORK, team["id"], WEEK, enjoy(*SPEC_8_1), import_id=import_id
    )
    assert written == 1  # the totals; no group columns
    body = results(client, team["id"])
    assert body["next_cursor"] is None
    (item,) = body["items"]
    assert item["survey"] == "enjoying-work"
    assert item["period_start"] == "2025-03-03"
    assert item["source"] == "responses"
    assert item["import_id"] == str(import_id)
    assert item["scores"] == []  # enjoying-work has no composites
    # Only the question answered has a result (5.2: no counted answer, no result).
    assert item["questions"] == [
        {
            "question": "enjoy_work",
            "respondents": 11,
            "favourable": 7,
            "percent_favourable": pytest.approx(63.63636363),
            "mean_score": pytest.approx(77.5 / 11),
            "value": pytest.approx(63.63636363),
            "suppressed": False,
        }
    ]
    assert item["questions"][0]["percent_favourable"] == float(Fraction(700, 11))


def test_spec_8_2_engagement_from_the_stored_score_sums(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    """Ten respondents as 8.2's, one more whose advocacy (and so engagement) has too few
    answers: stored as two adds, the sums stay exact and the score is 95/12."""
    team = new_team(client)
    no_advocacy = SPEC_8_2 | {"q25a": None}
    store(session_factory, NQPS, team["id"], QUARTER, respondents("a", [SPEC_8_2] * 6))
    store(
        session_factory, NQPS, team["id"], QUARTER, respondents("b", [SPEC_8_2] * 4 + [no_advocacy])
    )
    stored = stored_totals(session_factory, NQPS, team["id"], QUARTER)
    assert stored is not None
    assert stored.scores["engagement"] == ScoreSum(Fraction(95, 12) * 10, 10)
    assert stored.scores["advocacy"] == ScoreSum(Fraction(35, 4) * 10, 10)
    assert stored.scores["motivation"] == ScoreSum(Fraction(15, 2) * 11, 11)

    (item,) = results(client, team["id"], survey="nqps")["items"]
    assert item["period_start"] == "2025-04-01"
    assert _score(item, "engagement") == {
        "score": "engagement",
        "respondents": 10,
        "value": float(Fraction(95, 12)),
        "suppressed": False,
    }
    assert _score(item, "motivation")["respondents"] == 11
    assert _score(item, "motivation")["value"] == 7.5
    assert [s["score"] for s in item["scores"]] == [
        "motivation",
        "involvement",
        "advocacy",
        "engagement",
    ]
    # q25c was left blank by everyone: no result; q25a answered by ten only.
    assert "q25c" not in [q["question"] for q in item["questions"]]
    assert _question(item, "q25a")["respondents"] == 10
    assert _question(item, "q2a") | {"percent_favourable": None, "value": None} == {
        "question": "q2a",
        "respondents": 11,
        "favourable": 11,
        "percent_favourable": None,
        "mean_score": 7.5,
        "value": None,
        "suppressed": False,
    }


def test_fewer_respondents_than_the_threshold_are_suppressed(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    """Spec 8.1 with only 8 answers: stored, but no value and no count under 10 anywhere."""
    team = new_team(client)
    store(session_factory, ENJOYING_WORK, team["id"], WEEK, enjoy(("always", 5), ("often", 3)))
    body = results(client, team["id"])
    (item,) = body["items"]
    assert item["questions"] == [
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
    assert [n for n in counts_in(body) if n < 10] == []
    stored = stored_totals(session_factory, ENJOYING_WORK, team["id"], WEEK)
    assert stored is not None
    assert stored.counts == {"enjoy_work": {"always": 5, "often": 3}}


def test_a_suppressed_score_beside_a_shown_question(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    """Twelve answer q2a, only three have an engagement score: the score alone is hidden."""
    team = new_team(client)
    few = [SPEC_8_2] * 3 + [{"q2a": "5"}] * 9
    store(session_factory, NQPS, team["id"], QUARTER, respondents("r", few))
    (item,) = results(client, team["id"])["items"]
    assert _question(item, "q2a")["respondents"] == 12
    assert _score(item, "engagement") == {
        "score": "engagement",
        "respondents": None,
        "value": None,
        "suppressed": True,
    }
    assert [q["suppressed"] for q in item["questions"] if q["question"] != "q2a"] == [True] * 7


def test_the_threshold_is_configurable_but_never_below_5(
    database_url: str, session_factory: sessionmaker[Session], data_dir: Path, client: TestClient
) -> None:
    for too_low in (4, 0, -1):
        with pytest.raises(ValidationError, match="min_responses"):
            Settings(
                env="test", database_url=database_url, data_dir=data_dir, min_responses=too_low
            )
    assert Settings(env="test", database_url=database_url).min_responses == 10
    team = new_team(client)
    store(session_factory, ENJOYING_WORK, team["id"], WEEK, enjoy(*SPEC_8_1))
    stricter = create_app(
        Settings(env="test", database_url=database_url, data_dir=data_dir, min_responses=12),
        session_factory,
    )
    with TestClient(stricter, headers=dict(client.headers)) as caller:
        (item,) = results(caller, team["id"])["items"]
    assert item["questions"][0]["suppressed"] is True  # 11 respondents < 12
    assert results(client, team["id"])["items"][0]["questions"][0]["respondents"] == 11


def test_periods_surveys_and_pages(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    team = new_team(client)
    weeks = [WEEK + timedelta(weeks=i) for i in range(3)]
    for i, week in enumerate(weeks):
        store(session_factory, ENJOYING_WORK, team["id"], week, enjoy(("always", 10 + i)))
    store(session_factory, NQPS, team["id"], QUARTER, respondents("n", [SPEC_8_2] * 10))

    everything = results(client, team["id"])["items"]
    assert [(i["survey"], i["period_start"]) for i in everything] == [
        ("enjoying-work", "2025-03-03"),
        ("enjoying-work", "2025-03-10"),
        ("enjoying-work", "2025-03-17"),
        ("nqps", "2025-04-01"),
    ]
    ranged = results(client, team["id"], survey="enjoying-work", **{"from": "2025-03-04"})
    assert [i["questions"][0]["respondents"] for i in ranged["items"]] == [11, 12]
    upto = results(client, team["id"], to="2025-03-10")["items"]
    assert [i["period_start"] for i in upto] == ["2025-03-03", "2025-03-10"]

    pages: list[dict[str, Any]] = []
    params: dict[str, Any] = {"limit": 3, "from": "2025-01-01"}
    while True:
        page = results(client, team["id"], **params)
        pages.extend(page["items"])
        if page["next_cursor"] is None:
            break
        params["cursor"] = page["next_cursor"]
    assert pages == everything
    # A cursor is good only for the filters it was issued for.
    first = results(client, team["id"], limit=1)
    refused = client.get(
        f"{API}/teams/{team['id']}/survey-results",
        params={"limit": 1, "cursor": first["next_cursor"], "survey": "nqps"},
    )
    assert_problem(refused, 400)


def test_a_local_survey_reads_like_a_built_in_and_is_kept_while_results_use_it(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    """A trust's own survey reads like a built-in; its definition cannot be removed once
    results of it are stored (they could not be read without it)."""
    created = client.post(f"{API}/surveys", json=_pulse(code="ward-pulse"))
    assert created.status_code == 201, created.text
    team = new_team(client)
    with session_factory() as session:
        pulse = get_definition(session, "ward-pulse")
    people = respondents("p", [{"valued": "yes", "safe": "no"}] * 10 + [{"valued": "na"}])
    store(session_factory, pulse, team["id"], WEEK, people)
    (item,) = results(client, team["id"], survey="ward-pulse")["items"]
    read = (
        [(q["question"], q["respondents"], q["favourable"]) for q in item["questions"]],
        [(s["score"], s["respondents"], s["value"]) for s in item["scores"]],
    )
    assert read == (
        [("valued", 10, 10), ("safe", 10, 0)],
        [("wellbeing", 10, 5.0), ("overall", 10, 5.0)],
    )
    path = f"{API}/surveys/ward-pulse"
    removed = client.delete(path, headers={"If-Match": client.get(path).headers["etag"]})
    assert assert_problem(removed, 409)["type"].endswith("survey-in-use")
    (item,) = results(client, team["id"])["items"]
    assert item["survey"] == "ward-pulse"
    assert [(q["question"], q["respondents"], q["favourable"]) for q in item["questions"]] == [
        ("valued", 10, 10),
        ("safe", 10, 0),
    ]


def test_a_team_with_nothing_stored_has_an_empty_list(client: TestClient) -> None:
    assert results(client, new_team(client)["id"]) == {"items": [], "next_cursor": None}


@pytest.mark.parametrize(
    ("params", "loc"),
    [
        ({"survey": "no-such-survey"}, ["query", "survey"]),
        ({"from": "2025-03-10", "to": "2025-03-03"}, ["query", "to"]),
        ({"from": "03/03/2025"}, ["query", "from"]),
        ({"period": "2025-03-03"}, ["query", "period"]),
    ],
)
def test_bad_queries_are_422(client: TestClient, params: dict[str, str], loc: list[str]) -> None:
    team = new_team(client)
    problem = assert_problem(
        client.get(f"{API}/teams/{team['id']}/survey-results", params=params), 422
    )
    assert loc in [error["loc"] for error in problem["errors"]]


def test_reach_is_the_teams(
    client: TestClient,
    app: FastAPI,
    session_factory: sessionmaker[Session],
    password_hash: str,
) -> None:
    """A team's coach reads its results; another team's coach gets the 404 of a team that
    does not exist, as does anyone for an unknown team."""
    organisation = api.organisation(client)["id"]
    collaborative = api.collaborative(client)["id"]
    mine = api.team(client, collaborative, [organisation])
    other = api.team(client, collaborative, [organisation])
    store(session_factory, ENJOYING_WORK, other["id"], WEEK, enjoy(*SPEC_8_1))
    store(session_factory, ENJOYING_WORK, mine["id"], WEEK, enjoy(*SPEC_8_1))
    coach = api.coach(client, organisation, mine["id"])
    with session_factory.begin() as session:
        user = add_user(
            session,
            password_hash,
            Role.COACH,
            email=coach["email"],
            member_id=uuid.UUID(coach["id"]),
        )
    headers = {"Authorization": f"Bearer {person_token(app, user)}"}
    with TestClient(app, headers=headers) as caller:
        assert len(results(caller, mine["id"])["items"]) == 1
        hidden = caller.get(f"{API}/teams/{other['id']}/survey-results")
        unknown = caller.get(f"{API}/teams/{uuid.uuid4()}/survey-results")
    assert assert_problem(hidden, 404)["detail"].startswith("No team with id")
    assert assert_problem(unknown, 404)["detail"].startswith("No team with id")

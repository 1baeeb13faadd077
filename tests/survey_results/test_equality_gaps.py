"""GET /collaboratives/{id}/equality-gaps over real HTTP (ingest spec 6), from group rows
stored as the import stores them: rates, gaps and relative likelihoods, suppression with its
complement, admins only, every read audited."""

import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from app.surveys.builtins import ENJOYING_WORK, NSS
from tests import api
from tests.api import API, assert_problem
from tests.equality_support import events_of, make_people
from tests.survey_results.support import WEEK, Respondent, store, store_counts

ENJOY = "enjoy_work"


def _gaps(caller: TestClient, collaborative_id: str, **params: Any) -> dict[str, Any]:
    query = {"survey": "enjoying-work", "question": ENJOY, "group": "ethnicity"} | params
    response = caller.get(f"{API}/collaboratives/{collaborative_id}/equality-gaps", params=query)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _grouped(prefix: str, group: str, favourable: int, others: int) -> list[Respondent]:
    """`favourable` respondents enjoying work always, `others` never, all in this group."""
    answers = ["always"] * favourable + ["never"] * others
    return [
        Respondent(f"{prefix}-{group}-{i}", {ENJOY: answer}, {"ethnicity": group})
        for i, answer in enumerate(answers)
    ]


@pytest.fixture
def three_teams(client: TestClient, session_factory: sessionmaker[Session]) -> dict[str, Any]:
    """A: white 30 (24 favourable), bme 15 (9); B: white 25 (20), bme 12 (6); C: white 20
    (10), bme 4 (1). A and C sent responses, B counts."""
    organisation = api.organisation(client)["id"]
    collaborative = api.collaborative(client)["id"]
    teams = {
        name: api.team(client, collaborative, [organisation], name=f"Team {name}")["id"]
        for name in "ABC"
    }
    store(
        session_factory,
        ENJOYING_WORK,
        teams["A"],
        WEEK,
        _grouped("a", "white", 24, 6) + _grouped("a", "bme", 9, 6),
    )
    store_counts(
        session_factory,
        ENJOYING_WORK,
        teams["B"],
        WEEK,
        [(ENJOY, "always", 26), (ENJOY, "never", 11)],
        {
            ("ethnicity", "white"): [(ENJOY, "always", 20), (ENJOY, "never", 5)],
            ("ethnicity", "bme"): [(ENJOY, "always", 6), (ENJOY, "never", 6)],
        },
    )
    store(
        session_factory,
        ENJOYING_WORK,
        teams["C"],
        WEEK,
        _grouped("c", "white", 10, 10) + _grouped("c", "bme", 1, 3),
    )
    return {"collaborative_id": collaborative, "teams": teams}


def _by_group(row: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {group["group"]: group for group in row["groups"]}


def test_rates_gaps_and_complementary_suppression(
    client: TestClient, three_teams: dict[str, Any]
) -> None:
    cid = three_teams["collaborative_id"]
    body = _gaps(client, cid, period="2025-03-03")
    assert {k: body[k] for k in ("collaborative_id", "survey", "question", "group")} == {
        "collaborative_id": cid,
        "survey": "enjoying-work",
        "question": ENJOY,
        "group": "ethnicity",
    }
    assert (body["period_start"], body["rate"], body["reference"]) == (
        "2025-03-03",
        "percent_favourable",
        "white",
    )
    teams = {team["team_name"]: team for team in body["teams"]}
    assert list(teams) == ["Team A", "Team B", "Team C"]
    assert teams["Team A"]["team_id"] == three_teams["teams"]["A"]

    # Team A shows: bme 9/15 = 60 %, white 24/30 = 80 %: 20 points lower, 0.75 as likely.
    a = _by_group(teams["Team A"])
    assert a["bme"] == {
        "group": "bme",
        "respondents": 15,
        "percent_favourable": 60.0,
        "percent_adverse": None,
        "value": 60.0,
        "suppressed": False,
    }
    assert (a["white"]["respondents"], a["white"]["value"]) == (30, 80.0)
    assert teams["Team A"]["gaps"] == [
        {
            "group": "bme",
            "reference": "white",
            "gap_points": pytest.approx(-20.0),
            "relative_likelihood": pytest.approx(0.75),
            "suppressed": False,
        }
    ]
    # Team C's 4 bme respondents are under the threshold; B's groups go with them, or
    # C's would be the collaborative's less A's.
    hidden = {
        "respondents": None,
        "percent_favourable": None,
        "percent_adverse": None,
        "value": None,
        "suppressed": True,
    }
    for name in ("Team B", "Team C"):
        assert [g | {"group": None} for g in teams[name]["groups"]] == [
            hidden | {"group": None}
        ] * 2
        assert teams[name]["gaps"] == [
            {
                "group": "bme",
                "reference": "white",
                "gap_points": None,
                "relative_likelihood": None,
                "suppressed": True,
            }
        ]
    # No group is suppressed in exactly one team while the collaborative's figure shows.
    overall = _by_group(body["overall"])
    for group in ("bme", "white"):
        hidden_teams = [t for t in teams.values() if _by_group(t)[group]["suppressed"]]
        assert overall[group]["suppressed"] or len(hidden_teams) != 1
    # The collaborative: bme 16/31, white 54/75; counts rounded to the nearest 5.
    assert (overall["bme"]["respondents"], overall["white"]["respondents"]) == (30, 75)
    assert overall["bme"]["percent_favourable"] == pytest.approx(1600 / 31)
    assert overall["white"]["percent_favourable"] == pytest.approx(72.0)
    (gap,) = body["overall"]["gaps"]
    assert gap["gap_points"] == pytest.approx(1600 / 31 - 72)
    assert gap["relative_likelihood"] == pytest.approx((1600 / 31) / 72)


def test_a_reverse_question_compares_adverse_rates(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    """NSS q12a (work emotionally exhausting): never or rarely is favourable, so the rates
    compared are of those who did not say so, against not_disabled."""
    team = api.team(
        client, (cid := api.collaborative(client)["id"]), [api.organisation(client)["id"]]
    )
    people = [
        Respondent(f"d{i}", {"q12a": "1" if i < 4 else "4"}, {"disability": "disabled"})
        for i in range(12)
    ] + [
        Respondent(f"n{i}", {"q12a": "2" if i < 15 else "5"}, {"disability": "not_disabled"})
        for i in range(20)
    ]
    store(session_factory, NSS, team["id"], date(2024, 1, 1), people)
    body = _gaps(client, cid, survey="nss", question="q12a", group="Disability")
    assert (body["group"], body["rate"], body["reference"]) == (
        "disability",
        "percent_adverse",
        "not_disabled",
    )
    assert body["period_start"] == "2024-01-01"
    (row,) = body["teams"]
    groups = _by_group(row)
    assert groups["disabled"]["percent_adverse"] == pytest.approx(800 / 12)
    assert groups["disabled"]["value"] == groups["disabled"]["percent_adverse"]
    assert groups["not_disabled"]["percent_adverse"] == 25.0
    assert row["gaps"][0]["gap_points"] == pytest.approx(800 / 12 - 25)
    assert row["gaps"][0]["relative_likelihood"] == pytest.approx(800 / 12 / 25)


def test_the_latest_period_by_default_and_other_group_types(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    organisation = api.organisation(client)["id"]
    cid = api.collaborative(client)["id"]
    team = api.team(client, cid, [organisation])["id"]
    later = WEEK + timedelta(weeks=2)
    for week, prefix in ((WEEK, "w1"), (later, "w3")):
        store(
            session_factory,
            ENJOYING_WORK,
            team,
            week,
            [Respondent(f"{prefix}-{i}", {ENJOY: "often"}, {"sex": "2"}) for i in range(11)],
        )
    # Another collaborative's team never shows.
    elsewhere = api.team(client, api.collaborative(client)["id"], [organisation])["id"]
    store(
        session_factory,
        ENJOYING_WORK,
        elsewhere,
        later + timedelta(weeks=1),
        [Respondent(f"x{i}", {ENJOY: "often"}, {"sex": "2"}) for i in range(11)],
    )
    body = _gaps(client, cid, group="sex")
    assert (body["period_start"], body["reference"]) == ("2025-03-17", None)
    (row,) = body["teams"]
    assert row["team_id"] == team
    assert row["gaps"] == []
    assert row["groups"] == [
        {
            "group": "2",
            "respondents": 10,  # 11, rounded
            "percent_favourable": 100.0,
            "percent_adverse": None,
            "value": 100.0,
            "suppressed": False,
        }
    ]
    assert _gaps(client, cid, group="sex", period="2025-03-03")["period_start"] == "2025-03-03"
    assert _gaps(client, cid, group="sex", period="2025-03-10")["teams"] == []


def test_nothing_stored_shows_nothing(client: TestClient) -> None:
    cid = api.collaborative(client)["id"]
    body = _gaps(client, cid)
    assert (body["period_start"], body["teams"]) == (None, [])
    assert body["overall"] == {
        "groups": [
            {
                "group": "white",
                "respondents": None,
                "percent_favourable": None,
                "percent_adverse": None,
                "value": None,
                "suppressed": True,
            }
        ],
        "gaps": [],
    }


def test_every_read_is_audited(client: TestClient, three_teams: dict[str, Any]) -> None:
    cid = three_teams["collaborative_id"]
    _gaps(client, cid)
    _gaps(client, cid, group="disability")
    events = events_of(client, "equality_gaps_read")
    assert [(e["outcome"], e["subject"]) for e in events] == [("success", cid)] * 2
    assert all(e["actor"].startswith("user:") for e in events)
    assert all(e["path"] == f"{API}/collaboratives/{cid}/equality-gaps" for e in events)


@pytest.mark.parametrize("caller", ["alice", "coach", "client"])
def test_only_admins(
    client: TestClient,
    anonymous: TestClient,
    app: FastAPI,
    session_factory: sessionmaker[Session],
    password_hash: str,
    caller: str,
) -> None:
    people = make_people(client, app, session_factory, password_hash)
    cid = people["team"]["collaborative_id"]
    response = anonymous.get(
        f"{API}/collaboratives/{cid}/equality-gaps",
        params={"survey": "enjoying-work", "question": ENJOY, "group": "ethnicity"},
        headers=people["headers"][caller],
    )
    assert "administer" in assert_problem(response, 403)["detail"]
    assert events_of(client, "equality_gaps_read") == []
    assert [e["reason"] for e in events_of(client, "request_denied")] == ["needs administer"]


@pytest.mark.parametrize(
    ("params", "loc", "words"),
    [
        ({"survey": "no-such-survey"}, ["query", "survey"], "no survey"),
        ({"question": "q99"}, ["query", "question"], "no question"),
        ({"period": "2025-03-04"}, ["query", "period"], "2025-03-03"),
        ({"group": None}, ["query", "group"], ""),
        ({"group": "  "}, ["query", "group"], "group type"),
        ({"question": ""}, ["query", "question"], ""),
        ({"period": "2025-3-3"}, ["query", "period"], ""),
        ({"team_id": "x"}, ["query", "team_id"], ""),
    ],
)
def test_bad_queries_are_422(
    client: TestClient, params: dict[str, Any], loc: list[str], words: str
) -> None:
    cid = api.collaborative(client)["id"]
    query = {"survey": "enjoying-work", "question": ENJOY, "group": "ethnicity"} | params
    response = client.get(
        f"{API}/collaboratives/{cid}/equality-gaps",
        params={k: v for k, v in query.items() if v is not None},
    )
    problem = assert_problem(response, 422)
    assert loc in [error["loc"] for error in problem["errors"]]
    assert words.casefold() in problem["detail"].casefold() + str(problem["errors"]).casefold()
    assert events_of(client, "equality_gaps_read") == []


def test_an_unknown_collaborative_is_404(client: TestClient) -> None:
    nobody = uuid.uuid4()
    response = client.get(
        f"{API}/collaboratives/{nobody}/equality-gaps",
        params={"survey": "enjoying-work", "question": ENJOY, "group": "ethnicity"},
    )
    assert assert_problem(response, 404)["detail"] == f"No collaborative with id {nobody}."

"""Suppressed points (ingest spec 5.4): written only by the service's imports, stored with no
number, read back flagged; a client can neither send one nor silently overwrite one."""

import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.data_points import service
from app.data_points.models import DataPoint
from app.data_points.schemas import DataPointIn, ImportedPointIn
from app.errors import InvalidInput
from app.measures.models import Measure
from app.teams.models import Team
from tests import api
from tests.api import API, assert_problem

START = date(2024, 8, 5)  # a Monday


def week(n: int) -> date:
    return START + timedelta(weeks=n)


@pytest.fixture
def p_series(client: TestClient) -> dict[str, Any]:
    """A team's weekly p measure, bound to Enjoying Work as an import would fill it."""
    organisation = api.organisation(client)
    collaborative = api.collaborative(client)
    team = api.team(client, collaborative["id"], [organisation["id"]])
    source = {"type": "survey-question", "survey": "enjoying-work", "question": "enjoy_work"}
    measure = api.measure(client, team_id=team["id"], chart="p", multiply=100, data_source=source)
    path = f"{API}/teams/{team['id']}/measures/{measure['id']}/data"
    return {"team": team, "measure": measure, "path": path}


def _import(session: Session, series: dict[str, Any], points: list[DataPointIn]) -> Any:
    """Write points as the import service will: through upsert_points, then commit."""
    team = session.get_one(Team, uuid.UUID(series["team"]["id"]))
    measure = session.get_one(Measure, uuid.UUID(series["measure"]["id"]))
    outcome = service.upsert_points(session, team, measure, points, overwrite=True)
    session.commit()
    return outcome


def _imported(n: int, numerator: float, denominator: float) -> ImportedPointIn:
    return ImportedPointIn(
        period_start=week(n), numerator=numerator, denominator=denominator, source="import:1"
    )


def _gap(n: int) -> ImportedPointIn:
    return ImportedPointIn(period_start=week(n), suppressed=True, source="import:1")


def test_an_imported_suppressed_point_reads_back_as_a_gap(
    client: TestClient, session: Session, p_series: dict[str, Any]
) -> None:
    outcome = _import(session, p_series, [_imported(0, 7, 11), _gap(1), _imported(2, 9, 12)])
    assert (outcome.created, outcome.updated, outcome.unchanged) == (3, 0, 0)
    items = client.get(p_series["path"]).json()["items"]
    assert [
        (p["period_start"], p["value"], p["numerator"], p["denominator"], p["suppressed"])
        for p in items
    ] == [
        (str(week(0)), None, 7.0, 11.0, False),
        (str(week(1)), None, None, None, True),
        (str(week(2)), None, 9.0, 12.0, False),
    ]
    assert items[1]["source"] == "import:1"
    # The same import again changes nothing, the suppressed point included.
    again = _import(session, p_series, [_imported(0, 7, 11), _gap(1)])
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)


def test_a_later_import_fills_or_suppresses_a_period(
    client: TestClient, session: Session, p_series: dict[str, Any]
) -> None:
    _import(session, p_series, [_gap(0), _imported(1, 5, 10)])
    outcome = _import(session, p_series, [_imported(0, 6, 10), _gap(1)])
    assert (outcome.created, outcome.updated, outcome.unchanged) == (0, 2, 0)
    items = client.get(p_series["path"]).json()["items"]
    assert [(p["numerator"], p["denominator"], p["suppressed"]) for p in items] == [
        (6.0, 10.0, False),
        (None, None, True),
    ]


def test_a_suppressed_point_with_a_number_is_refused(
    session: Session, p_series: dict[str, Any]
) -> None:
    bad = ImportedPointIn(period_start=week(0), numerator=3, denominator=4, suppressed=True)
    with pytest.raises(InvalidInput) as refused:
        _import(session, p_series, [bad])
    assert [(problem.loc, problem.message) for problem in refused.value.errors] == [
        (("body", "points", 0, field), "must be null on a suppressed point: it shows as a gap")
        for field in ("numerator", "denominator")
    ]
    assert session.scalars(select(DataPoint)).all() == []


def test_the_database_refuses_a_suppressed_point_with_a_number(
    session: Session, p_series: dict[str, Any]
) -> None:
    session.add(
        DataPoint(
            team_id=uuid.UUID(p_series["team"]["id"]),
            measure_id=uuid.UUID(p_series["measure"]["id"]),
            period_start=week(0),
            numerator=1.0,
            denominator=2.0,
            suppressed=True,
        )
    )
    with pytest.raises(IntegrityError, match="suppressed_is_empty"):
        session.flush()


@pytest.mark.parametrize("flag", [True, False])
def test_a_client_cannot_send_suppressed(
    client: TestClient, p_series: dict[str, Any], flag: bool
) -> None:
    point = {"period_start": str(week(0)), "suppressed": flag}
    problem = assert_problem(client.put(p_series["path"], json={"points": [point]}), 422)
    assert ["body", "points", 0, "suppressed"] in [error["loc"] for error in problem["errors"]]
    assert client.get(p_series["path"]).json()["items"] == []


def test_a_client_replaces_a_suppressed_point_only_with_overwrite(
    client: TestClient, session: Session, p_series: dict[str, Any]
) -> None:
    _import(session, p_series, [_gap(0)])
    typed = {"points": [{"period_start": str(week(0)), "numerator": 4, "denominator": 9}]}
    problem = assert_problem(client.put(p_series["path"], json=typed), 409)
    assert problem["errors"] == [
        {
            "loc": ["body", "points", 0],
            "message": f"the point for {week(0)} is stored suppressed, with no number",
        }
    ]
    replaced = client.put(p_series["path"], json=typed, params={"overwrite": "true"})
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["updated"] == 1
    [point] = replaced.json()["items"]
    assert (point["numerator"], point["denominator"], point["suppressed"]) == (4.0, 9.0, False)


def test_a_typed_point_reads_as_not_suppressed(client: TestClient) -> None:
    organisation = api.organisation(client)
    team = api.team(client, api.collaborative(client)["id"], [organisation["id"]])
    measure = api.measure(client, team_id=team["id"])
    path = f"{API}/teams/{team['id']}/measures/{measure['id']}/data"
    written = client.put(path, json={"points": [{"period_start": str(week(0)), "value": 2.0}]})
    assert written.json()["items"][0]["suppressed"] is False
    assert client.get(path).json()["items"][0]["suppressed"] is False

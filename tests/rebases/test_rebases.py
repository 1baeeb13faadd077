"""Rebase dates of a team's series: set as a list, checked against the stored points."""

from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient

from tests import api
from tests.api import API, assert_problem

START = date(2024, 8, 5)


@pytest.fixture
def series(client: TestClient) -> str:
    """A team's weekly XmR series of 20 points; returns its base path."""
    organisation = api.organisation(client)
    collaborative = api.collaborative(client)
    team = api.team(client, collaborative["id"], [organisation["id"]])
    measure = api.measure(client, team_id=team["id"])
    base = f"{API}/teams/{team['id']}/measures/{measure['id']}"
    points = [
        {"period_start": str(START + timedelta(weeks=n)), "value": float(n % 5)} for n in range(20)
    ]
    assert client.put(f"{base}/data", json={"points": points}).status_code == 200
    return base


def week(n: int) -> str:
    return str(START + timedelta(weeks=n))


def test_rebases_are_replaced_and_listed_in_date_order(client: TestClient, series: str) -> None:
    body = {"rebases": [{"starts_on": week(12), "reason": "Rota embedded"}, {"starts_on": week(6)}]}
    written = api.replace_list(client, f"{series}/rebases", body)
    assert written.status_code == 200, written.text
    assert [r["starts_on"] for r in written.json()["items"]] == [week(6), week(12)]
    listed = client.get(f"{series}/rebases").json()["items"]
    assert [(r["starts_on"], r["reason"]) for r in listed] == [
        (week(6), None),
        (week(12), "Rota embedded"),
    ]
    api.replace_list(client, f"{series}/rebases", {"rebases": [{"starts_on": week(15)}]})
    assert [r["starts_on"] for r in client.get(f"{series}/rebases").json()["items"]] == [week(15)]


def test_every_bad_date_is_named_and_nothing_is_stored(client: TestClient, series: str) -> None:
    api.replace_list(client, f"{series}/rebases", {"rebases": [{"starts_on": week(10)}]})
    body = {
        "rebases": [
            {"starts_on": week(0)},
            {"starts_on": "2024-08-06"},
            {"starts_on": week(8)},
            {"starts_on": week(8)},
        ]
    }
    problem = assert_problem(api.replace_list(client, f"{series}/rebases", body), 422)
    assert [error["loc"] for error in problem["errors"]] == [
        ["body", "rebases", 0, "starts_on"],
        ["body", "rebases", 1, "starts_on"],
        ["body", "rebases", 3, "starts_on"],
    ]
    assert [r["starts_on"] for r in client.get(f"{series}/rebases").json()["items"]] == [week(10)]


def test_rebases_of_another_collaboratives_measure_are_404(client: TestClient, series: str) -> None:
    organisation = api.organisation(client)
    other = api.team(client, api.collaborative(client)["id"], [organisation["id"]])
    measure_id = series.rsplit("/", 1)[1]
    response = client.get(f"{API}/teams/{other['id']}/measures/{measure_id}/rebases")
    assert_problem(response, 404)

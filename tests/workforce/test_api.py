"""GET /teams/{team_id}/workforce: the stored months and their metrics, with small numbers
suppressed as ingest 5.4 says, at the threshold the settings give."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.main import create_app
from tests.imports_support import Collaborative, collaborative, csv_text, post_file, workforce

HEADER = (
    "ods_code,team_ref,month,headcount_start,headcount_end,starters,leavers,leavers_fte,"
    "sickness_fte_days_lost,fte_days_available,establishment_fte,vacancies_fte,"
    "stable_headcount_12m"
)


@pytest.fixture
def world(client: TestClient) -> Collaborative:
    return collaborative(client)


def _post(client: TestClient, world: Collaborative, *rows: str) -> dict[str, Any]:
    a = world.a
    lines = [f"{a.ods},{a.ref},{row}" for row in rows]
    response = post_file(client, world.id, csv_text(lines, HEADER))
    assert response.status_code == 201, response.text
    record: dict[str, Any] = response.json()
    return record


def _point(found: dict[str, Any], metric: str, month: str) -> dict[str, Any]:
    points: list[dict[str, Any]] = found["metrics"][metric]
    (point,) = [p for p in points if p["month"] == month]
    return point


def test_a_month_of_fewer_people_than_the_threshold_shows_no_figures(
    client: TestClient, world: Collaborative
) -> None:
    record = _post(
        client,
        world,
        "2025-03-01,40,39,2,3,2.5,31.5,1085,38,2,",
        "2025-04-01,9,9,1,1,0.8,3,250,9,0,",
    )
    assert record["cells_suppressed"] == 1

    found = workforce(client, world.a.team_id)

    assert found["threshold"] == 10
    shown, small = found["months"]
    assert (shown["suppressed"], shown["leavers"], shown["vacancies_fte"]) == (False, 3, 2.0)
    assert small["suppressed"] is True
    assert small["sickness_suppressed"] is True
    figures = {k: v for k, v in small.items() if k not in ("month", "import_id")}
    assert set(figures.values()) == {True, None}
    for metric in ("leaver_rate", "leavers", "starters", "sickness_absence_rate", "vacancy_rate"):
        point = _point(found, metric, "2025-04-01")
        assert point == {
            "month": "2025-04-01",
            "value": None,
            "numerator": None,
            "denominator": None,
            "suppressed": True,
        }, metric
    assert _point(found, "vacancy_rate", "2025-03-01")["value"] == pytest.approx(2 / 38 * 100)


def test_a_sickness_rate_over_330_fte_days_or_fewer_is_suppressed_alone(
    client: TestClient, world: Collaborative
) -> None:
    _post(client, world, "2025-03-01,12,12,1,1,1,10,300,,,")
    (month,) = workforce(client, world.a.team_id)["months"]
    assert (month["suppressed"], month["sickness_suppressed"]) == (False, True)
    assert (month["sickness_fte_days_lost"], month["fte_days_available"]) == (None, None)
    assert (month["headcount_start"], month["leavers"]) == (12, 1)
    found = workforce(client, world.a.team_id)
    assert _point(found, "sickness_absence_rate", "2025-03-01")["suppressed"] is True
    assert _point(found, "leaver_rate", "2025-03-01")["value"] == pytest.approx(1 / 12 * 100)


def test_rolling_metrics_need_twelve_stored_months(
    client: TestClient, world: Collaborative
) -> None:
    rows = [f"2024-{month:02d}-01,50,50,1,1,,,,,," for month in range(1, 12)]
    _post(client, world, *rows)
    found = workforce(client, world.a.team_id)
    assert {p["value"] for p in found["metrics"]["leaver_rate_12m"]} == {None}

    _post(client, world, "2024-12-01,50,48,0,2,,,,,,45")

    found = workforce(client, world.a.team_id)
    december = _point(found, "leaver_rate_12m", "2024-12-01")
    assert (december["numerator"], december["denominator"]) == (13, 49)
    assert december["value"] == pytest.approx(13 / 49 * 100)
    stability = _point(found, "stability_index_12m", "2024-12-01")
    assert stability["value"] == pytest.approx(45 / 50 * 100)


@pytest.fixture
def lenient_client(
    database_url: str, session_factory: sessionmaker[Session], data_dir: Path, admin_token: str
) -> Iterator[TestClient]:
    """The API with QI_MIN_RESPONSES at its floor, 5."""
    settings = Settings(env="test", database_url=database_url, data_dir=data_dir, min_responses=5)
    app = create_app(settings, session_factory)
    with TestClient(app, headers={"Authorization": f"Bearer {admin_token}"}) as lenient:
        yield lenient


def test_the_threshold_comes_from_the_settings(
    lenient_client: TestClient, world: Collaborative
) -> None:
    _post(lenient_client, world, "2025-04-01,9,9,1,1,,,,,,")
    found = workforce(lenient_client, world.a.team_id)
    assert found["threshold"] == 5
    assert found["months"][0]["leavers"] == 1
    with pytest.raises(ValueError, match="min_responses"):
        Settings(min_responses=4)

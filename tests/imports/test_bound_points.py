"""An import refills the points of the measures bound to what it stores (ingest spec 7), counts
what it wrote, and a dry run reports exactly that while storing nothing."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests import api
from tests.api import API
from tests.imports_support import Collaborative, collaborative, csv_text, example, post_file

SICKNESS = {"type": "workforce", "metric": "sickness_absence_rate"}
LEAVER_RATE = {"type": "workforce", "metric": "leaver_rate"}


@pytest.fixture
def world(client: TestClient) -> Collaborative:
    return collaborative(client)


def _bound(client: TestClient, world: Collaborative, source: dict[str, Any], chart: str) -> str:
    measure = api.measure(
        client, collaborative_id=world.id, chart=chart, frequency="monthly", data_source=source
    )
    measure_id: str = measure["id"]
    return measure_id


def _points(client: TestClient, team_id: str, measure_id: str) -> list[dict[str, Any]]:
    response = client.get(f"{API}/teams/{team_id}/measures/{measure_id}/data")
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def test_the_worked_example_fills_a_sickness_xmr_and_a_leaver_rate_p_chart(
    client: TestClient, world: Collaborative
) -> None:
    sickness = _bound(client, world, SICKNESS, "xmr")
    leavers = _bound(client, world, LEAVER_RATE, "p")
    response = post_file(client, world.id, csv_text([example(world.a)]))
    assert response.status_code == 201, response.text
    record = response.json()
    assert (record["points_written"], record["typed_points_replaced"]) == (2, 0)
    (point,) = _points(client, world.a.team_id, sickness)
    assert point["period_start"] == "2025-03-01"
    assert point["value"] == pytest.approx(31.5 / 1085 * 100, abs=1e-9)
    assert point["source"] == f"import:{record['id']}"
    (rate,) = _points(client, world.a.team_id, leavers)
    assert (rate["numerator"], rate["denominator"], rate["value"]) == (3, 39.5, None)
    # The other team sent nothing: no points.
    assert _points(client, world.b.team_id, sickness) == []


def test_the_same_file_again_writes_no_point(client: TestClient, world: Collaborative) -> None:
    _bound(client, world, SICKNESS, "xmr")
    text = csv_text([example(world.a)])
    assert post_file(client, world.id, text).json()["points_written"] == 1
    again = post_file(client, world.id, text).json()
    assert (again["aggregates_written"], again["points_written"]) == (1, 0)


def test_a_typed_point_for_an_imported_month_is_replaced_and_counted(
    client: TestClient, world: Collaborative
) -> None:
    sickness = _bound(client, world, SICKNESS, "xmr")
    typed = {
        "points": [
            {"period_start": "2025-02-01", "value": 4.0},
            {"period_start": "2025-03-01", "value": 9.9},
        ]
    }
    path = f"{API}/teams/{world.a.team_id}/measures/{sickness}/data"
    assert client.put(path, json=typed).status_code == 200
    record = post_file(client, world.id, csv_text([example(world.a)])).json()
    assert (record["points_written"], record["typed_points_replaced"]) == (1, 1)
    values = [
        (p["period_start"], round(p["value"], 4))
        for p in _points(client, world.a.team_id, sickness)
    ]
    assert values == [("2025-02-01", 4.0), ("2025-03-01", 2.9032)]


def test_a_dry_run_counts_the_points_it_would_write_and_stores_nothing(
    client: TestClient, world: Collaborative
) -> None:
    sickness = _bound(client, world, SICKNESS, "xmr")
    response = post_file(client, world.id, csv_text([example(world.a)]), dry_run="true")
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["aggregates_written"], body["points_written"]) == (1, 1)
    assert _points(client, world.a.team_id, sickness) == []
    stored = client.get(f"{API}/teams/{world.a.team_id}/workforce").json()
    assert stored["months"] == []


def test_a_small_team_month_is_a_suppressed_gap(client: TestClient, world: Collaborative) -> None:
    sickness = _bound(client, world, LEAVER_RATE, "p")
    row = f"{world.a.ods},{world.a.ref},2025-03-01,6,6,1,1,2,200"
    record = post_file(client, world.id, csv_text([row])).json()
    assert record["cells_suppressed"] == 1
    (point,) = _points(client, world.a.team_id, sickness)
    assert (point["suppressed"], point["numerator"], point["denominator"]) == (True, None, None)


def test_binding_after_the_import_charts_the_stored_months(
    client: TestClient, world: Collaborative
) -> None:
    post_file(client, world.id, csv_text([example(world.a)]))
    sickness = _bound(client, world, SICKNESS, "xmr")
    (point,) = _points(client, world.a.team_id, sickness)
    assert (point["period_start"], point["source"]) == ("2025-03-01", "derived")

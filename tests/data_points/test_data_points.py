"""Data points over HTTP: one point per period, and deleting points one at a time or in a batch."""

from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests import api
from tests.api import API, assert_problem

START = date(2024, 8, 5)  # a Monday


def week(n: int) -> str:
    return str(START + timedelta(weeks=n))


def _select(client: TestClient, team_id: str) -> None:
    """Select the team, so the dashboard shows it."""
    lead = api.member(client, api.organisation(client)["id"])
    assert api.membership(client, team_id, lead["id"], "lead").status_code == 201
    path = f"{API}/teams/{team_id}"
    etag = client.get(path).headers["etag"]
    response = client.patch(path, json={"status": "selected"}, headers={"if-match": etag})
    assert response.status_code == 200, response.text


@pytest.fixture
def series(client: TestClient) -> dict[str, Any]:
    """A selected team's weekly XmR series of 8 points, on a measure its collaborative shares."""
    organisation = api.organisation(client)
    collaborative = api.collaborative(client)
    team = api.team(client, collaborative["id"], [organisation["id"]])
    _select(client, team["id"])
    measure = api.measure(client, collaborative_id=collaborative["id"])
    base = f"{API}/teams/{team['id']}/measures/{measure['id']}"
    points = [{"period_start": week(n), "value": float(n)} for n in range(8)]
    assert client.put(f"{base}/data", json={"points": points}).status_code == 200
    return {"base": base, "team": team, "measure": measure, "collaborative": collaborative}


def _stored(client: TestClient, base: str) -> list[str]:
    return [point["period_start"] for point in client.get(f"{base}/data").json()["items"]]


def _dashboard_cell(client: TestClient, series: dict[str, Any]) -> dict[str, Any]:
    path = f"{API}/collaboratives/{series['collaborative']['id']}/dashboard"
    cells: list[dict[str, Any]] = client.get(path).json()["cells"]
    (cell,) = [cell for cell in cells if cell["team_id"] == series["team"]["id"]]
    return cell


@pytest.mark.parametrize(
    ("frequency", "given", "expected", "rule"),
    [
        ("weekly", "2025-01-08", "2025-01-06", "a weekly measure's period starts on a Monday"),
        ("monthly", "2025-03-15", "2025-03-01", "a monthly measure's period starts on the 1st"),
        (
            "quarterly",
            "2025-05-01",
            "2025-04-01",
            "a quarterly measure's period starts on 1 January, 1 April, 1 July or 1 October",
        ),
    ],
)
def test_a_point_must_start_its_period(
    client: TestClient, frequency: str, given: str, expected: str, rule: str
) -> None:
    organisation = api.organisation(client)
    team = api.team(client, api.collaborative(client)["id"], [organisation["id"]])
    measure = api.measure(client, team_id=team["id"], frequency=frequency)
    base = f"{API}/teams/{team['id']}/measures/{measure['id']}"
    points = [{"period_start": expected, "value": 1.0}, {"period_start": given, "value": 2.0}]
    problem = assert_problem(client.put(f"{base}/data", json={"points": points}), 422)
    assert problem["errors"] == [
        {"loc": ["body", "points", 1, "period_start"], "message": f"{rule}: {expected}"}
    ]
    assert _stored(client, base) == []
    # The period's first day is accepted, once.
    assert client.put(f"{base}/data", json={"points": points[:1]}).status_code == 200
    assert _stored(client, base) == [expected]


def test_a_deleted_point_leaves_the_series_chart_and_dashboard(
    client: TestClient, series: dict[str, Any]
) -> None:
    base = series["base"]
    assert _dashboard_cell(client, series)["latest_date"] == week(7)

    for period in (week(2), week(7)):
        response = client.delete(f"{base}/data/{period}")
        assert response.status_code == 204, response.text
        assert response.content == b""

    kept = [week(n) for n in (0, 1, 3, 4, 5, 6)]
    assert _stored(client, base) == kept
    chart = client.get(f"{base}/chart").json()
    assert [point["date"] for point in chart["points"]] == kept
    assert [point["value"] for point in chart["points"]] == [0.0, 1.0, 3.0, 4.0, 5.0, 6.0]
    cell = _dashboard_cell(client, series)
    assert (cell["n_points"], cell["latest_date"], cell["latest_value"]) == (6, week(6), 6.0)

    # Deleting again: nothing there, 404, and the series is unchanged.
    problem = assert_problem(client.delete(f"{base}/data/{week(2)}"), 404)
    assert week(2) in problem["detail"]
    assert _stored(client, base) == kept


def test_a_bad_date_in_the_path_is_422(client: TestClient, series: dict[str, Any]) -> None:
    problem = assert_problem(client.delete(f"{series['base']}/data/2025-02-30"), 422)
    assert problem["errors"][0]["loc"] == ["path", "period_start"]
    assert len(_stored(client, series["base"])) == 8


def test_a_batch_delete_is_all_or_nothing(client: TestClient, series: dict[str, Any]) -> None:
    base = series["base"]
    body = {"period_starts": [week(1), "2024-08-06", week(3), week(1)]}
    problem = assert_problem(client.post(f"{base}/data/delete", json=body), 422)
    assert [(error["loc"], error["message"]) for error in problem["errors"]] == [
        (["body", "period_starts", 1], "no data point of this series starts on this date"),
        (["body", "period_starts", 3], f"{week(1)} appears more than once in this batch"),
    ]
    assert "nothing was deleted" in problem["detail"]
    assert len(_stored(client, base)) == 8

    response = client.post(f"{base}/data/delete", json={"period_starts": [week(3), week(1)]})
    assert response.status_code == 200, response.text
    assert response.json() == {"deleted": 2, "period_starts": [week(1), week(3)]}
    assert _stored(client, base) == [week(n) for n in (0, 2, 4, 5, 6, 7)]
    assert _dashboard_cell(client, series)["n_points"] == 6

    empty = assert_problem(client.post(f"{base}/data/delete", json={"period_starts": []}), 422)
    assert empty["errors"][0]["loc"] == ["body", "period_starts"]


def test_a_point_a_rebase_starts_on_is_kept_until_the_rebase_goes(
    client: TestClient, series: dict[str, Any]
) -> None:
    base = series["base"]
    rebases = {"rebases": [{"starts_on": week(1), "reason": "New rota"}]}
    assert api.replace_list(client, f"{base}/rebases", rebases).status_code == 200

    problem = assert_problem(client.delete(f"{base}/data/{week(1)}"), 409)
    assert f"the rebase starting on {week(1)} starts on that point" in problem["detail"]
    # Without the first point, the rebase would start the series: the chart could not draw it.
    problem = assert_problem(
        client.post(f"{base}/data/delete", json={"period_starts": [week(0)]}), 409
    )
    assert (
        f"the rebase starting on {week(1)} would start on the series' first point"
        in (problem["detail"])
    )
    assert len(_stored(client, base)) == 8
    assert client.get(f"{base}/chart").status_code == 200

    assert api.replace_list(client, f"{base}/rebases", {"rebases": []}).status_code == 200
    assert client.delete(f"{base}/data/{week(1)}").status_code == 204
    assert client.delete(f"{base}/data/{week(0)}").status_code == 204
    assert _stored(client, base)[0] == week(2)


def test_a_measure_can_be_deleted_once_its_data_is(
    client: TestClient, series: dict[str, Any]
) -> None:
    base = series["base"]
    measure_path = f"{API}/measures/{series['measure']['id']}"
    etag = client.get(measure_path).headers["etag"]
    problem = assert_problem(client.delete(measure_path, headers={"if-match": etag}), 409)
    assert "delete their data first" in problem["detail"]

    every = {"period_starts": _stored(client, base)}
    assert client.post(f"{base}/data/delete", json=every).json()["deleted"] == 8
    assert client.delete(measure_path, headers={"if-match": etag}).status_code == 204
    assert_problem(client.get(measure_path), 404)


def test_a_date_range_narrows_the_list_and_pages_within_it(
    client: TestClient, series: dict[str, Any]
) -> None:
    data = f"{series['base']}/data"
    both = {"period_start_from": week(2), "period_start_to": week(6)}

    first = client.get(data, params=both | {"limit": 3}).json()
    assert [p["period_start"] for p in first["items"]] == [week(2), week(3), week(4)]
    rest = client.get(data, params=both | {"limit": 3, "cursor": first["next_cursor"]}).json()
    # Both ends inclusive; the next page keeps the range.
    assert [p["period_start"] for p in rest["items"]] == [week(5), week(6)]
    assert rest["next_cursor"] is None
    # The cursor belongs to that range: without it, it would skip or repeat points.
    other = client.get(data, params={"limit": 3, "cursor": first["next_cursor"]})
    assert "another list or other filters" in assert_problem(other, 400)["detail"]

    # Bounds between period starts, and either bound alone.
    between = {"period_start_from": "2024-08-13", "period_start_to": "2024-08-27"}
    assert [p["period_start"] for p in client.get(data, params=between).json()["items"]] == [
        week(2),
        week(3),
    ]
    late = client.get(data, params={"period_start_from": week(7)}).json()["items"]
    assert [(p["period_start"], p["value"]) for p in late] == [(week(7), 7.0)]
    early = client.get(data, params={"period_start_to": week(0)}).json()["items"]
    assert [p["period_start"] for p in early] == [week(0)]
    assert client.get(data, params={"period_start_from": week(8)}).json()["items"] == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"period_start_from": week(5), "period_start_to": week(4)}, "period_start_to"),
        ({"period_start_from": "2024-08-05T00:00:00Z"}, "period_start_from"),
        ({"period_start_to": "5 Aug 2024"}, "period_start_to"),
        ({"period_start_from": "2024-02-30"}, "period_start_from"),
        ({"period_start_to": "0999-01-01"}, "period_start_to"),
    ],
)
def test_a_bad_date_range_is_422_naming_the_field(
    client: TestClient, series: dict[str, Any], params: dict[str, str], field: str
) -> None:
    problem = assert_problem(client.get(f"{series['base']}/data", params=params), 422)
    assert [error["loc"] for error in problem["errors"]] == [["query", field]]


def _points(client: TestClient, base: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = client.get(f"{base}/data").json()["items"]
    return items


def test_sending_stored_points_again_changes_nothing(
    client: TestClient, series: dict[str, Any]
) -> None:
    """A feed that sends its points again, with one new one, adds only the new one."""
    base = series["base"]
    before = _points(client, base)
    again = [{"period_start": week(n), "value": float(n)} for n in range(9)]
    response = client.put(f"{base}/data", json={"points": again})
    assert response.status_code == 200, response.text
    result = response.json()
    assert (result["created"], result["updated"], result["unchanged"]) == (1, 0, 8)
    assert [point["period_start"] for point in result["items"]] == [week(n) for n in range(9)]
    after = _points(client, base)
    # The stored points are untouched: same versions, same update times.
    assert after[:8] == before
    assert after[8]["value"] == 8.0


def test_changing_a_stored_point_needs_overwrite(
    client: TestClient, series: dict[str, Any]
) -> None:
    base = series["base"]
    before = _points(client, base)
    batch = [
        {"period_start": week(9), "value": 9.0},  # new
        {"period_start": week(3), "value": 30.0},  # a different value
        {"period_start": week(1), "value": 1.0},  # as stored
        {"period_start": week(2), "value": 2.0, "note": "PDSA 1"},  # a note added
    ]
    problem = assert_problem(client.put(f"{base}/data", json={"points": batch}), 409)
    assert problem["type"].endswith(":point-exists")
    assert "?overwrite=true" in problem["detail"]
    assert problem["errors"] == [
        {
            "loc": ["body", "points", 1],
            "message": f"the point for {week(3)} is stored with a different value",
        },
        {
            "loc": ["body", "points", 3],
            "message": f"the point for {week(2)} is stored with a different note",
        },
    ]
    # Nothing was stored, not even the new point.
    assert _points(client, base) == before

    response = client.put(f"{base}/data", params={"overwrite": "true"}, json={"points": batch})
    assert response.status_code == 200, response.text
    result = response.json()
    assert (result["created"], result["updated"], result["unchanged"]) == (1, 2, 1)
    stored = {point["period_start"]: point for point in _points(client, base)}
    assert (stored[week(3)]["value"], stored[week(3)]["version"]) == (30.0, 2)
    assert (stored[week(2)]["note"], stored[week(2)]["version"]) == ("PDSA 1", 2)
    assert stored[week(1)] == before[1]
    assert stored[week(9)]["value"] == 9.0


def test_a_feed_that_sends_no_notes_keeps_the_teams_notes(
    client: TestClient, series: dict[str, Any]
) -> None:
    """A trust's feed resends its numbers every month; a note a coach wrote beside a point
    neither blocks the feed nor is lost. Sending `note: null` is what clears one."""
    base = series["base"]
    noted = [{"period_start": week(2), "value": 2.0, "note": "PDSA 1", "source": "pulse"}]
    overwrite = {"overwrite": "true"}
    assert client.put(f"{base}/data", params=overwrite, json={"points": noted}).status_code == 200

    feed = [{"period_start": week(n), "value": float(n)} for n in range(8)]
    result = client.put(f"{base}/data", json={"points": feed}).json()
    assert (result["created"], result["updated"], result["unchanged"]) == (0, 0, 8)
    (kept,) = [point for point in _points(client, base) if point["period_start"] == week(2)]
    assert (kept["note"], kept["source"], kept["version"]) == ("PDSA 1", "pulse", 2)

    cleared = [{"period_start": week(2), "value": 2.0, "note": None}]
    problem = assert_problem(client.put(f"{base}/data", json={"points": cleared}), 409)
    assert problem["errors"][0]["message"].endswith("with a different note")
    result = client.put(f"{base}/data", params=overwrite, json={"points": cleared}).json()
    assert result["updated"] == 1
    (point,) = [point for point in _points(client, base) if point["period_start"] == week(2)]
    assert (point["note"], point["source"]) == (None, "pulse")

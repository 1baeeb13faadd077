"""Measures and their data points: owners, codes, chart-specific validation, upserts."""

from typing import Any

from fastapi.testclient import TestClient

from tests import api
from tests.api import API, assert_problem

MEASURES = f"{API}/measures"


def _etag(client: TestClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.text
    return response.headers["ETag"]


def _team(client: TestClient) -> dict[str, Any]:
    organisation = api.organisation(client)
    collaborative = api.collaborative(client)
    return api.team(client, collaborative["id"], [organisation["id"]])


def _data_path(team: dict[str, Any], measure: dict[str, Any]) -> str:
    return f"{API}/teams/{team['id']}/measures/{measure['id']}/data"


def _measure_body(**fields: Any) -> dict[str, Any]:
    return api.measure_body(**({"code": "ENJOY", "name": "% enjoying work"} | fields))


def _locs(problem: dict[str, Any]) -> list[list[Any]]:
    return [error["loc"] for error in problem["errors"]]


def _stored(client: TestClient, path: str) -> list[tuple[str, Any, Any, Any]]:
    response = client.get(path, params={"limit": 200})
    assert response.status_code == 200, response.text
    return [
        (p["period_start"], p["value"], p["numerator"], p["denominator"])
        for p in response.json()["items"]
    ]


class TestMeasures:
    def test_exactly_one_owner(self, client: TestClient) -> None:
        team = _team(client)
        both = _measure_body(collaborative_id=team["collaborative_id"], team_id=team["id"])
        for body in (both, _measure_body()):
            problem = assert_problem(client.post(MEASURES, json=body), 422)
            assert sorted(_locs(problem)) == [["body", "collaborative_id"], ["body", "team_id"]]

    def test_code_is_upper_cased(self, client: TestClient) -> None:
        team = _team(client)
        response = client.post(MEASURES, json=_measure_body(code="enjoy_work", team_id=team["id"]))
        assert response.status_code == 201, response.text
        assert response.json()["code"] == "ENJOY_WORK"

    def test_duplicate_code_per_owner(self, client: TestClient) -> None:
        team = _team(client)
        other = api.collaborative(client)
        first = api.measure(client, collaborative_id=team["collaborative_id"], code="ENJOY")
        again = client.post(MEASURES, json=_measure_body(collaborative_id=team["collaborative_id"]))
        assert assert_problem(again, 409)["type"].endswith("duplicate-code")
        elsewhere = api.measure(client, collaborative_id=other["id"], code="ENJOY")
        assert elsewhere["code"] == first["code"] == "ENJOY"
        assert elsewhere["id"] != first["id"]

    def test_list_by_team_has_own_and_shared_measures_only(self, client: TestClient) -> None:
        team = _team(client)
        sibling = api.team(client, team["collaborative_id"], team["organisation_ids"])
        other = api.collaborative(client)
        shared = api.measure(client, collaborative_id=team["collaborative_id"])
        own = api.measure(client, team_id=team["id"])
        api.measure(client, team_id=sibling["id"])
        api.measure(client, collaborative_id=other["id"])
        items = client.get(MEASURES, params={"team_id": team["id"]}).json()["items"]
        assert [item["id"] for item in items] == [shared["id"], own["id"]]

    def test_chart_can_change_until_there_is_data(self, client: TestClient) -> None:
        team = _team(client)
        measure = api.measure(client, team_id=team["id"], chart="xmr")
        path = f"{MEASURES}/{measure['id']}"
        changed = client.patch(
            path, json={"chart": "run"}, headers={"If-Match": _etag(client, path)}
        )
        assert changed.status_code == 200, changed.text
        assert changed.json()["chart"] == "run"
        points = {"points": [{"period_start": "2024-08-05", "value": 3.0}]}
        assert client.put(_data_path(team, measure), json=points).status_code == 200
        refused = client.patch(path, json={"chart": "c"}, headers={"If-Match": _etag(client, path)})
        assert assert_problem(refused, 409)["type"].endswith("measure-has-data")
        assert client.get(path).json()["chart"] == "run"

    def test_delete_with_data_is_409(self, client: TestClient) -> None:
        team = _team(client)
        measure = api.measure(client, team_id=team["id"])
        points = {"points": [{"period_start": "2024-08-05", "value": 3.0}]}
        assert client.put(_data_path(team, measure), json=points).status_code == 200
        path = f"{MEASURES}/{measure['id']}"
        assert_problem(client.delete(path, headers={"If-Match": _etag(client, path)}), 409)
        assert client.get(path).json()["id"] == measure["id"]
        assert len(_stored(client, _data_path(team, measure))) == 1

    def test_delete_without_data(self, client: TestClient) -> None:
        team = _team(client)
        measure = api.measure(client, team_id=team["id"])
        path = f"{MEASURES}/{measure['id']}"
        assert client.delete(path, headers={"If-Match": _etag(client, path)}).status_code == 204
        assert_problem(client.get(path), 404)


class TestDataValidation:
    def _put(self, client: TestClient, chart: str, points: list[dict[str, Any]]) -> Any:
        team = _team(client)
        measure = api.measure(client, team_id=team["id"], chart=chart)
        return client.put(_data_path(team, measure), json={"points": points})

    def test_p_needs_numerator_and_denominator(self, client: TestClient) -> None:
        points = [
            {"period_start": "2024-08-05", "numerator": 3, "denominator": 10},
            {"period_start": "2024-08-12", "denominator": 10},
        ]
        problem = assert_problem(self._put(client, "p", points), 422)
        assert _locs(problem) == [["body", "points", 1, "numerator"]]

    def test_p_numerator_above_denominator_is_422(self, client: TestClient) -> None:
        points = [{"period_start": "2024-08-05", "numerator": 11, "denominator": 10}]
        problem = assert_problem(self._put(client, "p", points), 422)
        assert _locs(problem) == [["body", "points", 0, "numerator"]]

    def test_denominator_zero_is_422(self, client: TestClient) -> None:
        points = [{"period_start": "2024-08-05", "numerator": 0, "denominator": 0}]
        problem = assert_problem(self._put(client, "u", points), 422)
        assert _locs(problem) == [["body", "points", 0, "denominator"]]

    def test_u_allows_numerator_above_denominator(self, client: TestClient) -> None:
        points = [{"period_start": "2024-08-05", "numerator": 14, "denominator": 10}]
        response = self._put(client, "u", points)
        assert response.status_code == 200, response.text
        stored = response.json()["items"]
        assert [(p["numerator"], p["denominator"]) for p in stored] == [(14.0, 10.0)]

    def test_c_needs_a_whole_count_of_zero_or_more(self, client: TestClient) -> None:
        bad = [
            {"period_start": "2024-08-05", "value": 2.5},
            {"period_start": "2024-08-12", "value": -1},
        ]
        problem = assert_problem(self._put(client, "c", bad), 422)
        assert _locs(problem) == [["body", "points", 0, "value"], ["body", "points", 1, "value"]]
        good = [
            {"period_start": "2024-08-05", "value": 0},
            {"period_start": "2024-08-12", "value": 3},
        ]
        response = self._put(client, "c", good)
        assert response.status_code == 200, response.text
        assert [p["value"] for p in response.json()["items"]] == [0.0, 3.0]

    def test_xmr_rejects_numerator_and_denominator(self, client: TestClient) -> None:
        points = [{"period_start": "2024-08-05", "value": 4.0, "numerator": 1, "denominator": 2}]
        problem = assert_problem(self._put(client, "xmr", points), 422)
        assert sorted(_locs(problem)) == [
            ["body", "points", 0, "denominator"],
            ["body", "points", 0, "numerator"],
        ]

    def test_duplicate_period_in_a_batch_is_422(self, client: TestClient) -> None:
        points = [
            {"period_start": "2024-08-05", "value": 1.0},
            {"period_start": "2024-08-05", "value": 2.0},
        ]
        problem = assert_problem(self._put(client, "xmr", points), 422)
        assert _locs(problem) == [["body", "points", 1, "period_start"]]


class TestDataWrites:
    def test_a_bad_batch_reports_every_error_and_stores_nothing(self, client: TestClient) -> None:
        team = _team(client)
        measure = api.measure(client, team_id=team["id"], chart="p")
        path = _data_path(team, measure)
        first = [{"period_start": "2024-08-05", "numerator": 3, "denominator": 10}]
        assert client.put(path, json={"points": first}).status_code == 200
        batch = [
            {"period_start": "2024-08-05", "numerator": 5, "denominator": 10},
            {"period_start": "2024-08-12", "numerator": 12, "denominator": 10},
            {"period_start": "2024-08-19", "numerator": 0, "denominator": 0},
            {"period_start": "2024-08-26", "numerator": 2, "denominator": 10},
        ]
        problem = assert_problem(client.put(path, json={"points": batch}), 422)
        assert _locs(problem) == [
            ["body", "points", 1, "numerator"],
            ["body", "points", 2, "denominator"],
        ]
        assert _stored(client, path) == [("2024-08-05", None, 3.0, 10.0)]

    def test_upsert_reports_created_and_updated(self, client: TestClient) -> None:
        team = _team(client)
        measure = api.measure(client, team_id=team["id"], chart="xmr")
        path = _data_path(team, measure)
        weeks = ["2024-08-05", "2024-08-12", "2024-08-19"]
        first = client.put(
            path, json={"points": [{"period_start": w, "value": 1.0} for w in weeks]}
        )
        assert (first.json()["created"], first.json()["updated"]) == (3, 0)
        second_batch = [
            {"period_start": "2024-08-19", "value": 9.0, "note": "rota change"},
            {"period_start": "2024-08-26", "value": 4.0},
            {"period_start": "2024-08-12", "value": 8.0},
        ]
        second = client.put(path, params={"overwrite": "true"}, json={"points": second_batch})
        assert second.status_code == 200, second.text
        assert (second.json()["created"], second.json()["updated"]) == (1, 2)
        assert [p["period_start"] for p in second.json()["items"]] == [*weeks[1:], "2024-08-26"]
        assert [(p, v) for p, v, _, _ in _stored(client, path)] == [
            ("2024-08-05", 1.0),
            ("2024-08-12", 8.0),
            ("2024-08-19", 9.0),
            ("2024-08-26", 4.0),
        ]
        notes = [p["note"] for p in client.get(path).json()["items"]]
        assert notes == [None, None, "rota change", None]

    def test_get_is_ordered_by_period_start(self, client: TestClient) -> None:
        team = _team(client)
        measure = api.measure(client, team_id=team["id"])
        path = _data_path(team, measure)
        for period in ("2024-09-02", "2024-08-05", "2024-08-19"):
            point = {"period_start": period, "value": float(period[-2:])}
            assert client.put(path, json={"points": [point]}).status_code == 200
        assert [p[0] for p in _stored(client, path)] == ["2024-08-05", "2024-08-19", "2024-09-02"]

    def test_shared_measure_data_belongs_to_each_team(self, client: TestClient) -> None:
        team = _team(client)
        sibling = api.team(client, team["collaborative_id"], team["organisation_ids"])
        measure = api.measure(client, collaborative_id=team["collaborative_id"])
        point = {"points": [{"period_start": "2024-08-05", "value": 5.0}]}
        assert client.put(_data_path(team, measure), json=point).status_code == 200
        assert _stored(client, _data_path(sibling, measure)) == []
        assert len(_stored(client, _data_path(team, measure))) == 1

    def test_measure_of_another_collaborative_is_404(self, client: TestClient) -> None:
        team = _team(client)
        foreign = api.measure(client, collaborative_id=api.collaborative(client)["id"])
        assert_problem(client.get(_data_path(team, foreign)), 404)
        sibling = api.team(client, team["collaborative_id"], team["organisation_ids"])
        siblings_own = api.measure(client, team_id=sibling["id"])
        assert_problem(client.get(_data_path(team, siblings_own)), 404)
        point = {"points": [{"period_start": "2024-08-05", "value": 5.0}]}
        assert_problem(client.put(_data_path(team, foreign), json=point), 404)

"""Organisations: creation, the ODS key, list filters and pagination, PATCH and DELETE."""

from typing import Any

from fastapi.testclient import TestClient

from tests import api
from tests.api import API, assert_problem

ORGANISATIONS = f"{API}/organisations"


def _etag(client: TestClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.text
    return response.headers["ETag"]


class TestCreate:
    def test_created_with_location_etag_and_body(self, client: TestClient) -> None:
        response = client.post(
            ORGANISATIONS,
            json={"ods_code": "RHQ", "name": "Sheffield Teaching Hospitals", "kind": "trust"},
        )
        assert response.status_code == 201, response.text
        body = response.json()
        assert body["ods_code"] == "RHQ"
        assert body["name"] == "Sheffield Teaching Hospitals"
        assert body["kind"] == "trust"
        assert body["version"] == 1
        assert response.headers["Location"].endswith(f"/api/v1/organisations/{body['id']}")
        assert response.headers["ETag"] == f'"{body["id"]}-{body["version"]}"'
        fetched = client.get(f"{ORGANISATIONS}/{body['id']}")
        assert fetched.json() == body
        assert fetched.headers["ETag"] == response.headers["ETag"]

    def test_ods_code_is_upper_cased(self, client: TestClient) -> None:
        created = api.organisation(client, ods_code="  qf7 ", kind="icb")
        assert created["ods_code"] == "QF7"
        found = client.get(ORGANISATIONS, params={"ods_code": "QF7"}).json()["items"]
        assert [item["id"] for item in found] == [created["id"]]

    def test_duplicate_ods_code_is_409(self, client: TestClient) -> None:
        first = api.organisation(client, ods_code="RHQ")
        again = client.post(
            ORGANISATIONS, json={"ods_code": "RHQ", "name": "Other", "kind": "trust"}
        )
        problem = assert_problem(again, 409)
        assert problem["type"].endswith("duplicate-ods-code")
        listed = client.get(ORGANISATIONS, params={"ods_code": "RHQ"}).json()["items"]
        assert [item["id"] for item in listed] == [first["id"]]

    def test_unknown_kind_is_422(self, client: TestClient) -> None:
        response = client.post(ORGANISATIONS, json={"ods_code": "RHQ", "name": "X", "kind": "pub"})
        problem = assert_problem(response, 422)
        assert ["body", "kind"] in [error["loc"] for error in problem["errors"]]


class TestList:
    def test_filter_by_kind(self, client: TestClient) -> None:
        trust = api.organisation(client, kind="trust")
        icb = api.organisation(client, kind="icb")
        gp = api.organisation(client, kind="primary_care")
        icbs = client.get(ORGANISATIONS, params={"kind": "icb"}).json()["items"]
        ids = {item["id"] for item in icbs}
        assert icb["id"] in ids
        assert not ids & {trust["id"], gp["id"]}
        assert {item["kind"] for item in icbs} == {"icb"}

    def test_filter_by_ods_code_ignores_case(self, client: TestClient) -> None:
        wanted = api.organisation(client, ods_code="RFF")
        api.organisation(client, ods_code="RHQ")
        found = client.get(ORGANISATIONS, params={"ods_code": "rff"}).json()
        assert [item["id"] for item in found["items"]] == [wanted["id"]]
        assert found["next_cursor"] is None

    def test_cursor_pagination_walks_every_item_once_in_creation_order(
        self, client: TestClient
    ) -> None:
        created = [api.organisation(client, kind="other")["id"] for _ in range(7)]
        seen: list[str] = []
        sizes: list[int] = []
        params: dict[str, Any] = {"limit": 3, "kind": "other"}
        while True:
            page = client.get(ORGANISATIONS, params=params)
            assert page.status_code == 200, page.text
            body = page.json()
            sizes.append(len(body["items"]))
            seen.extend(item["id"] for item in body["items"])
            if body["next_cursor"] is None:
                break
            params["cursor"] = body["next_cursor"]
        assert sizes == [3, 3, 1]
        assert seen == created
        assert len(set(seen)) == 7

    def test_garbled_cursor_is_400(self, client: TestClient) -> None:
        api.organisation(client)
        response = client.get(ORGANISATIONS, params={"cursor": "bm90LWEtY3Vyc29y"})
        problem = assert_problem(response, 400)
        assert "cursor" in problem["detail"]

    def test_limit_out_of_range_is_422(self, client: TestClient) -> None:
        for limit in (0, 201):
            response = client.get(ORGANISATIONS, params={"limit": limit})
            problem = assert_problem(response, 422)
            assert ["query", "limit"] in [error["loc"] for error in problem["errors"]]

    def test_limit_of_200_is_allowed(self, client: TestClient) -> None:
        api.organisation(client)
        response = client.get(ORGANISATIONS, params={"limit": 200})
        assert response.status_code == 200
        assert len(response.json()["items"]) >= 1


class TestUpdate:
    def test_changes_only_sent_fields_and_bumps_version(self, client: TestClient) -> None:
        organisation = api.organisation(client, ods_code="RHQ", name="Old name", kind="trust")
        path = f"{ORGANISATIONS}/{organisation['id']}"
        response = client.patch(
            path, json={"name": "New name"}, headers={"If-Match": _etag(client, path)}
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["name"] == "New name"
        assert body["ods_code"] == "RHQ"
        assert body["kind"] == "trust"
        assert body["version"] == organisation["version"] + 1
        assert response.headers["ETag"] == f'"{organisation["id"]}-{body["version"]}"'
        assert client.get(path).json()["name"] == "New name"

    def test_null_for_a_required_field_is_422(self, client: TestClient) -> None:
        organisation = api.organisation(client, name="Keep me")
        path = f"{ORGANISATIONS}/{organisation['id']}"
        response = client.patch(
            path, json={"name": None}, headers={"If-Match": _etag(client, path)}
        )
        problem = assert_problem(response, 422)
        assert ["body", "name"] in [error["loc"] for error in problem["errors"]]
        assert client.get(path).json()["name"] == "Keep me"

    def test_ods_code_taken_by_another_is_409(self, client: TestClient) -> None:
        api.organisation(client, ods_code="RHQ")
        other = api.organisation(client, ods_code="RFF")
        path = f"{ORGANISATIONS}/{other['id']}"
        response = client.patch(
            path, json={"ods_code": "RHQ"}, headers={"If-Match": _etag(client, path)}
        )
        assert assert_problem(response, 409)["type"].endswith("duplicate-ods-code")
        assert client.get(path).json()["ods_code"] == "RFF"

    def test_without_if_match_is_428_and_stale_is_412(self, client: TestClient) -> None:
        organisation = api.organisation(client, name="Original")
        path = f"{ORGANISATIONS}/{organisation['id']}"
        assert_problem(client.patch(path, json={"name": "A"}), 428)
        stale = _etag(client, path)
        assert (
            client.patch(path, json={"name": "B"}, headers={"If-Match": stale}).status_code == 200
        )
        assert_problem(client.patch(path, json={"name": "C"}, headers={"If-Match": stale}), 412)
        assert client.get(path).json()["name"] == "B"


class TestDelete:
    def test_needs_if_match(self, client: TestClient) -> None:
        organisation = api.organisation(client)
        path = f"{ORGANISATIONS}/{organisation['id']}"
        assert_problem(client.delete(path), 428)
        assert client.get(path).status_code == 200

    def test_deletes_then_404(self, client: TestClient) -> None:
        organisation = api.organisation(client)
        path = f"{ORGANISATIONS}/{organisation['id']}"
        response = client.delete(path, headers={"If-Match": _etag(client, path)})
        assert response.status_code == 204
        assert response.content == b""
        assert_problem(client.get(path), 404)

    def test_organisation_with_a_member_is_409(self, client: TestClient) -> None:
        organisation = api.organisation(client)
        api.member(client, organisation["id"])
        path = f"{ORGANISATIONS}/{organisation['id']}"
        response = client.delete(path, headers={"If-Match": _etag(client, path)})
        assert assert_problem(response, 409)["type"].endswith("still-referenced")
        assert client.get(path).json()["id"] == organisation["id"]

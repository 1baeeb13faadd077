"""The conventions every endpoint shares: problems, limits, media types, ETags, probes."""

import http.client
import json
import uuid
from typing import Any, Literal

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app
from tests import api
from tests.api import API, assert_problem
from tests.conftest import PRODUCTION_HASHING
from tests.live import serving


class TestErrors:
    def test_unknown_path_is_a_problem(self, client: TestClient) -> None:
        problem = assert_problem(client.get(f"{API}/nothing-here"), 404)
        assert problem["type"] == "about:blank"

    def test_wrong_method_is_405_with_allow(self, client: TestClient) -> None:
        response = client.put(f"{API}/organisations", json={})
        assert_problem(response, 405)
        assert set(response.headers["allow"].replace(" ", "").split(",")) == {"GET", "POST"}

    @pytest.mark.parametrize(
        ("path", "content_type", "allowed"),
        [
            ("/auth/token", "application/x-www-form-urlencoded", {"POST"}),
            ("/organisations", "text/csv", {"GET", "POST"}),
            ("/nothing-here", "text/csv", None),
        ],
    )
    def test_a_body_to_a_method_or_path_no_route_serves_is_405_or_404_not_415(
        self, client: TestClient, path: str, content_type: str, allowed: set[str] | None
    ) -> None:
        """The body guard judges a body by the route it is for; with no such route the router
        answers, whatever the body is."""
        response = client.put(
            f"{API}{path}", content=b"a,b", headers={"content-type": content_type}
        )
        if allowed is None:
            assert_problem(response, 404)
        else:
            assert_problem(response, 405)
            assert set(response.headers["allow"].replace(" ", "").split(",")) == allowed

    def test_malformed_json_is_400(self, client: TestClient) -> None:
        response = client.post(
            f"{API}/organisations",
            content=b'{"ods_code": "RHQ",',
            headers={"content-type": "application/json"},
        )
        assert assert_problem(response, 400)["type"].endswith("malformed-json")

    def test_validation_problem_names_each_field_and_echoes_no_input(
        self, client: TestClient
    ) -> None:
        secret = "do-not-echo-this-value"
        response = client.post(
            f"{API}/organisations", json={"ods_code": secret, "name": "", "kind": "castle"}
        )
        problem = assert_problem(response, 422)
        locations = {tuple(error["loc"]) for error in problem["errors"]}
        assert locations == {("body", "ods_code"), ("body", "name"), ("body", "kind")}
        assert secret not in response.text

    def test_bad_path_id_is_422(self, client: TestClient) -> None:
        problem = assert_problem(client.get(f"{API}/teams/not-a-uuid"), 422)
        assert problem["errors"][0]["loc"] == ["path", "team_id"]


class TestBodyLimits:
    def test_body_over_one_mebibyte_is_413(self, client: TestClient) -> None:
        body = json.dumps({"name": "x" * (1024 * 1024)}).encode()
        response = client.post(
            f"{API}/organisations", content=body, headers={"content-type": "application/json"}
        )
        assert assert_problem(response, 413)["type"].endswith("body-too-large")

    def test_chunked_body_over_the_limit_is_413(self, client: TestClient) -> None:
        def chunks() -> Any:
            for _ in range(20):
                yield b"x" * (64 * 1024)

        response = client.post(
            f"{API}/organisations", content=chunks(), headers={"content-type": "application/json"}
        )
        assert_problem(response, 413)

    def test_non_json_body_is_415(self, client: TestClient) -> None:
        response = client.post(
            f"{API}/organisations",
            content=b"ods_code=RHQ",
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
        assert_problem(response, 415)

    def test_merge_patch_media_type_is_accepted(self, client: TestClient) -> None:
        organisation = api.organisation(client)
        path = f"{API}/organisations/{organisation['id']}"
        response = client.patch(
            path,
            content=b'{"name": "Renamed"}',
            headers={
                "content-type": "application/merge-patch+json",
                "if-match": client.get(path).headers["etag"],
            },
        )
        assert response.status_code == 200, response.text
        assert response.json()["name"] == "Renamed"

    def test_overlong_string_is_422(self, client: TestClient) -> None:
        response = client.post(
            f"{API}/organisations", json={"ods_code": "RHQ", "name": "n" * 201, "kind": "trust"}
        )
        assert assert_problem(response, 422)["errors"][0]["loc"] == ["body", "name"]


class TestConcurrency:
    def test_etag_follows_the_version(self, client: TestClient) -> None:
        organisation = api.organisation(client)
        path = f"{API}/organisations/{organisation['id']}"
        first = client.get(path)
        assert first.headers["etag"] == f'"{organisation["id"]}-1"'
        changed = client.patch(
            path, json={"name": "B"}, headers={"if-match": first.headers["etag"]}
        )
        assert changed.json()["version"] == 2
        assert changed.headers["etag"] == f'"{organisation["id"]}-2"'
        assert client.get(path).headers["etag"] == changed.headers["etag"]

    @pytest.mark.parametrize("method", ["patch", "delete"])
    def test_changes_need_if_match(self, client: TestClient, method: str) -> None:
        organisation = api.organisation(client)
        path = f"{API}/organisations/{organisation['id']}"
        kwargs: dict[str, Any] = {"json": {"name": "B"}} if method == "patch" else {}
        response = client.request(method.upper(), path, **kwargs)
        assert assert_problem(response, 428)["type"].endswith("if-match-required")
        assert client.get(path).json()["name"] == organisation["name"]

    def test_stale_delete_is_412_and_keeps_the_resource(self, client: TestClient) -> None:
        organisation = api.organisation(client)
        path = f"{API}/organisations/{organisation['id']}"
        stale = client.get(path).headers["etag"]
        client.patch(path, json={"name": "B"}, headers={"if-match": stale})
        assert_problem(client.delete(path, headers={"if-match": stale}), 412)
        assert client.get(path).status_code == 200

    def test_if_match_star_and_lists(self, client: TestClient) -> None:
        organisation = api.organisation(client)
        path = f"{API}/organisations/{organisation['id']}"
        etag = client.get(path).headers["etag"]
        listed = client.patch(path, json={"name": "B"}, headers={"if-match": f'"x", {etag}'})
        assert listed.json()["name"] == "B"
        star = client.patch(path, json={"name": "C"}, headers={"if-match": "*"})
        assert star.json()["name"] == "C"

    def test_if_match_is_read_as_rfc_9110_says(self, client: TestClient) -> None:
        organisation = api.organisation(client)
        path = f"{API}/organisations/{organisation['id']}"
        etag = client.get(path).headers["etag"]
        unquoted = client.patch(path, json={"name": "B"}, headers={"if-match": etag.strip('"')})
        assert "quotes included" in assert_problem(unquoted, 400)["detail"]
        weak = client.patch(path, json={"name": "B"}, headers={"if-match": f"W/{etag}"})
        assert "weak ETag" in assert_problem(weak, 412)["detail"]
        assert client.get(path).json()["name"] == organisation["name"]
        spaced = client.patch(path, json={"name": "B"}, headers={"if-match": f'  {etag} , "x"'})
        assert spaced.json()["name"] == "B"


class TestStrictQueries:
    def test_an_unknown_query_parameter_is_422(self, client: TestClient) -> None:
        api.team(client, api.collaborative(client)["id"], [api.organisation(client)["id"]])
        response = client.get(f"{API}/teams", params={"colour": "red", "status": "active"})
        problem = assert_problem(response, 422)
        assert problem["errors"] == [
            {"loc": ["query", "colour"], "message": "not a parameter of this operation"}
        ]
        assert client.get(f"{API}/teams", params={"status": "applied"}).json()["items"]
        assert client.get("/livez", params={"probe": "1"}).status_code == 422


class TestProbes:
    def test_livez(self, client: TestClient) -> None:
        response = client.get("/livez")
        assert response.json() == {"status": "pass"}
        assert response.headers["content-type"] == "application/health+json"

    def test_readyz_when_migrated(self, client: TestClient) -> None:
        response = client.get("/readyz")
        assert response.status_code == 200
        assert response.json() == {"status": "pass"}

    def test_readyz_is_503_when_schema_is_behind(self, client: TestClient) -> None:
        client.app.state.head_revision = "a-newer-revision"  # type: ignore[attr-defined]
        problem = assert_problem(client.get("/readyz"), 503)
        assert "latest migration" in problem["detail"]


class TestPagination:
    def test_cursor_walks_every_item_once_in_creation_order(self, client: TestClient) -> None:
        created = [api.organisation(client)["id"] for _ in range(5)]
        seen: list[str] = []
        cursor = None
        pages = 0
        while True:
            params: dict[str, Any] = {"limit": 2} | ({"cursor": cursor} if cursor else {})
            page = client.get(f"{API}/organisations", params=params).json()
            seen += [item["id"] for item in page["items"]]
            pages += 1
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert seen == created
        assert pages == 3


class TestText:
    def test_nul_characters_are_refused_everywhere(self, client: TestClient) -> None:
        body = {"name": "Cohort\u0000 2", "starts_on": "2025-01-01", "ends_on": "2025-12-31"}
        problem = assert_problem(client.post(f"{API}/collaboratives", json=body), 422)
        assert problem["errors"][0]["loc"] == ["body", "name"]
        query = client.get(f"{API}/members", params={"email": "a\u0000@example.nhs.uk"})
        assert assert_problem(query, 422)["errors"][0]["loc"] == ["query", "email"]


class TestHardening:
    def test_security_headers_on_every_response(self, anonymous: TestClient) -> None:
        for response in (anonymous.get("/livez"), anonymous.get(f"{API}/teams")):
            assert response.headers["x-content-type-options"] == "nosniff"
            assert response.headers["x-frame-options"] == "DENY"
            assert response.headers["content-security-policy"].startswith("default-src 'none'")

    def test_hsts_only_over_https(self, app: Any) -> None:
        with TestClient(app, base_url="http://127.0.0.1:8000") as plain:
            assert "strict-transport-security" not in plain.get("/livez").headers
        with TestClient(app, base_url="https://qi.example.nhs.uk") as secure:
            hsts = secure.get("/livez").headers["strict-transport-security"]
            assert hsts == "max-age=31536000; includeSubDomains"

    def test_no_slash_redirects(self, client: TestClient) -> None:
        response = client.get(f"{API}/teams/", follow_redirects=False)
        assert assert_problem(response, 404)["instance"] == f"{API}/teams/"
        assert "location" not in response.headers

    def test_head_wherever_get_is_served(self, client: TestClient) -> None:
        api.organisation(client)
        for path in ("/livez", f"{API}/organisations", f"{API}/me"):
            got, head = client.get(path), client.head(path)
            assert (head.status_code, head.content) == (200, b""), path
            assert head.headers["content-type"] == got.headers["content-type"]
            assert head.headers["content-length"] == got.headers["content-length"]
        assert client.head(f"{API}/organisations/{uuid.uuid4()}").status_code == 404

    def test_docs_are_off_in_production(
        self, database_url: str, session_factory: Any, data_dir: Any
    ) -> None:
        cases: list[tuple[Literal["production", "development"], int]] = [
            ("production", 404),
            ("development", 200),
        ]
        for env, status in cases:
            settings = Settings(
                env=env, database_url=database_url, data_dir=data_dir, **PRODUCTION_HASHING
            )
            with TestClient(create_app(settings, session_factory)) as client:
                assert client.get("/docs").status_code == status, env

    def test_cors_answers_only_configured_origins(
        self, database_url: str, session_factory: Any, data_dir: Any
    ) -> None:
        settings = Settings(
            database_url=database_url, data_dir=data_dir, cors_origins=["https://qi.example.nhs.uk"]
        )
        with TestClient(create_app(settings, session_factory)) as client:
            asked = {"Access-Control-Request-Method": "GET"}
            ours = client.options(
                f"{API}/teams", headers=asked | {"Origin": "https://qi.example.nhs.uk"}
            )
            assert ours.headers["access-control-allow-origin"] == "https://qi.example.nhs.uk"
            theirs = client.options(
                f"{API}/teams", headers=asked | {"Origin": "https://evil.example"}
            )
            assert "access-control-allow-origin" not in theirs.headers


def test_an_unexpected_error_is_a_500_problem_and_the_connection_stays_usable(
    app: FastAPI,
) -> None:
    """Over a real server: after a 500 the same keep-alive connection serves the next request
    (an exception that escaped the app used to make the server close it)."""

    def broken() -> None:
        raise RuntimeError("a bug")

    app.add_api_route("/broken", broken, tags=["test"])
    with serving(app) as url:
        connection = http.client.HTTPConnection(url.removeprefix("http://"), timeout=10)
        connection.request("GET", "/broken")
        first = connection.getresponse()
        body = json.loads(first.read())
        assert first.status == 500
        assert first.getheader("content-type") == "application/problem+json"
        assert body["detail"] == "An unexpected error occurred."
        assert "a bug" not in json.dumps(body)
        assert not first.will_close
        socket_before = connection.sock
        connection.request("GET", "/livez")
        second = connection.getresponse()
        assert second.status == 200
        assert json.loads(second.read()) == {"status": "pass"}
        assert connection.sock is socket_before
        connection.close()

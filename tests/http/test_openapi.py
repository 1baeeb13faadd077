"""The committed OpenAPI file is what the app serves, and every operation is documented."""

import json
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

SPEC_FILE = Path(__file__).resolve().parents[2] / "openapi" / "openapi.json"
OPERATION_ID = re.compile(r"^[a-z][a-z_]+$")
# RFC 6749 5.2: the OAuth endpoints' own refusals are JSON with `error`, not problem+json.
OAUTH_ERRORS = {("/api/v1/auth/token", code) for code in ("400", "401", "429")} | {
    ("/api/v1/auth/revoke", "400")
}
OAUTH_ERROR_BODY = {"application/json": {"schema": {"$ref": "#/components/schemas/OAuthError"}}}


@pytest.fixture
def served(client: TestClient) -> dict[str, Any]:
    spec: dict[str, Any] = client.get("/openapi.json").json()
    return spec


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
    ]


def test_committed_file_equals_the_served_spec(served: dict[str, Any]) -> None:
    committed = json.loads(SPEC_FILE.read_text())
    assert committed == served, "openapi/openapi.json is stale: run `make openapi`"


def test_every_operation_has_id_summary_tag_and_problem_responses(served: dict[str, Any]) -> None:
    operations = _operations(served)
    assert len(operations) >= 30
    ids = [operation["operationId"] for _, _, operation in operations]
    assert len(set(ids)) == len(ids)
    for path, method, operation in operations:
        where = f"{method.upper()} {path}"
        assert OPERATION_ID.match(operation["operationId"]), where
        assert operation.get("summary"), where
        assert operation.get("description"), f"{where}: give its route a docstring"
        assert operation.get("tags"), where
        # Every route refuses unknown query parameters (app.http.deps.known_query_only).
        assert "422" in operation["responses"], where
        errors = {code: body for code, body in operation["responses"].items() if code >= "400"}
        if path.startswith("/api/"):
            assert errors, f"{where} declares no error responses"
        for code, body in errors.items():
            if (path, code) in OAUTH_ERRORS:
                assert body["content"] == OAUTH_ERROR_BODY, f"{where} {code}"
            else:
                assert list(body["content"]) == ["application/problem+json"], f"{where} {code}"


# The lists a PUT replaces whole: their GET and PUT carry the list's ETag.
REPLACED_LISTS = (
    "/api/v1/meetings/{meeting_id}/attendance",
    "/api/v1/teams/{team_id}/measures/{measure_id}/rebases",
)
DATA = "/api/v1/teams/{team_id}/measures/{measure_id}/data"


def test_changes_declare_precondition_statuses(served: dict[str, Any]) -> None:
    """Every change that takes If-Match declares 412 and 428; a data point, which has no ETag,
    is deleted by its period alone, and a data batch refuses changes with 409 instead."""
    checked = 0
    for path, method, operation in _operations(served):
        names = {parameter["name"].lower() for parameter in operation.get("parameters", [])}
        if method in ("put", "patch", "delete") and "if-match" in names:
            assert {"412", "428"} <= set(operation["responses"]), f"{method} {path}"
            checked += 1
        elif method in ("patch", "delete"):
            assert path.endswith("/data/{period_start}"), f"{method} {path} takes no If-Match"
        elif method == "put":
            assert path == DATA, f"{method} {path} takes no If-Match"
    assert checked >= 22
    batch = served["paths"][DATA]["put"]
    (overwrite,) = [p for p in batch["parameters"] if p["name"] == "overwrite"]
    assert (overwrite["in"], overwrite["schema"]["default"]) == ("query", False)
    assert {"409", "422"} <= set(batch["responses"])
    assert "412" not in batch["responses"]
    assert "?overwrite=true" in batch["description"]


def test_if_match_is_required_where_the_server_demands_it(
    served: dict[str, Any], client: TestClient
) -> None:
    """A generated client must not compile a change the server will answer with 428."""
    declared = {}
    for path, method, operation in _operations(served):
        for parameter in operation.get("parameters", []):
            if parameter["name"].lower() == "if-match":
                declared[method.upper(), path] = parameter["required"]
    assert len(declared) >= 22
    for path in REPLACED_LISTS:
        assert declared["PUT", path] is True, path
    # A header is sent or not: a typed client must not be able to pass null for it.
    schemas = [
        parameter["schema"]
        for _, _, operation in _operations(served)
        for parameter in operation.get("parameters", [])
        if parameter["name"].lower() == "if-match" and parameter["required"]
    ]
    assert {json.dumps(schema.get("type")) for schema in schemas} == {'"string"'}
    optional = sorted(where for where, required in declared.items() if not required)
    assert optional == [
        ("PATCH", "/api/v1/members/{member_id}/equality-profile"),
        ("PUT", "/api/v1/members/{member_id}/equality-profile"),
    ]
    # The server's side of it: a required If-Match left out is 428.
    organisation = client.post(
        "/api/v1/organisations", json={"ods_code": "RQM01", "name": "T", "kind": "trust"}
    ).json()
    refused = client.patch(f"/api/v1/organisations/{organisation['id']}", json={"name": "U"})
    assert refused.status_code == 428


def test_etag_and_location_headers_are_declared(served: dict[str, Any]) -> None:
    created = etagged = 0
    for path, method, operation in _operations(served):
        for status, response in operation["responses"].items():
            headers = response.get("headers", {})
            if status == "201":
                assert "Location" in headers, f"{method.upper()} {path}"
                created += 1
            if "ETag" in headers:
                etagged += 1
    assert created >= 8
    get_team = served["paths"]["/api/v1/teams/{team_id}"]["get"]["responses"]["200"]
    assert get_team["headers"]["ETag"]["schema"] == {"type": "string"}
    assert etagged >= 24
    for path in REPLACED_LISTS:
        for method in ("get", "put"):
            header = served["paths"][path][method]["responses"]["200"]["headers"]["ETag"]
            assert "whole list" in header["description"], f"{method} {path}"
    # Only where a PUT replaces the list: other lists have no version to send back.
    teams = served["paths"]["/api/v1/teams"]["get"]["responses"]["200"]
    assert "headers" not in teams


def test_the_spec_names_things_as_a_client_would(served: dict[str, Any]) -> None:
    assert served["servers"] == [
        {"url": "/", "description": "This service (paths are relative to it)"}
    ]
    assert served["info"]["license"] == {"name": "MIT", "identifier": "MIT"}
    token = served["paths"]["/api/v1/auth/token"]["post"]
    assert (token["operationId"], token["security"]) == ("create_token", [])
    assert served["paths"]["/livez"]["get"]["security"] == []
    assert served["paths"]["/api/v1/teams"]["get"]["security"] == [{"OAuth2": []}]
    names = set(served["components"]["schemas"])
    assert "TeamPage" in names
    assert served["components"]["schemas"]["TeamPage"]["title"] == "TeamPage"
    assert [name for name in names if not re.fullmatch(r"[A-Za-z0-9]+", name)] == []


def test_tags_are_declared_with_descriptions(served: dict[str, Any]) -> None:
    """Docs and generated clients group operations under the declared tags (Spectral and the
    Redocly lint in openapi/checks refuse an undeclared one)."""
    declared = {tag["name"]: tag.get("description") for tag in served["tags"]}
    used = {tag for _, _, operation in _operations(served) for tag in operation["tags"]}
    assert set(declared) == used
    assert [name for name, description in declared.items() if not description] == []
    assert declared["teams"] == "Teams taking part in a collaborative, and their status."


def test_probes_declare_the_media_type_they_send(
    served: dict[str, Any], client: TestClient
) -> None:
    for path in ("/livez", "/readyz"):
        ok = served["paths"][path]["get"]["responses"]["200"]
        assert ok["content"] == {
            "application/health+json": {"schema": {"$ref": "#/components/schemas/Health"}}
        }, path
        response = client.get(path)
        assert response.headers["content-type"] == "application/health+json", path
        assert response.json() == {"status": "pass"}
    assert "422" in served["paths"]["/livez"]["get"]["responses"]
    refused = client.get("/livez", params={"verbose": "1"})
    assert (refused.status_code, refused.headers["content-type"]) == (
        422,
        "application/problem+json",
    )


def _schemas_with_both_bounds(node: Any, where: str = "#") -> list[str]:
    if isinstance(node, list):
        return [
            hit
            for i, item in enumerate(node)
            for hit in _schemas_with_both_bounds(item, f"{where}/{i}")
        ]
    if not isinstance(node, dict):
        return []
    hits = [
        where
        for inclusive, exclusive in (
            ("minimum", "exclusiveMinimum"),
            ("maximum", "exclusiveMaximum"),
        )
        if isinstance(node.get(inclusive), int | float)
        and isinstance(node.get(exclusive), int | float)
    ]
    return hits + [
        hit
        for key, value in node.items()
        for hit in _schemas_with_both_bounds(value, f"{where}/{key}")
    ]


def test_a_number_has_one_bound_each_side(served: dict[str, Any]) -> None:
    """`multiply` must be above 0: `exclusiveMinimum: 0` says so; a `minimum` of -1e12 beside
    it only confused linters and client generators."""
    assert _schemas_with_both_bounds(served) == []
    multiply = served["components"]["schemas"]["MeasureCreate"]["properties"]["multiply"]
    assert (multiply["exclusiveMinimum"], multiply["maximum"]) == (0, 1_000_000)
    assert "minimum" not in multiply


def test_each_enum_is_one_component(served: dict[str, Any]) -> None:
    """Generated clients get one type per set of values: `Direction` for measures and charts."""
    by_values: dict[tuple[str, ...], list[str]] = {}
    for name, schema in served["components"]["schemas"].items():
        if "enum" in schema:
            by_values.setdefault(tuple(schema["enum"]), []).append(name)
    assert [names for names in by_values.values() if len(names) > 1] == []
    assert by_values[("increase", "decrease", "neutral")] == ["Direction"]
    measure = served["components"]["schemas"]["MeasureRead"]["properties"]
    assert measure["improvement_direction"] == {"$ref": "#/components/schemas/Direction"}

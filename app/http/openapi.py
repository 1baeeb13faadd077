"""The OpenAPI document as clients need it: the Problem schema, If-Match marked required where
the server answers 428 without it, the ETag and Location headers each response carries,
`security: []` on the public operations and the tags declared (openapi/checks lints the result)."""

import json
import re
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from app.http.bodies import declared_routes
from app.http.idempotency import HEADER, REPLAYED
from app.http.problems import FileProblem, Problem, problems
from app.http.uploads import StreamedUpload

# Creating an equality profile needs no If-Match (there is no version to name yet).
IF_MATCH_OPTIONAL = {
    ("/api/v1/members/{member_id}/equality-profile", "put"),
    ("/api/v1/members/{member_id}/equality-profile", "patch"),
}
ETAG_HEADER = {
    "description": "The resource's current version, for If-Match on a later change.",
    "schema": {"type": "string"},
}
# Every tag an operation uses, in the order the docs list them (a test and the Redocly lint
# check that none is missing).
TAGS = [
    {
        "name": "auth",
        "description": "Signing in and out (OAuth 2.0) and the keys that sign tokens.",
    },
    {"name": "me", "description": "The signed-in account: who it is, and its password."},
    {"name": "accounts", "description": "Sign-in accounts and their roles (programme leads only)."},
    {"name": "clients", "description": "Trusts' machine clients (programme leads only)."},
    {"name": "organisations", "description": "The NHS organisations teams come from."},
    {"name": "collaboratives", "description": "Improvement collaboratives and their phases."},
    {"name": "teams", "description": "Teams taking part in a collaborative, and their status."},
    {
        "name": "applications",
        "description": "Teams applying to a collaborative, the panel's reviews and the selection.",
    },
    {"name": "members", "description": "People: team members, leads, coaches."},
    {"name": "memberships", "description": "Who is in a team, in which role, from when."},
    {"name": "measures", "description": "What teams measure, and how it is charted."},
    {"name": "data", "description": "A team's data points for a measure, one per period."},
    {"name": "rebases", "description": "Where a team's chart recalculates its limits, and why."},
    {"name": "charts", "description": "SPC charts of stored or posted series, and the dashboard."},
    {
        "name": "surveys",
        "description": "Staff survey definitions: built-in (read-only) and a trust's own.",
    },
    {
        "name": "survey results",
        "description": "Stored survey results per team, and a collaborative's equality gaps.",
    },
    {
        "name": "imports",
        "description": "Extracts posted by trust systems (surveys, workforce), and their record.",
    },
    {"name": "workforce", "description": "A team's monthly workforce figures and metrics."},
    {"name": "meetings", "description": "The collaborative's learning sessions and meetings."},
    {"name": "attendance", "description": "Who attended a meeting."},
    {
        "name": "change ideas",
        "description": "A team's change ideas and driver diagram.",
    },
    {
        "name": "pdsa cycles",
        "description": "PDSA cycles testing change ideas, and the collaborative's change package.",
    },
    {
        "name": "timeline",
        "description": "The programme as learning sessions and action periods.",
    },
    {
        "name": "reports",
        "description": "The meeting pack and the programme report: JSON, printable HTML, XLSX.",
    },
    {
        "name": "progress",
        "description": "Progress scores on the IHI scale, by the team and by its coach.",
    },
    {
        "name": "equality",
        "description": "Members' equality profiles, and a disclosure-controlled summary.",
    },
    {"name": "audit", "description": "The audit trail of changes (programme leads only)."},
    {"name": "health", "description": "Liveness and readiness probes for the orchestrator."},
]
LIST_ETAG_HEADER = {
    "description": "The version of the whole list (not just this page), for If-Match on the PUT"
    " that replaces it.",
    "schema": {"type": "string"},
}
LOCATION_HEADER = {
    "description": "The URL of the resource created.",
    "schema": {"type": "string", "format": "uri-reference"},
}


def build_openapi(app: FastAPI) -> dict[str, Any]:
    """The generated spec, with the Problem schema that error responses refer to by name."""
    schema = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
        servers=app.servers,
        license_info=app.license_info,
        tags=TAGS,
    )
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    problem_schema = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(problem_schema.pop("$defs", {}))
    components["Problem"] = problem_schema
    file_problem = FileProblem.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(file_problem.pop("$defs", {}))
    components["FileProblem"] = file_problem
    _declare_uploads(app, schema)
    for path, item in schema["paths"].items():
        # A PUT that takes If-Match replaces what the path's GET serves, with its ETag, even
        # when that is a list with no version of its own (a meeting's register); both say so.
        replaced = "put" in item and _takes_if_match(item["put"])
        for method, operation in item.items():
            _require_if_match(path, method, operation)
            _declare_headers(operation, components, list_etag=replaced and method in ("get", "put"))
            _declare_idempotency(operation)
            # app.http.deps.known_query_only refuses unknown query parameters on every route, so
            # even an operation with no parameters of its own can answer 422.
            operation["responses"].setdefault("422", problems(422)[422])
            # Public operations say so, rather than leave a linter to guess.
            operation.setdefault("security", [])
    _one_bound_each_side(schema)
    return _readable_names(schema)


REPLAYED_HEADER = {
    "description": "`true` when this is the stored first response to the same Idempotency-Key.",
    "schema": {"type": "string", "enum": ["true"]},
}
IDEMPOTENCY_ANSWERS = {
    "409": " Or the first request with the same Idempotency-Key still runs"
    " (`idempotency-key-in-use`).",
    "422": " Or the Idempotency-Key is malformed, or was used for another request"
    " (`idempotency-key-reused`).",
}


def _declare_idempotency(operation: dict[str, Any]) -> None:
    """An operation taking Idempotency-Key says what a repeat answers (app.http.idempotency)."""
    parameters = operation.get("parameters", [])
    if not any(param["in"] == "header" and param["name"] == HEADER for param in parameters):
        return
    responses = operation["responses"]
    # New dicts, not edits: the entries may be shared with other operations (CREATE).
    for status, addition in IDEMPOTENCY_ANSWERS.items():
        answer = responses.get(status) or problems(int(status))[int(status)]
        description = answer["description"].rstrip(".") + "." + addition
        responses[status] = answer | {"description": description}
    for status, body in list(responses.items()):
        if status.startswith("2"):
            headers = body.get("headers", {}) | {REPLAYED: REPLAYED_HEADER}
            responses[status] = body | {"headers": headers}


def _declare_uploads(app: FastAPI, schema: dict[str, Any]) -> None:
    """Every route that takes a file (app.http.uploads) documents its request body and the
    answers the upload adds, from the one declaration that also enforces them."""
    for route in declared_routes(app.routes):
        if not isinstance(route.declaration, StreamedUpload):
            continue
        request_body, responses = route.declaration.openapi()
        item = schema["paths"].get(route.path_format, {})
        for method in route.methods:
            operation = item.get(method.lower())
            if operation is None:
                continue
            operation.setdefault("requestBody", request_body)
            for status, response in responses.items():
                operation["responses"].setdefault(str(status), response)


# Generic pages come out as `Page_TeamRead_`; clients generated from the spec get `TeamPage`.
_PAGE = re.compile(r"^Page_([A-Za-z0-9]+?)(?:Read)?_$")


def _readable_names(schema: dict[str, Any]) -> dict[str, Any]:
    components = schema["components"]["schemas"]
    renames = {
        name: f"{match.group(1)}Page"
        for name in components
        if (match := _PAGE.match(name)) is not None
    }
    text = json.dumps(schema)
    for old, new in renames.items():
        text = text.replace(f'"#/components/schemas/{old}"', f'"#/components/schemas/{new}"')
    renamed: dict[str, Any] = json.loads(text)
    schemas = renamed["components"]["schemas"]
    for old, new in renames.items():
        # The title too, or docs and generators that read it still show `Page[TeamRead]`.
        schemas[new] = {**schemas.pop(old), "title": new}
    renamed["components"]["schemas"] = dict(sorted(schemas.items()))
    return renamed


def _if_match_parameters(operation: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        parameter
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "header" and parameter["name"].lower() == "if-match"
    ]


def _takes_if_match(operation: dict[str, Any]) -> bool:
    return bool(_if_match_parameters(operation))


def _require_if_match(path: str, method: str, operation: dict[str, Any]) -> None:
    """The server answers 428 without If-Match, so a generated client must not compile a
    call without it."""
    for parameter in _if_match_parameters(operation):
        required = (path, method) not in IF_MATCH_OPTIONAL
        parameter["required"] = required
        if required:
            # A header is sent or not, never null: `string | null` would let a typed
            # client send nothing.
            parameter["schema"] = _without_null(parameter["schema"])


def _without_null(schema: dict[str, Any]) -> dict[str, Any]:
    alternatives = [option for option in schema.get("anyOf", []) if option.get("type") != "null"]
    if len(alternatives) != 1:
        return schema
    rest = {key: value for key, value in schema.items() if key != "anyOf"}
    return {**alternatives[0], **rest}


def _number(value: Any) -> float | None:
    """A bound's value; None for anything else (a property may be named `minimum`)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def _one_bound_each_side(node: Any) -> None:
    """`gt=0` on a type that already has `ge=-1e12` gives both `exclusiveMinimum: 0` and
    `minimum: -1e12`; the tighter bound alone says the same, and linters flag the pair."""
    if isinstance(node, list):
        for item in node:
            _one_bound_each_side(item)
        return
    if not isinstance(node, dict):
        return
    low, exclusive_low = _number(node.get("minimum")), _number(node.get("exclusiveMinimum"))
    if low is not None and exclusive_low is not None:
        del node["minimum" if exclusive_low >= low else "exclusiveMinimum"]
    high, exclusive_high = _number(node.get("maximum")), _number(node.get("exclusiveMaximum"))
    if high is not None and exclusive_high is not None:
        del node["maximum" if exclusive_high <= high else "exclusiveMaximum"]
    for value in node.values():
        _one_bound_each_side(value)


def _versioned(body: dict[str, Any], components: dict[str, Any]) -> bool:
    """Whether a response body is a single resource with a `version` (it then has an ETag)."""
    reference = body.get("content", {}).get("application/json", {}).get("schema", {}).get("$ref")
    if not isinstance(reference, str):
        return False
    component = components.get(reference.rsplit("/", 1)[-1], {})
    return "version" in component.get("properties", {})


def _declare_headers(
    operation: dict[str, Any], components: dict[str, Any], *, list_etag: bool
) -> None:
    for status, body in operation.get("responses", {}).items():
        headers = body.setdefault("headers", {}) if status in ("200", "201") else None
        if headers is None:
            continue
        if _versioned(body, components):
            headers["ETag"] = ETAG_HEADER
        elif list_etag and status == "200":
            headers["ETag"] = LIST_ETAG_HEADER
        if status == "201":
            headers["Location"] = LOCATION_HEADER
        if not headers:
            del body["headers"]

"""Property-based API tests: schemathesis derives requests from the OpenAPI spec of the real
app and checks every response (no 5xx, documented status, content type, headers, schema,
and that no operation ignores authentication)."""

from typing import TYPE_CHECKING, Any

import pytest
import schemathesis
from fastapi import FastAPI
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.schemas import OpenApiSchema

if TYPE_CHECKING:
    # schemathesis names the OpenAPI case type for type checkers only.
    from schemathesis.specs.openapi.schemas import OpenApiCase

# Hundreds of generated requests: `make test` runs it, `make test-fast` does not.
pytestmark = pytest.mark.slow

SETTINGS: dict[str, Any] = {
    "generation": {"max-examples": 40, "database": "none"},
    "checks": {
        # Schema-valid requests may still break rules a JSON Schema cannot state: cross-field
        # dates, ids in a body that name nothing (422), a PATCH without a current If-Match
        # (428/412), a cursor the service never issued (400).
        # And the token endpoint answers schema-valid but wrong credentials with 401 (429
        # once too many have failed).
        "positive_data_acceptance": {
            "expected-statuses": ["2xx", "400", "401", "404", "409", "412", "422", "428", "429"]
        },
        # The negative generator sends schema-invalid If-Match values, which are 412s.
        "negative_data_rejection": {
            "expected-statuses": [
                "400",
                "401",
                "404",
                "405",
                "409",
                "412",
                "413",
                "415",
                "422",
                "428",
                "429",
            ]
        },
    },
}


@pytest.fixture
def api_schema(app: FastAPI, admin_token: str) -> OpenApiSchema:
    """The spec as the app serves it, bound to this test's app and database transaction, with
    a programme lead's token for the bearer scheme (schemathesis leaves it out on purpose in
    its missing-credentials cases, and `ignored_auth` replays calls without it)."""
    auth = {"auth": {"openapi": {"OAuth2": {"bearer": admin_token}}}}
    config = SchemathesisConfig.from_dict(SETTINGS | auth)
    return schemathesis.openapi.from_asgi("/openapi.json", app, config=config)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
def test_api_conforms_to_its_spec(case: "OpenApiCase") -> None:
    case.call_and_validate()

"""The token endpoint speaks RFC 6749 to stock clients: authlib gets a client-credentials token
with HTTP Basic or body credentials from the real app over HTTP, and every refusal is the
RFC's JSON error (`error`, `error_description`) with the status the RFC names."""

import base64
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

# authlib ships no type information and the dev lock has no stubs for it (types-Authlib).
from authlib.integrations.base_client.errors import OAuthError  # type: ignore[import-untyped]
from authlib.integrations.httpx_client import OAuth2Client  # type: ignore[import-untyped]

from app.audit.service import AuditTrail
from app.auth.models import Role, Scope
from app.clients.service import create_client
from app.organisations.models import Organisation, OrganisationKind
from tests.api import API, assert_oauth_error
from tests.conftest import TEST_PASSWORD, add_user
from tests.live import LiveServer, live_server

TOKEN = f"{API}/auth/token"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(tmp_path_factory.mktemp("oauth")) as live:
        yield live


@pytest.fixture(scope="module")
def trust(server: LiveServer) -> str:
    """An organisation a reader client will see listed."""
    ods_code = uuid.uuid4().hex[:8].upper()
    with server.factory.begin() as session:
        session.add(
            Organisation(ods_code=ods_code, name="OAuth trust", kind=OrganisationKind.TRUST)
        )
    return ods_code


@pytest.fixture
def machine(server: LiveServer) -> tuple[str, str]:
    """A new client with the `read` scope (each test its own, so no sign-in limit is shared)."""
    with server.factory.begin() as session:
        created, secret = create_client(
            session, AuditTrail(), name=f"reader {uuid.uuid4().hex[:8]}", scopes=[Scope.READ]
        )
    return str(created.id), secret


@pytest.fixture
def person(server: LiveServer, password_hash: str) -> str:
    with server.factory.begin() as session:
        return add_user(session, password_hash, Role.COACH).email


@pytest.fixture
def http(server: LiveServer) -> Iterator[httpx.Client]:
    with server.client() as client:
        yield client


def basic(client_id: str, secret: str) -> dict[str, str]:
    credentials = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {credentials}"}


def record_requests(sent: list[httpx.Request]) -> dict[str, Any]:
    def remember(request: httpx.Request) -> None:
        request.read()
        sent.append(request)

    return {"request": [remember]}


class TestStockClient:
    @pytest.mark.parametrize("method", ["client_secret_basic", "client_secret_post"])
    def test_authlib_gets_a_client_credentials_token_and_calls_the_api_with_it(
        self, server: LiveServer, machine: tuple[str, str], trust: str, method: str
    ) -> None:
        client_id, secret = machine
        sent: list[httpx.Request] = []
        with OAuth2Client(
            client_id,
            secret,
            token_endpoint_auth_method=method,
            base_url=server.url,
            event_hooks=record_requests(sent),
        ) as oauth:
            token = oauth.fetch_token(f"{server.url}{TOKEN}", grant_type="client_credentials")
            assert (token["token_type"], token["scope"], token["expires_in"]) == (
                "Bearer",
                "read",
                900,
            )
            listed = oauth.get(f"{API}/organisations", params={"limit": 200})
        assert listed.status_code == 200, listed.text
        assert trust in [item["ods_code"] for item in listed.json()["items"]]
        token_request = sent[0]
        form = dict(httpx.QueryParams(token_request.content.decode()))
        if method == "client_secret_basic":
            assert (
                token_request.headers["authorization"] == basic(client_id, secret)["Authorization"]
            )
            assert "client_secret" not in form
        else:
            assert "authorization" not in token_request.headers
            assert form["client_secret"] == secret
        assert sent[1].headers["authorization"] == f"Bearer {token['access_token']}"

    def test_authlib_reports_a_wrong_secret_as_invalid_client(
        self, server: LiveServer, machine: tuple[str, str]
    ) -> None:
        client_id, _ = machine
        with (
            OAuth2Client(
                client_id, "not the secret", token_endpoint_auth_method="client_secret_basic"
            ) as oauth,
            pytest.raises(OAuthError) as raised,
        ):
            oauth.fetch_token(f"{server.url}{TOKEN}", grant_type="client_credentials")
        assert raised.value.error == "invalid_client"
        assert "not right" in str(raised.value.description)


class TestClientAuthentication:
    def test_basic_credentials_are_form_urlencoded_before_base64(
        self, http: httpx.Client, machine: tuple[str, str]
    ) -> None:
        """RFC 6749 2.3.1: every character percent-encoded still names the same client."""
        client_id, secret = machine
        encoded = "".join(f"%{byte:02X}" for byte in secret.encode())
        granted = http.post(
            TOKEN, data={"grant_type": "client_credentials"}, headers=basic(client_id, encoded)
        )
        assert granted.status_code == 200, granted.text
        assert granted.json()["scope"] == "read"
        assert granted.headers["cache-control"] == "no-store"
        assert granted.headers["pragma"] == "no-cache"

    def test_a_wrong_secret_with_basic_is_401_invalid_client_asking_for_basic(
        self, http: httpx.Client, machine: tuple[str, str]
    ) -> None:
        client_id, _ = machine
        response = http.post(
            TOKEN, data={"grant_type": "client_credentials"}, headers=basic(client_id, "guess")
        )
        assert "not right" in assert_oauth_error(response, 401, "invalid_client")
        assert response.headers["www-authenticate"] == 'Basic realm="qi-collaborative"'

    def test_a_wrong_secret_in_the_body_is_401_invalid_client(
        self, http: httpx.Client, machine: tuple[str, str]
    ) -> None:
        client_id, _ = machine
        form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": "x"}
        response = http.post(TOKEN, data=form)
        assert_oauth_error(response, 401, "invalid_client")
        assert response.headers["www-authenticate"] == 'Basic realm="qi-collaborative"'

    def test_no_client_authentication_is_401_invalid_client(self, http: httpx.Client) -> None:
        response = http.post(TOKEN, data={"grant_type": "client_credentials"})
        assert "HTTP Basic" in assert_oauth_error(response, 401, "invalid_client")

    def test_basic_and_body_credentials_together_are_invalid_request(
        self, http: httpx.Client, machine: tuple[str, str]
    ) -> None:
        client_id, secret = machine
        form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
        response = http.post(TOKEN, data=form, headers=basic(client_id, secret))
        assert "one way" in assert_oauth_error(response, 400, "invalid_request")

    def test_a_malformed_basic_header_is_invalid_request(self, http: httpx.Client) -> None:
        response = http.post(
            TOKEN,
            data={"grant_type": "client_credentials"},
            headers={"Authorization": "Basic not base64!"},
        )
        assert "Authorization" in assert_oauth_error(response, 400, "invalid_request")


class TestErrors:
    def test_a_wrong_password_is_400_invalid_grant(self, http: httpx.Client, person: str) -> None:
        form = {"grant_type": "password", "username": person, "password": "not it at all"}
        response = http.post(TOKEN, data=form)
        assert "not right" in assert_oauth_error(response, 400, "invalid_grant")
        assert "www-authenticate" not in response.headers

    def test_the_right_password_still_signs_in(self, http: httpx.Client, person: str) -> None:
        form = {"grant_type": "password", "username": person, "password": TEST_PASSWORD}
        response = http.post(TOKEN, data=form)
        assert response.status_code == 200, response.text
        assert response.json()["refresh_token"]
        assert response.headers["pragma"] == "no-cache"

    def test_an_unknown_refresh_token_is_400_invalid_grant(self, http: httpx.Client) -> None:
        form = {"grant_type": "refresh_token", "refresh_token": "never issued"}
        assert_oauth_error(http.post(TOKEN, data=form), 400, "invalid_grant")

    @pytest.mark.parametrize(
        "grant_type", ["authorization_code", "urn:ietf:params:oauth:grant-type:device_code"]
    )
    def test_an_unknown_grant_type_is_400_unsupported_grant_type(
        self, http: httpx.Client, grant_type: str
    ) -> None:
        response = http.post(TOKEN, data={"grant_type": grant_type, "code": "x"})
        assert "client_credentials" in assert_oauth_error(response, 400, "unsupported_grant_type")

    def test_a_json_body_is_invalid_request_that_says_to_send_a_form(
        self, http: httpx.Client, person: str
    ) -> None:
        body = {"grant_type": "password", "username": person, "password": TEST_PASSWORD}
        response = http.post(TOKEN, json=body)
        description = assert_oauth_error(response, 400, "invalid_request")
        assert "application/x-www-form-urlencoded" in description
        assert "JSON is not accepted" in description

    @pytest.mark.parametrize("content_type", ["text/plain", "multipart/form-data; boundary=x"])
    def test_any_other_body_is_invalid_request_too(
        self, http: httpx.Client, person: str, content_type: str
    ) -> None:
        body = f"grant_type=password&username={person}&password=x"
        response = http.post(TOKEN, content=body, headers={"Content-Type": content_type})
        description = assert_oauth_error(response, 400, "invalid_request")
        assert "application/x-www-form-urlencoded" in description

    @pytest.mark.parametrize(
        ("form", "missing"),
        [
            ({}, "grant_type"),
            ({"grant_type": "password", "username": "a@example.nhs.uk"}, "password"),
            ({"grant_type": "password", "password": "x"}, "username"),
            ({"grant_type": "refresh_token", "refresh_token": ""}, "refresh_token"),
        ],
    )
    def test_a_missing_parameter_is_invalid_request_naming_it(
        self, http: httpx.Client, form: dict[str, str], missing: str
    ) -> None:
        response = http.post(TOKEN, content=str(httpx.QueryParams(form)), headers=FORM_HEADERS)
        assert f"`{missing}`" in assert_oauth_error(response, 400, "invalid_request")

    def test_a_repeated_parameter_is_invalid_request_naming_it(
        self, http: httpx.Client, person: str
    ) -> None:
        body = f"grant_type=password&username={person}&password=a&password=b"
        response = http.post(TOKEN, content=body, headers=FORM_HEADERS)
        assert "`password`" in assert_oauth_error(response, 400, "invalid_request")

    @pytest.mark.parametrize(
        ("form", "name"),
        [
            (
                {"grant_type": "password", "username": "a\x00@example.nhs.uk", "password": "x"},
                "username",
            ),
            (
                {"grant_type": "password", "username": "a@example.nhs.uk", "password": "x" * 1001},
                "password",
            ),
            (
                {"grant_type": "client_credentials", "client_id": "c\x00", "client_secret": "s"},
                "client_id",
            ),
            ({"grant_type": "password\x00"}, "grant_type"),
        ],
    )
    def test_nul_or_an_over_long_value_is_invalid_request_naming_the_parameter(
        self, http: httpx.Client, form: dict[str, str], name: str
    ) -> None:
        response = http.post(TOKEN, data=form)
        assert f"`{name}`" in assert_oauth_error(response, 400, "invalid_request")

    def test_a_scope_the_client_was_not_given_is_400_invalid_scope(
        self, http: httpx.Client, machine: tuple[str, str]
    ) -> None:
        client_id, secret = machine
        form = {"grant_type": "client_credentials", "scope": "measures:write"}
        response = http.post(TOKEN, data=form, headers=basic(client_id, secret))
        assert "scope" in assert_oauth_error(response, 400, "invalid_scope")

    def test_a_client_secret_with_a_password_grant_is_unauthorized_client(
        self, http: httpx.Client, machine: tuple[str, str], person: str
    ) -> None:
        client_id, secret = machine
        form = {"grant_type": "password", "username": person, "password": TEST_PASSWORD}
        response = http.post(TOKEN, data=form, headers=basic(client_id, secret))
        assert "client_credentials" in assert_oauth_error(response, 400, "unauthorized_client")

    def test_a_public_client_id_with_a_password_grant_is_accepted(
        self, http: httpx.Client, person: str
    ) -> None:
        """The frontend's OIDC client names itself with `client_id` and has no secret."""
        form = {
            "grant_type": "password",
            "username": person,
            "password": TEST_PASSWORD,
            "client_id": "qi-frontend",
        }
        response = http.post(TOKEN, data=form)
        assert response.status_code == 200, response.text
        assert response.json()["token_type"] == "Bearer"


FORM_HEADERS = {"Content-Type": "application/x-www-form-urlencoded"}

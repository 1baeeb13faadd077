"""Idempotency-Key on the POSTs that create: a repeat replays the first response and creates
nothing; another body is 422, a key still running 409, and parallel repeats create one."""

import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Annotated, Any

import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from app.auth.dependencies import IDEMPOTENT
from app.auth.models import Role
from app.db import independent_transaction, utc_now
from app.http.uploads import CSV, StreamedUpload, UploadedFile
from app.idempotency import ABANDONED_AFTER, IdempotencyKey, KeyState
from app.organisations.models import Organisation
from tests import api
from tests.api import API, assert_problem, unique
from tests.conftest import add_user, person_token
from tests.http.test_concurrency import expect, run_rounds, slugs, statuses
from tests.live import LiveServer, admin_client, all_at_once, race_server


def _organisation(**fields: Any) -> dict[str, Any]:
    return {"ods_code": unique("R"), "name": "Sheffield Teaching Hospitals", "kind": "trust"} | (
        fields
    )


def _count(client: TestClient | httpx.Client, ods_code: str) -> int:
    response = client.get(f"{API}/organisations", params={"ods_code": ods_code})
    assert response.status_code == 200, response.text
    return len(response.json()["items"])


def test_a_repeat_replays_the_first_response_and_creates_nothing(client: TestClient) -> None:
    body = _organisation()
    key = {"Idempotency-Key": str(uuid.uuid4())}
    first = client.post(f"{API}/organisations", json=body, headers=key)
    assert first.status_code == 201, first.text
    assert "Idempotent-Replayed" not in first.headers

    again = client.post(f"{API}/organisations", json=body, headers=key)

    assert again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Location"] == first.headers["Location"]
    assert again.headers["ETag"] == first.headers["ETag"]
    assert again.headers["Content-Type"] == first.headers["Content-Type"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert _count(client, body["ods_code"]) == 1


def test_a_quoted_key_is_the_same_key_unquoted(client: TestClient) -> None:
    body = _organisation()
    key = str(uuid.uuid4())
    first = client.post(f"{API}/organisations", json=body, headers={"Idempotency-Key": key})
    again = client.post(f"{API}/organisations", json=body, headers={"Idempotency-Key": f'"{key}"'})
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"


def test_without_a_key_each_post_runs(client: TestClient) -> None:
    body = _organisation()
    assert client.post(f"{API}/organisations", json=body).status_code == 201
    duplicate = client.post(f"{API}/organisations", json=body)
    assert_problem(duplicate, 409)
    assert "Idempotent-Replayed" not in duplicate.headers


def test_an_error_answer_is_replayed_too(client: TestClient) -> None:
    body = _organisation()
    assert client.post(f"{API}/organisations", json=body).status_code == 201
    key = {"Idempotency-Key": str(uuid.uuid4())}
    first = client.post(f"{API}/organisations", json=body, headers=key)
    problem = assert_problem(first, 409)
    again = client.post(f"{API}/organisations", json=body, headers=key)
    assert again.status_code == 409
    assert again.json() == problem
    assert again.headers["Idempotent-Replayed"] == "true"


def test_the_same_key_with_another_body_is_422(client: TestClient) -> None:
    key = {"Idempotency-Key": str(uuid.uuid4())}
    first = _organisation()
    assert client.post(f"{API}/organisations", json=first, headers=key).status_code == 201
    other = _organisation()

    response = client.post(f"{API}/organisations", json=other, headers=key)

    problem = assert_problem(response, 422)
    assert problem["type"].endswith(":idempotency-key-reused")
    assert problem["errors"][0]["loc"] == ["header", "Idempotency-Key"]
    assert _count(client, other["ods_code"]) == 0


def test_the_same_key_on_another_path_is_422(client: TestClient) -> None:
    key = {"Idempotency-Key": str(uuid.uuid4())}
    organisation = client.post(f"{API}/organisations", json=_organisation(), headers=key)
    assert organisation.status_code == 201
    response = client.post(
        f"{API}/members",
        json={
            "name": "Ada Lovelace",
            "email": f"ada.{uuid.uuid4().hex[:6]}@example.nhs.uk",
            "organisation_id": organisation.json()["id"],
        },
        headers=key,
    )
    assert assert_problem(response, 422)["type"].endswith(":idempotency-key-reused")


def test_another_callers_key_is_independent(
    app: FastAPI, client: TestClient, session_factory: sessionmaker[Session], password_hash: str
) -> None:
    with session_factory.begin() as session:
        other_admin = add_user(session, password_hash, Role.ADMIN)
    key = {"Idempotency-Key": str(uuid.uuid4())}
    mine = _organisation()
    assert client.post(f"{API}/organisations", json=mine, headers=key).status_code == 201

    token = person_token(app, other_admin)
    with TestClient(app, headers={"Authorization": f"Bearer {token}"}) as other:
        theirs = _organisation()
        response = other.post(f"{API}/organisations", json=theirs, headers=key)
        assert response.status_code == 201, response.text
        assert response.json()["ods_code"] == theirs["ods_code"]
        assert "Idempotent-Replayed" not in response.headers
        # And the same body as mine under their key is their own request: a plain duplicate.
        assert_problem(other.post(f"{API}/organisations", json=mine, headers=key), 422)


def _change_claim(session_factory: sessionmaker[Session], key: str, **values: Any) -> None:
    """Puts a stored key in the state a test needs (running, expired, abandoned)."""
    with independent_transaction(session_factory) as session:
        session.execute(update(IdempotencyKey).where(IdempotencyKey.key == key).values(**values))


def _hold(session_factory: sessionmaker[Session], key: str, **values: Any) -> None:
    """Holds the key as a request that has claimed it and not yet answered would."""
    _change_claim(
        session_factory, key, state=KeyState.RUNNING, status=None, headers=None, body=None, **values
    )


def _claims(session_factory: sessionmaker[Session]) -> list[IdempotencyKey]:
    with independent_transaction(session_factory, writes=False) as session:
        return list(session.scalars(select(IdempotencyKey)))


def test_a_key_whose_first_request_still_runs_is_409(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    body = _organisation()
    key = {"Idempotency-Key": str(uuid.uuid4())}
    assert client.post(f"{API}/organisations", json=body, headers=key).status_code == 201
    _hold(session_factory, key["Idempotency-Key"])

    response = client.post(f"{API}/organisations", json=body, headers=key)

    problem = assert_problem(response, 409)
    assert problem["type"].endswith(":idempotency-key-in-use")
    assert _count(client, body["ods_code"]) == 1


def test_an_expired_key_is_new_again(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    key = {"Idempotency-Key": str(uuid.uuid4())}
    first = _organisation()
    assert client.post(f"{API}/organisations", json=first, headers=key).status_code == 201
    _change_claim(
        session_factory, key["Idempotency-Key"], expires_at=utc_now() - timedelta(seconds=1)
    )

    second = _organisation()
    response = client.post(f"{API}/organisations", json=second, headers=key)

    assert response.status_code == 201, response.text
    assert response.json()["ods_code"] == second["ods_code"]
    stored = [row for row in _claims(session_factory) if row.key == key["Idempotency-Key"]]
    assert len(stored) == 1
    assert stored[0].expires_at > utc_now() + timedelta(hours=23)


def test_a_claim_left_running_by_a_dead_process_is_freed(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    key = {"Idempotency-Key": str(uuid.uuid4())}
    with independent_transaction(session_factory) as session:
        session.add(
            IdempotencyKey(
                caller="user:gone",
                key="unrelated",
                method="POST",
                path="/x",
                fingerprint="0" * 64,
                state=KeyState.RUNNING,
                expires_at=utc_now() + timedelta(hours=1),
            )
        )
    body = _organisation()
    assert client.post(f"{API}/organisations", json=body, headers=key).status_code == 201
    _hold(session_factory, key["Idempotency-Key"], created_at=utc_now() - ABANDONED_AFTER)

    other = _organisation()
    response = client.post(f"{API}/organisations", json=other, headers=key)

    assert response.status_code == 201, response.text
    assert response.json()["ods_code"] == other["ods_code"]
    # A recent running claim (another caller's) is left alone.
    assert "unrelated" in [row.key for row in _claims(session_factory)]


@pytest.mark.parametrize(
    "value",
    ["", "x" * 256, "caf\u00e9", '""', "tab\there"],
    ids=["empty", "long", "latin", "quoted-empty", "tab"],
)
def test_a_bad_key_is_a_problem_naming_the_header(client: TestClient, value: str) -> None:
    body = _organisation()
    response = client.post(
        f"{API}/organisations",
        json=body,
        headers=[(b"Idempotency-Key", value.encode("latin-1"))],
    )
    problem = assert_problem(response, 422)
    assert ["header", "Idempotency-Key"] in [error["loc"] for error in problem["errors"]]
    assert _count(client, body["ods_code"]) == 0


def test_an_invalid_body_keeps_its_answer(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    # The draft replays "success or an error": a 4xx is the key's answer (only a 5xx, 408 or
    # 429 releases the key), and no claim is left running once a request has answered.
    key = {"Idempotency-Key": str(uuid.uuid4())}
    response = client.post(f"{API}/organisations", json={"name": "no code"}, headers=key)
    assert_problem(response, 422)
    again = client.post(f"{API}/organisations", json={"name": "no code"}, headers=key)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert all(row.state is KeyState.DONE for row in _claims(session_factory))


@pytest.mark.parametrize(
    ("path", "needs"),
    [
        ("/collaboratives", "collaborative"),
        ("/meetings", "meeting"),
        ("/teams", "team"),
        ("/surveys", "survey"),
    ],
)
def test_other_creating_posts_take_a_key(client: TestClient, path: str, needs: str) -> None:
    collaborative = api.collaborative(client)
    bodies = {
        "collaborative": {
            "name": "Idempotent collaborative",
            "starts_on": "2027-01-01",
            "ends_on": "2027-12-31",
        },
        "meeting": api.meeting_body(collaborative["id"]),
        "team": {
            "collaborative_id": collaborative["id"],
            "name": f"Team {uuid.uuid4().hex[:6]}",
            "organisation_ids": [api.organisation(client)["id"]],
        },
        "survey": {
            "code": f"pulse-{uuid.uuid4().hex[:6]}",
            "name": "Weekly pulse",
            "frequency": "weekly",
            "questions": [
                {
                    "code": "q1",
                    "text": "How was your week?",
                    "scale": [
                        {"code": "good", "label": "Good", "score": 10, "counts": True},
                        {"code": "bad", "label": "Bad", "score": 0, "counts": True},
                    ],
                    "favourable": ["good"],
                    "reverse": False,
                }
            ],
            "scores": [],
        },
    }
    key = {"Idempotency-Key": str(uuid.uuid4())}
    first = client.post(f"{API}{path}", json=bodies[needs], headers=key)
    assert first.status_code == 201, first.text
    again = client.post(f"{API}{path}", json=bodies[needs], headers=key)
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"


# POSTs that answer 201 but do not take a key: each one here says why.
NOT_IDEMPOTENT = {
    # OAuth's own endpoints follow RFC 6749, which has its own replay rules.
    "/api/v1/auth/token",
    "/api/v1/auth/revoke",
}


def test_every_creating_post_takes_a_key(app: FastAPI) -> None:
    """A new route that creates something is covered from the day it is added."""
    claim = IDEMPOTENT.dependency
    missing = [
        context.path_format
        for context in iter_route_contexts(app.routes)
        if isinstance(context.original_route, APIRoute)
        and "POST" in (context.methods or ())
        and context.original_route.status_code == 201
        and context.path_format not in NOT_IDEMPOTENT
        and not _depends_on(context.dependant, claim)
    ]
    assert missing == []


def _depends_on(dependant: Dependant, call: object) -> bool:
    return dependant.call is call or any(
        _depends_on(child, call) for child in dependant.dependencies
    )


UPLOAD = StreamedUpload(media_types=[CSV])
files_router = APIRouter(tags=["health"])


@files_router.post("/test-files", dependencies=[Depends(UPLOAD), IDEMPOTENT], status_code=201)
async def take_file(upload: Annotated[UploadedFile, Depends(UPLOAD)]) -> dict[str, str]:
    return {"sha256": upload.sha256, "request": str(uuid.uuid4())}


@files_router.post("/test-files/backwards", dependencies=[IDEMPOTENT, Depends(UPLOAD)])
async def take_file_too_late(upload: Annotated[UploadedFile, Depends(UPLOAD)]) -> None:
    raise AssertionError("never reached: the key cannot be claimed before the file is read")


@pytest.fixture
def files_client(app: FastAPI, admin_token: str) -> Iterator[TestClient]:
    app.include_router(files_router, prefix=API)
    with TestClient(
        app, headers={"Authorization": f"Bearer {admin_token}"}, raise_server_exceptions=False
    ) as client:
        yield client


def test_a_streamed_file_is_fingerprinted_by_its_hash(files_client: TestClient) -> None:
    key = {"Idempotency-Key": str(uuid.uuid4()), "Content-Type": "text/csv"}
    first = files_client.post(f"{API}/test-files", content=b"a,b\r\n1,2\r\n", headers=key)
    again = files_client.post(f"{API}/test-files", content=b"a,b\r\n1,2\r\n", headers=key)
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    other = files_client.post(f"{API}/test-files", content=b"a,b\r\n1,3\r\n", headers=key)
    assert assert_problem(other, 422)["type"].endswith(":idempotency-key-reused")


def test_a_key_claimed_before_the_file_is_read_is_a_programming_error(
    files_client: TestClient,
) -> None:
    key = {"Idempotency-Key": str(uuid.uuid4()), "Content-Type": "text/csv"}
    response = files_client.post(f"{API}/test-files/backwards", content=b"a\r\n1\r\n", headers=key)
    assert_problem(response, 500)


# The race: parallel requests with one key over real HTTP, on the suite's database.


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with race_server(tmp_path_factory.mktemp("idempotency")) as live:
        yield live


@pytest.mark.slow
def test_parallel_repeats_create_one_resource(server: LiveServer, password_hash: str) -> None:
    """Eight requests with one key and one body at once: one runs and creates, every other
    gets its replay or, while it runs, a 409; never a second resource."""
    with admin_client(server, password_hash) as admin:

        def one_round() -> list[str]:
            body = _organisation()
            key = {"Idempotency-Key": str(uuid.uuid4())}

            def post() -> httpx.Response:
                return admin.post(f"{API}/organisations", json=body, headers=key)

            responses = all_at_once([post] * 8)
            problems: list[str] = []
            created = [r for r in responses if r.status_code == 201]
            expect(problems, "answers", set(statuses(responses)) - {201, 409}, set())
            expect(problems, "problem types", slugs(responses) - {"idempotency-key-in-use"}, set())
            expect(problems, "resources answered", len({r.json()["id"] for r in created}), 1)
            fresh = [r for r in created if "Idempotent-Replayed" not in r.headers]
            expect(problems, "requests that ran", len(fresh), 1)
            with server.factory() as session:
                stored = session.scalar(
                    select(func.count())
                    .select_from(Organisation)
                    .where(Organisation.ods_code == body["ods_code"])
                )
            expect(problems, "organisations stored", stored, 1)
            return problems

        run_rounds(one_round)

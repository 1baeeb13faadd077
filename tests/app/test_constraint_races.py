"""Requests that race past a service's check to the database's constraint: the loser is told
which rule it broke, as a request that came second would be, never a bare 409 or a 500."""

import logging
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.auth.models import Role, User
from app.measures.models import ChartType, Frequency, Measure, MeasureKind
from app.members.models import Member
from app.organisations.models import Organisation, OrganisationKind
from app.spc import Direction
from app.teams.models import Team
from tests.api import API, measure_body, unique
from tests.http.test_concurrency import ROUNDS
from tests.live import LiveServer, admin_client, all_at_once, live_server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(tmp_path_factory.mktemp("constraints")) as live:
        yield live


@pytest.fixture(scope="module")
def admin(server: LiveServer, password_hash: str) -> Iterator[httpx.Client]:
    with admin_client(server, password_hash) as client:
        yield client


def _duplicate(slug: str, detail: str, field: str, instance: str) -> dict[str, object]:
    """The whole body of a refused duplicate, the same whichever check caught it."""
    return {
        "type": f"urn:qi-collaborative:problem:{slug}",
        "title": "Already exists",
        "status": 409,
        "detail": detail,
        "instance": instance,
        "errors": [{"loc": ["body", field], "message": "already taken"}],
    }


ODS_CODE_TAKEN = ("duplicate-ods-code", "Another organisation already has this ODS code.")


def test_parallel_organisations_with_one_ods_code_make_one(
    server: LiveServer, admin: httpx.Client
) -> None:
    broken: list[tuple[object, object]] = []
    for _ in range(ROUNDS):
        code = uuid.uuid4().hex[:8].upper()
        body = {"ods_code": code, "name": "Race trust", "kind": "trust"}
        answers = all_at_once([partial(admin.post, f"{API}/organisations", json=body)] * 8)
        statuses = sorted(answer.status_code for answer in answers)
        refusals = [answer.json() for answer in answers if answer.status_code == 409]
        taken = _duplicate(*ODS_CODE_TAKEN, "ods_code", f"{API}/organisations")
        if statuses != [201] + [409] * 7 or any(refusal != taken for refusal in refusals):
            broken.append((statuses, refusals))
        listed = admin.get(f"{API}/organisations", params={"limit": 200}).json()
        if sum(item["ods_code"] == code for item in listed["items"]) != 1:
            broken.append(("listed", code))
    # On PostgreSQL some losers pass the check together and meet uq_organisations_ods_code;
    # on SQLite the write lock lets only the check refuse. Both answer with the same body.
    assert broken == []


@dataclass(frozen=True)
class Key:
    """A unique key a request can break: how to send a value for it, and how to hold a row
    with that value in a transaction of another session."""

    path: str
    send: Callable[[httpx.Client, dict[str, str], str], httpx.Response]
    row: Callable[[dict[str, str], str], object]
    refusal: tuple[str, str, str]  # slug, detail, field
    # Whether the constraint's refusal reaches the app's IntegrityError handler (logged), or
    # the service catches it itself (accounts: the command line creates them too).
    handled: bool = True


def _context(admin: httpx.Client) -> dict[str, str]:
    organisation = admin.post(
        f"{API}/organisations",
        json={"ods_code": uuid.uuid4().hex[:8].upper(), "name": "Trust", "kind": "trust"},
    ).json()
    collaborative = admin.post(
        f"{API}/collaboratives",
        json={"name": "Races", "starts_on": "2024-07-31", "ends_on": "2025-09-22"},
    ).json()
    return {"organisation": organisation["id"], "collaborative": collaborative["id"]}


def _patch(admin: httpx.Client, path: str, body: dict[str, str]) -> httpx.Response:
    etag = admin.get(path).headers["ETag"]
    return admin.patch(path, json=body, headers={"If-Match": etag})


def _patch_organisation(admin: httpx.Client, context: dict[str, str], code: str) -> httpx.Response:
    return _patch(admin, f"{API}/organisations/{context['organisation']}", {"ods_code": code})


KEYS = {
    "organisation created": Key(
        f"{API}/organisations",
        lambda admin, _, code: admin.post(
            f"{API}/organisations", json={"ods_code": code, "name": "Trust", "kind": "trust"}
        ),
        lambda _, code: Organisation(ods_code=code, name="Held", kind=OrganisationKind.TRUST),
        (*ODS_CODE_TAKEN, "ods_code"),
    ),
    "organisation changed": Key(
        f"{API}/organisations/{{organisation}}",
        _patch_organisation,
        lambda _, code: Organisation(ods_code=code, name="Held", kind=OrganisationKind.TRUST),
        (*ODS_CODE_TAKEN, "ods_code"),
    ),
    "member created": Key(
        f"{API}/members",
        lambda admin, context, name: admin.post(
            f"{API}/members",
            json={
                "name": "Alex",
                "email": f"{name.lower()}@example.nhs.uk",
                "organisation_id": context["organisation"],
            },
        ),
        lambda context, name: Member(
            name="Held",
            email=f"{name.lower()}@example.nhs.uk",
            organisation_id=uuid.UUID(context["organisation"]),
        ),
        ("duplicate-email", "Another member already has this email address.", "email"),
    ),
    "team created": Key(
        f"{API}/teams",
        lambda admin, context, name: admin.post(
            f"{API}/teams",
            json={
                "collaborative_id": context["collaborative"],
                "name": name,
                "organisation_ids": [context["organisation"]],
            },
        ),
        lambda context, name: Team(collaborative_id=uuid.UUID(context["collaborative"]), name=name),
        (
            "duplicate-team-name",
            "The collaborative already has a team with this name.",
            "name",
        ),
    ),
    "measure created": Key(
        f"{API}/measures",
        lambda admin, context, code: admin.post(
            f"{API}/measures",
            json=measure_body(code=code, collaborative_id=context["collaborative"]),
        ),
        lambda context, code: Measure(
            code=code,
            name="Held",
            kind=MeasureKind.OUTCOME,
            chart=ChartType.XMR,
            improvement_direction=Direction.INCREASE,
            frequency=Frequency.WEEKLY,
            collaborative_id=uuid.UUID(context["collaborative"]),
        ),
        ("duplicate-code", "A measure with this code already exists here.", "code"),
    ),
    "account created": Key(
        f"{API}/accounts",
        lambda admin, _, name: admin.post(
            f"{API}/accounts", json={"email": f"{name.lower()}@example.nhs.uk", "role": "admin"}
        ),
        lambda _, name: User(
            email=f"{name.lower()}@example.nhs.uk", password_hash="held", role=Role.ADMIN
        ),
        (
            "duplicate-account",
            "An account with this email address already exists.",
            "email",
        ),
        handled=False,
    ),
}


def _wait_until_blocked(server: LiveServer, session: Session) -> None:
    """Until the request waits on the held row (PostgreSQL: a lock wait of its own database;
    SQLite: the request waits for the write lock, which a moment gives it time to ask for)."""
    if session.get_bind().dialect.name != "postgresql":
        time.sleep(0.3)
        return
    with server.factory() as watcher:
        deadline = time.monotonic() + 10
        waiting = text(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        while not watcher.scalar(waiting):
            assert time.monotonic() < deadline, "the request never waited on the held row"
            time.sleep(0.02)
            watcher.rollback()


@pytest.mark.parametrize("name", list(KEYS))
def test_a_duplicate_reads_the_same_whether_the_check_or_the_constraint_refuses_it(
    server: LiveServer, admin: httpx.Client, caplog: pytest.LogCaptureFixture, name: str
) -> None:
    key = KEYS[name]
    context = _context(admin)
    instance = key.path.format(**context)
    expected = _duplicate(*key.refusal, instance)

    # The service's check: the value is already stored.
    stored = unique("K")
    with server.factory.begin() as session:
        session.add(key.row(context, stored))
    assert key.send(admin, context, stored).json() == expected

    # The constraint: the row is written but not yet committed while the request checks, so
    # on PostgreSQL the check passes and the insert waits for the row, then breaks the key.
    held = unique("K")
    with (
        caplog.at_level(logging.WARNING, logger="app.http.problems"),
        ThreadPoolExecutor(1) as pool,
        server.factory() as session,
    ):
        session.add(key.row(context, held))
        session.flush()
        answer = pool.submit(key.send, admin, context, held)
        _wait_until_blocked(server, session)
        session.commit()
        refused = answer.result(timeout=30)
    assert refused.status_code == 409
    assert refused.json() == expected
    if key.handled and server.factory.kw["bind"].dialect.name == "postgresql":
        # Proof that the constraint, not the check, refused it (SQLite's write lock makes the
        # request wait until the row is committed, so there the check sees it).
        assert any("integrity error" in record.getMessage() for record in caplog.records)

"""One account per person holds under parallel requests: many admins creating an account for
the same member record at once get exactly one 201, and the rest a 409 that says why."""

import uuid
from collections.abc import Iterator
from functools import partial

import httpx
import pytest
from sqlalchemy import func, select

from app.auth.models import User
from app.members.models import Member
from app.organisations.models import Organisation, OrganisationKind
from tests.api import API
from tests.http.test_concurrency import ROUNDS
from tests.live import LiveServer, admin_client, all_at_once, live_server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(tmp_path_factory.mktemp("accounts")) as live:
        yield live


@pytest.fixture(scope="module")
def admin(server: LiveServer, password_hash: str) -> Iterator[httpx.Client]:
    with admin_client(server, password_hash) as client:
        yield client


def test_parallel_accounts_for_one_person_make_exactly_one(
    server: LiveServer, admin: httpx.Client
) -> None:
    with server.factory.begin() as session:
        organisation = Organisation(
            ods_code=uuid.uuid4().hex[:8].upper(), name="Race trust", kind=OrganisationKind.TRUST
        )
        session.add(organisation)
        session.flush()
        organisation_id = organisation.id
    broken = []
    for _ in range(ROUNDS):
        email = f"race.{uuid.uuid4().hex[:8]}@example.nhs.uk"
        with server.factory.begin() as session:
            member = Member(name="Race Person", email=email, organisation_id=organisation_id)
            session.add(member)
            session.flush()
            member_id = member.id
        roles = ["member", "coach", "admin", "member"] * 2
        answers = all_at_once(
            [
                partial(admin.post, f"{API}/accounts", json={"email": email, "role": role})
                for role in roles
            ]
        )
        statuses = sorted(answer.status_code for answer in answers)
        refusals = {a.json()["type"] for a in answers if a.status_code == 409}
        with server.factory() as session:
            stored = session.scalar(
                select(func.count()).select_from(User).where(User.member_id == member_id)
            )
        if (
            statuses != [201] + [409] * 7
            or stored != 1
            or not refusals <= {"urn:qi-collaborative:problem:duplicate-account"}
        ):
            broken.append((statuses, stored, refusals))
    assert broken == []

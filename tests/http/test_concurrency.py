"""The collaborative's rules hold whatever the interleaving: each race runs many times against
the real app over HTTP, with real threads, on the suite's database (SQLite or PostgreSQL),
and the stored state is checked after every round."""

import os
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.attendance.models import Attendance
from app.auth.models import Role
from app.collaboratives.models import Collaborative, CollaborativeStatus
from app.collaboratives.statuses import PLACE_TAKING_STATUSES, TeamStatus
from app.data_points.models import DataPoint
from app.db import independent_transaction
from app.measures.models import ChartType, Frequency, Measure, MeasureKind
from app.meetings.models import Meeting, MeetingKind
from app.members.models import Member
from app.memberships.models import Membership, MembershipRole
from app.organisations.models import Organisation, OrganisationKind
from app.rebases.models import Rebase
from app.spc import Direction
from app.teams.models import Team
from tests.api import API
from tests.conftest import TEST_PASSWORD, add_user
from tests.live import LiveServer, admin_client, all_at_once, live_server

# Each race runs many rounds over real HTTP against a server of its own: about a minute and a
# half, so `make test` runs it and `make test-fast` does not.
pytestmark = pytest.mark.slow

# Rounds per race; the probes ran each race 20 times.
ROUNDS = int(os.environ.get("QI_RACE_ROUNDS", "10"))
TODAY = date.today()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    # Behind a trusted proxy on loopback, so each sign-in burst can come from its own address.
    # The races check who wins, not the time bounds (tests/app/test_faults.py does): waits for a
    # connection or a lock are generous, so on a loaded machine (other xdist workers) 40 requests
    # queueing for one account's lock still get their 400 or 429, not 503.
    with live_server(
        tmp_path_factory.mktemp("race"),
        forwarded_allow_ips=["127.0.0.1"],
        database_pool_timeout_seconds=60,
        database_lock_timeout_seconds=60,
        database_statement_timeout_seconds=120,
    ) as live:
        yield live


@pytest.fixture(scope="module")
def password_user(server: LiveServer, password_hash: str) -> str:
    with server.factory.begin() as session:
        return add_user(session, password_hash, Role.ADMIN).email


@pytest.fixture(scope="module")
def admin(server: LiveServer, password_hash: str) -> Iterator[httpx.Client]:
    with admin_client(server, password_hash) as client:
        yield client


class World:
    """Set-up written straight to the database, so each round starts in a known state fast."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.organisation = Organisation(
            ods_code=uuid.uuid4().hex[:8].upper(), name="Race trust", kind=OrganisationKind.TRUST
        )
        session.add(self.organisation)
        session.flush()

    def collaborative(
        self,
        *,
        max_teams: int = 6,
        max_team_size: int = 5,
        status: CollaborativeStatus = CollaborativeStatus.PLANNING,
    ) -> Collaborative:
        collaborative = Collaborative(
            name="Race collaborative",
            status=status,
            starts_on=TODAY - timedelta(days=200),
            ends_on=TODAY + timedelta(days=165),
            max_teams=max_teams,
            max_team_size=max_team_size,
        )
        self.session.add(collaborative)
        self.session.flush()
        return collaborative

    def team(self, collaborative: Collaborative, status: TeamStatus = TeamStatus.APPLIED) -> Team:
        team = Team(
            collaborative_id=collaborative.id,
            name=f"Team {uuid.uuid4().hex[:8]}",
            status=status,
            organisations=[self.organisation],
        )
        self.session.add(team)
        self.session.flush()
        return team

    def members(self, count: int) -> list[Member]:
        people = [
            Member(
                name="Race person",
                email=f"race.{uuid.uuid4().hex}@example.nhs.uk",
                organisation_id=self.organisation.id,
            )
            for _ in range(count)
        ]
        self.session.add_all(people)
        self.session.flush()
        return people

    def join(
        self, team: Team, member: Member, role: MembershipRole = MembershipRole.MEMBER
    ) -> Membership:
        membership = Membership(
            team_id=team.id,
            member_id=member.id,
            role=role,
            joined_on=TODAY - timedelta(days=100),
        )
        self.session.add(membership)
        self.session.flush()
        return membership


def current(session: Session, team_id: uuid.UUID, role: MembershipRole | None = None) -> int:
    statement = select(func.count(Membership.id)).where(
        Membership.team_id == team_id, Membership.is_current_clause()
    )
    if role is not None:
        statement = statement.where(Membership.role == role)
    return session.scalar(statement) or 0


def run_rounds(one_round: Callable[[], list[str]]) -> None:
    """Run the race ROUNDS times; every round reports what went wrong, and none may."""
    reports = [one_round() for _ in range(ROUNDS)]
    broken = [report for report in reports if report]
    assert not broken, f"broken in {len(broken)} of {ROUNDS} rounds; first: {broken[0]}"


def expect(problems: list[str], what: str, seen: object, wanted: object) -> None:
    if seen != wanted:
        problems.append(f"{what}: {seen!r}, not {wanted!r}")


def statuses(responses: list[httpx.Response]) -> list[int]:
    return sorted(response.status_code for response in responses)


def slugs(responses: list[httpx.Response]) -> set[str]:
    return {
        response.json()["type"].rsplit(":", 1)[-1]
        for response in responses
        if response.status_code >= 400
    }


def etag_of(client: httpx.Client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.text
    return response.headers["etag"]


def test_parallel_joins_never_overfill_a_team(server: LiveServer, admin: httpx.Client) -> None:
    """20 people join a team with 3 of its 5 places taken: exactly 2 get in."""

    def one_round() -> list[str]:
        with server.factory.begin() as session:
            world = World(session)
            team = world.team(world.collaborative())
            people = world.members(23)
            for person in people[:3]:
                world.join(team, person)
            team_id, newcomers = team.id, [str(person.id) for person in people[3:]]
        path = f"{API}/teams/{team_id}/members"
        responses = all_at_once(
            [
                partial(admin.post, path, json={"member_id": member_id, "role": "member"})
                for member_id in newcomers
            ]
        )
        problems: list[str] = []
        with server.factory() as session:
            expect(problems, "current members", current(session, team_id), 5)
        expect(problems, "answers", statuses(responses), [201] * 2 + [409] * 18)
        expect(problems, "problem types", slugs(responses), {"team-full"})
        return problems

    run_rounds(one_round)


def test_teams_starting_while_the_collaborative_goes_back_to_planning(
    server: LiveServer, admin: httpx.Client
) -> None:
    """Five selected teams start while the collaborative is set back to planning: either it
    goes back and none started, or it stays running and refuses; never an active team in a
    collaborative that is planning."""

    def one_round() -> list[str]:
        with server.factory.begin() as session:
            world = World(session)
            collaborative = world.collaborative(status=CollaborativeStatus.RUNNING)
            teams = [world.team(collaborative, TeamStatus.SELECTED) for _ in range(5)]
            collaborative_id, team_ids = collaborative.id, [team.id for team in teams]
        collaborative_path = f"{API}/collaboratives/{collaborative_id}"
        etags = {team_id: etag_of(admin, f"{API}/teams/{team_id}") for team_id in team_ids}
        collaborative_etag = etag_of(admin, collaborative_path)
        starts = [
            lambda team_id=team_id: admin.patch(
                f"{API}/teams/{team_id}",
                json={"status": "active"},
                headers={"If-Match": etags[team_id]},
            )
            for team_id in team_ids
        ]
        back = [
            lambda: admin.patch(
                collaborative_path,
                json={"status": "planning"},
                headers={"If-Match": collaborative_etag},
            )
        ]
        *started, went_back = all_at_once(starts + back)
        problems: list[str] = []
        with server.factory() as session:
            status = session.get_one(Collaborative, collaborative_id).status
            active = session.scalar(
                select(func.count(Team.id)).where(
                    Team.collaborative_id == collaborative_id, Team.status == TeamStatus.ACTIVE
                )
            )
        expect(problems, "teams started", active, statuses(started).count(200))
        if went_back.status_code == 200:
            expect(problems, "collaborative status", status, CollaborativeStatus.PLANNING)
            expect(problems, "active teams in a planned collaborative", active, 0)
        else:
            expect(problems, "collaborative status", status, CollaborativeStatus.RUNNING)
            expect(problems, "its refusal", went_back.status_code, 409)
            expect(problems, "active teams", active and active > 0, True)
        expect(
            problems,
            "problem types",
            slugs([*started, went_back]) <= {"collaborative-status", "team-statuses"},
            True,
        )
        return problems

    run_rounds(one_round)


def test_parallel_selections_never_exceed_the_places(
    server: LiveServer, admin: httpx.Client
) -> None:
    """Ten teams, each with a lead, ask for the last of six places at once: one gets it."""

    def one_round() -> list[str]:
        with server.factory.begin() as session:
            world = World(session)
            collaborative = world.collaborative(max_teams=6)
            for _ in range(5):
                world.team(collaborative, TeamStatus.SELECTED)
            hopefuls = [world.team(collaborative) for _ in range(10)]
            for team, lead in zip(hopefuls, world.members(10), strict=True):
                world.join(team, lead, MembershipRole.LEAD)
            collaborative_id, team_ids = collaborative.id, [team.id for team in hopefuls]
        etags = {team_id: etag_of(admin, f"{API}/teams/{team_id}") for team_id in team_ids}
        responses = all_at_once(
            [
                partial(
                    admin.patch,
                    f"{API}/teams/{team_id}",
                    json={"status": "selected"},
                    headers={"If-Match": etags[team_id]},
                )
                for team_id in team_ids
            ]
        )
        problems: list[str] = []
        with server.factory() as session:
            taken = session.scalar(
                select(func.count(Team.id)).where(
                    Team.collaborative_id == collaborative_id,
                    Team.status.in_(PLACE_TAKING_STATUSES),
                )
            )
            expect(problems, "teams holding places", taken, 6)
        expect(problems, "answers", statuses(responses), [200] + [409] * 9)
        expect(problems, "problem types", slugs(responses), {"collaborative-full"})
        return problems

    run_rounds(one_round)


def test_parallel_new_leads_leave_one_lead(server: LiveServer, admin: httpx.Client) -> None:
    """Ten people are added as the lead of a team that has none: one becomes lead."""

    def one_round() -> list[str]:
        with server.factory.begin() as session:
            world = World(session)
            team = world.team(world.collaborative(max_team_size=20))
            team_id, people = team.id, [str(person.id) for person in world.members(10)]
        path = f"{API}/teams/{team_id}/members"
        responses = all_at_once(
            [
                partial(admin.post, path, json={"member_id": member_id, "role": "lead"})
                for member_id in people
            ]
        )
        problems: list[str] = []
        with server.factory() as session:
            expect(problems, "current leads", current(session, team_id, MembershipRole.LEAD), 1)
        expect(problems, "answers", statuses(responses), [201] + [409] * 9)
        expect(problems, "problem types", slugs(responses), {"second-lead"})
        return problems

    run_rounds(one_round)


def test_parallel_promotions_leave_one_lead(server: LiveServer, admin: httpx.Client) -> None:
    """Ten members of a team without a lead are each made lead at once: one is."""

    def one_round() -> list[str]:
        with server.factory.begin() as session:
            world = World(session)
            team = world.team(world.collaborative(max_team_size=20))
            people = world.members(10)
            for person in people:
                world.join(team, person)
            team_id, member_ids = team.id, [str(person.id) for person in people]
        base = f"{API}/teams/{team_id}/members"
        etags = {member_id: etag_of(admin, f"{base}/{member_id}") for member_id in member_ids}
        responses = all_at_once(
            [
                partial(
                    admin.patch,
                    f"{base}/{member_id}",
                    json={"role": "lead"},
                    headers={"If-Match": etags[member_id]},
                )
                for member_id in member_ids
            ]
        )
        problems: list[str] = []
        with server.factory() as session:
            expect(problems, "current leads", current(session, team_id, MembershipRole.LEAD), 1)
        expect(problems, "answers", statuses(responses), [200] + [409] * 9)
        expect(problems, "problem types", slugs(responses), {"second-lead"})
        return problems

    run_rounds(one_round)


def test_selecting_a_team_while_its_lead_leaves(server: LiveServer, admin: httpx.Client) -> None:
    """Selecting a team races the removal of its only lead: never a selected team without one."""

    def one_round() -> list[str]:
        with server.factory.begin() as session:
            world = World(session)
            team = world.team(world.collaborative())
            lead, other = world.members(2)
            world.join(team, lead, MembershipRole.LEAD)
            world.join(team, other)
            team_id, lead_id = team.id, lead.id
        team_path = f"{API}/teams/{team_id}"
        lead_path = f"{team_path}/members/{lead_id}"
        team_etag, lead_etag = etag_of(admin, team_path), etag_of(admin, lead_path)
        select_team, remove_lead = all_at_once(
            [
                lambda: admin.patch(
                    team_path, json={"status": "selected"}, headers={"If-Match": team_etag}
                ),
                lambda: admin.delete(lead_path, headers={"If-Match": lead_etag}),
            ]
        )
        problems: list[str] = []
        with server.factory() as session:
            status = session.get_one(Team, team_id).status
            leads = current(session, team_id, MembershipRole.LEAD)
        if (status, leads) not in ((TeamStatus.SELECTED, 1), (TeamStatus.APPLIED, 0)):
            problems.append(f"stored: a {status} team with {leads} current leads")
        answers = sorted([select_team.status_code, remove_lead.status_code])
        if answers not in ([200, 409], [204, 409]):
            problems.append(f"answers: {answers}, not one success and one 409")
        return problems

    run_rounds(one_round)


def test_one_person_added_ten_times_is_one_membership(
    server: LiveServer, admin: httpx.Client
) -> None:
    def one_round() -> list[str]:
        with server.factory.begin() as session:
            world = World(session)
            team = world.team(world.collaborative())
            (person,) = world.members(1)
            team_id, member_id = team.id, str(person.id)
        path = f"{API}/teams/{team_id}/members"
        responses = all_at_once(
            [
                lambda: admin.post(path, json={"member_id": member_id, "role": "member"})
                for _ in range(10)
            ]
        )
        problems: list[str] = []
        with server.factory() as session:
            expect(problems, "current memberships", current(session, team_id), 1)
        expect(problems, "answers", statuses(responses), [201] + [409] * 9)
        expect(problems, "problem types", slugs(responses), {"already-member"})
        return problems

    run_rounds(one_round)


def sign_in(server: LiveServer, email: str, password: str, address: str) -> httpx.Response:
    with server.client(headers={"X-Forwarded-For": address}) as client:
        return client.post(
            f"{API}/auth/token",
            data={"grant_type": "password", "username": email, "password": password},
        )


def refresh(server: LiveServer, token: str) -> httpx.Response:
    with server.client() as client:
        return client.post(
            f"{API}/auth/token", data={"grant_type": "refresh_token", "refresh_token": token}
        )


def test_a_refresh_token_works_once_however_fast_it_is_replayed(
    server: LiveServer, password_user: str
) -> None:
    """Five refreshes of one token at once: one wins; the others count as reuse, which ends
    the sign-in, so the winner's new refresh token is refused too."""
    addresses = iter(f"10.1.{index // 250}.{index % 250}" for index in range(10_000))

    def one_round() -> list[str]:
        signed_in = sign_in(server, password_user, TEST_PASSWORD, next(addresses))
        assert signed_in.status_code == 200, signed_in.text
        token = signed_in.json()["refresh_token"]
        responses = all_at_once([lambda: refresh(server, token) for _ in range(5)])
        problems: list[str] = []
        expect(problems, "answers", statuses(responses), [200] + [400] * 4)
        for winner in (r for r in responses if r.status_code == 200):
            again = refresh(server, winner.json()["refresh_token"])
            expect(problems, "the winner's new token, refreshed", again.status_code, 400)
        return problems

    run_rounds(one_round)


def sign_out(server: LiveServer, token: str) -> httpx.Response:
    with server.client() as client:
        return client.post(f"{API}/auth/revoke", data={"token": token})


def test_a_sign_out_racing_a_refresh_still_ends_the_sign_in(
    server: LiveServer, password_user: str
) -> None:
    """A sign-out and a refresh of the same token at once: whichever runs first, nothing of
    that sign-in works afterwards, including the tokens the refresh may have issued."""
    addresses = iter(f"10.3.{index // 250}.{index % 250}" for index in range(10_000))

    def one_round() -> list[str]:
        signed_in = sign_in(server, password_user, TEST_PASSWORD, next(addresses))
        assert signed_in.status_code == 200, signed_in.text
        token = signed_in.json()["refresh_token"]
        refreshed, signed_out = all_at_once(
            [lambda: refresh(server, token), lambda: sign_out(server, token)]
        )
        problems: list[str] = []
        expect(problems, "sign-out", signed_out.status_code, 200)
        access_tokens = [signed_in.json()["access_token"]]
        if refreshed.status_code == 200:
            access_tokens.append(refreshed.json()["access_token"])
            again = refresh(server, refreshed.json()["refresh_token"])
            expect(problems, "the refresh's new token, refreshed", again.status_code, 400)
        with server.client() as client:
            for n, access_token in enumerate(access_tokens):
                teams = client.get(
                    f"{API}/teams", headers={"Authorization": f"Bearer {access_token}"}
                )
                expect(problems, f"access token {n}", teams.status_code, 401)
        return problems

    run_rounds(one_round)


def test_a_burst_of_wrong_passwords_gets_only_the_allowed_guesses(
    server: LiveServer, password_hash: str
) -> None:
    """40 wrong passwords for one account at once: 5 are checked (400 invalid_grant), the
    rest are 429."""
    addresses = iter(f"10.2.{index}.1" for index in range(250))

    def one_round() -> list[str]:
        with server.factory.begin() as session:
            email = add_user(session, password_hash, Role.COACH).email
        address = next(addresses)
        responses = all_at_once(
            [lambda: sign_in(server, email, "wrong password", address) for _ in range(40)]
        )
        problems: list[str] = []
        expect(problems, "answers", statuses(responses), [400] * 5 + [429] * 35)
        errors = {r.json().get("error") for r in responses}
        expect(problems, "errors", errors, {"invalid_grant", "temporarily_unavailable"})
        waits = {r.headers.get("retry-after") for r in responses if r.status_code == 429}
        if not all(wait and wait.isdigit() and int(wait) >= 1 for wait in waits):
            problems.append(f"Retry-After: {waits}")
        return problems

    run_rounds(one_round)


def measure_for(session: Session, collaborative: Collaborative) -> Measure:
    measure = Measure(
        collaborative_id=collaborative.id,
        code=uuid.uuid4().hex[:8].upper(),
        name="Race measure",
        kind=MeasureKind.OUTCOME,
        chart=ChartType.XMR,
        improvement_direction=Direction.INCREASE,
        frequency=Frequency.WEEKLY,
    )
    session.add(measure)
    session.flush()
    return measure


def weekly_points(weeks: int, value: float) -> list[dict[str, Any]]:
    """The last `weeks` whole weeks, Monday to Monday, each with `value`."""
    monday = TODAY - timedelta(days=TODAY.weekday())
    first = monday - timedelta(weeks=weeks)
    return [
        {"period_start": str(first + timedelta(weeks=index)), "value": value}
        for index in range(weeks)
    ]


def test_two_batches_of_the_same_periods_in_opposite_orders(
    server: LiveServer, admin: httpx.Client
) -> None:
    """No deadlock reaches the client, and each batch is stored whole or not at all."""

    def one_round() -> list[str]:
        with server.factory.begin() as session:
            world = World(session)
            collaborative = world.collaborative()
            team = world.team(collaborative)
            measure = measure_for(session, collaborative)
            team_id, measure_id = team.id, measure.id
        path = f"{API}/teams/{team_id}/measures/{measure_id}/data"
        forwards = weekly_points(150, 1.0)
        backwards = weekly_points(150, 2.0)[::-1]
        # Each batch overwrites the other's values: the race is over the same rows.
        overwrite = {"overwrite": "true"}
        responses = all_at_once(
            [
                lambda: admin.put(path, params=overwrite, json={"points": forwards}),
                lambda: admin.put(path, params=overwrite, json={"points": backwards}),
            ]
        )
        problems: list[str] = []
        with server.factory() as session:
            values = session.scalars(
                select(DataPoint.value).where(
                    DataPoint.team_id == team_id, DataPoint.measure_id == measure_id
                )
            ).all()
        expect(problems, "points stored", len(values), 150)
        expect(problems, "distinct values (one batch whole)", len(set(values)), 1)
        answers = statuses(responses)
        if answers not in ([200, 200], [200, 409]):
            problems.append(f"answers: {answers}")
        return problems

    run_rounds(one_round)


def expect_one_winner(
    problems: list[str], responses: list[httpx.Response], stored: object, lists: list[Any]
) -> None:
    """Two PUTs of a list with the same If-Match: one 200 whose list is stored whole, one 412."""
    expect(problems, "answers", statuses(responses), [200, 412])
    expect(problems, "problem types", slugs(responses), {"stale-version"})
    winner = [r.status_code for r in responses].index(200) if 200 in statuses(responses) else 0
    expect(problems, "stored list", stored, lists[winner])


def test_two_attendance_lists_at_once(server: LiveServer, admin: httpx.Client) -> None:
    """Two people who read the same register record attendance at once: one list is stored,
    whole, and the other person gets a 412 instead of silently losing their entries."""

    def one_round() -> list[str]:
        with server.factory.begin() as session:
            world = World(session)
            collaborative = world.collaborative()
            team = world.team(collaborative)
            people = world.members(12)
            for person in people:
                world.join(team, person)
            starts_at = datetime.combine(collaborative.starts_on, time(10), tzinfo=UTC)
            meeting = Meeting(
                collaborative_id=collaborative.id,
                title="Learning session",
                kind=MeetingKind.LEARNING_SESSION,
                starts_at=starts_at,
                ends_at=starts_at + timedelta(hours=3),
            )
            session.add(meeting)
            session.flush()
            meeting_id, ids = meeting.id, [str(person.id) for person in people]
        path = f"{API}/meetings/{meeting_id}/attendance"
        first = [{"member_id": member_id, "status": "present"} for member_id in ids[:8]]
        second = [{"member_id": member_id, "status": "apologies"} for member_id in ids[4:]]
        read = {"If-Match": etag_of(admin, path)}
        responses = all_at_once(
            [
                lambda: admin.put(path, json={"attendance": first}, headers=read),
                lambda: admin.put(path, json={"attendance": second}, headers=read),
            ]
        )
        problems: list[str] = []
        with server.factory() as session:
            stored = {
                (str(row.member_id), row.status.value)
                for row in session.scalars(
                    select(Attendance).where(Attendance.meeting_id == meeting_id)
                )
            }
        lists = [{(e["member_id"], e["status"]) for e in entries} for entries in (first, second)]
        expect_one_winner(problems, responses, stored, lists)
        if etag_of(admin, path) not in {r.headers.get("etag") for r in responses}:
            problems.append("the register's ETag is not the winner's")
        return problems

    run_rounds(one_round)


def test_two_rebase_lists_at_once(server: LiveServer, admin: httpx.Client) -> None:
    """Two people who read the same rebases replace them at once: one list, one 412."""

    def one_round() -> list[str]:
        with server.factory.begin() as session:
            world = World(session)
            collaborative = world.collaborative()
            team = world.team(collaborative)
            measure = measure_for(session, collaborative)
            for point in weekly_points(30, 1.0):
                session.add(
                    DataPoint(
                        team_id=team.id,
                        measure_id=measure.id,
                        period_start=date.fromisoformat(point["period_start"]),
                        value=point["value"],
                    )
                )
            team_id, measure_id = team.id, measure.id
        dates = [point["period_start"] for point in weekly_points(30, 1.0)]
        path = f"{API}/teams/{team_id}/measures/{measure_id}/rebases"
        first = [{"starts_on": on} for on in dates[5:20:3]]
        second = [{"starts_on": on} for on in dates[8:28:2]]
        read = {"If-Match": etag_of(admin, path)}
        responses = all_at_once(
            [
                lambda: admin.put(path, json={"rebases": first}, headers=read),
                lambda: admin.put(path, json={"rebases": second}, headers=read),
            ]
        )
        problems: list[str] = []
        with server.factory() as session:
            stored = {
                str(on)
                for on in session.scalars(
                    select(Rebase.starts_on).where(
                        Rebase.team_id == team_id, Rebase.measure_id == measure_id
                    )
                )
            }
        lists = [{e["starts_on"] for e in entries} for entries in (first, second)]
        expect_one_winner(problems, responses, stored, lists)
        return problems

    run_rounds(one_round)


def test_posted_charts_do_not_wait_for_writers(server: LiveServer, admin: httpx.Client) -> None:
    """A posted chart stores nothing, so it neither takes nor waits for SQLite's write lock:
    it is answered while another transaction holds that lock."""
    points = [{"date": str(date(2024, 1, 1) + timedelta(weeks=k)), "value": k} for k in range(30)]
    with independent_transaction(server.factory) as writer:
        writer.execute(select(1))  # a writing transaction: on SQLite, the write lock is held
        response = admin.post(f"{API}/spc/charts", json={"points": points})
    assert response.status_code == 200, response.text
    assert len(response.json()["points"]) == 30

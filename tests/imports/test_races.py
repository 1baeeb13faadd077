"""Two imports of the same teams never interleave: parallel imports over real HTTP, on the
suite's database (SQLite or PostgreSQL), each round checked; and an import that cannot take
its teams in time answers 409 `import-running`."""

import uuid
from collections.abc import Iterator
from datetime import date
from functools import partial

import httpx
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from app.collaboratives.models import Collaborative
from app.db import new_session
from app.imports.models import Import
from app.organisations.models import Organisation, OrganisationKind
from app.teams.models import Team, TeamExternalRef
from app.workforce.models import WorkforceMonth
from tests.api import assert_problem
from tests.http.test_concurrency import expect, run_rounds, slugs, statuses
from tests.imports_support import csv_text, post_file
from tests.live import LiveServer, admin_client, all_at_once, live_server, race_server

pytestmark = pytest.mark.slow

MONTHS = [date(2025, month, 1) for month in range(1, 13)]
FILES = 4


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with race_server(tmp_path_factory.mktemp("imports")) as live:
        yield live


def _world(session: Session) -> tuple[uuid.UUID, str, list[tuple[uuid.UUID, str]]]:
    """A collaborative with two teams of one organisation, each with an external ref."""
    ods = uuid.uuid4().hex[:8].upper()
    session.add(Organisation(ods_code=ods, name="Race trust", kind=OrganisationKind.TRUST))
    collaborative = Collaborative(
        name="Race collaborative", starts_on=date(2025, 1, 1), ends_on=date(2025, 12, 31)
    )
    session.add(collaborative)
    session.flush()
    teams = []
    for ref in ("WARD-A", "WARD-B"):
        team = Team(collaborative_id=collaborative.id, name=f"Team {uuid.uuid4().hex[:8]}")
        team.external_refs = [TeamExternalRef(ods_code=ods, ref=ref, position=0)]
        session.add(team)
        session.flush()
        teams.append((team.id, ref))
    return collaborative.id, ods, teams


def _file(ods: str, teams: list[tuple[uuid.UUID, str]], leavers: int, reverse: bool) -> str:
    """Twelve months of both teams, every month with `leavers` leavers; in the opposite team
    order when `reverse`, so that imports without a fixed lock order would deadlock."""
    ordered = teams[::-1] if reverse else teams
    return csv_text(
        f"{ods},{ref},{month},50,{50 - leavers},0,{leavers},,"
        for _, ref in ordered
        for month in MONTHS
    )


def test_parallel_imports_of_the_same_teams_store_one_file_whole(
    server: LiveServer, password_hash: str
) -> None:
    """Four files over the same two teams' twelve months, posted at once: each import runs
    whole, one after another, so both teams end with every month of the last one to run."""
    with admin_client(server, password_hash) as admin:

        def one_round() -> list[str]:
            with server.factory.begin() as session:
                collaborative_id, ods, teams = _world(session)
            files = [_file(ods, teams, leavers, leavers % 2 == 0) for leavers in range(FILES)]
            post = partial(post_file, admin, str(collaborative_id))
            responses: list[httpx.Response] = all_at_once([partial(post, body) for body in files])
            problems: list[str] = []
            expect(problems, "answers", set(statuses(responses)) - {201, 409}, set())
            expect(problems, "problem types", slugs(responses) - {"import-running"}, set())
            with server.factory() as session:
                stored = session.execute(
                    select(WorkforceMonth.import_id, WorkforceMonth.leavers).where(
                        WorkforceMonth.team_id.in_([team for team, _ in teams])
                    )
                ).all()
                recorded = session.scalar(
                    select(func.count())
                    .select_from(Import)
                    .where(Import.collaborative_id == collaborative_id)
                )
            expect(problems, "months stored", len(stored), 2 * len(MONTHS))
            expect(problems, "imports the months come from", len({i for i, _ in stored}), 1)
            expect(problems, "distinct leavers (one file whole)", len({n for _, n in stored}), 1)
            succeeded = {r.json()["id"] for r in responses if r.status_code == 201}
            expect(problems, "imports recorded", recorded, len(succeeded))
            if stored and str(stored[0][0]) not in succeeded:
                problems.append("the stored months come from an import that was not answered 201")
            return problems

        run_rounds(one_round)


@pytest.fixture(scope="module")
def impatient(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server that waits half a second for a lock."""
    with live_server(
        tmp_path_factory.mktemp("impatient"), database_lock_timeout_seconds=0.5
    ) as live:
        yield live


def test_an_import_that_cannot_take_its_team_in_time_is_409_import_running(
    impatient: LiveServer, password_hash: str
) -> None:
    with impatient.factory.begin() as session:
        collaborative_id, ods, teams = _world(session)
    body = _file(ods, teams[:1], 2, reverse=False)
    with admin_client(impatient, password_hash) as admin:
        # Another writer holds the team (on SQLite, the database's one write lock).
        holder = new_session(impatient.factory, writes=True)
        with holder.begin():
            if holder.get_bind().dialect.name == "sqlite":
                holder.execute(text("DELETE FROM workforce_months WHERE 1 = 0"))
            else:
                holder.execute(select(Team).where(Team.id == teams[0][0]).with_for_update())

            response = post_file(admin, str(collaborative_id), body)

        problem = assert_problem(response, 409)
        assert problem["type"].endswith(":import-running")
        assert response.headers["Retry-After"] == "2"
        with impatient.factory() as session:
            assert (
                session.scalar(
                    select(func.count())
                    .select_from(WorkforceMonth)
                    .where(WorkforceMonth.team_id == teams[0][0])
                )
                == 0
            )
            assert (
                session.scalar(
                    select(func.count())
                    .select_from(Import)
                    .where(Import.collaborative_id == collaborative_id)
                )
                == 0
            )
        # Once the team is free, the same file goes in.
        again = post_file(admin, str(collaborative_id), body)
        assert again.status_code == 201, again.text

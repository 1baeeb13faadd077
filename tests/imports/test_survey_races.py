"""Survey responses posted at once never count anyone twice nor lose anyone: parallel imports
of one team's week over real HTTP, on the suite's database (SQLite or PostgreSQL), each round
checked against spec 2's add/replace/refuse rule."""

import uuid
from collections.abc import Iterator
from datetime import date
from functools import partial

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.collaboratives.models import Collaborative
from app.organisations.models import Organisation, OrganisationKind
from app.survey_results.models import TOTALS, SurveyAggregate, SurveyResponseHash
from app.teams.models import Team, TeamExternalRef
from tests.http.test_concurrency import expect, run_rounds, slugs, statuses
from tests.imports.survey_support import post_responses
from tests.live import LiveServer, admin_client, all_at_once, race_server

pytestmark = pytest.mark.slow

PEOPLE = 20
CHUNKS = 4
HEADER = "response_id,ods_code,team_ref,submitted_on,enjoy_work"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with race_server(tmp_path_factory.mktemp("survey-imports")) as live:
        yield live


def _world(session: Session) -> tuple[uuid.UUID, uuid.UUID, str]:
    """A collaborative with one team, known to the files as `WARD-A` of a new trust."""
    ods = uuid.uuid4().hex[:8].upper()
    session.add(Organisation(ods_code=ods, name="Race trust", kind=OrganisationKind.TRUST))
    collaborative = Collaborative(
        name="Race collaborative", starts_on=date(2025, 1, 1), ends_on=date(2025, 12, 31)
    )
    session.add(collaborative)
    session.flush()
    team = Team(collaborative_id=collaborative.id, name=f"Team {uuid.uuid4().hex[:8]}")
    team.external_refs = [TeamExternalRef(ods_code=ods, ref="WARD-A", position=0)]
    session.add(team)
    session.flush()
    return collaborative.id, team.id, ods


def _file(ods: str, people: range) -> str:
    """These respondents of the week of 2025-03-03; the even ones always enjoy work."""
    rows = [
        f"resp-{i},{ods},WARD-A,2025-03-04,{'always' if i % 2 == 0 else 'never'}" for i in people
    ]
    return "\r\n".join([HEADER, *rows]) + "\r\n"


def test_chunks_and_cumulative_exports_at_once_store_everyone_once(
    server: LiveServer, password_hash: str
) -> None:
    """Four files of new responses and two of all of them, posted at once. In any order they
    run, each chunk adds (or, after a cumulative export, is a partial overlap, refused) and
    each cumulative export replaces: the week ends with every respondent, once."""
    with admin_client(server, password_hash) as admin:

        def one_round() -> list[str]:
            with server.factory.begin() as session:
                collaborative_id, team_id, ods = _world(session)
            size = PEOPLE // CHUNKS
            files = [_file(ods, range(i * size, (i + 1) * size)) for i in range(CHUNKS)]
            files += [_file(ods, range(PEOPLE))] * 2
            post = partial(post_responses, admin, str(collaborative_id))
            responses: list[httpx.Response] = all_at_once([partial(post, f) for f in files])
            problems: list[str] = []
            expect(problems, "answers", set(statuses(responses)) - {201, 422}, set())
            expect(problems, "problem types", slugs(responses) - {"invalid-rows"}, set())
            cumulative = [r.status_code for r in responses[-2:]]
            expect(problems, "cumulative exports", cumulative, [201, 201])
            for refused in (r for r in responses if r.status_code == 422):
                columns = {e["column"] for e in refused.json()["errors"]}
                expect(problems, "refused for", columns, {"response_id"})
            with server.factory() as session:
                hashes = session.scalar(
                    select(func.count())
                    .select_from(SurveyResponseHash)
                    .where(SurveyResponseHash.team_id == team_id)
                )
                totals = session.scalar(
                    select(SurveyAggregate).where(
                        SurveyAggregate.team_id == team_id, SurveyAggregate.group_type == TOTALS
                    )
                )
            expect(problems, "hashes", hashes, PEOPLE)
            counts = totals.counts if totals is not None else None
            expect(problems, "totals", counts, {"enjoy_work": {"always": 10, "never": 10}})
            return problems

        run_rounds(one_round)

"""A local survey deleted while a measure is bound to it and a file of it is imported, all at
once over real HTTP, on the suite's database (SQLite or PostgreSQL): whatever order they run
in, the survey is either kept (409 survey-in-use) or gone with nothing left that uses it."""

import copy
import uuid
from collections.abc import Iterator
from functools import partial

import httpx
import pytest
from sqlalchemy import func, select

from app.measures.models import Measure
from app.survey_results.models import SurveyAggregate
from tests.api import API, measure_body
from tests.http.test_concurrency import expect, run_rounds, statuses
from tests.imports.survey_support import post_counts
from tests.imports.test_survey_races import _world
from tests.live import LiveServer, admin_client, all_at_once, race_server
from tests.surveys.test_api import PULSE

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with race_server(tmp_path_factory.mktemp("survey-deletes")) as live:
        yield live


def test_a_survey_deleted_while_it_is_bound_and_imported_is_never_left_in_use(
    server: LiveServer, password_hash: str
) -> None:
    with admin_client(server, password_hash) as admin:

        def one_round() -> list[str]:
            with server.factory.begin() as session:
                collaborative_id, _, ods = _world(session)
            code = f"pulse-{uuid.uuid4().hex[:8]}"
            created = admin.post(f"{API}/surveys", json=copy.deepcopy(PULSE) | {"code": code})
            assert created.status_code == 201, created.text
            etag = created.headers["ETag"]
            source = {"type": "survey-question", "survey": code, "question": "valued"}
            calls = [
                partial(admin.delete, f"{API}/surveys/{code}", headers={"If-Match": etag}),
                partial(
                    admin.post,
                    f"{API}/measures",
                    json=measure_body(collaborative_id=str(collaborative_id), data_source=source),
                ),
                partial(
                    post_counts,
                    admin,
                    str(collaborative_id),
                    [f"{ods},WARD-A,2025-03-03,valued,yes,12,,"],
                    survey=code,
                ),
            ]
            responses: list[httpx.Response] = all_at_once(calls)
            deleted, bound, imported = (r.status_code for r in responses)
            problems: list[str] = []
            expect(problems, "delete", deleted in (204, 409), True)
            expect(problems, "measure", bound in (201, 422), True)
            expect(problems, "import", imported in (201, 422), True)
            with server.factory() as session:
                measures = [
                    m
                    for m in session.scalars(
                        select(Measure).where(Measure.data_source.is_not(None))
                    )
                    if (m.data_source or {}).get("survey") == code
                ]
                results = session.scalar(select(func.count()).where(SurveyAggregate.survey == code))
            survey = admin.get(f"{API}/surveys/{code}").status_code
            if deleted == 204:
                expect(problems, "after a delete, the survey", survey, 404)
                expect(problems, "after a delete, measures bound", len(measures), 0)
                expect(problems, "after a delete, results stored", results, 0)
                expect(problems, "after a delete, the others", [bound, imported], [422, 422])
            else:
                expect(problems, "kept survey", survey, 200)
                expect(problems, "what kept it", 201 in (bound, imported), True)
                expect(problems, "measures bound", len(measures), 1 if bound == 201 else 0)
                expect(problems, "results stored", bool(results), imported == 201)
            if problems:
                problems.append(f"answers {statuses(responses)}")
            return problems

        run_rounds(one_round)

"""Storing is additive: respondents stored as slices of any split and order (each an add)
read back exactly as one slice of them all, totals, groups and composite sums alike."""

import itertools
import uuid
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.survey_results.models import SurveyAggregate
from app.surveys.builtins import NQPS
from tests import api
from tests.survey_results.support import QUARTER, Respondent, results, store

ANSWER = st.one_of(st.none(), st.sampled_from(["1", "2", "3", "4", "5"]))
ANSWERS = st.fixed_dictionaries({q.code: ANSWER for q in NQPS.questions})
GROUPS = st.fixed_dictionaries(
    {},
    optional={
        "ethnicity": st.sampled_from(["white", "bme"]),
        "disability": st.sampled_from(["disabled", "not_disabled"]),
    },
)


@st.composite
def split_respondents(draw: st.DrawFn) -> tuple[list[Respondent], list[list[Respondent]]]:
    """Respondents, and the same respondents cut into slices stored in a shuffled order."""
    people = [
        Respondent(f"r{i}", answers, groups)
        for i, (answers, groups) in enumerate(
            draw(st.lists(st.tuples(ANSWERS, GROUPS), min_size=1, max_size=40))
        )
    ]
    order = draw(st.permutations(people))
    cuts = (
        sorted(draw(st.sets(st.integers(1, len(order) - 1), max_size=4))) if len(order) > 1 else []
    )
    bounds = [0, *cuts, len(order)]
    return people, [list(order[a:b]) for a, b in itertools.pairwise(bounds)]


def _stored_rows(session_factory: sessionmaker[Session], team_id: str) -> dict[Any, Any]:
    with session_factory() as session:
        rows = session.scalars(
            select(SurveyAggregate).where(SurveyAggregate.team_id == uuid.UUID(team_id))
        )
        return {(r.group_type, r.group_value): r.aggregate() for r in rows}


def _without_import(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [item | {"import_id": None} for item in body["items"]]


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(drawn=split_respondents())
def test_any_split_and_order_reads_as_one_slice(
    client: TestClient,
    session_factory: sessionmaker[Session],
    drawn: tuple[list[Respondent], list[list[Respondent]]],
) -> None:
    people, slices = drawn
    organisation = api.organisation(client)["id"]
    collaborative = api.collaborative(client)["id"]
    whole, split = (api.team(client, collaborative, [organisation])["id"] for _ in range(2))
    store(session_factory, NQPS, whole, QUARTER, people)
    for part in slices:
        store(session_factory, NQPS, split, QUARTER, part)
    assert _stored_rows(session_factory, split) == _stored_rows(session_factory, whole)
    assert _without_import(results(client, split)) == _without_import(results(client, whole))

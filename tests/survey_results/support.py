"""Shared helpers for the survey results tests: teams, respondents, and slices stored through
the service functions the import calls."""

import hashlib
import hmac
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from app.survey_results import service
from app.survey_results import slices as slice_store
from app.survey_results.models import Source
from app.survey_results.slices import Mode
from app.surveys.definitions import Survey
from app.surveys.scoring import Aggregate, aggregate_counts, aggregate_responses
from tests import api
from tests.api import API

KEY = b"test response-id key"
WEEK = date(2025, 3, 3)  # spec 8.1's Monday
QUARTER = date(2025, 4, 1)


@dataclass(frozen=True)
class Respondent:
    response_id: str
    answers: Mapping[str, str | None]
    groups: Mapping[str, str] = field(default_factory=dict)  # group type -> value


def digest(response_id: str) -> bytes:
    """The keyed hash the import computes (HMAC-SHA256): the tests never store an id either."""
    return hmac.new(KEY, response_id.encode(), hashlib.sha256).digest()


def respondents(prefix: str, answers: Sequence[Mapping[str, str | None]]) -> list[Respondent]:
    return [Respondent(f"{prefix}-{i}", a) for i, a in enumerate(answers)]


def enjoy(*counts: tuple[str | None, int], prefix: str = "r") -> list[Respondent]:
    """Respondents answering `enjoy_work` with each option (None: left blank) so many times."""
    answers = [{"enjoy_work": option} for option, n in counts for _ in range(n)]
    return respondents(prefix, answers)


# Spec 8.1: always x3, often x4, sometimes x3, rarely x1, blank x1.
SPEC_8_1 = (("always", 3), ("often", 4), ("sometimes", 3), ("rarely", 1), (None, 1))


def store(
    session_factory: sessionmaker[Session],
    survey: Survey,
    team_id: str | uuid.UUID,
    period: date,
    people: Iterable[Respondent],
    *,
    mode: Mode = "add",
    import_id: uuid.UUID | None = None,
) -> int:
    """Store respondents as the import will: totals and groups aggregated, ids hashed."""
    people = list(people)
    totals = aggregate_responses(survey, [p.answers for p in people])
    by_group: dict[tuple[str, str], list[Mapping[str, str | None]]] = {}
    for person in people:
        for group_type, value in person.groups.items():
            by_group.setdefault((group_type, value), []).append(person.answers)
    groups = {key: aggregate_responses(survey, answers) for key, answers in by_group.items()}
    hashes = frozenset(digest(p.response_id) for p in people)
    with session_factory.begin() as session:
        return slice_store.store_slice(
            session,
            uuid.UUID(str(team_id)),
            survey.code,
            period,
            totals,
            groups,
            hashes,
            mode,
            Source.RESPONSES,
            import_id or uuid.uuid4(),
        )


def store_counts(
    session_factory: sessionmaker[Session],
    survey: Survey,
    team_id: str | uuid.UUID,
    period: date,
    totals: Iterable[tuple[str, str, int]],
    groups: Mapping[tuple[str, str], Iterable[tuple[str, str, int]]] | None = None,
    *,
    mode: Mode = "replace",
) -> int:
    """Store `survey-counts` rows (question, option, count) as the import will."""
    with session_factory.begin() as session:
        return slice_store.store_slice(
            session,
            uuid.UUID(str(team_id)),
            survey.code,
            period,
            aggregate_counts(survey, totals),
            {key: aggregate_counts(survey, rows) for key, rows in (groups or {}).items()},
            None,
            mode,
            Source.COUNTS,
            uuid.uuid4(),
        )


def stored_totals(
    session_factory: sessionmaker[Session], survey: Survey, team_id: str, period: date
) -> Aggregate | None:
    with session_factory() as session:
        found = service.aggregates_for(session, [uuid.UUID(team_id)], survey.code, [period])
    return found.get((uuid.UUID(team_id), period))


def new_team(client: TestClient, collaborative_id: str | None = None) -> dict[str, Any]:
    organisation = api.organisation(client)["id"]
    collaborative = collaborative_id or api.collaborative(client)["id"]
    return api.team(client, collaborative, [organisation])


def results(caller: TestClient, team_id: str, **params: Any) -> dict[str, Any]:
    response = caller.get(f"{API}/teams/{team_id}/survey-results", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def counts_in(body: object) -> list[int]:
    """Every whole number anywhere in a JSON body (all of them counts of people here)."""
    if isinstance(body, bool):
        return []
    if isinstance(body, int):
        return [body]
    if isinstance(body, dict):
        return [n for value in body.values() for n in counts_in(value)]
    if isinstance(body, list):
        return [n for value in body for n in counts_in(value)]
    return []

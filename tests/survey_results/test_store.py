"""Storing slices as the import does (ingest spec 2): add accumulates, replace overwrites,
counts always replace, and no response is ever counted twice."""

import uuid
from collections.abc import Mapping
from datetime import timedelta
from typing import cast

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from app.survey_results import service
from app.survey_results import slices as slice_store
from app.survey_results.models import Source, SurveyAggregate, SurveyResponseHash
from app.survey_results.slices import GroupKey, Mode
from app.surveys.builtins import ENJOYING_WORK
from app.surveys.scoring import Aggregate, aggregate_responses
from tests.api import API, assert_problem
from tests.survey_results.support import (
    SPEC_8_1,
    WEEK,
    Respondent,
    digest,
    enjoy,
    new_team,
    results,
    store,
    store_counts,
    stored_totals,
)


def _respondents(client: TestClient, team_id: str) -> list[int | None]:
    return [item["questions"][0]["respondents"] for item in results(client, team_id)["items"]]


def _hashes(session_factory: sessionmaker[Session], team_id: str) -> frozenset[bytes]:
    key = (uuid.UUID(team_id), WEEK)
    with session_factory() as session:
        return slice_store.stored_hashes(session, ENJOYING_WORK.code, [key])[key]


def test_add_then_add_accumulates(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    team = new_team(client)["id"]
    first = enjoy(("always", 3), ("often", 3), prefix="monday")
    second = enjoy(("often", 1), ("sometimes", 3), ("rarely", 1), (None, 1), prefix="friday")
    store(session_factory, ENJOYING_WORK, team, WEEK, first)
    assert _respondents(client, team) == [None]  # 6: suppressed
    store(session_factory, ENJOYING_WORK, team, WEEK, second)
    assert _respondents(client, team) == [11]
    assert results(client, team)["items"][0]["questions"][0]["favourable"] == 7
    assert _hashes(session_factory, team) == {digest(p.response_id) for p in first + second}


def test_replace_overwrites_totals_groups_and_hashes(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    team = new_team(client)["id"]
    white = [Respondent(p.response_id, p.answers, {"ethnicity": "white"}) for p in enjoy(*SPEC_8_1)]
    store(session_factory, ENJOYING_WORK, team, WEEK, white)
    corrected = [
        Respondent(p.response_id, p.answers, {"disability": "disabled"})
        for p in enjoy(("always", 10), prefix="r")
    ]
    written = store(session_factory, ENJOYING_WORK, team, WEEK, corrected, mode="replace")
    assert written == 2  # totals and one group
    assert _respondents(client, team) == [10]
    assert results(client, team)["items"][0]["questions"][0]["favourable"] == 10
    with session_factory() as session:
        rows = session.scalars(
            select(SurveyAggregate).where(SurveyAggregate.team_id == uuid.UUID(team))
        ).all()
    # The white group of the first file is gone with it; one totals row, re-used.
    assert sorted((r.group_type, r.group_value) for r in rows) == [
        ("", ""),
        ("disability", "disabled"),
    ]
    assert _hashes(session_factory, team) == {digest(p.response_id) for p in corrected}


def test_add_keeps_the_groups_it_does_not_bring(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    team = new_team(client)["id"]
    a = [Respondent(f"a{i}", {"enjoy_work": "always"}, {"ethnicity": "bme"}) for i in range(4)]
    b = [Respondent(f"b{i}", {"enjoy_work": "never"}, {"ethnicity": "white"}) for i in range(3)]
    c = [Respondent(f"c{i}", {"enjoy_work": "often"}, {"ethnicity": "bme"}) for i in range(2)]
    assert store(session_factory, ENJOYING_WORK, team, WEEK, a + b) == 3
    assert store(session_factory, ENJOYING_WORK, team, WEEK, c) == 2
    with session_factory() as session:
        rows = {
            r.group_value: r.aggregate().counts
            for r in session.scalars(
                select(SurveyAggregate).where(SurveyAggregate.team_id == uuid.UUID(team))
            )
        }
    assert rows == {
        "": {"enjoy_work": {"always": 4, "never": 3, "often": 2}},
        "bme": {"enjoy_work": {"always": 4, "often": 2}},
        "white": {"enjoy_work": {"never": 3}},
    }


def test_a_response_is_never_added_twice(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    """An add that repeats a stored id is refused whole by the slice's key on its hashes."""
    team = new_team(client)["id"]
    store(session_factory, ENJOYING_WORK, team, WEEK, enjoy(("always", 10)))
    with pytest.raises(IntegrityError):
        store(session_factory, ENJOYING_WORK, team, WEEK, enjoy(("never", 1), prefix="r"))
    assert _respondents(client, team) == [10]
    stored = stored_totals(session_factory, ENJOYING_WORK, team, WEEK)
    assert stored is not None
    assert stored.counts == {"enjoy_work": {"always": 10}}


def test_counts_always_replace_and_clear_the_hashes(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    team = new_team(client)["id"]
    store(session_factory, ENJOYING_WORK, team, WEEK, enjoy(*SPEC_8_1))
    counts = [("enjoy_work", "always", 5), ("enjoy_work", "never", 7)]
    store_counts(session_factory, ENJOYING_WORK, team, WEEK, counts, mode="add")
    (item,) = results(client, team)["items"]
    assert item["source"] == "counts"
    assert item["questions"][0]["respondents"] == 12
    assert item["questions"][0]["favourable"] == 5
    assert _hashes(session_factory, team) == frozenset()
    # Responses after counts: the counts have no ids to prove the responses new, so even an
    # add replaces them rather than counting anyone twice.
    store(session_factory, ENJOYING_WORK, team, WEEK, enjoy(("often", 10), prefix="new"))
    (item,) = results(client, team)["items"]
    assert item["source"] == "responses"
    assert item["questions"][0]["respondents"] == 10
    assert item["questions"][0]["favourable"] == 10
    # ...and now responses add up again.
    store(session_factory, ENJOYING_WORK, team, WEEK, enjoy(("never", 2), prefix="more"))
    assert _respondents(client, team) == [12]


def test_stored_hashes_reads_many_slices_at_once(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    one, two = new_team(client)["id"], new_team(client)["id"]
    next_week = WEEK + timedelta(weeks=1)
    store(session_factory, ENJOYING_WORK, one, WEEK, enjoy(("always", 2), prefix="x"))
    store(session_factory, ENJOYING_WORK, one, next_week, enjoy(("always", 3), prefix="y"))
    store(session_factory, ENJOYING_WORK, two, next_week, enjoy(("always", 1), prefix="z"))
    slices = [
        (uuid.UUID(one), WEEK),
        (uuid.UUID(two), next_week),
        (uuid.UUID(two), WEEK),  # never stored
    ]
    with session_factory() as session:
        found = slice_store.stored_hashes(session, ENJOYING_WORK.code, slices)
        assert slice_store.stored_hashes(session, "nqps", slices[:1]) == {slices[0]: frozenset()}
        assert slice_store.stored_hashes(session, ENJOYING_WORK.code, []) == {}
    assert found == {
        slices[0]: {digest("x-0"), digest("x-1")},
        slices[1]: {digest("z-0")},
        slices[2]: frozenset(),
    }


def test_aggregates_for_gives_the_totals_per_team_and_period(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    one, two = new_team(client)["id"], new_team(client)["id"]
    next_week = WEEK + timedelta(weeks=1)
    grouped = [Respondent("g", {"enjoy_work": "never"}, {"sex": "2"})]
    store(session_factory, ENJOYING_WORK, one, WEEK, enjoy(("always", 2)) + grouped)
    store(session_factory, ENJOYING_WORK, one, next_week, enjoy(("often", 3)))
    store(session_factory, ENJOYING_WORK, two, WEEK, enjoy(("never", 1)))
    ids = [uuid.UUID(one), uuid.UUID(two)]
    with session_factory() as session:
        every = service.aggregates_for(session, ids, ENJOYING_WORK.code)
        first_week = service.aggregates_for(session, ids, ENJOYING_WORK.code, [WEEK])
        assert service.aggregates_for(session, ids, "nqps") == {}
        assert service.aggregates_for(session, [], ENJOYING_WORK.code) == {}
        assert service.aggregates_for(session, ids, ENJOYING_WORK.code, []) == {}
    assert every == {
        (ids[0], WEEK): Aggregate({"enjoy_work": {"always": 2, "never": 1}}),
        (ids[0], next_week): Aggregate({"enjoy_work": {"often": 3}}),
        (ids[1], WEEK): Aggregate({"enjoy_work": {"never": 1}}),
    }
    assert first_week == {key: value for key, value in every.items() if key[1] == WEEK}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"mode": "merge"}, "mode"),
        ({"hashes": None}, "hashes"),  # responses without ids
        ({"source": Source.COUNTS}, "hashes"),  # counts with ids
        ({"groups": {("", "x"): Aggregate()}}, "group"),
        ({"groups": {("ethnicity", ""): Aggregate()}}, "group"),
        ({"groups": {("Sex", "2"): Aggregate(), ("sex", "2"): Aggregate()}}, "twice"),
        ({"hashes": frozenset({b""})}, "hash"),
        ({"hashes": frozenset({b"x" * 65})}, "hash"),
    ],
)
def test_a_callers_mistake_is_refused_before_anything_is_written(
    client: TestClient,
    session_factory: sessionmaker[Session],
    changes: dict[str, object],
    message: str,
) -> None:
    team = uuid.UUID(new_team(client)["id"])
    with session_factory() as session:
        with pytest.raises(ValueError, match=message):
            slice_store.store_slice(
                session,
                team,
                "enjoying-work",
                WEEK,
                Aggregate({"enjoy_work": {"always": 1}}),
                cast(Mapping[GroupKey, Aggregate], changes.get("groups", {})),
                cast(frozenset[bytes] | None, changes.get("hashes", frozenset({digest("a")}))),
                cast(Mode, changes.get("mode", "add")),
                cast(Source, changes.get("source", Source.RESPONSES)),
                None,
            )
        for table in (SurveyAggregate, SurveyResponseHash):
            written = select(func.count()).select_from(table).where(table.team_id == team)
            assert session.scalar(written) == 0


def test_a_team_with_stored_results_cannot_be_deleted(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    team = new_team(client)
    store(session_factory, ENJOYING_WORK, team["id"], WEEK, enjoy(("always", 1)))
    path = f"{API}/teams/{team['id']}"
    refused = client.delete(path, headers={"If-Match": client.get(path).headers["etag"]})
    assert assert_problem(refused, 409)["type"].endswith("still-referenced")


def test_many_slices_in_one_call_store_what_one_at_a_time_does(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    """An import stores its slices in one `store_slices` call: added onto a stored slice,
    replacing one (with a group it no longer has), onto nothing, and onto a slice last written
    from counts. Each ends as the same slice stored on its own does, hashes included."""
    batch, single = [new_team(client)["id"] for _ in range(2)]
    weeks = [WEEK + timedelta(weeks=n) for n in range(4)]
    before = {
        weeks[0]: enjoy(("always", 6), prefix="a"),
        weeks[1]: [Respondent(f"b-{i}", {"enjoy_work": "often"}, {"sex": "f"}) for i in range(7)],
    }
    for team in (batch, single):
        for week, people in before.items():
            store(session_factory, ENJOYING_WORK, team, week, people)
        store_counts(session_factory, ENJOYING_WORK, team, weeks[3], [("enjoy_work", "never", 9)])
    now: dict[int, tuple[list[Respondent], Mode]] = {
        0: (enjoy(("never", 5), prefix="c"), "add"),
        1: (enjoy(("often", 8), prefix="b"), "replace"),
        2: (enjoy(("sometimes", 12), prefix="d"), "add"),
        3: (enjoy(("always", 10), prefix="e"), "add"),
    }
    for n, (people, mode) in now.items():
        store(session_factory, ENJOYING_WORK, single, weeks[n], people, mode=mode)
    with session_factory.begin() as session:
        written = slice_store.store_slices(
            session,
            ENJOYING_WORK.code,
            [
                slice_store.SliceWrite(
                    uuid.UUID(batch),
                    weeks[n],
                    aggregate_responses(ENJOYING_WORK, [p.answers for p in people]),
                    {},
                    frozenset(digest(p.response_id) for p in people),
                    mode,
                )
                for n, (people, mode) in now.items()
            ],
            Source.RESPONSES,
            uuid.uuid4(),
        )
    assert written == 4

    def stored(team: str) -> list[object]:
        key = uuid.UUID(team)
        with session_factory() as session:
            rows = session.scalars(
                select(SurveyAggregate)
                .where(SurveyAggregate.team_id == key)
                .order_by(SurveyAggregate.period_start, SurveyAggregate.group_type)
            ).all()
            hashes = slice_store.stored_hashes(
                session, ENJOYING_WORK.code, [(key, w) for w in weeks]
            )
        return [
            *((r.period_start, r.group_type, r.group_value, r.counts, r.source) for r in rows),
            *(sorted(hashes[key, w]) for w in weeks),
        ]

    assert stored(batch) == stored(single)
    assert stored(batch)[:4] == [
        (weeks[0], "", "", {"enjoy_work": {"always": 6, "never": 5}}, Source.RESPONSES),
        (weeks[1], "", "", {"enjoy_work": {"often": 8}}, Source.RESPONSES),
        (weeks[2], "", "", {"enjoy_work": {"sometimes": 12}}, Source.RESPONSES),
        (weeks[3], "", "", {"enjoy_work": {"always": 10}}, Source.RESPONSES),
    ]

"""Re-posting survey responses never counts anyone twice (ingest spec 2): a replayed file (same
Idempotency-Key, another, or none), a file of new responses only and a cumulative export all
leave what one clean import would; a file overlapping a stored period only partly is refused,
recorded, and stores nothing. A Hypothesis property over random splits and replays proves it."""

import itertools
import shutil
import uuid
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.auth import keys
from app.survey_results import response_ids
from app.survey_results.models import SurveyAggregate, SurveyResponseHash
from tests.api import API, assert_problem
from tests.conftest import build_app
from tests.imports.survey_support import (
    SPEC_8_1,
    Response,
    enjoy,
    post_responses,
    responses_csv,
    survey_results,
)
from tests.imports_support import IMPORTS, Collaborative, Trust, collaborative

Stored = dict[Any, Any]
WEEK = date(2025, 3, 3)


@pytest.fixture
def world(client: TestClient) -> Collaborative:
    return collaborative(client)


def stored(session_factory: sessionmaker[Session], team: Trust) -> Stored:
    """Everything stored for the team: each aggregate row's counts and sums, and how many
    response-id hashes each period holds."""
    team_id = uuid.UUID(team.team_id)
    with session_factory() as session:
        rows = session.scalars(select(SurveyAggregate).where(SurveyAggregate.team_id == team_id))
        found: Stored = {
            (row.period_start, row.group_type, row.group_value): row.aggregate() for row in rows
        }
        hashes = session.execute(
            select(SurveyResponseHash.period_start, func.count())
            .where(SurveyResponseHash.team_id == team_id)
            .group_by(SurveyResponseHash.period_start)
        )
        found |= {("hashes", period): count for period, count in hashes}
    return found


def _moved(people: Sequence[Response], team: Trust) -> list[Response]:
    return [Response(p.response_id, team, p.submitted_on, p.answers, p.groups) for p in people]


def clean_import(
    client: TestClient, session_factory: sessionmaker[Session], people: Sequence[Response]
) -> Stored:
    """What one import of `people` stores, in a collaborative of its own."""
    fresh = collaborative(client)
    if people:
        response = post_responses(client, fresh.id, responses_csv(_moved(people, fresh.a)))
        assert response.status_code == 201, response.text
    return stored(session_factory, fresh.a)


def test_the_same_file_again_with_the_same_key_another_or_none_changes_nothing(
    client: TestClient, session_factory: sessionmaker[Session], world: Collaborative
) -> None:
    text = responses_csv(enjoy(world.a, SPEC_8_1))
    key = {"Idempotency-Key": str(uuid.uuid4())}
    first = post_responses(client, world.id, text, headers=key)
    assert first.status_code == 201, first.text
    once = stored(session_factory, world.a)
    results = survey_results(client, world.a.team_id)

    replayed = post_responses(client, world.id, text, headers=key)
    assert (replayed.json(), replayed.headers["Idempotent-Replayed"]) == (first.json(), "true")
    for headers in ({"Idempotency-Key": str(uuid.uuid4())}, {}):
        again = post_responses(client, world.id, text, headers=headers)
        assert again.status_code == 201, again.text
        assert again.json()["id"] != first.json()["id"]
        assert (again.json()["aggregates_written"], again.json()["points_written"]) == (1, 0)
        assert stored(session_factory, world.a) == once
        assert survey_results(client, world.a.team_id) == results
    assert once[("hashes", WEEK)] == 12


def test_new_responses_only_are_added_and_a_cumulative_export_replaces(
    client: TestClient, session_factory: sessionmaker[Session], world: Collaborative
) -> None:
    people = enjoy(world.a, [("always", 6), ("often", 5), ("never", 4), ("", 2)])
    clean = clean_import(client, session_factory, people)

    post_responses(client, world.id, responses_csv(people[:7]))
    added = post_responses(client, world.id, responses_csv(people[7:]))
    assert added.status_code == 201, added.text
    assert stored(session_factory, world.a) == clean

    # A cumulative export of every response so far: it replaces the week, the same again.
    cumulative = post_responses(client, world.id, responses_csv(list(reversed(people))))
    assert cumulative.status_code == 201, cumulative.text
    assert stored(session_factory, world.a) == clean


def test_a_corrected_cumulative_export_replaces_the_stored_answers(
    client: TestClient, session_factory: sessionmaker[Session], world: Collaborative
) -> None:
    people = enjoy(world.a, [("never", 12)])
    post_responses(client, world.id, responses_csv(people))
    corrected = [
        Response(p.response_id, p.team, p.submitted_on, {"enjoy_work": "always"}) for p in people
    ]
    more = enjoy(world.a, [("often", 2)], prefix="new")
    assert post_responses(client, world.id, responses_csv(corrected + more)).status_code == 201
    assert stored(session_factory, world.a) == clean_import(
        client, session_factory, corrected + more
    )


def test_a_partial_overlap_is_refused_naming_each_slice_and_stores_nothing(
    client: TestClient, session_factory: sessionmaker[Session], world: Collaborative
) -> None:
    a_week = enjoy(world.a, [("always", 10)], prefix="a")
    b_week = enjoy(world.b, [("often", 10)], prefix="b")
    post_responses(client, world.id, responses_csv(a_week + b_week))
    before = stored(session_factory, world.a), stored(session_factory, world.b)
    # Rows 2-7: five of team b's ten stored and a new one; rows 8-12: five of team a's ten.
    text = responses_csv(
        b_week[:5] + enjoy(world.b, [("never", 1)], prefix="b-new") + a_week[:4] + a_week[9:]
    )

    response = post_responses(client, world.id, text)

    problem = assert_problem(response, 422)
    assert (problem["error_count"], [(e["row"], e["column"]) for e in problem["errors"]]) == (
        2,
        [(2, "response_id"), (8, "response_id")],
    )
    assert "send the period's responses in full" in problem["errors"][0]["message"]
    assert (stored(session_factory, world.a), stored(session_factory, world.b)) == before
    failed = client.get(f"{IMPORTS}/{problem['import_id']}").json()
    assert {k: failed[k] for k in ("status", "error_count", "aggregates_written")} == {
        "status": "failed",
        "error_count": 2,
        "aggregates_written": 0,
    }
    assert failed["errors"] == problem["errors"]
    # A dry run meets the same refusal and records nothing.
    dry = post_responses(client, world.id, text, dry_run="true")
    assert assert_problem(dry, 422)["errors"] == problem["errors"]
    assert "import_id" not in dry.json()
    assert (stored(session_factory, world.a), stored(session_factory, world.b)) == before


def _served_from(
    database_url: str, session_factory: sessionmaker[Session], data_dir: Path, elsewhere: Path
) -> Any:
    """The same database served from another data directory, with the same signing keys."""
    shutil.copy(data_dir / keys.KEYRING_FILE, elsewhere / keys.KEYRING_FILE)
    return build_app(database_url, session_factory, elsewhere)


def test_responses_stored_under_another_key_are_refused_not_counted_again(
    database_url: str,
    session_factory: sessionmaker[Session],
    data_dir: Path,
    client: TestClient,
    world: Collaborative,
    tmp_path: Path,
) -> None:
    people = enjoy(world.a, [("always", 12)])
    post_responses(client, world.id, responses_csv(people[:6]))
    before = stored(session_factory, world.a)
    # The same database served with a data directory whose key is another (one lost, say).
    response_ids.ensure_key(tmp_path)
    other = _served_from(database_url, session_factory, data_dir, tmp_path)
    with TestClient(other) as elsewhere:
        elsewhere.headers.update(client.headers)
        response = post_responses(elsewhere, world.id, responses_csv(people))
    problem = assert_problem(response, 409)
    assert problem["type"].endswith(":response-key-changed")
    assert str(tmp_path) not in response.text
    assert stored(session_factory, world.a) == before


def test_a_data_directory_without_a_response_id_key_is_a_503_for_survey_responses(
    database_url: str,
    session_factory: sessionmaker[Session],
    data_dir: Path,
    client: TestClient,
    world: Collaborative,
    tmp_path: Path,
) -> None:
    other = _served_from(database_url, session_factory, data_dir, tmp_path)
    with TestClient(other) as elsewhere:
        elsewhere.headers.update(client.headers)
        response = post_responses(elsewhere, world.id, responses_csv(enjoy(world.a, SPEC_8_1)))
        # An import never makes the key.
        assert [path.name for path in tmp_path.iterdir()] == [keys.KEYRING_FILE]
    problem = assert_problem(response, 503)
    assert "response-id key" in problem["detail"]
    assert str(tmp_path) not in response.text


# The property ---------------------------------------------------------------------------------

DAYS = ("2025-03-04", "11/03/2025 09:30")  # two weeks: 2025-03-03 and 2025-03-10
PERSON = st.tuples(
    st.booleans(),  # team a or b
    st.sampled_from(DAYS),
    st.sampled_from(["always", "Often", "sometimes", "RARELY", "never", ""]),
    st.sampled_from(["1", "5", "I feel completely burned out", ""]),
    st.sampled_from(["A", "D", "Z", ""]),
)


@st.composite
def plans(draw: st.DrawFn) -> tuple[list[Any], list[tuple[list[int], str]]]:
    """People (as tuples), and the files posted: index lists into them with how each is sent
    (`none`, `other` or `same`: no Idempotency-Key, a new one, or the previous file's)."""
    people = draw(st.lists(PERSON, min_size=1, max_size=24))
    order = draw(st.permutations(range(len(people))))
    cuts = sorted(draw(st.sets(st.integers(1, len(order)), max_size=3)) | {len(order)})
    files: list[tuple[list[int], str]] = []
    for previous, cut in itertools.pairwise([0, *cuts]):
        cumulative = draw(st.booleans())
        chosen = list(order[0 if cumulative else previous : cut])
        files.append((chosen, "none"))
        for _ in range(draw(st.integers(0, 2))):  # sent again
            files.append((chosen, draw(st.sampled_from(["none", "other", "same"]))))
        if draw(st.booleans()):  # and now and then a file of any responses at all
            files.append((draw(st.lists(st.sampled_from(order), unique=True, min_size=1)), "none"))
    return people, files


def _slice_of(person: Any) -> tuple[bool, str]:
    return person[0], person[1]


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(plan=plans())
def test_any_split_replayed_in_any_way_stores_what_one_clean_import_does(
    client: TestClient, session_factory: sessionmaker[Session], plan: Any
) -> None:
    people, files = plan
    world = collaborative(client)
    rows = [
        Response(
            f"resp-{i}",
            world.a if team_a else world.b,
            day,
            {"enjoy_work": enjoy_work, "burnout": burnout},
            {"ethnicity": ethnicity},
        )
        for i, (team_a, day, enjoy_work, burnout, ethnicity) in enumerate(people)
    ]
    model: dict[tuple[bool, str], set[int]] = {}  # the ids each slice holds, as spec 2 says
    last_key, last_response = None, None
    for chosen, sent in files:
        key = last_key if sent == "same" else str(uuid.uuid4()) if sent == "other" else None
        response = post_responses(
            client,
            world.id,
            responses_csv([rows[i] for i in chosen]),
            headers={"Idempotency-Key": key} if key else {},
        )
        if sent == "same" and key is not None and last_response is not None:
            assert (response.status_code, response.json()) == last_response
            event("the same key: replayed")
            continue
        partial_rows = []
        for where, members in itertools.groupby(
            sorted(enumerate(chosen), key=lambda pair: _slice_of(people[pair[1]])),
            key=lambda pair: _slice_of(people[pair[1]]),
        ):
            members_list = list(members)
            ids = {i for _, i in members_list}
            held = model.get(where, set())
            if held.isdisjoint(ids) or held <= ids:
                continue
            partial_rows.append(min(position for position, _ in members_list) + 2)
        if partial_rows:
            event("a partial overlap: refused")
            problem = assert_problem(response, 422)
            assert [(e["row"], e["column"]) for e in problem["errors"]] == [
                (row, "response_id") for row in sorted(partial_rows)
            ]
        else:
            assert response.status_code == 201, response.text
            for where in {_slice_of(people[i]) for i in chosen}:
                ids = {i for i in chosen if _slice_of(people[i]) == where}
                held = model.setdefault(where, set())
                event("add" if held.isdisjoint(ids) else "replace")
                model[where] = ids if held <= ids else held | ids  # replace, or add
        last_key, last_response = key, (response.status_code, response.json())

    for team_a, team in ((True, world.a), (False, world.b)):
        kept = sorted(i for (a, _), ids in model.items() if a == team_a for i in ids)
        assert stored(session_factory, team) == clean_import(
            client, session_factory, [rows[i] for i in kept]
        )


def test_the_survey_results_endpoint_agrees_after_replays(
    client: TestClient, world: Collaborative
) -> None:
    people = enjoy(world.a, SPEC_8_1)
    for part in (people[:5], people[5:], people):
        assert post_responses(client, world.id, responses_csv(part)).status_code == 201
    response = client.get(f"{API}/teams/{world.a.team_id}/survey-results")
    (item,) = response.json()["items"]
    (enjoy_work,) = [q for q in item["questions"] if q["question"] == "enjoy_work"]
    assert (enjoy_work["respondents"], enjoy_work["favourable"]) == (11, 7)

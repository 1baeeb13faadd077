"""The special-category rule (issue 11 item 7): after survey imports with group columns, every
table of the database, read whole, holds no response id, no row per respondent but the keyed
hashes, and no group code of a respondent, only aggregates; and no error message, import record
or audit event repeats a value of the file."""

import hashlib
import hmac
import json
import uuid
from datetime import date
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import inspect, text
from sqlalchemy.orm import Session, sessionmaker

from app.survey_results import response_ids
from tests.api import API, assert_problem
from tests.conftest import RESPONSE_ID_KEY
from tests.imports.survey_support import Response, post_counts, post_responses, responses_csv
from tests.imports_support import IMPORTS, collaborative

RESPONDENTS = 36
# Raw codes a file carries for a respondent's groups: ETHNIC CATEGORY codes with a local second
# character, and the like, none of which may be stored (only the groups they make).
ETHNICITY = ("Ax", "Cq", "Hx", "Nq", "Sv", "Z")
DISABILITY = ("Y", "N", "9")
SEX = ("female", "male", "non-binary")  # other groups are kept by value, as aggregates only
# Values of bad rows: none may be repeated by an answer, a record or the audit trail.
SECRETS = (
    "SECRET-ANSWER-7731",
    "SECRETCODE",
    "SECRET-WHEN-19",
    "SECRET-COUNT-x",
    "SECRET-GROUP-42",
    "RID-SECRET-dup",
)


def _cell(value: Any) -> str:
    """A cell as text whatever its type: bytes both raw and in hex, JSON as written."""
    if isinstance(value, memoryview):
        value = value.tobytes()
    if isinstance(value, bytes):
        return value.decode("latin-1") + " " + value.hex()
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


def every_table(session_factory: sessionmaker[Session]) -> dict[str, list[dict[str, str]]]:
    """Every row of every table of the database, each cell as text."""
    with session_factory() as session:
        names = inspect(session.connection()).get_table_names()
        return {
            name: [
                {column: _cell(value) for column, value in row.items()}
                for row in session.execute(text(f'SELECT * FROM "{name}"')).mappings()
            ]
            for name in names
        }


def _people(team: Any) -> list[Response]:
    return [
        Response(
            f"RID-{uuid.uuid4().hex}",
            team,
            "2025-03-04" if i % 2 else "12/03/2025 17:45",
            {
                "enjoy_work": ("always", "Often", "never")[i % 3],
                "burnout": str(1 + i % 5),
                "recommend_team": ("likely", "Don't know", "")[i % 3],
            },
            {
                "ethnicity": ETHNICITY[i % len(ETHNICITY)],
                "disability": DISABILITY[i % len(DISABILITY)],
                "sex": SEX[i % len(SEX)],
            },
        )
        for i in range(RESPONDENTS)
    ]


def test_every_table_holds_aggregates_and_keyed_hashes_only(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    world = collaborative(client)
    before = {name: len(rows) for name, rows in every_table(session_factory).items()}
    people = _people(world.a)

    imported = post_responses(client, world.id, responses_csv(people))
    assert imported.status_code == 201, imported.text
    # A cumulative export and a partial one: replaced, then refused.
    assert post_responses(client, world.id, responses_csv(people[::-1])).status_code == 201
    assert_problem(post_responses(client, world.id, responses_csv(people[:3])), 422)

    tables = every_table(session_factory)
    cells = [
        (name, column, value)
        for name, rows in tables.items()
        for row in rows
        for column, value in row.items()
    ]
    # The scan sees the data: the teams' own references are there (their external refs).
    assert len(tables) > 20
    assert "team_external_refs" in [n for n, _, v in cells if v == world.a.ref]
    for person in people:
        found = [(n, c) for n, c, v in cells if person.response_id in v]
        assert found == [], f"a response id is stored in {found}"
        found = [(n, c) for n, c, v in cells if person.response_id.encode().hex() in v]
        assert found == [], f"a response id's bytes are stored in {found}"
    # A row per respondent only in the hashes table; every other table grew by less.
    grown = {name: len(rows) - before.get(name, 0) for name, rows in tables.items()}
    assert grown["survey_response_hashes"] == RESPONDENTS
    assert {name for name, n in grown.items() if n >= RESPONDENTS} == {"survey_response_hashes"}
    # Each hash is the key's fingerprint and the HMAC-SHA256 of one id: nothing else of them.
    fingerprint = response_ids.ResponseKey(RESPONSE_ID_KEY).fingerprint
    expected = {
        fingerprint + hmac.new(RESPONSE_ID_KEY, p.response_id.encode(), hashlib.sha256).digest()
        for p in people
    }
    hashes = [r for r in tables["survey_response_hashes"] if r["team_id"] in _ids(world.a)]
    assert {bytes.fromhex(r["digest"].rsplit(" ", 1)[1]) for r in hashes} == expected
    assert set(hashes[0]) == {"team_id", "survey", "period_start", "digest"}
    # Aggregates: one row per team, period and group, the groups as grouped, never a code.
    aggregates = [r for r in tables["survey_aggregates"] if r["team_id"] in _ids(world.a)]
    groups = {(r["group_type"], r["group_value"]) for r in aggregates}
    assert groups == {
        ("", ""),
        ("ethnicity", "white"),
        ("ethnicity", "bme"),
        ("disability", "disabled"),
        ("disability", "not_disabled"),
        *(("sex", value) for value in SEX),
    }
    assert len(aggregates) == 2 * len(groups)  # two weeks
    assert {r["period_start"][:10] for r in aggregates} == {
        str(date(2025, 3, 3)),
        str(date(2025, 3, 10)),
    }
    for code in ETHNICITY[:-1]:
        assert [(n, c) for n, c, v in cells if f'"{code}"' in v or v == code] == []


def _ids(team: Any) -> set[str]:
    """A team's id as either database writes it in a cell."""
    return {team.team_id, team.team_id.replace("-", "")}


def test_no_error_record_or_audit_event_repeats_a_value_of_the_file(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    world = collaborative(client)
    a = world.a
    people = _people(a)[:3]
    bad = [
        Response("RID-SECRET-dup", a, "2025-03-04", {"enjoy_work": "SECRET-ANSWER-7731"}),
        Response("RID-SECRET-dup", a, "SECRET-WHEN-19", {}, {"ethnicity": "SECRETCODE"}),
        Response("RID-3", a, "2025-03-04", {}, {"disability": "SECRET-GROUP-42"}),
    ]
    answers = [post_responses(client, world.id, responses_csv(people + bad))]
    answers.append(post_responses(client, world.id, responses_csv(people + bad), dry_run="true"))
    answers.append(
        post_counts(
            client,
            world.id,
            [
                f"{a.ods},{a.ref},2025-03-03,enjoy_work,SECRET-ANSWER-7731,3,,",
                f"{a.ods},{a.ref},2025-03-03,enjoy_work,often,SECRET-COUNT-x,,",
                f"{a.ods},{a.ref},2025-03-03,enjoy_work,often,3,ethnicity,SECRETCODE",
            ],
        )
    )
    for answer in answers:
        problem = assert_problem(answer, 422)
        assert problem["error_count"] >= 3
        assert not [secret for secret in SECRETS if secret in answer.text]
    records = client.get(IMPORTS, params={"collaborative_id": world.id, "limit": 100})
    events = client.get(f"{API}/audit-events", params={"limit": 200})
    for read in (records, events):
        assert read.status_code == 200, read.text
        assert not [secret for secret in SECRETS if secret in read.text]
    assert len(records.json()["items"]) == 2  # the dry run records nothing
    tables = every_table(session_factory)
    found = [
        (name, column)
        for name, rows in tables.items()
        for row in rows
        for column, value in row.items()
        if any(secret in value for secret in SECRETS)
    ]
    assert found == []

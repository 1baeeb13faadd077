"""`qicollab demo` through the real command line, then the demo read back over HTTP."""

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth import keys
from app.clock import today
from app.collaboratives.models import CollaborativeStatus
from app.collaboratives.statuses import ALLOWED_IN
from app.config import Settings
from app.data_points.models import DataPoint
from app.data_points.service import period_containing
from app.db import make_engine, make_sessionmaker
from app.imports.models import Import
from app.main import create_app
from app.measures.models import Frequency, Measure
from app.survey_results.models import SurveyAggregate, SurveyResponseHash
from app.teams.models import Team
from app.workforce.models import WorkforceMonth
from tests.api import API
from tests.conftest import create_scratch_database, drop_scratch_database

# Loads the demo with `qicollab demo` in a subprocess, for every test.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


DEMO_PASSWORD = "a demo password for tests"


def qicollab(
    url: str, *args: str, password: str | None = DEMO_PASSWORD
) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"QI_DATABASE_URL": url}
    env.pop("QI_DEMO_PASSWORD", None)
    if password is not None:
        env["QI_DEMO_PASSWORD"] = password
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def demo_url(tmp_path: Path) -> Iterator[str]:
    url = create_scratch_database(str(tmp_path))
    loaded = qicollab(url, "demo")
    assert loaded.returncode == 0, loaded.stderr
    assert "6 teams" in loaded.stdout
    yield url
    drop_scratch_database(url)


def signed_in(client: TestClient, email: str, password: str = DEMO_PASSWORD) -> TestClient:
    """Signs in through the token endpoint, as the README shows, and keeps the token."""
    response = client.post(
        f"{API}/auth/token",
        data={"grant_type": "password", "username": email, "password": password},
    )
    assert response.status_code == 200, response.text
    client.headers["Authorization"] = f"Bearer {response.json()['access_token']}"
    return client


@pytest.fixture
def demo_client(demo_url: str, tmp_path: Path) -> Iterator[TestClient]:
    engine = make_engine(demo_url)
    settings = Settings(database_url=demo_url, data_dir=tmp_path)
    keys.load_or_create(tmp_path)
    app = create_app(settings, make_sessionmaker(engine))
    with TestClient(app) as client:
        assert client.get(f"{API}/teams").status_code == 401
        yield signed_in(client, "programme.lead@example.nhs.uk")
    engine.dispose()


def _all(client: TestClient, path: str, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = {"limit": 200, **params} | ({"cursor": cursor} if cursor else {})
        page = client.get(f"{API}{path}", params=query).json()
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items


def test_demo_shows_the_south_yorkshire_collaborative(demo_client: TestClient) -> None:
    collaboratives = _all(demo_client, "/collaboratives")
    assert [c["name"] for c in collaboratives] == [
        "Improving mental health and staff retention for South Yorkshire staff"
    ]
    assert (collaboratives[0]["starts_on"], collaboratives[0]["ends_on"]) == (
        "2024-07-31",
        "2025-09-22",
    )
    teams = _all(demo_client, "/teams")
    assert len(teams) == 6
    # Five leads meet the collaborative's lead rule; one chose not to say.
    assert sorted(str(t["lead_criterion_met"]) for t in teams) == ["None"] + ["True"] * 5
    meetings = _all(demo_client, "/meetings")
    assert [m["starts_at"][:10] for m in meetings] == [
        "2024-09-05",
        "2024-11-21",
        "2025-02-13",
        "2025-04-28",
        "2025-07-10",
        "2025-09-22",
    ]
    codes = {o["ods_code"] for o in _all(demo_client, "/organisations")}
    assert {"RHQ", "TAH", "RFF", "RFR", "RXE", "RP5", "QF7"} <= codes
    # The teams' monthly workforce figures came in by one import, which the lead sees
    # (tests/app/test_demo_workforce.py reads it in full).
    [record] = _all(demo_client, "/imports")
    assert (record["kind"], record["status"], record["created_by"]) == (
        "workforce-monthly",
        "succeeded",
        "demo",
    )
    assert sorted(record["teams"]) == sorted(t["id"] for t in teams)


def test_every_demo_team_has_an_external_ref_of_its_trust(demo_client: TestClient) -> None:
    """So the demo extracts' rows (ods_code, team_ref) find their teams."""
    organisations = {o["id"]: o["ods_code"] for o in _all(demo_client, "/organisations")}
    teams = _all(demo_client, "/teams")
    refs = [ref for team in teams for ref in team["external_refs"]]
    assert len(refs) == len(teams) == 6
    for team in teams:
        [ref] = team["external_refs"]
        assert ref["ods_code"] == organisations[team["organisation_ids"][0]]
        assert ref["system"] is None
    assert ("RHQ", "ED-NURSING-NGH") in {(ref["ods_code"], ref["ref"]) for ref in refs}
    assert len({(ref["ods_code"], ref["ref"]) for ref in refs}) == 6


def test_demo_keeps_the_collaborative_rules(demo_client: TestClient) -> None:
    for team in _all(demo_client, "/teams"):
        current = _all(demo_client, f"/teams/{team['id']}/members", current="true")
        assert 3 <= len(current) <= 5, team["name"]
        assert [m["role"] for m in current].count("lead") == 1, team["name"]
        assert team["coach_id"] is not None
        measures = _all(demo_client, "/measures", team_id=team["id"])
        assert len(measures) >= 5
        for measure in measures:
            points = _all(demo_client, f"/teams/{team['id']}/measures/{measure['id']}/data")
            assert len(points) >= 12, (team["name"], measure["code"])
            # A week too few answered the survey is a gap (tests/app/test_demo_surveys.py).
            shown = [p for p in points if not p["suppressed"]]
            assert len(points) - len(shown) <= 1, (team["name"], measure["code"])
            if measure["chart"] == "p":
                assert all(0 <= p["numerator"] <= p["denominator"] for p in shown)
            else:
                assert all(p["value"] is not None for p in shown)


def _status_for_dates(starts_on: date, ends_on: date, on: date) -> set[str]:
    """The collaborative statuses its dates allow on a given day."""
    if on > ends_on:
        return {"completed"}
    if on < starts_on:
        return {"planning", "recruiting"}
    return {"running"}


def test_the_demo_collaborative_status_agrees_with_its_dates(demo_client: TestClient) -> None:
    """It ended on 22 September 2025 with the showcase, so it is completed, and its teams are
    in the statuses a completed collaborative allows (all six completed)."""
    (collaborative,) = _all(demo_client, "/collaboratives")
    starts_on, ends_on = (date.fromisoformat(collaborative[k]) for k in ("starts_on", "ends_on"))
    assert collaborative["status"] in _status_for_dates(starts_on, ends_on, today())
    assert collaborative["status"] == "completed"
    teams = _all(demo_client, "/teams")
    assert {team["status"] for team in teams} == {"completed"}
    assert all(team["status"] in ALLOWED_IN[CollaborativeStatus.COMPLETED] for team in teams)
    dashboard = demo_client.get(f"{API}/collaboratives/{collaborative['id']}/dashboard").json()
    assert [team["status"] for team in dashboard["teams"]] == ["completed"] * 6
    assert len(dashboard["cells"]) == 6 * len(dashboard["measures"])


def test_demo_refuses_a_database_with_data_unless_forced(demo_url: str, tmp_path: Path) -> None:
    again = qicollab(demo_url, "demo")
    assert again.returncode == 1
    assert "--force" in again.stderr
    forced = qicollab(demo_url, "demo", "--force")
    assert forced.returncode == 0, forced.stderr
    engine = make_engine(demo_url)
    keys.load_or_create(tmp_path)
    app = create_app(Settings(database_url=demo_url, data_dir=tmp_path), make_sessionmaker(engine))
    with TestClient(app) as client:
        assert len(_all(signed_in(client, "programme.lead@example.nhs.uk"), "/teams")) == 6
    engine.dispose()


def test_demo_accounts_get_fresh_passwords_printed_once(tmp_path: Path) -> None:
    url = create_scratch_database(str(tmp_path))
    try:
        loaded = qicollab(url, "demo", password=None)
        assert loaded.returncode == 0, loaded.stderr
        lines = [line.split() for line in loaded.stdout.splitlines() if "@example.nhs.uk" in line]
        assert [line[0] for line in lines] == ["admin", "coach", "member"]
        passwords = [line[2] for line in lines]
        assert len(set(passwords)) == 3
        assert all(len(password) >= 12 for password in passwords)
        engine = make_engine(url)
        keys.load_or_create(tmp_path)
        app = create_app(Settings(database_url=url, data_dir=tmp_path), make_sessionmaker(engine))
        with TestClient(app) as client:
            coach = signed_in(client, lines[1][1], passwords[1])
            assert coach.get(f"{API}/teams").status_code == 200
        engine.dispose()
    finally:
        drop_scratch_database(url)


def _series(session: Session) -> list[tuple[object, ...]]:
    rows = session.execute(
        select(
            Team.name,
            Measure.code,
            DataPoint.period_start,
            DataPoint.value,
            DataPoint.numerator,
            DataPoint.denominator,
        )
        .join(Team, Team.id == DataPoint.team_id)
        .join(Measure, Measure.id == DataPoint.measure_id)
        .order_by(Team.name, Measure.code, DataPoint.period_start)
    )
    return [tuple(row) for row in rows]


def _survey(session: Session) -> list[tuple[object, ...]]:
    """The stored survey aggregates (totals and groups) and response-id hashes."""
    aggregates = session.execute(
        select(
            Team.name,
            SurveyAggregate.period_start,
            SurveyAggregate.group_type,
            SurveyAggregate.group_value,
            SurveyAggregate.counts,
        )
        .join(Team, Team.id == SurveyAggregate.team_id)
        .order_by(
            Team.name,
            SurveyAggregate.period_start,
            SurveyAggregate.group_type,
            SurveyAggregate.group_value,
        )
    )
    hashes = session.execute(
        select(Team.name, SurveyResponseHash.period_start, SurveyResponseHash.digest)
        .join(Team, Team.id == SurveyResponseHash.team_id)
        .order_by(Team.name, SurveyResponseHash.period_start, SurveyResponseHash.digest)
    )
    return [tuple(row) for row in aggregates] + [tuple(row) for row in hashes]


def _workforce(session: Session) -> list[tuple[object, ...]]:
    """The stored workforce months, and the demo import's file (its SHA-256 and size)."""
    months = session.execute(
        select(Team.name, WorkforceMonth)
        .join(Team, Team.id == WorkforceMonth.team_id)
        .order_by(Team.name, WorkforceMonth.month)
    )
    files = session.execute(select(Import.sha256, Import.bytes, Import.rows_read))
    return [(name, row.figures()) for name, row in months] + [tuple(row) for row in files]


def test_demo_is_the_same_every_time(demo_url: str, tmp_path: Path) -> None:
    other = create_scratch_database(str(tmp_path))
    try:
        assert qicollab(other, "demo").returncode == 0
        series, survey, workforce = [], [], []
        for url in (demo_url, other):
            engine = make_engine(url)
            with make_sessionmaker(engine)() as session:
                series.append(_series(session))
                survey.append(_survey(session))
                workforce.append(_workforce(session))
            engine.dispose()
        assert len(series[0]) > 1000
        assert series[0] == series[1]
        assert len(survey[0]) > 10000
        assert survey[0] == survey[1]
        assert len(workforce[0]) == 6 * 24 + 1
        assert workforce[0] == workforce[1]
    finally:
        drop_scratch_database(other)


def test_the_demo_coach_reaches_their_teams_and_the_demo_member_can_be_erased(
    demo_url: str, tmp_path: Path
) -> None:
    engine = make_engine(demo_url)
    keys.load_or_create(tmp_path)
    app = create_app(Settings(database_url=demo_url, data_dir=tmp_path), make_sessionmaker(engine))
    with TestClient(app) as admin, TestClient(app) as person, TestClient(app) as coach:
        signed_in(admin, "programme.lead@example.nhs.uk")
        members = admin.get(f"{API}/accounts", params={"role": "member"}).json()["items"]
        coaches = admin.get(f"{API}/accounts", params={"role": "coach"}).json()["items"]
        (account,) = members
        signed_in(person, account["email"])
        signed_in(coach, coaches[0]["email"])
        me = coach.get(f"{API}/me").json()
        coached = [t["id"] for t in me["teams"] if t["relation"] == "coach"]
        assert coached
        assert sorted(t["id"] for t in coach.get(f"{API}/teams").json()["items"]) == sorted(coached)
        # The demo's workforce import was about the coach's teams too, so they see it.
        [record] = coach.get(f"{API}/imports").json()["items"]
        assert set(coached) <= set(record["teams"])
        assert person.get(f"{API}/imports").json()["items"] == [record]

        path = f"{API}/members/{account['member_id']}"
        etag = admin.get(path).headers["etag"]
        erased = admin.delete(path, params={"erase": "true"}, headers={"If-Match": etag})

        assert erased.status_code == 204, erased.text
        assert person.get(f"{API}/me").status_code == 401
        assert admin.get(f"{API}/accounts/{account['id']}").status_code == 404
    engine.dispose()


def test_every_demo_point_starts_its_period(demo_url: str) -> None:
    """The demo's data passes the rule new writes must pass: one point per week or month."""
    engine = make_engine(demo_url)
    with make_sessionmaker(engine)() as session:
        rows = session.execute(
            select(Measure.frequency, DataPoint.period_start).join(
                Measure, Measure.id == DataPoint.measure_id
            )
        ).all()
    engine.dispose()
    assert len(rows) > 1000
    frequencies = {frequency for frequency, _ in rows}
    assert frequencies == {Frequency.WEEKLY, Frequency.MONTHLY}
    assert [
        (frequency, day) for frequency, day in rows if period_containing(frequency, day) != day
    ] == []

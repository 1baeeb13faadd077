"""The dashboard for 200 teams x 12 shared measures x 104 weekly points, on PostgreSQL."""

import io
import os
import random
import time
import uuid
from datetime import UTC, date, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, make_url, select, text
from sqlalchemy.orm import Session

from app.charts import service as charts_service
from app.collaboratives.models import Collaborative
from app.config import Settings
from app.data_points.models import DataPoint
from app.db import make_engine, make_sessionmaker
from app.main import create_app
from app.measures.models import Measure
from app.migrate import upgrade
from app.spc import SeriesPoint, compute_chart

N_TEAMS, N_MEASURES, N_WEEKS = 200, 12, 104
REPEATS = 3
SERVER = os.environ.get("TEST_DATABASE_URL") or "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _scratch_database() -> str:
    name = f"qi_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(SERVER, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(SERVER).set(database=name).render_as_string(hide_password=False)


def _drop(url: str) -> None:
    admin = create_engine(SERVER, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    admin.dispose()


def _copy(cursor: object, table: str, columns: str, rows: list[tuple[object, ...]]) -> None:
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join("\\N" if v is None else str(v) for v in row) + "\n")
    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:  # type: ignore[attr-defined]
        copy.write(buffer.getvalue())


def _load(url: str) -> uuid.UUID:
    """Rows straight in with COPY: the set-up is not what is being measured."""
    rng = random.Random(7)
    now = datetime.now(UTC).isoformat()
    collaborative, organisation = uuid.uuid4(), uuid.uuid4()
    teams = [uuid.uuid4() for _ in range(N_TEAMS)]
    measures = [uuid.uuid4() for _ in range(N_MEASURES)]
    common = (now, now, 1)
    engine = create_engine(url)
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        meta = "created_at, updated_at, version"
        _copy(
            cursor,
            "organisations",
            f"id, ods_code, name, kind, {meta}",
            [(organisation, "RHQ", "Bench trust", "trust", *common)],
        )
        _copy(
            cursor,
            "collaboratives",
            f"id, name, starts_on, ends_on, max_teams, max_team_size, status, {meta}",
            [(collaborative, "Bench", "2024-01-01", "2026-01-01", N_TEAMS, 5, "running", *common)],
        )
        _copy(
            cursor,
            "teams",
            f"id, collaborative_id, name, status, {meta}",
            [(t, collaborative, f"Team {i}", "active", *common) for i, t in enumerate(teams)],
        )
        _copy(
            cursor,
            "measures",
            f"id, code, name, kind, chart, improvement_direction, target, frequency, multiply, "
            f"collaborative_id, {meta}",
            [
                (
                    m,
                    f"M{i}",
                    f"Measure {i}",
                    "outcome",
                    "xmr",
                    "increase",
                    50.0,
                    "weekly",
                    1.0,
                    collaborative,
                    *common,
                )
                for i, m in enumerate(measures)
            ],
        )
        weeks = [date(2024, 1, 1) + timedelta(weeks=w) for w in range(N_WEEKS)]
        rows = [
            (uuid.uuid4(), t, m, week, round(rng.gauss(50, 5), 2), *common)
            for t in teams
            for m in measures
            for week in weeks
        ]
        _copy(cursor, "data_points", f"id, team_id, measure_id, period_start, value, {meta}", rows)
        raw.commit()
    finally:
        raw.close()
        engine.dispose()
    return collaborative


def _one_query_per_series(session: Session, collaborative: Collaborative) -> int:
    """The baseline: what a straightforward loop over teams and measures would do."""
    cells = 0
    teams = session.scalars(
        text("SELECT id FROM teams WHERE collaborative_id = :c").bindparams(c=collaborative.id)
    ).all()
    measures = session.scalars(
        select(Measure).where(Measure.collaborative_id == collaborative.id)
    ).all()
    for team_id in teams:
        for measure in measures:
            rows = session.execute(
                select(
                    DataPoint.period_start,
                    DataPoint.value,
                    DataPoint.numerator,
                    DataPoint.denominator,
                )
                .where(DataPoint.team_id == team_id, DataPoint.measure_id == measure.id)
                .order_by(DataPoint.period_start)
            ).all()
            points = [SeriesPoint(on, v, n, d) for on, v, n, d in rows]
            compute_chart(points, charts_service.options_for(measure))
            cells += 1
    return cells


def _best(action: object) -> float:
    assert callable(action)
    best = float("inf")
    for _ in range(REPEATS):
        started = time.perf_counter()
        action()
        best = min(best, time.perf_counter() - started)
    return best


def dashboard_benchmark() -> None:
    url = _scratch_database()
    try:
        upgrade(url)
        started = time.perf_counter()
        collaborative_id = _load(url)
        print(
            f"\ndashboard data: {N_TEAMS} teams x {N_MEASURES} measures x {N_WEEKS} weeks = "
            f"{N_TEAMS * N_MEASURES * N_WEEKS:,} points on PostgreSQL "
            f"(loaded in {time.perf_counter() - started:.1f} s)"
        )
        engine = make_engine(url)
        factory = make_sessionmaker(engine)
        with factory() as session:
            collaborative = session.get_one(Collaborative, collaborative_id)
            cells = len(charts_service.dashboard(session, collaborative).cells)
            service_time = _best(lambda: charts_service.dashboard(session, collaborative))
            baseline = _best(lambda: _one_query_per_series(session, collaborative))
        app = create_app(Settings(database_url=url), factory)
        with TestClient(app) as client:
            path = f"/api/v1/collaboratives/{collaborative_id}/dashboard"
            assert len(client.get(path).json()["cells"]) == cells
            http_time = _best(lambda: client.get(path).raise_for_status())
        engine.dispose()
        print(
            f"dashboard ({cells:,} cells), service call: {service_time:.3f} s (best of {REPEATS})"
        )
        print(f"dashboard over HTTP, JSON included:  {http_time:.3f} s")
        print(
            f"baseline, one query per series:      {baseline:.3f} s "
            f"({baseline / service_time:.1f}x the dashboard)"
        )
        print(f"target < 1 s: {'met' if http_time < 1 else 'NOT met'}")
    finally:
        _drop(url)

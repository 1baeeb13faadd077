"""The dashboard for 200 teams x 12 shared measures x 104 weekly points, on PostgreSQL (or on
SQLite when BENCH_DATABASE_URL names it), read over HTTP as a signed-in programme lead.

Run: .venv/bin/python benchmarks/dashboard_bench.py [--size tiny]
"""

import argparse
import io
import os
import random
import secrets
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fastapi.testclient import TestClient
from sqlalchemy import Connection, create_engine, insert, make_url, select, text
from sqlalchemy.orm import Session, sessionmaker

from app.accounts.service import create_account
from app.audit.service import AuditTrail
from app.auth import keys
from app.auth.models import Role
from app.charts import service as charts_service
from app.collaboratives.models import Collaborative
from app.config import Settings
from app.data_points.models import DataPoint
from app.db import Base, make_engine, make_sessionmaker
from app.main import create_app
from app.measures.models import Measure
from app.migrate import upgrade
from app.spc import SeriesPoint, compute_chart
from app.teams.models import Team


@dataclass(frozen=True)
class Workload:
    teams: int
    measures: int
    weeks: int
    repeats: int


# `tiny` is the smoke run CI makes: every step once, on a few rows, nothing timed against a target.
SIZES = {"full": Workload(200, 12, 104, 3), "tiny": Workload(3, 2, 8, 1)}
SERVER = (
    os.environ.get("BENCH_DATABASE_URL")
    or os.environ.get("TEST_DATABASE_URL")
    or "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
API = "/api/v1"
ADMIN_EMAIL = "bench.lead@example.nhs.uk"


def _is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def scratch_database(server: str = SERVER) -> str:
    """A new empty database on `server` (a folder of its own for SQLite); drop it after."""
    if _is_sqlite(server):
        folder = tempfile.mkdtemp(prefix="qi_bench_")
        return f"sqlite:///{folder}/bench.db"
    name = f"qi_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(server).set(database=name).render_as_string(hide_password=False)


def drop_database(url: str, server: str = SERVER) -> None:
    if _is_sqlite(url):
        database = make_url(url).database
        assert database is not None
        shutil.rmtree(Path(database).parent, ignore_errors=True)
        return
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    admin.dispose()


def _write(connection: Connection, table: str, rows: list[dict[str, Any]]) -> None:
    """COPY on PostgreSQL (the full data set is 250,000 points); a plain insert on SQLite."""
    if connection.dialect.name != "postgresql":
        connection.execute(insert(Base.metadata.tables[table]), rows)
        return
    columns = list(rows[0])
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join("\\N" if v is None else str(v) for v in row.values()) + "\n")
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        copy.write(buffer.getvalue())


def _load(url: str, size: Workload) -> uuid.UUID:
    """Rows straight in: the set-up is not what is being measured."""
    rng = random.Random(7)
    now = datetime.now(UTC)
    collaborative, organisation = uuid.uuid4(), uuid.uuid4()
    teams = [uuid.uuid4() for _ in range(size.teams)]
    measures = [uuid.uuid4() for _ in range(size.measures)]
    common = {"created_at": now, "updated_at": now, "version": 1}
    weeks = [date(2024, 1, 1) + timedelta(weeks=w) for w in range(size.weeks)]
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            organisation_row = {"id": organisation, "ods_code": "RHQ", "name": "Bench trust"}
            _write(connection, "organisations", [{**organisation_row, "kind": "trust", **common}])
            collaborative_row = {
                "id": collaborative,
                "name": "Bench",
                "starts_on": date(2024, 1, 1),
                "ends_on": date(2026, 1, 1),
                "max_teams": size.teams,
                "max_team_size": 5,
                "status": "running",
            }
            _write(connection, "collaboratives", [{**collaborative_row, **common}])
            _write(
                connection,
                "teams",
                [
                    {"id": t, "collaborative_id": collaborative, "name": f"Team {i}"}
                    | {"status": "active", **common}
                    for i, t in enumerate(teams)
                ],
            )
            measure_row = {
                "kind": "outcome",
                "chart": "xmr",
                "improvement_direction": "increase",
                "target": 50.0,
                "frequency": "weekly",
                "multiply": 1.0,
                "collaborative_id": collaborative,
            }
            _write(
                connection,
                "measures",
                [
                    {"id": m, "code": f"M{i}", "name": f"Measure {i}", **measure_row, **common}
                    for i, m in enumerate(measures)
                ],
            )
            points = [
                {"id": uuid.uuid4(), "team_id": t, "measure_id": m, "period_start": week}
                | {"value": round(rng.gauss(50, 5), 2), **common}
                for t in teams
                for m in measures
                for week in weeks
            ]
            _write(connection, "data_points", points)
    finally:
        engine.dispose()
    return collaborative


def _one_query_per_series(session: Session, collaborative: Collaborative) -> int:
    """The baseline: what a straightforward loop over teams and measures would do."""
    cells = 0
    teams = session.scalars(select(Team.id).where(Team.collaborative_id == collaborative.id)).all()
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


def _best(repeats: int, action: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        best = min(best, time.perf_counter() - started)
    return best


def _sign_in(client: TestClient, factory: sessionmaker[Session]) -> str:
    """A programme lead's access token, from the password grant as any client gets one: every
    /api/v1 route needs a token."""
    password = secrets.token_urlsafe(16)
    trail = AuditTrail(actor="bench", method="CLI")
    with factory.begin() as session:
        create_account(session, trail, email=ADMIN_EMAIL, role=Role.ADMIN, password=password)
    trail.flush(factory)
    response = client.post(
        f"{API}/auth/token",
        data={"grant_type": "password", "username": ADMIN_EMAIL, "password": password},
    )
    response.raise_for_status()
    token: str = response.json()["access_token"]
    return token


def dashboard_benchmark(size: Workload = SIZES["full"]) -> None:
    url = scratch_database()
    data_dir = tempfile.mkdtemp(prefix="qi_bench_keys_")
    try:
        upgrade(url)
        started = time.perf_counter()
        collaborative_id = _load(url, size)
        backend = "SQLite" if _is_sqlite(url) else "PostgreSQL"
        print(
            f"\ndashboard data: {size.teams} teams x {size.measures} measures x {size.weeks} weeks"
            f" = {size.teams * size.measures * size.weeks:,} points on {backend} "
            f"(loaded in {time.perf_counter() - started:.1f} s)"
        )
        engine = make_engine(url)
        factory = make_sessionmaker(engine)
        with factory() as session:
            collaborative = session.get_one(Collaborative, collaborative_id)
            cells = len(charts_service.dashboard(session, collaborative).cells)
            service_time = _best(
                size.repeats, lambda: charts_service.dashboard(session, collaborative)
            )
            baseline = _best(size.repeats, lambda: _one_query_per_series(session, collaborative))
        keys.load_or_create(Path(data_dir))
        app = create_app(Settings(database_url=url, data_dir=Path(data_dir)), factory)
        with TestClient(app) as client:
            client.headers["Authorization"] = f"Bearer {_sign_in(client, factory)}"
            path = f"{API}/collaboratives/{collaborative_id}/dashboard"
            response = client.get(path)
            response.raise_for_status()
            served = len(response.json()["cells"])
            if served != cells:
                raise SystemExit(f"the API served {served} dashboard cells, the service {cells}")
            http_time = _best(size.repeats, lambda: client.get(path).raise_for_status())
        engine.dispose()
        print(
            f"dashboard ({cells:,} cells), service call: {service_time:.3f} s "
            f"(best of {size.repeats})"
        )
        print(f"dashboard over HTTP, JSON included:  {http_time:.3f} s")
        print(
            f"baseline, one query per series:      {baseline:.3f} s "
            f"({baseline / service_time:.1f}x the dashboard)"
        )
        if size == SIZES["full"]:
            print(f"target < 1 s: {'met' if http_time < 1 else 'NOT met'}")
    finally:
        drop_database(url)
        shutil.rmtree(data_dir, ignore_errors=True)


def size_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--size",
        choices=sorted(SIZES),
        default=os.environ.get("BENCH_SIZE", "full"),
        help="full: the workload the targets are for; tiny: a smoke run (default: $BENCH_SIZE "
        "or full)",
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Times the dashboard.")
    size_argument(parser)
    dashboard_benchmark(SIZES[parser.parse_args().size])

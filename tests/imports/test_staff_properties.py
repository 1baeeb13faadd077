"""Ingest 3.4's promise through HTTP, for random staff histories (Hypothesis): a person-level
file (with or without its absence part) and the monthly file of its aggregates store the
same months."""

import csv
import io
import uuid
from dataclasses import fields

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.workforce.aggregation import AbsenceEpisode, Assignment, MonthlyFigures, aggregate_staff
from app.workforce.models import WorkforceMonth
from tests.imports_support import IMPORTS, Collaborative, Trust, collaborative
from tests.workforce.test_properties import FIRST, LAST, histories

History = tuple[list[Assignment[str]], list[AbsenceEpisode[str]] | None]
COLUMNS = [f.name for f in fields(MonthlyFigures)]


def _csv(header: list[str], rows: list[list[object]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    # repr: a float written so that it reads back as the same float.
    writer.writerows([["" if v is None else repr(v) if isinstance(v, float) else v for v in row]
                      for row in rows])  # fmt: skip
    return out.getvalue().encode()


def staff_file(history: History, teams: dict[str, Trust]) -> tuple[bytes, bytes | None]:
    rows, episodes = history
    staff = _csv(
        ["employee_ref", "ods_code", "team_ref", "start_date", "end_date", "fte"],
        [[a.employee, teams[a.team].ods, teams[a.team].ref, a.start, a.end, a.fte] for a in rows],
    )
    if episodes is None:
        return staff, None
    absence = _csv(
        ["employee_ref", "ods_code", "team_ref", "start_date", "end_date", "fte_days_lost"],
        [
            [e.employee, teams[e.team].ods, teams[e.team].ref, e.start, e.end, e.fte_days_lost]
            for e in episodes
        ],
    )
    return staff, absence


def monthly_file(history: History, teams: dict[str, Trust]) -> bytes:
    """What a trust's analyst would send instead: 3.3's rows, aggregated by the same rules."""
    rows, episodes = history
    result = aggregate_staff(rows, episodes, FIRST, LAST)
    return _csv(
        ["ods_code", "team_ref", *COLUMNS],
        [
            [teams[team].ods, teams[team].ref, *(getattr(f, name) for name in COLUMNS)]
            for team, months in result.items()
            for f in months
        ],
    )


def stored(factory: sessionmaker[Session], world: Collaborative) -> dict[tuple[str, str], object]:
    with factory() as session:
        rows = session.scalars(
            select(WorkforceMonth).where(
                WorkforceMonth.team_id.in_([uuid.UUID(world.a.team_id), uuid.UUID(world.b.team_id)])
            )
        ).all()
        return {(str(row.team_id), row.month.isoformat()): row.figures() for row in rows}


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(history=histories())
def test_the_staff_file_and_the_monthly_file_of_its_aggregates_store_the_same_months(
    client: TestClient, session_factory: sessionmaker[Session], history: History
) -> None:
    world = collaborative(client)  # new teams for each example
    teams = {"A": world.a, "B": world.b}
    staff, absence = staff_file(history, teams)
    window = {"from": f"{FIRST:%Y-%m}", "to": f"{LAST:%Y-%m}"}
    files = {"file": ("staff.csv", staff, "text/csv")}
    if absence is not None:
        files["absence"] = ("absence.csv", absence, "text/csv")

    by_person = client.post(
        IMPORTS,
        params={"kind": "workforce-staff", "collaborative_id": world.id} | window,
        files=files,
    )
    assert by_person.status_code == 201, by_person.text
    from_staff = stored(session_factory, world)
    by_month = client.post(
        IMPORTS,
        params={"kind": "workforce-monthly", "collaborative_id": world.id},
        content=monthly_file(history, teams),
        headers={"Content-Type": "text/csv"},
    )
    assert by_month.status_code == 201, by_month.text
    assert by_month.json()["warning_count"] == 0

    assert stored(session_factory, world) == from_staff
    rows, _ = history
    assert len(from_staff) == 19 * len({a.team for a in rows})  # every month of the window
    assert by_person.json()["aggregates_written"] == len(from_staff)

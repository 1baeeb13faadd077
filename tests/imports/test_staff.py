"""POST /imports of workforce-staff files (ingest spec 3.4): the person-level extract and its
absence episodes, as two multipart parts or as one workbook with an `absence` sheet, store the
months the monthly file of the same staff stores; employee references are never kept."""

import csv
import hashlib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, inspect, select, table, text
from sqlalchemy.orm import Session, sessionmaker

from app.workforce.models import WorkforceMonth
from tests import api
from tests.api import API, assert_problem
from tests.imports_support import IMPORTS, workforce
from tests.integrations.workbooks import write_openpyxl

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
STAFF = (EXAMPLES / "esr-staff-2025-q3.csv").read_bytes()
ABSENCE = (EXAMPLES / "esr-absence-2025-q3.csv").read_bytes()
MONTHLY = (EXAMPLES / "workforce-monthly-2025-q3.csv").read_bytes()
WINDOW = {"from": "2025-07", "to": "2025-09"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The monthly file's teams: the two of the person-level extract, and four it knows nothing of.
TEAMS = [
    ("RHQ", "ED-NURSING-NGH"),
    ("RP5", "PHARMACY-DISPENSARY-DRI"),
    ("TAH", "CMHT-SHEFFIELD-NORTH"),
    ("RFF", "AMU-NURSING"),
    ("RFR", "MATERNITY-WARD"),
    ("RXE", "OPMH-WARD-DONCASTER"),
]
ESR_TEAMS = [ref for _, ref in TEAMS[:2]]
# What only the monthly file says (funded posts), and what only the person-level file can
# (the monthly example leaves stable_headcount_12m out); and the metrics made of them.
ONE_SIDED = ("establishment_fte", "vacancies_fte", "stable_headcount_12m")
ONE_SIDED_METRICS = ("vacancy_rate", "stability_index_12m")


@dataclass(frozen=True)
class Demo:
    id: str
    teams: dict[str, str]  # team_ref -> team id


@pytest.fixture
def demo(client: TestClient) -> Demo:
    """A collaborative whose teams carry the example files' external references."""
    made = api.collaborative(client)
    organisations: dict[str, str] = {}
    teams = {}
    for ods, ref in TEAMS:
        if ods not in organisations:
            organisations[ods] = api.organisation(client, ods_code=ods)["id"]
        teams[ref] = api.team(
            client, made["id"], [organisations[ods]], external_refs=[{"ods_code": ods, "ref": ref}]
        )["id"]
    return Demo(made["id"], teams)


def post_staff(
    client: TestClient,
    collaborative_id: str,
    staff: bytes = STAFF,
    absence: bytes | None = ABSENCE,
    *,
    headers: dict[str, str] | None = None,
    params: Mapping[str, str | None] | None = None,
) -> Any:
    """The staff file and, unless None, its absence episodes as two multipart parts."""
    files = {"file": ("esr-staff.csv", staff, "text/csv")}
    if absence is not None:
        files["absence"] = ("esr-absence.csv", absence, "text/csv")
    query: dict[str, str | None] = {"kind": "workforce-staff", "collaborative_id": collaborative_id}
    query |= WINDOW | dict(params or {})
    return client.post(
        IMPORTS,
        params={name: value for name, value in query.items() if value is not None},
        files=files,
        headers=headers,
    )


def post_monthly(client: TestClient, collaborative_id: str, data: bytes) -> Any:
    return client.post(
        IMPORTS,
        params={"kind": "workforce-monthly", "collaborative_id": collaborative_id},
        content=data,
        headers={"Content-Type": "text/csv"},
    )


def shown(client: TestClient, team_id: str) -> dict[str, Any]:
    """GET /teams/{id}/workforce without what only one of the files says, nor the import."""
    body = workforce(client, team_id)
    body["months"] = [
        {k: v for k, v in month.items() if k not in ("import_id", *ONE_SIDED)}
        for month in body["months"]
    ]
    body["metrics"] = {k: v for k, v in body["metrics"].items() if k not in ONE_SIDED_METRICS}
    return body


def test_the_staff_and_absence_parts_store_the_months_of_the_monthly_file(
    client: TestClient, demo: Demo
) -> None:
    response = post_staff(client, demo.id)

    assert response.status_code == 201, response.text
    record = response.json()
    assert record["kind"] == "workforce-staff"
    assert (record["filename"], record["media_type"]) == ("esr-staff.csv", "text/csv")
    assert record["rows_read"] == STAFF.count(b"\n") - 1 + ABSENCE.count(b"\n") - 1
    assert (record["rows_skipped"], record["error_count"], record["warning_count"]) == (0, 0, 0)
    assert record["periods"] == {"first": "2025-07-01", "last": "2025-09-01"}
    assert sorted(record["teams"]) == sorted(demo.teams[ref] for ref in ESR_TEAMS)
    assert record["aggregates_written"] == 6
    from_staff = {ref: shown(client, demo.teams[ref]) for ref in ESR_TEAMS}
    ed = workforce(client, demo.teams["ED-NURSING-NGH"])["months"]
    assert [(m["month"], m["headcount_start"], m["stable_headcount_12m"]) for m in ed] == [
        ("2025-07-01", 38, 35),
        ("2025-08-01", 39, 34),
        ("2025-09-01", 38, 33),
    ]

    assert post_monthly(client, demo.id, MONTHLY).status_code == 201

    for ref in ESR_TEAMS:
        assert shown(client, demo.teams[ref]) == from_staff[ref]
        assert len(from_staff[ref]["months"]) == 3


def _cell(column: str, value: str) -> object:
    """A CSV cell as a workbook holds it: dates as date cells, figures as numbers."""
    if not value:
        return None
    if column in ("start_date", "end_date"):
        if "/" in value:
            day, month, year = map(int, value.split("/"))
            return date(year, month, day)
        return date.fromisoformat(value)
    if column in ("fte", "fte_days_lost"):
        return float(value)
    return value


def as_sheet(data: bytes) -> list[list[object]]:
    header, *rows = csv.reader(data.decode().splitlines())
    sheet: list[list[object]] = [[*header]]
    sheet += ([_cell(c, v) for c, v in zip(header, row, strict=True)] for row in rows)
    return sheet


def test_one_workbook_with_an_absence_sheet_stores_what_the_two_parts_do(
    client: TestClient, demo: Demo, tmp_path: Path
) -> None:
    assert post_staff(client, demo.id).status_code == 201
    from_parts = {ref: shown(client, demo.teams[ref]) for ref in ESR_TEAMS}
    # The staff sheet first, the absence sheet by its name (in any case), wherever it is.
    sheets: dict[str, list[list[object]]] = {
        "Staff": as_sheet(STAFF),
        "Notes": [["Q3"]],
        " Absence": as_sheet(ABSENCE),
    }
    workbook = write_openpyxl(tmp_path / "esr.xlsx", sheets).read_bytes()

    response = client.post(
        IMPORTS,
        params={"kind": "workforce-staff", "collaborative_id": demo.id} | WINDOW,
        content=workbook,
        headers={"Content-Type": XLSX},
    )

    assert response.status_code == 201, response.text
    assert response.json()["rows_read"] == STAFF.count(b"\n") - 1 + ABSENCE.count(b"\n") - 1
    for ref in ESR_TEAMS:
        months = workforce(client, demo.teams[ref])["months"]
        assert {month["import_id"] for month in months} == {response.json()["id"]}
        assert shown(client, demo.teams[ref]) == from_parts[ref]


def test_without_absences_the_months_have_no_sickness_figures(
    client: TestClient, demo: Demo
) -> None:
    assert post_staff(client, demo.id).status_code == 201

    response = post_staff(client, demo.id, absence=None)

    assert response.status_code == 201, response.text
    for ref in ESR_TEAMS:
        months = workforce(client, demo.teams[ref])["months"]
        # Replaced: unknown now, not zero.
        assert [(m["sickness_fte_days_lost"], m["fte_days_available"]) for m in months] == [
            (None, None)
        ] * 3
        assert all(m["headcount_start"] > 30 for m in months)


def _all_rows(connection: Connection) -> dict[str, list[tuple[Any, ...]]]:
    names = inspect(connection).get_table_names()
    return {
        name: [tuple(row) for row in connection.execute(select(text("*")).select_from(table(name)))]
        for name in names
    }


def test_no_employee_reference_and_no_person_level_row_is_kept(
    client: TestClient, demo: Demo, tmp_path: Path, connection: Connection
) -> None:
    """After imports by parts, by workbook and a failed one, every table read in full."""
    before = {name: len(rows) for name, rows in _all_rows(connection).items()}
    assert post_staff(client, demo.id).status_code == 201
    sheets = {"staff": as_sheet(STAFF), "absence": as_sheet(ABSENCE)}
    workbook = write_openpyxl(tmp_path / "esr.xlsx", sheets).read_bytes()
    query = {"kind": "workforce-staff", "collaborative_id": demo.id} | WINDOW
    ok = client.post(IMPORTS, params=query, content=workbook, headers={"Content-Type": XLSX})
    assert ok.status_code == 201
    spoilt = STAFF.replace(b",0.6,", b",x,", 1)
    assert post_staff(client, demo.id, spoilt).status_code == 422

    refs = {line.split(b",")[0] for line in (STAFF + ABSENCE).splitlines()[1:] if line}
    refs -= {b"employee_ref"}
    assert len(refs) > 90
    after = _all_rows(connection)
    for name, rows in after.items():
        for row in rows:
            for value in row:
                cell = value if isinstance(value, bytes) else str(value).encode()
                assert not any(ref in cell for ref in refs), name
        assert not any(
            "employee" in column["name"] for column in inspect(connection).get_columns(name)
        )
        # A row per team and month at most: nothing of the file's 100 staff or 17 episodes.
        assert len(rows) - before[name] <= 2 * 3, name
    assert len(after["workforce_months"]) - before["workforce_months"] == 6


def test_row_errors_name_the_absence_table_apart_from_the_staff_table(
    client: TestClient, demo: Demo, session_factory: sessionmaker[Session]
) -> None:
    staff = STAFF.splitlines()
    staff[2] = staff[2].replace(b",0.6,", b",0,")  # row 3: fte must be > 0
    absence = ABSENCE.splitlines()
    absence[2] = absence[2].replace(b"2025-08-29", b"2025-09-29")  # row 3: ends before it starts
    absence[4] = b"PNOBODY000,RHQ,ED-NURSING-NGH,2025-07-10,2025-07-15,3"  # row 5: in no spell

    response = post_staff(client, demo.id, b"\n".join(staff), b"\n".join(absence))

    problem = assert_problem(response, 422)
    assert [(e["row"], e["column"]) for e in problem["errors"]] == [
        (3, "fte"),
        (3, "absence.end_date"),
        (5, "absence.start_date"),
    ]
    assert problem["errors"][0]["message"] == "fte must be more than 0"
    assert "PNOBODY000" not in response.text
    failed = client.get(f"{IMPORTS}/{problem['import_id']}").json()
    assert (failed["status"], failed["error_count"]) == ("failed", 3)
    with session_factory() as session:
        assert session.scalars(select(WorkforceMonth)).all() == []


def test_an_absence_table_without_a_column_is_a_422_naming_it(
    client: TestClient, demo: Demo
) -> None:
    absence = ABSENCE.replace(b",fte_days_lost", b",days", 1)

    problem = assert_problem(post_staff(client, demo.id, absence=absence), 422)

    assert problem["errors"] == [
        {
            "row": 1,
            "column": "absence.fte_days_lost",
            "message": "the required column fte_days_lost is missing",
        }
    ]


@pytest.mark.parametrize(
    ("window", "errors"),
    [
        ({"from": None, "to": None}, [("from", "required"), ("to", "required")]),
        ({"to": None}, [("to", "required")]),
        ({"from": "2025-13"}, [("from", "month")]),
        ({"from": "2025-10-15"}, [("to", "ends before it starts")]),
        ({"from": "2015-01"}, [("to", "longer than 120 months")]),
    ],
)
def test_the_window_is_required_and_checked(
    client: TestClient, demo: Demo, window: dict[str, str | None], errors: list[tuple[str, str]]
) -> None:
    problem = assert_problem(post_staff(client, demo.id, params=window), 422)

    found = [(e["loc"], e["message"]) for e in problem["errors"]]
    assert [loc for loc, _ in found] == [["query", name] for name, _ in errors]
    assert all(words in message for (_, message), (_, words) in zip(found, errors, strict=True))
    assert "import_id" not in problem


def test_a_date_in_the_month_stands_for_the_month(client: TestClient, demo: Demo) -> None:
    response = post_staff(client, demo.id, params={"from": "2025-07-31", "to": "2025-09-01"})
    assert response.status_code == 201, response.text
    assert response.json()["periods"] == {"first": "2025-07-01", "last": "2025-09-01"}


def test_parts_and_sheets_that_do_not_fit_are_a_422(
    client: TestClient, demo: Demo, tmp_path: Path
) -> None:
    # An absence part for another kind.
    monthly = client.post(
        IMPORTS,
        params={"kind": "workforce-monthly", "collaborative_id": demo.id},
        files={
            "file": ("monthly.csv", MONTHLY, "text/csv"),
            "absence": ("absence.csv", ABSENCE, "text/csv"),
        },
    )
    assert assert_problem(monthly, 422)["errors"] == [
        {"loc": ["body", "absence"], "message": "not a part of this kind of import"}
    ]
    # An absence part and an absence sheet: which?
    sheets = {"staff": as_sheet(STAFF), "absence": as_sheet(ABSENCE)}
    workbook = write_openpyxl(tmp_path / "esr.xlsx", sheets).read_bytes()
    query = {"kind": "workforce-staff", "collaborative_id": demo.id} | WINDOW
    both = client.post(
        IMPORTS,
        params=query,
        files={
            "file": ("esr.xlsx", workbook, XLSX),
            "absence": ("absence.csv", ABSENCE, "text/csv"),
        },
    )
    assert assert_problem(both, 422)["errors"][0]["loc"] == ["body", "absence"]
    # The staff table cannot be the absence sheet.
    first = write_openpyxl(tmp_path / "first.xlsx", dict(reversed(sheets.items()))).read_bytes()
    for params, data in [({}, first), ({"sheet": "ABSENCE"}, workbook)]:
        response = client.post(
            IMPORTS, params=query | params, content=data, headers={"Content-Type": XLSX}
        )
        assert assert_problem(response, 422)["errors"][0]["loc"] == ["query", "sheet"]
    # A part nobody asked for.
    other = client.post(
        IMPORTS,
        params=query,
        files={
            "file": ("staff.csv", STAFF, "text/csv"),
            "absences": ("absence.csv", ABSENCE, "text/csv"),
        },
    )
    assert assert_problem(other, 422)["errors"] == [
        {"loc": ["body", "absences"], "message": "not a part of this operation"}
    ]
    for ref in ESR_TEAMS:
        assert workforce(client, demo.teams[ref])["months"] == []


def test_an_absence_part_that_is_not_what_its_media_type_says_is_a_415_naming_it(
    client: TestClient, demo: Demo
) -> None:
    response = client.post(
        IMPORTS,
        params={"kind": "workforce-staff", "collaborative_id": demo.id} | WINDOW,
        files={
            "file": ("staff.csv", STAFF, "text/csv"),
            "absence": ("absence.xlsx", ABSENCE, XLSX),
        },
    )
    problem = assert_problem(response, 415)
    assert problem["detail"].startswith("The `absence` part is not what its media type says")
    assert problem["errors"][0]["loc"] == ["body", "absence"]


def test_the_idempotency_key_covers_the_absence_part(client: TestClient, demo: Demo) -> None:
    key = {"Idempotency-Key": str(uuid.uuid4())}
    first = post_staff(client, demo.id, headers=key)
    assert first.status_code == 201, first.text

    again = post_staff(client, demo.id, headers=key)
    other_absence = post_staff(client, demo.id, absence=ABSENCE + b"\n", headers=key)
    no_absence = post_staff(client, demo.id, absence=None, headers=key)

    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    for response in (other_absence, no_absence):
        assert assert_problem(response, 422)["type"].endswith(":idempotency-key-reused")
    imports = client.get(IMPORTS, params={"collaborative_id": demo.id}).json()["items"]
    assert len(imports) == 1


def test_a_dry_run_shows_the_months_and_stores_none(client: TestClient, demo: Demo) -> None:
    response = post_staff(client, demo.id, params={"dry_run": "true"})

    assert response.status_code == 200, response.text
    assert (response.json()["aggregates_written"], response.json()["rows_skipped"]) == (6, 0)
    for ref in ESR_TEAMS:
        assert workforce(client, demo.teams[ref])["months"] == []


def test_the_audit_event_names_the_file_s_hash_and_its_absence_part(
    client: TestClient, demo: Demo
) -> None:
    record = post_staff(client, demo.id).json()

    events = client.get(f"{API}/audit-events", params={"limit": 200}).json()["items"]
    (event,) = [e for e in events if e["action"] == "import_succeeded"]
    assert record["sha256"] == hashlib.sha256(STAFF).hexdigest()
    assert event["reason"] == (
        f"workforce-staff sha256={record['sha256']} parts=absence"
        f" rows={record['rows_read']} skipped=0 written=6 points=0"
    )

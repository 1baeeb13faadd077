"""XLSX files through POST /imports (ingest spec 3; issue 11 item 4), as workforce-monthly: the
workbooks openpyxl and LibreOffice write, a sheet by name, and every refusal answered with its
status and a problem body, leaving no stored month behind."""

import zipfile
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.integrations.xlsx import FORMULA_WITHOUT_VALUE
from app.main import create_app
from tests import api
from tests.api import assert_problem
from tests.imports_support import (
    IMPORTS,
    Collaborative,
    collaborative,
    csv_text,
    post_file,
    workforce,
)
from tests.integrations.workbooks import MACRO_TYPE, row, text, write_openpyxl, write_raw

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FIXTURES = Path(__file__).parent / "fixtures"
HEADER = [
    "ods_code",
    "team_ref",
    "month",
    "headcount_start",
    "headcount_end",
    "starters",
    "leavers",
    "sickness_fte_days_lost",
    "fte_days_available",
]


@pytest.fixture
def world(client: TestClient) -> Collaborative:
    return collaborative(client)


def figures(world: Collaborative) -> list[list[Any]]:
    """Two teams' months with date cells (a date, a date and time) and numbers."""
    a, b = world.a, world.b
    return [
        HEADER,
        [a.ods, a.ref, date(2025, 3, 15), 40, 39, 2, 3, 31.5, 1085],
        [a.ods, a.ref, datetime(2025, 4, 1, 0, 0), 39, 39, 1, 1, 12.25, 1050.5],
        [b.ods, b.ref, date(2025, 3, 31), 20, 21, 1, 0, None, None],
    ]


def book(folder: Path, sheets: dict[str, list[list[Any]]]) -> bytes:
    return write_openpyxl(folder / "book.xlsx", sheets).read_bytes()


def months(client: TestClient, team_id: str) -> list[dict[str, Any]]:
    """The team's stored months, without the import that stored them."""
    return [
        {key: value for key, value in month.items() if key != "import_id"}
        for month in workforce(client, team_id)["months"]
    ]


def assert_nothing_stored(client: TestClient, world: Collaborative, *, recorded: int = 0) -> None:
    """No month of either team, and no import record but `recorded` failed ones."""
    assert months(client, world.a.team_id) == []
    assert months(client, world.b.team_id) == []
    imports = client.get(IMPORTS, params={"collaborative_id": world.id}).json()["items"]
    assert [item["status"] for item in imports] == ["failed"] * recorded


def test_an_openpyxl_workbook_with_date_cells_stores_what_the_same_csv_does(
    client: TestClient, world: Collaborative, tmp_path: Path
) -> None:
    response = post_file(
        client, world.id, book(tmp_path, {"Sheet": figures(world)}), media_type=XLSX
    )

    assert response.status_code == 201, response.text
    record = response.json()
    assert (record["media_type"], record["rows_read"], record["error_count"]) == (XLSX, 3, 0)
    assert record["periods"] == {"first": "2025-03-01", "last": "2025-04-01"}
    from_xlsx = {team: months(client, team) for team in (world.a.team_id, world.b.team_id)}
    shown = [(m["month"], m["headcount_end"], m["sickness_fte_days_lost"]) for m in from_xlsx[
        world.a.team_id
    ]]  # fmt: skip
    assert shown == [("2025-03-01", 39, 31.5), ("2025-04-01", 39, 12.25)]
    assert from_xlsx[world.b.team_id][0]["fte_days_available"] is None

    a, b = world.a, world.b
    csv = csv_text(
        [
            f"{a.ods},{a.ref},15/03/2025,40,39,2,3,31.5,1085",
            f"{a.ods},{a.ref},2025-04-01,39,39,1,1,12.25,1050.5",
            f"{b.ods},{b.ref},31/03/2025,20,21,1,0,,",
        ]
    )
    assert post_file(client, world.id, csv).status_code == 201
    assert {team: months(client, team) for team in from_xlsx} == from_xlsx


def test_a_libreoffice_workbook(client: TestClient, tmp_path: Path) -> None:
    """tests/imports/fixtures/workforce-monthly-libreoffice.xlsx: LibreOffice's shared
    strings, dates as styled serial numbers, and the CSV's blank line left out (row 4)."""
    made = api.collaborative(client)
    teams = {}
    for ods, ref in [("RHQ", "ED-NURSING-NGH"), ("RP5", "PHARMACY-DISPENSARY-DRI")]:
        organisation = api.organisation(client, ods_code=ods)
        teams[ref] = api.team(
            client, made["id"], [organisation["id"]], external_refs=[{"ods_code": ods, "ref": ref}]
        )["id"]
    data = (FIXTURES / "workforce-monthly-libreoffice.xlsx").read_bytes()

    response = client.post(
        IMPORTS,
        params={"kind": "workforce-monthly", "collaborative_id": made["id"]},
        files={"file": ("workforce.xlsx", data, "application/octet-stream")},
    )

    assert response.status_code == 201, response.text
    assert (response.json()["filename"], response.json()["media_type"]) == ("workforce.xlsx", XLSX)
    assert response.json()["rows_read"] == 3
    ed = months(client, teams["ED-NURSING-NGH"])
    assert [
        (m["month"], m["fte_start"], m["fte_end"], m["sickness_fte_days_lost"]) for m in ed
    ] == [
        ("2025-07-01", 30.7, 31.5, 23.4),
        ("2025-08-01", 31.5, 30.9, 7.4),
    ]
    (pharmacy,) = months(client, teams["PHARMACY-DISPENSARY-DRI"])
    assert (pharmacy["month"], pharmacy["headcount_end"], pharmacy["fte_days_available"]) == (
        "2025-07-01",
        49,
        None,
    )


def test_a_second_sheet_by_name(client: TestClient, world: Collaborative, tmp_path: Path) -> None:
    data = book(tmp_path, {"Read me": [["Workforce figures, Q1"]], "Figures": figures(world)})

    by_name = post_file(client, world.id, data, media_type=XLSX, sheet=" figures ")

    assert by_name.status_code == 201, by_name.text
    assert by_name.json()["rows_read"] == 3
    # The first sheet, by default: not the figures, so its header lacks every column.
    first = assert_problem(post_file(client, world.id, data, media_type=XLSX), 422)
    assert {"row": 1, "column": "month", "message": "the required column month is missing"} in (
        first["errors"]
    )


def test_a_sheet_the_workbook_does_not_have_is_a_422_naming_its_sheets(
    client: TestClient, world: Collaborative, tmp_path: Path
) -> None:
    data = book(tmp_path, {"Read me": [["x"]], "Figures": figures(world)})

    response = post_file(client, world.id, data, media_type=XLSX, sheet="March")

    problem = assert_problem(response, 422)
    assert problem["errors"] == [
        {
            "loc": ["query", "sheet"],
            "message": "the workbook has no sheet named 'March'; its sheets: 'Read me', 'Figures'",
        }
    ]
    assert_nothing_stored(client, world)


def test_a_formula_with_no_stored_value_is_a_row_error_naming_row_and_column(
    client: TestClient, world: Collaborative, tmp_path: Path
) -> None:
    rows = figures(world)
    rows[2][4] = "=D3-1"  # openpyxl stores the formula and no value
    response = post_file(client, world.id, book(tmp_path, {"Sheet": rows}), media_type=XLSX)

    problem = assert_problem(response, 422)
    assert problem["errors"] == [
        {"row": 3, "column": "headcount_end", "message": FORMULA_WITHOUT_VALUE}
    ]
    assert problem["error_count"] == 1
    assert_nothing_stored(client, world, recorded=1)


def test_macro_enabled_and_password_protected_workbooks_are_a_415(
    client: TestClient, world: Collaborative, tmp_path: Path
) -> None:
    sheet = {"Sheet1": row(1, text("A1", "ods_code"))}
    typed = write_raw(tmp_path / "typed.xlsx", sheet, main_type=MACRO_TYPE).read_bytes()
    vba = write_raw(tmp_path / "vba.xlsx", sheet, extra={"xl/vbaProject.bin": b"\xd0\xcf"})
    encrypted = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600) + "EncryptedPackage".encode("utf-16-le")
    )
    for data, says in [
        (typed, "contains macros"),
        (vba.read_bytes(), "contains macros"),
        (encrypted, "password-protected"),
    ]:
        response = post_file(client, world.id, data, media_type=XLSX)
        problem = assert_problem(response, 415)
        assert says in problem["detail"]
        assert problem["errors"][0]["loc"] == ["body"]
        assert response.headers["Accept-Post"] == f"text/csv, {XLSX}"
    # An .xlsm by its media type never reaches the reader.
    xlsm = client.post(
        IMPORTS,
        params={"kind": "workforce-monthly", "collaborative_id": world.id},
        files={"file": ("figures.xlsm", typed, "application/vnd.ms-excel.sheet.macroEnabled.12")},
    )
    assert assert_problem(xlsm, 415)["errors"] == [
        {"loc": ["body", "file"], "message": f"must be one of: text/csv, {XLSX}"}
    ]
    assert_nothing_stored(client, world)


def test_xlsx_bytes_as_csv_and_csv_as_xlsx_are_a_415(
    client: TestClient, world: Collaborative, tmp_path: Path
) -> None:
    workbook = book(tmp_path, {"Sheet": figures(world)})
    as_csv = assert_problem(post_file(client, world.id, workbook), 415)
    assert "ZIP archive (an XLSX workbook?)" in as_csv["detail"]

    csv = csv_text([f"{world.a.ods},{world.a.ref},2025-03-01,40,39,2,3,,"])
    as_xlsx = assert_problem(post_file(client, world.id, csv, media_type=XLSX), 415)
    assert as_xlsx["detail"] == (
        "The file is not what its media type says: the file is text (CSV?), not an XLSX"
        " workbook: send CSV as text/csv."
    )
    assert_nothing_stored(client, world)


@pytest.fixture
def small_client(
    database_url: str,
    session_factory: sessionmaker[Session],
    data_dir: Path,
    admin_token: str,
) -> Iterator[TestClient]:
    """The API with 64 KiB files: a workbook may inflate to 640 KiB."""
    settings = Settings(
        env="test", database_url=database_url, data_dir=data_dir, max_import_bytes=64 * 1024
    )
    app = create_app(settings, session_factory)
    with TestClient(app, headers={"Authorization": f"Bearer {admin_token}"}) as small:
        yield small


def test_a_zip_bomb_is_a_413_before_it_is_inflated(
    small_client: TestClient, world: Collaborative, tmp_path: Path
) -> None:
    """8 MiB of sheet in a file of a few KiB: its directory declares more than the 640 KiB
    the settings allow, so it is refused from the directory (the reader's own tests prove
    it inflates nothing first)."""
    padding = " " * (8 << 20)
    path = write_raw(tmp_path / "bomb.xlsx", {"Sheet1": row(1, text("A1", "ods_code")) + padding})
    with zipfile.ZipFile(path) as archive:
        declared = sum(info.file_size for info in archive.infolist())
    assert path.stat().st_size < 64 * 1024 < 640 * 1024 < declared

    response = post_file(small_client, world.id, path.read_bytes(), media_type=XLSX)

    problem = assert_problem(response, 413)
    assert problem["type"].endswith(":workbook-too-large")
    assert problem["detail"].startswith("The workbook inflates to more than 655,360 bytes")
    assert_nothing_stored(small_client, world)


def test_a_workbook_over_the_row_limit_is_a_413(
    database_url: str,
    session_factory: sessionmaker[Session],
    data_dir: Path,
    admin_token: str,
    world: Collaborative,
    tmp_path: Path,
) -> None:
    settings = Settings(env="test", database_url=database_url, data_dir=data_dir, max_import_rows=2)
    app = create_app(settings, session_factory)
    with TestClient(app, headers={"Authorization": f"Bearer {admin_token}"}) as limited:
        response = post_file(
            limited, world.id, book(tmp_path, {"Sheet": figures(world)}), media_type=XLSX
        )
        problem = assert_problem(response, 413)
        assert problem["type"].endswith(":too-many-rows")
        assert_nothing_stored(limited, world)

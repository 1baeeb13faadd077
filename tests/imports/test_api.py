"""POST /imports of workforce-monthly files through HTTP: what is stored, replaced, skipped and
refused, and the record each import leaves (ingest spec 2, 3 and 3.3)."""

import hashlib
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.imports.kinds import KINDS
from app.imports.models import ImportKind
from tests.api import API, assert_problem
from tests.imports_support import (
    HEADER,
    IMPORTS,
    Collaborative,
    collaborative,
    csv_text,
    example,
    post_file,
    workforce,
)


@pytest.fixture
def world(client: TestClient) -> Collaborative:
    return collaborative(client)


def test_the_worked_example_is_stored_and_read_back_with_its_metrics(
    client: TestClient, world: Collaborative
) -> None:
    text = csv_text([example(world.a)])

    response = post_file(client, world.id, text)

    assert response.status_code == 201, response.text
    record = response.json()
    assert response.headers["Location"] == f"{IMPORTS}/{record['id']}"
    assert response.headers["ETag"] == f'"{record["id"]}-1"'
    assert {key: record[key] for key in SUMMARY} == {
        "kind": "workforce-monthly",
        "status": "succeeded",
        "collaborative_id": world.id,
        "survey": None,
        "filename": None,
        "media_type": "text/csv",
        "sha256": hashlib.sha256(text.encode()).hexdigest(),
        "bytes": len(text.encode()),
        "rows_read": 1,
        "rows_skipped": 0,
        "unmapped": [],
        "teams": [world.a.team_id],
        "periods": {"first": "2025-03-01", "last": "2025-03-01"},
        "aggregates_written": 1,
        "cells_suppressed": 0,
        "points_written": 0,
        "typed_points_replaced": 0,
        "error_count": 0,
        "errors": [],
        "warning_count": 0,
        "warnings": [],
        "ignored_columns": [],
        "version": 1,
    }
    assert record["created_by"].startswith("user:")
    assert record["finished_at"] >= record["created_at"]
    assert record["duration_ms"] >= 0
    assert client.get(response.headers["Location"]).json() == record

    stored = workforce(client, world.a.team_id)
    (month,) = stored["months"]
    assert month | {"import_id": None} == {
        "month": "2025-03-01",
        "suppressed": False,
        "sickness_suppressed": False,
        "headcount_start": 40,
        "headcount_end": 39,
        "starters": 2,
        "leavers": 3,
        "fte_start": None,
        "fte_end": None,
        "leavers_fte": None,
        "sickness_fte_days_lost": 31.5,
        "fte_days_available": 1085.0,
        "establishment_fte": None,
        "vacancies_fte": None,
        "stable_headcount_12m": None,
        "import_id": None,
    }
    assert month["import_id"] == record["id"]
    (leaver_rate,) = stored["metrics"]["leaver_rate"]
    assert (leaver_rate["numerator"], leaver_rate["denominator"]) == (3, 39.5)
    assert leaver_rate["value"] == pytest.approx(7.594936708860759, rel=1e-12)
    (sickness,) = stored["metrics"]["sickness_absence_rate"]
    assert sickness["value"] == pytest.approx(2.903225806451613, rel=1e-12)
    assert stored["metrics"]["leavers"] == [
        {
            "month": "2025-03-01",
            "value": 3,
            "numerator": None,
            "denominator": None,
            "suppressed": False,
        }
    ]
    assert workforce(client, world.b.team_id)["months"] == []


SUMMARY = [
    "kind",
    "status",
    "collaborative_id",
    "survey",
    "filename",
    "media_type",
    "sha256",
    "bytes",
    "rows_read",
    "rows_skipped",
    "unmapped",
    "teams",
    "periods",
    "aggregates_written",
    "cells_suppressed",
    "points_written",
    "typed_points_replaced",
    "error_count",
    "errors",
    "warning_count",
    "warnings",
    "ignored_columns",
    "version",
]


def _months(client: TestClient, team_id: str) -> dict[str, tuple[Any, ...]]:
    return {
        month["month"]: (month["headcount_start"], month["leavers"], month["import_id"])
        for month in workforce(client, team_id)["months"]
    }


def test_a_second_import_replaces_the_months_it_covers_and_keeps_the_rest(
    client: TestClient, world: Collaborative
) -> None:
    a = world.a
    first = post_file(
        client,
        world.id,
        csv_text(
            [
                f"{a.ods},{a.ref},2025-03-01,40,39,2,3,,",
                f"{a.ods},{a.ref},2025-04-01,39,39,1,1,,",
            ]
        ),
    ).json()
    second = post_file(
        client,
        world.id,
        # Any day of the month, and a UK date: 02/04/2025 is 2 April.
        csv_text(
            [f"{a.ods},{a.ref},02/04/2025,39,37,0,2,,", f"{a.ods},{a.ref},2025-05,37,37,0,0,,"]
        ),
    ).json()

    assert _months(client, a.team_id) == {
        "2025-03-01": (40, 3, first["id"]),
        "2025-04-01": (39, 2, second["id"]),
        "2025-05-01": (37, 0, second["id"]),
    }
    assert second["periods"] == {"first": "2025-04-01", "last": "2025-05-01"}
    # The same file again is safe: the same months, rewritten.
    again = post_file(client, world.id, csv_text([f"{a.ods},{a.ref},2025-05-31,37,37,0,0,,"]))
    assert again.status_code == 201
    assert _months(client, a.team_id)["2025-05-01"] == (37, 0, again.json()["id"])


def test_a_dry_run_reports_what_it_would_store_and_stores_nothing(
    client: TestClient, world: Collaborative
) -> None:
    text = csv_text([example(world.a), f"{world.b.ods},{world.b.ref},2025-03-01,8,8,0,0,,"])

    response = post_file(client, world.id, text, dry_run="true")

    assert response.status_code == 200, response.text
    assert "Location" not in response.headers
    preview = response.json()
    assert "id" not in preview
    assert preview["dry_run"] is True
    assert (preview["status"], preview["rows_read"], preview["aggregates_written"]) == (
        "succeeded",
        2,
        2,
    )
    assert preview["cells_suppressed"] == 1  # team b's month of 8 people
    assert sorted(preview["teams"]) == sorted([world.a.team_id, world.b.team_id])
    assert workforce(client, world.a.team_id)["months"] == []
    assert client.get(IMPORTS, params={"collaborative_id": world.id}).json()["items"] == []


def test_a_dry_run_of_a_bad_file_is_a_422_that_records_nothing(
    client: TestClient, world: Collaborative
) -> None:
    text = csv_text([f"{world.a.ods},{world.a.ref},2025-03-01,40,39,2,x,,"])
    problem = assert_problem(post_file(client, world.id, text, dry_run="true"), 422)
    assert problem["errors"] == [
        {"row": 2, "column": "leavers", "message": "expected a whole number >= 0"}
    ]
    assert "import_id" not in problem
    assert client.get(IMPORTS, params={"collaborative_id": world.id}).json()["items"] == []


def test_every_bad_row_is_named_by_row_and_column_and_nothing_is_stored(
    client: TestClient, world: Collaborative
) -> None:
    a = world.a
    rows = [
        f"{a.ods},{a.ref},2025-01-01,40,39,2,3,31.5,1085",  # 2: good, but not stored either
        f"{a.ods},{a.ref},2025-02-30,40,39,2,3,,",  # 3: no such day
        f"{a.ods},{a.ref},2025-03-01,40.5,39,2,-3,,",  # 4: a fraction, a negative count
        f"{a.ods},{a.ref},2025-04-01,10,11,2,13,,",  # 5: more leavers than there were people
        f"{a.ods},{a.ref},2025-05-01,40,39,2,3,31.5,",  # 6: half a pair
        f"{a.ods},{a.ref},2025-06-01,40,39,2,3,90,80",  # 7: more days lost than available
        "ZZZZZ,anything,2025-07-01,40,39,2,3,,",  # 8: an unknown organisation
        f"{a.ods},{a.ref},31/01/2025,40,39,2,3,,",  # 9: January again
        f",{a.ref},2025-08-01,,39,2,3,,",  # 10: no ods_code, no headcount_start
        f"{a.ods},{a.ref},2025-09-01,40,39,2,3,1e3.5,",  # 11: not a number
    ]

    response = post_file(client, world.id, csv_text(rows))

    problem = assert_problem(response, 422)
    assert problem["type"].endswith(":invalid-rows")
    assert [(e["row"], e["column"]) for e in problem["errors"]] == [
        (3, "month"),
        (4, "headcount_start"),
        (4, "leavers"),
        (5, "leavers"),
        (6, "fte_days_available"),
        (7, "sickness_fte_days_lost"),
        (8, "ods_code"),
        (9, "month"),
        (10, "ods_code"),
        (10, "headcount_start"),
        (11, "sickness_fte_days_lost"),
    ]
    assert problem["error_count"] == 11
    messages = {(e["row"], e["column"]): e["message"] for e in problem["errors"]}
    assert messages[(9, "month")] == "row 2 already gives this team's month"
    assert messages[(10, "headcount_start")] == "headcount_start is required"
    assert messages[(5, "leavers")] == "leavers is more than headcount_start + starters"
    assert workforce(client, a.team_id)["months"] == []

    failed = client.get(f"{IMPORTS}/{problem['import_id']}")
    assert failed.status_code == 200
    record = failed.json()
    assert (record["status"], record["error_count"], record["aggregates_written"]) == (
        "failed",
        11,
        0,
    )
    assert record["errors"] == problem["errors"]
    assert record["rows_read"] == 10


def test_errors_are_capped_at_a_thousand_and_counted_in_full(
    client: TestClient, world: Collaborative
) -> None:
    rows = [f"{world.a.ods},{world.a.ref},2025-01-01,forty,39,2,3,," for _ in range(1_200)]

    problem = assert_problem(post_file(client, world.id, csv_text(rows)), 422)

    assert len(problem["errors"]) == 1_000
    assert problem["error_count"] == 1_200
    assert problem["errors"][-1]["row"] == 1_001
    record = client.get(f"{IMPORTS}/{problem['import_id']}").json()
    assert (len(record["errors"]), record["error_count"]) == (1_000, 1_200)


def test_a_missing_required_column_is_named_and_recorded(
    client: TestClient, world: Collaborative
) -> None:
    header = HEADER.replace(",leavers", "")
    text = csv_text([f"{world.a.ods},{world.a.ref},2025-03-01,40,39,2,31.5,1085"], header)

    problem = assert_problem(post_file(client, world.id, text), 422)

    assert problem["errors"] == [
        {"row": 1, "column": "leavers", "message": "the required column leavers is missing"}
    ]
    record = client.get(f"{IMPORTS}/{problem['import_id']}").json()
    assert (record["status"], record["rows_read"], record["errors"]) == (
        "failed",
        0,
        problem["errors"],
    )


def test_rows_of_teams_outside_the_collaborative_are_skipped_and_listed(
    client: TestClient, world: Collaborative
) -> None:
    a = world.a
    header = HEADER + ",cost_centre"
    rows = [
        f"{a.ods},{a.ref},2025-03-01,40,39,2,3,,,CC1",
        f"{a.ods.lower()}, ed-nursing-annexe ,2025-03-01,12,12,0,0,,,CC2",
        f"{a.ods},ED-NURSING-ANNEXE,2025-04-01,12,12,0,0,,,CC2",
        f"{world.b.ods},THEATRES,2025-03-01,30,30,0,0,,,CC3",
        "",
        f" {a.ods} , ed-nursing ,2025-04-01,39,39,0,0,,,CC1",
    ]

    record = post_file(client, world.id, csv_text(rows, header)).json()

    assert (record["rows_read"], record["rows_skipped"], record["aggregates_written"]) == (5, 3, 2)
    assert record["unmapped"] == [
        {"ods_code": a.ods, "team_ref": "ed-nursing-annexe", "rows": 2},
        {"ods_code": world.b.ods, "team_ref": "THEATRES", "rows": 1},
    ]
    assert record["ignored_columns"] == ["cost_centre"]
    assert record["teams"] == [a.team_id]
    assert list(_months(client, a.team_id)) == ["2025-03-01", "2025-04-01"]


def test_a_file_whose_rows_are_all_skipped_is_still_an_import(
    client: TestClient, world: Collaborative
) -> None:
    text = csv_text([f"{world.a.ods},NOT-A-TEAM,2025-03-01,40,39,2,3,,"])
    response = post_file(client, world.id, text)
    assert response.status_code == 201, response.text
    record = response.json()
    assert (record["rows_skipped"], record["aggregates_written"], record["teams"]) == (1, 0, [])
    assert record["periods"] is None


def test_headcounts_that_do_not_balance_are_stored_with_a_warning(
    client: TestClient, world: Collaborative
) -> None:
    a = world.a
    text = csv_text([f"{a.ods},{a.ref},2025-03-01,40,41,2,3,,"])
    record = post_file(client, world.id, text).json()
    assert record["warnings"] == [
        {
            "row": 2,
            "column": "headcount_end",
            "message": "headcount_end is not headcount_start + starters - leavers (40 + 2 - 3)",
        }
    ]
    assert record["warning_count"] == 1
    assert workforce(client, a.team_id)["months"][0]["headcount_end"] == 41


def test_a_multipart_file_part_keeps_its_file_name(
    client: TestClient, world: Collaborative
) -> None:
    text = csv_text([example(world.a)])
    response = client.post(
        IMPORTS,
        params={"kind": "workforce-monthly", "collaborative_id": world.id},
        files={"file": ("esr-march.csv", text.encode(), "text/csv")},
    )
    assert response.status_code == 201, response.text
    assert (response.json()["filename"], response.json()["media_type"]) == (
        "esr-march.csv",
        "text/csv",
    )


@pytest.mark.parametrize(
    ("params", "loc"),
    [
        ({"kind": "survey-responses"}, ["query", "survey"]),
        ({"kind": "survey-counts", "survey": "no-such-survey"}, ["query", "survey"]),
        ({"kind": "survey-counts", "survey": "nqps", "to": "2025-03"}, ["query", "to"]),
        ({"kind": "workforce-staff"}, ["query", "from"]),
        ({"kind": "staff-list"}, ["query", "kind"]),
        ({"survey": "nss"}, ["query", "survey"]),
        ({"from": "2025-01"}, ["query", "from"]),
        ({"sheet": "Sheet1"}, ["query", "sheet"]),
        (
            {"collaborative_id": "00000000-0000-4000-8000-000000000000"},
            ["query", "collaborative_id"],
        ),
        ({"collaborative_id": None}, ["query", "collaborative_id"]),
    ],
)
def test_a_query_that_does_not_fit_is_a_422_naming_it(
    client: TestClient, world: Collaborative, params: dict[str, Any], loc: list[str]
) -> None:
    query = {"kind": "workforce-monthly", "collaborative_id": world.id} | params
    response = client.post(
        IMPORTS,
        params={name: value for name, value in query.items() if value is not None},
        content=csv_text([example(world.a)]).encode(),
        headers={"Content-Type": "text/csv"},
    )
    problem = assert_problem(response, 422)
    assert loc in [error["loc"] for error in problem["errors"]]
    assert workforce(client, world.a.team_id)["months"] == []


def test_every_kind_of_the_spec_has_a_reader() -> None:
    # So no kind answers "not supported yet" (the answer a kind without an entry gets).
    assert set(KINDS) == set(ImportKind)


def test_imports_are_audited_with_kind_hash_and_counts_never_values(
    client: TestClient, world: Collaborative
) -> None:
    text = csv_text([example(world.a)])
    record = post_file(client, world.id, text).json()
    post_file(client, world.id, csv_text([f"{world.a.ods},{world.a.ref},2025-03-01,x,1,1,1,,"]))
    post_file(client, world.id, text, dry_run="true")

    events = client.get(f"{API}/audit-events", params={"limit": 200}).json()["items"]
    imports = {e["action"]: e for e in events if e["action"].startswith("import_")}
    digest = record["sha256"]
    assert imports["import_succeeded"]["subject"] == record["id"]
    assert imports["import_succeeded"]["reason"] == (
        f"workforce-monthly sha256={digest} rows=1 skipped=0 written=1 points=0"
    )
    assert imports["import_dry_run"]["outcome"] == "success"
    failed = imports["import_failed"]
    assert (failed["outcome"], failed["reason"].split()[-2:]) == (
        "failure",
        ["status=422", "errors=1"],
    )
    for event in imports.values():
        assert "31.5" not in event["reason"]
        assert world.a.ref not in event["reason"]


def test_a_team_or_collaborative_with_imported_data_is_not_removed(
    client: TestClient, world: Collaborative
) -> None:
    assert post_file(client, world.id, csv_text([example(world.a)])).status_code == 201
    for path in (f"{API}/teams/{world.a.team_id}", f"{API}/collaboratives/{world.id}"):
        etag = client.get(path).headers["etag"]
        problem = assert_problem(client.delete(path, headers={"If-Match": etag}), 409)
        assert problem["type"].endswith(":still-referenced")
    assert len(workforce(client, world.a.team_id)["months"]) == 1

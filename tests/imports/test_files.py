"""What is refused before any row is looked at (a file over the limits, or not what its media
type says), and Idempotency-Key on imports: the same file and query replay the first answer."""

import io
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.db import independent_transaction
from app.idempotency import IdempotencyKey, KeyState
from app.main import create_app
from tests.api import assert_problem
from tests.imports_support import (
    IMPORTS,
    Collaborative,
    collaborative,
    csv_text,
    example,
    post_file,
    workforce,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def world(client: TestClient) -> Collaborative:
    return collaborative(client)


def _imports(client: TestClient, world: Collaborative) -> list[dict[str, object]]:
    items: list[dict[str, object]] = client.get(
        IMPORTS, params={"collaborative_id": world.id}
    ).json()["items"]
    return items


def _xlsx_bytes() -> bytes:
    """Enough of a workbook to be a ZIP, as an XLSX file is."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
    return buffer.getvalue()


def test_xlsx_bytes_sent_as_csv_are_a_415(client: TestClient, world: Collaborative) -> None:
    problem = assert_problem(post_file(client, world.id, _xlsx_bytes()), 415)
    assert "ZIP archive" in problem["detail"]
    assert _imports(client, world) == []


def test_binary_data_sent_as_csv_is_a_415(client: TestClient, world: Collaborative) -> None:
    body = b"ods_code,team_ref\r\n\x00\x01\x02\xff" * 10
    problem = assert_problem(post_file(client, world.id, body), 415)
    assert "binary data" in problem["detail"]


def test_bytes_that_are_not_in_the_declared_charset_are_a_415(
    client: TestClient, world: Collaborative
) -> None:
    text = csv_text([example(world.a)]) + "caf\u00e9,\r\n"
    response = post_file(
        client, world.id, text.encode("latin-1"), media_type="text/csv; charset=utf-8"
    )
    assert "not valid utf-8" in assert_problem(response, 415)["detail"]


def test_a_zip_that_is_not_a_workbook_sent_as_xlsx_is_a_415(
    client: TestClient, world: Collaborative
) -> None:
    response = post_file(client, world.id, _xlsx_bytes(), media_type=XLSX)
    problem = assert_problem(response, 415)
    assert "not an Excel workbook" in problem["detail"]
    assert response.headers["Accept-Post"] == f"text/csv, {XLSX}"
    assert _imports(client, world) == []


def test_another_media_type_is_a_415(client: TestClient, world: Collaborative) -> None:
    response = client.post(
        IMPORTS,
        params={"kind": "workforce-monthly", "collaborative_id": world.id},
        json={"rows": []},
    )
    assert_problem(response, 415)


@pytest.fixture
def small_client(
    database_url: str,
    session_factory: sessionmaker[Session],
    data_dir: Path,
    admin_token: str,
) -> Iterator[TestClient]:
    """The API with small limits: 2 KiB files and 5 data rows."""
    settings = Settings(
        env="test",
        database_url=database_url,
        data_dir=data_dir,
        max_import_bytes=2048,
        max_import_rows=5,
    )
    app = create_app(settings, session_factory)
    with TestClient(app, headers={"Authorization": f"Bearer {admin_token}"}) as small:
        yield small


def test_more_data_rows_than_the_limit_is_a_413(
    small_client: TestClient, world: Collaborative
) -> None:
    a = world.a
    five = [f"{a.ods},{a.ref},2025-{month:02d}-01,40,40,0,0,," for month in range(1, 6)]
    # Blank rows do not count.
    assert post_file(small_client, world.id, csv_text([*five, ",,,,,,,,"])).status_code == 201
    six = [*five, f"{a.ods},{a.ref},2025-06-01,40,40,0,0,,"]

    problem = assert_problem(post_file(small_client, world.id, csv_text(six)), 413)

    assert problem["type"].endswith(":too-many-rows")
    assert "more than 5 data rows" in problem["detail"]
    assert len(workforce(small_client, a.team_id)["months"]) == 5


def test_a_file_over_the_byte_limit_is_a_413(
    small_client: TestClient, world: Collaborative
) -> None:
    a = world.a
    rows = [f"{a.ods},{a.ref},2025-01-01,40,40,0,0,," + " " * 100 for _ in range(20)]
    problem = assert_problem(post_file(small_client, world.id, csv_text(rows)), 413)
    assert "2048 bytes" in problem["detail"]


# Idempotency-Key ----------------------------------------------------------------------------


def test_the_same_key_file_and_query_replay_the_first_import(
    client: TestClient, world: Collaborative
) -> None:
    key = {"Idempotency-Key": str(uuid.uuid4())}
    text = csv_text([example(world.a)])
    first = post_file(client, world.id, text, headers=key)
    assert first.status_code == 201, first.text

    again = post_file(client, world.id, text, headers=key)

    assert again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Location"] == first.headers["Location"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert len(_imports(client, world)) == 1
    # As a multipart part, the same bytes are the same file.
    multipart = client.post(
        IMPORTS,
        params={"kind": "workforce-monthly", "collaborative_id": world.id},
        files={"file": ("march.csv", text.encode(), "text/csv")},
        headers=key,
    )
    assert multipart.headers["Idempotent-Replayed"] == "true"


def test_a_failed_import_is_replayed_too(client: TestClient, world: Collaborative) -> None:
    key = {"Idempotency-Key": str(uuid.uuid4())}
    text = csv_text([f"{world.a.ods},{world.a.ref},2025-03-01,x,1,1,1,,"])
    first = assert_problem(post_file(client, world.id, text, headers=key), 422)
    again = post_file(client, world.id, text, headers=key)
    assert again.json() == first
    assert again.headers["Idempotent-Replayed"] == "true"
    assert len(_imports(client, world)) == 1


def test_the_same_key_with_another_file_or_query_is_422(
    client: TestClient, world: Collaborative
) -> None:
    key = {"Idempotency-Key": str(uuid.uuid4())}
    text = csv_text([example(world.a)])
    assert post_file(client, world.id, text, headers=key).status_code == 201

    another_file = post_file(client, world.id, text + "\r\n", headers=key)
    another_query = post_file(client, world.id, text, headers=key, dry_run="true")

    for response in (another_file, another_query):
        problem = assert_problem(response, 422)
        assert problem["type"].endswith(":idempotency-key-reused")
    assert len(_imports(client, world)) == 1


def test_a_key_whose_import_still_runs_is_409(
    client: TestClient, world: Collaborative, session_factory: sessionmaker[Session]
) -> None:
    key = str(uuid.uuid4())
    text = csv_text([example(world.a)])
    assert post_file(client, world.id, text, headers={"Idempotency-Key": key}).status_code == 201
    with independent_transaction(session_factory) as session:
        session.execute(
            update(IdempotencyKey)
            .where(IdempotencyKey.key == key)
            .values(state=KeyState.RUNNING, status=None, headers=None, body=None)
        )

    response = post_file(client, world.id, text, headers={"Idempotency-Key": key})

    assert assert_problem(response, 409)["type"].endswith(":idempotency-key-in-use")
    assert len(_imports(client, world)) == 1

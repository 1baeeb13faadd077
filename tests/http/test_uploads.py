"""Streamed uploads: a route that declares a file takes CSV, XLSX or multipart bodies to a
temporary file, hashed and counted, within its cap, and never holds the file in memory."""

import hashlib
import time
import tracemalloc
from collections.abc import AsyncIterator, Iterator, Sequence
from pathlib import Path
from typing import Annotated, Any

import anyio
import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from app.config import MIB, Settings
from app.errors import InvalidInput
from app.http.bodies import declared_routes
from app.http.uploads import CSV, MULTIPART, XLSX, StreamedUpload, UploadedFile
from app.main import create_app
from tests.api import API, assert_problem
from tests.live import serving

SMALL_CAP = 64 * 1024
UPLOAD = StreamedUpload(media_types=[CSV, XLSX, MULTIPART])
SMALL_UPLOAD = StreamedUpload(media_types=[CSV, MULTIPART], max_bytes=SMALL_CAP)
WITH_PARTS = StreamedUpload(
    media_types=[CSV, XLSX, MULTIPART],
    max_bytes=SMALL_CAP,
    extra_parts={"absence": "the absence episodes", "notes": "notes"},
)
RECEIVED = f"{API}/test-uploads"
SMALL = f"{API}/test-uploads/small"
FAILING = f"{API}/test-uploads/failing"
PARTS = f"{API}/test-uploads/parts"
CSV_ROWS = b"response_id,ods_code,team_ref,submitted_on,enjoy_work\r\n" + b"".join(
    f"r{n},RHQ,ED-NURSING,2025-03-0{n % 7 + 1},often\r\n".encode() for n in range(100)
)

router = APIRouter(tags=["health"])


def _described(upload: UploadedFile) -> dict[str, Any]:
    return {
        "sha256": upload.sha256,
        "size": upload.size,
        "media_type": upload.media_type,
        "charset": upload.charset,
        "filename": upload.filename,
        "on_disk": upload.path.is_file() and upload.path.stat().st_size == upload.size,
        "spooled_in": str(upload.path.parent),
        "path": str(upload.path),
        "parts": {name: _described(part) for name, part in upload.parts.items()},
    }


@router.post("/test-uploads", summary="Receive a file (test only)")
async def receive_file(upload: Annotated[UploadedFile, Depends(UPLOAD)]) -> dict[str, Any]:
    return _described(upload)


@router.post("/test-uploads/small", summary="Receive a small file (test only)")
async def receive_small_file(
    upload: Annotated[UploadedFile, Depends(SMALL_UPLOAD)],
) -> dict[str, Any]:
    return _described(upload)


@router.post("/test-uploads/parts", summary="Receive a file and its extra parts (test only)")
async def receive_parts(upload: Annotated[UploadedFile, Depends(WITH_PARTS)]) -> dict[str, Any]:
    return _described(upload)


@router.post("/test-uploads/failing", summary="Receive a file, then refuse it (test only)")
async def refuse_file(upload: Annotated[UploadedFile, Depends(UPLOAD)]) -> dict[str, Any]:
    assert upload.path.is_file()
    raise InvalidInput.at(("body", "file"), f"row 2 is bad ({upload.size} bytes read)")


def _upload_app(
    database_url: str, factory: sessionmaker[Session], data_dir: Path, spool: Path, **settings: Any
) -> FastAPI:
    app = create_app(
        Settings(
            env="test", database_url=database_url, data_dir=data_dir, upload_dir=spool, **settings
        ),
        factory,
    )
    app.include_router(router, prefix=API)
    return app


def _declaration(context: RouteContext) -> object | None:
    """The dependency of a route that declares its body, found in FastAPI's own dependant."""
    pending = [context.dependant]
    while pending:
        dependant = pending.pop()
        call: object = dependant.call
        if hasattr(call, "body_policy"):
            return call
        pending.extend(dependant.dependencies)
    return None


@pytest.fixture
def spool(tmp_path: Path) -> Path:
    """Where the app spools uploads: empty again after every request."""
    path = tmp_path / "spool"
    path.mkdir()
    return path


@pytest.fixture
def upload_app(
    database_url: str, session_factory: sessionmaker[Session], data_dir: Path, spool: Path
) -> FastAPI:
    return _upload_app(database_url, session_factory, data_dir, spool)


def post(app: FastAPI, path: str, **request: Any) -> httpx.Response:
    """One request over httpx's ASGI transport, which hands the app the body chunk by chunk
    as the client produces it (Starlette's TestClient reads it whole first)."""

    async def send() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await client.post(path, **request)

    return anyio.run(send)


def chunks(data: bytes, size: int = 64 * 1024, pulled: list[int] | None = None) -> Any:
    """The body as an async stream of chunks (so no Content-Length: chunked), counting how
    many the app pulled."""

    async def stream() -> AsyncIterator[bytes]:
        for start in range(0, len(data), size):
            if pulled is not None:
                pulled.append(start)
            yield data[start : start + size]

    return stream()


def assert_received(response: httpx.Response, data: bytes, spool: Path) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert body["sha256"] == hashlib.sha256(data).hexdigest()
    assert body["size"] == len(data)
    assert body["on_disk"] is True
    assert body["spooled_in"] == str(spool)
    assert list(spool.iterdir()) == []
    return body


def multipart(
    parts: Sequence[tuple[str, str, str | None, bytes]], boundary: str = "qi-b0undary"
) -> Any:
    """A multipart/form-data body: (name, filename or "", content type or None, data) each."""
    out = bytearray()
    for name, filename, content_type, data in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        out += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n".encode()
        if content_type:
            out += f"Content-Type: {content_type}\r\n".encode()
        out += b"\r\n" + data + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return {
        "content": bytes(out),
        "headers": {"content-type": f"multipart/form-data; boundary={boundary}"},
    }


class TestAccepted:
    def test_a_csv_body_over_the_json_limit_is_streamed_hashed_and_counted(
        self, upload_app: FastAPI, spool: Path
    ) -> None:
        data = CSV_ROWS * 700  # 2.6 MiB: past the 1 MiB that JSON bodies may be
        assert len(data) > 2 * MIB
        response = post(
            upload_app,
            RECEIVED,
            content=chunks(data),
            headers={"content-type": "text/csv; charset=windows-1252"},
        )
        body = assert_received(response, data, spool)
        assert body["media_type"] == CSV
        assert body["charset"] == "windows-1252"
        assert body["filename"] is None

    def test_an_xlsx_body_with_content_length(self, upload_app: FastAPI, spool: Path) -> None:
        data = b"PK\x03\x04" + bytes(range(256)) * 40
        response = post(upload_app, RECEIVED, content=data, headers={"content-type": XLSX})
        body = assert_received(response, data, spool)
        assert body["media_type"] == XLSX
        assert body["charset"] is None

    def test_a_multipart_file_part_keeps_its_name_and_type(
        self, upload_app: FastAPI, spool: Path
    ) -> None:
        data = CSV_ROWS * 50
        files = {"file": ("staff survey.csv", data, "text/csv; charset=utf-8")}
        response = post(upload_app, RECEIVED, files=files)
        body = assert_received(response, data, spool)
        assert body["media_type"] == CSV
        assert body["charset"] == "utf-8"
        assert body["filename"] == "staff survey.csv"

    def test_the_file_name_comes_without_the_client_s_folders(
        self, upload_app: FastAPI, spool: Path
    ) -> None:
        parts = [("file", "C:\\Users\\lead\\pulse.csv", CSV, CSV_ROWS)]
        body = assert_received(post(upload_app, RECEIVED, **multipart(parts)), CSV_ROWS, spool)
        assert body["filename"] == "pulse.csv"

    def test_a_generic_part_type_is_known_by_its_extension(
        self, upload_app: FastAPI, spool: Path
    ) -> None:
        data = b"PK\x03\x04 not really a workbook"
        files = {"file": ("Workforce.XLSX", data, "application/octet-stream")}
        body = assert_received(post(upload_app, RECEIVED, files=files), data, spool)
        assert body["media_type"] == XLSX

    def test_over_a_live_server_chunked(self, upload_app: FastAPI, spool: Path) -> None:
        data = CSV_ROWS * 1200  # 4.5 MiB in 64 KiB chunks of HTTP/1.1 chunked encoding

        def stream() -> Iterator[bytes]:
            for start in range(0, len(data), 64 * 1024):
                yield data[start : start + 64 * 1024]

        with serving(upload_app) as url, httpx.Client(base_url=url, timeout=60) as client:
            response = client.post(RECEIVED, content=stream(), headers={"content-type": CSV})
            assert response.request.headers["transfer-encoding"] == "chunked"
            # The file goes when the request ends, just after the response is sent: a bound
            # on waiting for that, not a timing.
            deadline = time.monotonic() + 30
            while any(spool.iterdir()) and time.monotonic() < deadline:
                time.sleep(0.01)
            assert_received(response, data, spool)


class TestRefused:
    def test_another_media_type_is_415_listing_those_accepted(
        self, upload_app: FastAPI, spool: Path
    ) -> None:
        response = post(upload_app, RECEIVED, json={"rows": []})
        problem = assert_problem(response, 415)
        assert problem["type"].endswith("unsupported-media-type")
        assert problem["errors"] == [
            {
                "loc": ["header", "content-type"],
                "message": f"must be one of: {CSV}, {XLSX}, {MULTIPART}",
            }
        ]
        assert response.headers["accept-post"] == f"{CSV}, {XLSX}, {MULTIPART}"
        assert list(spool.iterdir()) == []

    def test_no_content_type_is_415(self, upload_app: FastAPI) -> None:
        problem = assert_problem(post(upload_app, RECEIVED, content=b"a,b\r\n1,2\r\n"), 415)
        assert CSV in problem["detail"]

    def test_a_file_part_of_another_type_is_415_naming_the_part(
        self, upload_app: FastAPI, spool: Path
    ) -> None:
        files = {"file": ("chart.png", b"\x89PNG\r\n", "image/png")}
        problem = assert_problem(post(upload_app, RECEIVED, files=files), 415)
        assert problem["errors"] == [
            {"loc": ["body", "file"], "message": f"must be one of: {CSV}, {XLSX}"}
        ]
        assert list(spool.iterdir()) == []

    def test_a_declared_length_over_the_cap_is_413_before_any_byte_is_read(
        self, upload_app: FastAPI
    ) -> None:
        pulled: list[int] = []
        data = b"x" * (SMALL_CAP + 1)
        response = post(
            upload_app,
            SMALL,
            content=chunks(data, pulled=pulled),
            headers={"content-type": CSV, "content-length": str(len(data))},
        )
        problem = assert_problem(response, 413)
        assert problem["type"].endswith("body-too-large")
        assert str(SMALL_CAP) in problem["detail"]
        assert pulled == []

    def test_a_chunked_body_is_413_as_soon_as_it_passes_the_cap(
        self, upload_app: FastAPI, spool: Path
    ) -> None:
        pulled: list[int] = []
        data = b"x" * (4 * SMALL_CAP)
        response = post(
            upload_app,
            SMALL,
            content=chunks(data, size=4096, pulled=pulled),
            headers={"content-type": CSV},
        )
        assert str(SMALL_CAP) in assert_problem(response, 413)["detail"]
        # It stopped reading at the chunk that passed the cap, not at the end of the body.
        assert len(pulled) == SMALL_CAP // 4096 + 1
        assert list(spool.iterdir()) == []

    def test_a_multipart_file_over_the_cap_is_413(self, upload_app: FastAPI, spool: Path) -> None:
        files = {"file": ("big.csv", b"x" * (SMALL_CAP + 1), CSV)}
        response = post(upload_app, SMALL, files=files)
        assert str(SMALL_CAP) in assert_problem(response, 413)["detail"]
        assert list(spool.iterdir()) == []

    def test_the_cap_defaults_to_the_import_setting(
        self,
        database_url: str,
        session_factory: sessionmaker[Session],
        data_dir: Path,
        spool: Path,
    ) -> None:
        app = _upload_app(database_url, session_factory, data_dir, spool, max_import_bytes=2048)
        response = post(app, RECEIVED, content=chunks(b"x" * 2049, size=1000))
        assert_problem(response, 415)  # no Content-Type: refused before the size matters
        response = post(app, RECEIVED, content=chunks(b"x" * 2049), headers={"content-type": CSV})
        assert "2048 bytes" in assert_problem(response, 413)["detail"]
        ok = post(app, RECEIVED, content=b"x" * 2048, headers={"content-type": CSV})
        assert_received(ok, b"x" * 2048, spool)

    def test_a_multipart_body_without_the_file_part_is_422_naming_it(
        self, upload_app: FastAPI, spool: Path
    ) -> None:
        response = post(upload_app, RECEIVED, **multipart([("note", "", None, b"hello")]))
        problem = assert_problem(response, 422)
        assert problem["errors"] == [
            {"loc": ["body", "file"], "message": "required: the file"},
            {"loc": ["body", "note"], "message": "not a part of this operation"},
        ]
        assert list(spool.iterdir()) == []

    def test_an_empty_body_or_file_is_422(self, upload_app: FastAPI) -> None:
        empty = post(upload_app, RECEIVED, content=b"", headers={"content-type": CSV})
        assert assert_problem(empty, 422)["errors"][0]["loc"] == ["body"]
        response = post(upload_app, RECEIVED, **multipart([("file", "a.csv", CSV, b"")]))
        problem = assert_problem(response, 422)
        assert problem["errors"] == [{"loc": ["body", "file"], "message": "the file is empty"}]

    def test_two_files_are_422(self, upload_app: FastAPI) -> None:
        parts = [("file", "a.csv", CSV, b"a\r\n1\r\n"), ("file", "b.csv", CSV, b"b\r\n2\r\n")]
        problem = assert_problem(post(upload_app, RECEIVED, **multipart(parts)), 422)
        assert problem["errors"] == [
            {"loc": ["body", "file"], "message": "send one file, in one part"}
        ]

    @pytest.mark.parametrize(
        ("content", "content_type"),
        [
            (b"--x\r\nContent-Disposition: form-data", "multipart/form-data"),
            (
                b'--x\r\nContent-Disposition: form-data; name="file"\r\n'
                b"Content-Type: text/csv\r\n\r\nab",
                "multipart/form-data; boundary=x",
            ),
            (
                b"--x\r\nContent-Type: text/csv\r\n\r\nab\r\n--x--\r\n",
                "multipart/form-data; boundary=x",
            ),
        ],
        ids=["no boundary", "cut short", "no disposition"],
    )
    def test_a_malformed_multipart_body_is_400(
        self, upload_app: FastAPI, spool: Path, content: bytes, content_type: str
    ) -> None:
        response = post(
            upload_app, RECEIVED, content=content, headers={"content-type": content_type}
        )
        assert assert_problem(response, 400)["type"].endswith("malformed-multipart")
        assert list(spool.iterdir()) == []

    def test_the_file_is_removed_when_the_endpoint_fails(
        self, upload_app: FastAPI, spool: Path
    ) -> None:
        response = post(upload_app, FAILING, content=CSV_ROWS, headers={"content-type": CSV})
        problem = assert_problem(response, 422)
        assert problem["errors"][0]["message"] == f"row 2 is bad ({len(CSV_ROWS)} bytes read)"
        assert list(spool.iterdir()) == []


class TestExtraParts:
    """A route's declared extra parts: optional further files of a multipart body, each
    spooled, hashed, counted and capped on its own, and removed with the file."""

    def test_each_part_is_a_file_of_its_own(self, upload_app: FastAPI, spool: Path) -> None:
        absence = b"employee_ref,days\r\n" + b"e1,3\r\n" * 2000
        parts = [
            ("absence", "sick.csv", "text/csv; charset=utf-8", absence),
            ("file", "staff.csv", CSV, CSV_ROWS),
        ]
        response = post(upload_app, PARTS, **multipart(parts))
        body = assert_received(response, CSV_ROWS, spool)
        assert list(body["parts"]) == ["absence"]
        part = body["parts"]["absence"]
        assert part["sha256"] == hashlib.sha256(absence).hexdigest()
        assert (part["size"], part["on_disk"], part["spooled_in"]) == (
            len(absence),
            True,
            str(spool),
        )
        assert (part["media_type"], part["charset"], part["filename"]) == (CSV, "utf-8", "sick.csv")
        assert part["path"] != body["path"]
        assert part["parts"] == {}

    def test_the_parts_are_optional_and_a_raw_body_has_none(
        self, upload_app: FastAPI, spool: Path
    ) -> None:
        alone = post(upload_app, PARTS, files={"file": ("staff.csv", CSV_ROWS, CSV)})
        assert assert_received(alone, CSV_ROWS, spool)["parts"] == {}
        raw = post(upload_app, PARTS, content=CSV_ROWS, headers={"content-type": CSV})
        assert assert_received(raw, CSV_ROWS, spool)["parts"] == {}

    def test_each_part_has_the_cap_of_the_file(self, upload_app: FastAPI, spool: Path) -> None:
        at_cap = b"x" * SMALL_CAP
        parts = [("file", "a.csv", CSV, at_cap), ("absence", "b.csv", CSV, at_cap)]
        both = assert_received(post(upload_app, PARTS, **multipart(parts)), at_cap, spool)
        assert both["parts"]["absence"]["size"] == SMALL_CAP
        over = [("file", "a.csv", CSV, b"x"), ("absence", "b.csv", CSV, at_cap + b"x")]
        response = post(upload_app, PARTS, **multipart(over))
        assert str(SMALL_CAP) in assert_problem(response, 413)["detail"]
        assert list(spool.iterdir()) == []

    def test_a_part_twice_empty_or_of_another_type_is_refused_naming_it(
        self, upload_app: FastAPI, spool: Path
    ) -> None:
        file = ("file", "a.csv", CSV, CSV_ROWS)
        twice = [file, ("absence", "b.csv", CSV, b"b\r\n"), ("absence", "c.csv", CSV, b"c\r\n")]
        problem = assert_problem(post(upload_app, PARTS, **multipart(twice)), 422)
        assert problem["errors"] == [
            {"loc": ["body", "absence"], "message": "send one file, in one part"}
        ]
        empty = [file, ("absence", "b.csv", CSV, b"")]
        problem = assert_problem(post(upload_app, PARTS, **multipart(empty)), 422)
        assert problem["errors"] == [{"loc": ["body", "absence"], "message": "the file is empty"}]
        png = [file, ("absence", "b.png", "image/png", b"\x89PNG")]
        problem = assert_problem(post(upload_app, PARTS, **multipart(png)), 415)
        assert problem["errors"] == [
            {"loc": ["body", "absence"], "message": f"must be one of: {CSV}, {XLSX}"}
        ]
        alone = [("absence", "b.csv", CSV, b"b\r\n"), ("other", "", None, b"x")]
        problem = assert_problem(post(upload_app, PARTS, **multipart(alone)), 422)
        assert problem["errors"] == [
            {"loc": ["body", "file"], "message": "required: the file"},
            {"loc": ["body", "other"], "message": "not a part of this operation"},
        ]
        assert "`absence` if you have it" in problem["detail"]
        assert list(spool.iterdir()) == []

    def test_the_spec_documents_the_parts(self, upload_app: FastAPI) -> None:
        operation = upload_app.openapi()["paths"][PARTS]["post"]
        multipart_body = operation["requestBody"]["content"][MULTIPART]
        assert multipart_body["schema"]["required"] == ["file"]
        properties = multipart_body["schema"]["properties"]
        assert list(properties) == ["file", "absence", "notes"]
        assert properties["absence"]["format"] == "binary"
        assert properties["absence"]["description"].startswith("Optional: the absence episodes")
        assert list(multipart_body["encoding"]) == ["file", "absence", "notes"]
        description = operation["requestBody"]["description"]
        assert description.endswith(
            "Optional further parts, each a file within the same limit: `absence`, `notes`."
        )

    def test_a_declaration_needs_multipart_and_names_of_their_own(self) -> None:
        with pytest.raises(ValueError, match="extra parts come in a multipart body"):
            StreamedUpload(media_types=[CSV], extra_parts={"absence": "a"})
        with pytest.raises(ValueError, match="names of their own"):
            StreamedUpload(media_types=[CSV, MULTIPART], extra_parts={"file": "a"})


class TestTheOtherBodies:
    def test_a_route_cannot_declare_two_bodies(self) -> None:
        app = FastAPI()

        @app.post("/twice")
        async def twice(
            first: Annotated[UploadedFile, Depends(UPLOAD)],
            second: Annotated[UploadedFile, Depends(SMALL_UPLOAD)],
        ) -> None: ...

        with pytest.raises(RuntimeError, match="/twice declares more than one request body"):
            declared_routes(app.routes)

    def test_the_declared_routes_are_the_routes_fastapi_routes_to(
        self, upload_app: FastAPI
    ) -> None:
        """declared_routes reads the routes as declared; FastAPI's own list must agree, path
        for path, method for method, declaration for declaration, in the router's order."""
        from_fastapi = [
            (context.path_format, frozenset(context.methods or ()), _declaration(context))
            for context in iter_route_contexts(upload_app.routes)
            if isinstance(context.original_route, APIRoute)
        ]
        declared = [
            (route.path_format, route.methods, route.declaration)
            for route in declared_routes(upload_app.routes)
        ]
        assert declared == from_fastapi
        assert any(declaration is UPLOAD for _, _, declaration in declared)
        assert sum(1 for route in declared if "POST" in route[1]) > 10

    def test_json_routes_keep_their_guard(self, upload_app: FastAPI) -> None:
        with TestClient(upload_app) as client:
            response = client.post(
                f"{API}/organisations", content=CSV_ROWS, headers={"content-type": CSV}
            )
        problem = assert_problem(response, 415)
        assert problem["detail"] == "Send the body as JSON with `Content-Type: application/json`."

    def test_a_sign_in_form_over_its_small_cap_is_413(self, upload_app: FastAPI) -> None:
        form = {"grant_type": "password", "username": "a@example.nhs.uk", "padding": "x" * 70_000}
        with TestClient(upload_app) as client:
            response = client.post(f"{API}/auth/token", data=form)
        assert "65536 bytes" in assert_problem(response, 413)["detail"]

    def test_the_spec_documents_the_upload(self, upload_app: FastAPI) -> None:
        operation = upload_app.openapi()["paths"][RECEIVED]["post"]
        content = operation["requestBody"]["content"]
        assert list(content) == [CSV, XLSX, MULTIPART]
        assert content[MULTIPART]["schema"]["required"] == ["file"]
        assert content[MULTIPART]["schema"]["properties"]["file"]["format"] == "binary"
        assert {"400", "413", "415", "422"} <= set(operation["responses"])
        small = upload_app.openapi()["paths"][SMALL]["post"]
        assert f"at most {SMALL_CAP} bytes" in small["requestBody"]["description"]


def test_a_50_mib_upload_never_sits_in_memory(upload_app: FastAPI, spool: Path) -> None:
    """A memory bound, not a time: the peak of what Python allocates while 50 MiB stream
    through stays a small fraction of the file."""
    size = 50 * MIB
    chunk = (CSV_ROWS * 20)[: 64 * 1024]
    expected = hashlib.sha256()
    for _ in range(size // len(chunk)):
        expected.update(chunk)

    async def body() -> AsyncIterator[bytes]:
        for _ in range(size // len(chunk)):
            yield chunk

    tracemalloc.start()
    try:
        response = post(upload_app, RECEIVED, content=body(), headers={"content-type": CSV})
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert response.status_code == 200, response.text
    assert response.json()["sha256"] == expected.hexdigest()
    assert response.json()["size"] == size
    assert peak < 8 * MIB, f"peak {peak / MIB:.1f} MiB"
    assert list(spool.iterdir()) == []

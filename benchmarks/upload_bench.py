"""Memory and speed of a streamed upload (a 50 MiB CSV) beside reading the whole body.

Run: .venv/bin/python benchmarks/upload_bench.py [--size tiny]
Builds the real app (create_app, on a SQLite file it never queries) with two test routes:
one takes the file with app.http.uploads.StreamedUpload (to a temporary file, hashed and
counted on the way), the baseline declares a buffered body as large as the file, so the body
guard reads it whole into memory, as every body was read before uploads, and the endpoint
hashes it. Each is sent the same CSV in 64 KiB chunks, in process over httpx's ASGI
transport, and the script prints MiB/s (best of the repeats, without tracing) and the peak
of Python's allocations during one more upload (tracemalloc). `--size tiny` (or
BENCH_SIZE=tiny) sends 1 MiB once: a smoke run that fails when a step breaks.
"""

import argparse
import hashlib
import shutil
import sys
import tempfile
import time
import tracemalloc
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import anyio
import httpx
from fastapi import APIRouter, Depends, FastAPI, Request

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.config import MIB, Settings
from app.http.bodies import BodyPolicy
from app.http.uploads import CSV, StreamedUpload, UploadedFile
from app.main import create_app


@dataclass(frozen=True)
class Workload:
    mebibytes: int
    repeats: int


SIZES = {"full": Workload(50, 3), "tiny": Workload(1, 1)}
CHUNK = 64 * 1024
ROW = b"r0000001,RHQ,ED-NURSING-NGH,2025-03-03,often,4,3,agree,A,N\r\n"
STREAMED, BUFFERED = "/api/v1/bench/streamed", "/api/v1/bench/buffered"


class WholeBody:
    """The baseline: a CSV body read whole, after the guard has buffered it."""

    def __init__(self, max_bytes: int) -> None:
        self.body_policy = BodyPolicy(media_types=(CSV,), max_bytes=max_bytes)

    async def __call__(self, request: Request) -> bytes:
        return await request.body()


def bench_app(folder: Path, size: int) -> FastAPI:
    settings = Settings(
        env="development",
        database_url=f"sqlite:///{folder}/bench.db",
        data_dir=folder,
        upload_dir=folder,
        max_import_bytes=size,
    )
    app = create_app(settings)
    router = APIRouter()
    upload = StreamedUpload(media_types=[CSV])
    whole = WholeBody(size)

    @router.post(STREAMED)
    async def streamed(file: Annotated[UploadedFile, Depends(upload)]) -> dict[str, Any]:
        return {"sha256": file.sha256, "size": file.size}

    @router.post(BUFFERED)
    async def buffered(body: Annotated[bytes, Depends(whole)]) -> dict[str, Any]:
        return {"sha256": hashlib.sha256(body).hexdigest(), "size": len(body)}

    app.include_router(router)
    return app


def csv_chunk() -> bytes:
    return (ROW * (CHUNK // len(ROW) + 1))[:CHUNK]


async def _post(app: FastAPI, path: str, chunks: int) -> dict[str, Any]:
    chunk = csv_chunk()

    async def body() -> AsyncIterator[bytes]:
        for _ in range(chunks):
            yield chunk

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        response = await client.post(path, content=body(), headers={"content-type": CSV})
    if response.status_code != 200:
        raise SystemExit(f"{path}: {response.status_code} {response.text}")
    answer: dict[str, Any] = response.json()
    return answer


def measure(app: FastAPI, path: str, workload: Workload, expected: str) -> tuple[float, int]:
    """(best seconds of the repeats, peak bytes Python allocated during one more upload)."""
    chunks = workload.mebibytes * MIB // CHUNK
    anyio.run(_post, app, path, 1)  # warm-up: the first request sets the app up
    best = float("inf")
    for _ in range(workload.repeats):
        started = time.perf_counter()
        answer = anyio.run(_post, app, path, chunks)
        best = min(best, time.perf_counter() - started)
        if answer["sha256"] != expected or answer["size"] != chunks * CHUNK:
            raise SystemExit(f"{path}: the server read something else: {answer}")
    tracemalloc.start()
    try:
        anyio.run(_post, app, path, chunks)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return best, peak


def upload_benchmark(workload: Workload) -> None:
    size = workload.mebibytes * MIB
    digest = hashlib.sha256()
    for _ in range(size // CHUNK):
        digest.update(csv_chunk())
    folder = Path(tempfile.mkdtemp(prefix="qi_upload_bench_"))
    try:
        app = bench_app(folder, size)
        print(
            f"upload of a {workload.mebibytes} MiB CSV in {CHUNK // 1024} KiB chunks, in process"
            f" (httpx ASGI transport), best of {workload.repeats}:"
        )
        rows = [
            ("streamed to a temporary file, hashed", STREAMED),
            ("baseline, the whole body read into memory, hashed", BUFFERED),
        ]
        for label, path in rows:
            seconds, peak = measure(app, path, workload, digest.hexdigest())
            print(
                f"{label + ':':<52} {workload.mebibytes / seconds:8.0f} MiB/s,"
                f" peak {peak / MIB:6.1f} MiB of Python memory"
            )
        leftovers = [path.name for path in folder.iterdir() if path.name.startswith("qi-upload")]
        if leftovers:
            raise SystemExit(f"temporary files left behind: {leftovers}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    from benchmarks.dashboard_bench import size_argument

    parser = argparse.ArgumentParser(description="Memory and speed of a streamed upload.")
    size_argument(parser)
    upload_benchmark(SIZES[parser.parse_args().size])

"""A survey-responses extract posted over HTTP to the real server, through to recomputed points.

Run: .venv/bin/python benchmarks/import_bench.py [--size tiny] [--database sqlite|postgresql]
Starts `python -m app serve --demo` (one worker) on a scratch database (PostgreSQL by default,
as the issue asks: BENCH_DATABASE_URL or TEST_DATABASE_URL names the server), defines a weekly
local survey of the nine NQPS engagement questions and three local ones, a collaborative of 40
teams and a p-chart measure bound to one question, then posts a file of 100,000 respondents
(two group columns, 13 weeks) and one of 1,000,000. It prints each import's wall time beside a
bare `csv.reader` pass over the same file measured in the same run (target: at most 2x), and
the server's peak RSS during each (target: the 1,000,000-row peak at most 1.2x the 100,000-row
one). `--size tiny` posts 1,000 and 10,000 rows: a smoke run, nothing judged.
"""

import argparse
import csv
import os
import random
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import psutil  # type: ignore[import-untyped]  # no stubs in the dev lock (types-psutil)

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.dashboard_bench import drop_database, scratch_database
from benchmarks.http_bench import _postgresql_server, _sign_in, serve_demo

ROOT = Path(__file__).resolve().parents[1]
API = "/api/v1"
ROWS = {"full": (100_000, 1_000_000), "tiny": (1_000, 10_000)}
TEAMS = 40
WEEKS = 13
FIRST_MONDAY = date(2025, 1, 6)
SURVEY = "bench-pulse"
ODS = "RBN"
ETHNICITY = ("A", "A", "A", "A", "B", "C", "D", "H", "J", "M", "N", "R", "S", "Z", "")
DISABILITY = ("N", "N", "N", "N", "N", "Y", "Z", "9", "")
TIME_TARGET = 2.0
MEMORY_TARGET = 1.2


def _call(client: httpx.Client, method: str, path: str, **kwargs: Any) -> Any:
    response = client.request(method, path, **kwargs)
    if response.status_code >= 300:
        raise SystemExit(f"{method} {path}: {response.status_code} {response.text[:800]}")
    return response.json()


def _setup(client: httpx.Client) -> tuple[str, list[str]]:
    """The local survey, a collaborative of TEAMS teams known as ODS/T0.., a bound measure."""
    nqps = _call(client, "GET", f"{API}/surveys/nqps")
    enjoying = _call(client, "GET", f"{API}/surveys/enjoying-work")
    survey = {
        "code": SURVEY,
        "name": "Benchmark weekly pulse",
        "frequency": "weekly",
        "questions": nqps["questions"] + enjoying["questions"],
        "scores": nqps["scores"],
    }
    _call(client, "POST", f"{API}/surveys", json=survey)
    organisation = _call(
        client,
        "POST",
        f"{API}/organisations",
        json={"ods_code": ODS, "name": "Benchmark trust", "kind": "trust"},
    )
    collaborative = _call(
        client,
        "POST",
        f"{API}/collaboratives",
        json={"name": "Benchmark", "starts_on": "2024-07-01", "ends_on": "2025-09-30"},
    )
    refs = [f"T{n}" for n in range(TEAMS)]
    for ref in refs:
        _call(
            client,
            "POST",
            f"{API}/teams",
            json={
                "collaborative_id": collaborative["id"],
                "name": f"Benchmark team {ref}",
                "organisation_ids": [organisation["id"]],
                "external_refs": [{"ods_code": ODS, "ref": ref}],
            },
        )
    _call(
        client,
        "POST",
        f"{API}/measures",
        json={
            "collaborative_id": collaborative["id"],
            "code": "BENCH_ENJOY",
            "name": "Enjoying work (benchmark)",
            "kind": "outcome",
            "chart": "p",
            "improvement_direction": "increase",
            "frequency": "weekly",
            "data_source": {"type": "survey-question", "survey": SURVEY, "question": "enjoy_work"},
        },
    )
    return collaborative["id"], refs


def write_file(path: Path, rows: int, refs: list[str], questions: list[dict[str, Any]]) -> None:
    """`rows` respondents spread over the teams and weeks, answering by option code."""
    rng = random.Random(rows)
    codes = [q["code"] for q in questions]
    options = [[o["code"] for o in q["scale"]] for q in questions]
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        header = ["response_id", "ods_code", "team_ref", "submitted_on", *codes]
        writer.writerow([*header, "group_ethnicity", "group_disability"])
        for n in range(rows):
            day = FIRST_MONDAY + timedelta(days=rng.randrange(WEEKS * 7))
            answers = ["" if rng.random() < 0.03 else rng.choice(o) for o in options]
            groups = (rng.choice(ETHNICITY), rng.choice(DISABILITY))
            writer.writerow(
                [f"R{rows}-{n:09d}", ODS, refs[n % len(refs)], day.isoformat(), *answers, *groups]
            )


def bare_pass(path: Path) -> float:
    """The floor: csv.reader over the file, touching every row."""
    started = time.perf_counter()
    with path.open(newline="", encoding="utf-8") as file:
        count = sum(1 for _ in csv.reader(file))
    assert count > 1
    return time.perf_counter() - started


class PeakRss:
    """Samples the server's resident memory (with any children) every 20 ms."""

    def __init__(self, pid: int) -> None:
        self.process = psutil.Process(pid)
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _rss(self) -> int:
        total: int = self.process.memory_info().rss
        for child in self.process.children(recursive=True):
            total += child.memory_info().rss
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._rss())
            time.sleep(0.02)

    def __enter__(self) -> "PeakRss":
        self.peak = self._rss()
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._rss())


def post(client: httpx.Client, collaborative: str, path: Path, pid: int) -> tuple[float, int, Any]:
    with path.open("rb") as file, PeakRss(pid) as memory:
        started = time.perf_counter()
        body = _call(
            client,
            "POST",
            f"{API}/imports",
            params={
                "kind": "survey-responses",
                "survey": SURVEY,
                "collaborative_id": collaborative,
            },
            content=file,
            headers={"Content-Type": "text/csv"},
        )
        elapsed = time.perf_counter() - started
    return elapsed, memory.peak, body


def run(database_url: str, backend: str, size: str) -> None:
    small, large = ROWS[size]
    # The 1,000,000-row file is about 80 MB: over the default 50 MiB limit.
    with serve_demo(database_url, {"QI_MAX_IMPORT_BYTES": str(512 * 1024 * 1024)}) as (
        base,
        password,
        server,
    ):
        token = _sign_in(base, password)
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=base, headers=headers, timeout=1800) as client:
            collaborative, refs = _setup(client)
            questions = _call(client, "GET", f"{API}/surveys/{SURVEY}")["questions"]
            folder = Path(tempfile.mkdtemp(prefix="qi_import_bench_files_"))
            results = []
            for rows in (small, large):
                path = folder / f"responses-{rows}.csv"
                write_file(path, rows, refs, questions)
                floor = bare_pass(path)
                elapsed, peak, body = post(client, collaborative, path, server.pid)
                results.append((rows, path.stat().st_size, floor, elapsed, peak, body))
                path.unlink()
            folder.rmdir()
    print(
        f"\n{backend}, one worker, survey-responses over HTTP"
        f" (12 questions, 2 groups, {TEAMS} teams):"
    )
    for rows, size_bytes, floor, elapsed, peak, body in results:
        ratio = elapsed / floor
        verdict = f"  target <= {TIME_TARGET:.0f}x: " + (
            "met" if ratio <= TIME_TARGET else "NOT met"
        )
        print(
            f"  {rows:>9,} rows ({size_bytes / 2**20:5.1f} MiB): import {elapsed:7.2f} s,"
            f" csv.reader {floor:6.3f} s, {ratio:5.1f}x{verdict if size == 'full' else ''};"
            f" server peak RSS {peak / 2**20:6.0f} MiB; aggregates {body['aggregates_written']},"
            f" points {body['points_written']}"
        )
    growth = results[1][4] / results[0][4]
    verdict = f"  target <= {MEMORY_TARGET}x: " + ("met" if growth <= MEMORY_TARGET else "NOT met")
    print(
        f"  peak RSS {large:,} / {small:,} rows: {growth:.2f}x{verdict if size == 'full' else ''}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="A survey extract posted over HTTP.")
    parser.add_argument(
        "--size", choices=sorted(ROWS), default=os.environ.get("BENCH_SIZE", "full")
    )
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="postgresql")
    arguments = parser.parse_args()
    load = os.getloadavg()[0]
    print(f"Import benchmark; load average {load:.2f} on {os.cpu_count()} CPUs")
    if arguments.database == "sqlite":
        folder = tempfile.mkdtemp(prefix="qi_import_bench_db_")
        run(f"sqlite:///{folder}/bench.db", "SQLite", arguments.size)
    else:
        url = scratch_database(_postgresql_server())
        try:
            run(url, "PostgreSQL", arguments.size)
        finally:
            drop_database(url, _postgresql_server())

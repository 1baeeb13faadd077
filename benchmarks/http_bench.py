"""Requests per second of the real server (one worker, demo data) on SQLite and PostgreSQL.

Run: .venv/bin/python benchmarks/http_bench.py [--size tiny] [--database sqlite|postgresql]
Starts `python -m app serve --demo` on a free port, first with a fresh SQLite file, then with a
scratch database on the PostgreSQL server named by BENCH_DATABASE_URL or TEST_DATABASE_URL
(default: the local one; dropped afterwards), signs in as the demo's programme lead, and runs
`wrk -t1 -c8` against `/livez`, the teams list, a stored chart and the dashboard. Each figure
is printed with its ratio to `/livez`, measured in the same run. `--size tiny` (or
BENCH_SIZE=tiny) runs each for about a second: a smoke run that fails when a step breaks.
"""

import argparse
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.dashboard_bench import drop_database, scratch_database

ROOT = Path(__file__).resolve().parents[1]
API = "/api/v1"
LEAD_EMAIL = "programme.lead@example.nhs.uk"
SECONDS = {"full": 10, "tiny": 1}
WARM_UP_SECONDS = {"full": 2, "tiny": 0}
# Ratios to /livez the issue asks for (one worker): teams list, stored chart, dashboard.
TARGETS = {"teams": 0.20, "chart": 0.15, "dashboard": 0.08}
REQUESTS_PER_SECOND = re.compile(r"Requests/sec:\s+([\d.]+)")


@dataclass(frozen=True)
class Endpoint:
    name: str
    path: str
    authorised: bool = True


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def serve_demo(
    database_url: str, extra_env: dict[str, str] | None = None
) -> Iterator[tuple[str, str, "subprocess.Popen[bytes]"]]:
    """(base URL, demo password, process) of `serve --demo` (one worker) on the database,
    stopped afterwards; `extra_env` adds settings (QI_* variables)."""
    port = _free_port()
    data_dir = tempfile.mkdtemp(prefix="qi_http_bench_")
    password = os.environ.get("QI_DEMO_PASSWORD") or secrets.token_urlsafe(16)
    env = os.environ | {
        "QI_DATABASE_URL": database_url,
        "QI_DATA_DIR": data_dir,
        "QI_DEMO_PASSWORD": password,
        "QI_ENV": "development",
    }
    log = open(Path(data_dir) / "server.log", "w+")  # noqa: SIM115 - read back on failure
    server = subprocess.Popen(
        [sys.executable, "-m", "app", "serve", "--demo", "--workers", "1", "--port", str(port)],
        cwd=ROOT,
        env=env | (extra_env or {}),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_live(base, server, log)
        try:
            yield base, password, server
        except BaseException:
            log.seek(0)
            print(f"the server's log ends:\n{log.read()[-5000:]}", file=sys.stderr)
            raise
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()
        shutil.rmtree(data_dir, ignore_errors=True)


@contextmanager
def _server(database_url: str) -> Iterator[tuple[str, str]]:
    """(base URL, demo password) of `serve --demo` on the database, stopped afterwards."""
    with serve_demo(database_url) as (base, password, _):
        yield base, password


def _wait_until_live(base: str, server: "subprocess.Popen[bytes]", log: TextIO) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            break
        try:
            if httpx.get(f"{base}/livez", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    log.seek(0)
    raise SystemExit(f"the server did not come up:\n{log.read()[-3000:]}")


def _endpoints(client: httpx.Client) -> list[Endpoint]:
    """The paths to measure, found from the demo data (and each read once, so a broken one
    fails here with its answer rather than as a fast stream of errors)."""
    collaborative = _first(client, f"{API}/collaboratives")
    team = _first(client, f"{API}/teams?collaborative_id={collaborative['id']}")
    measure = _first(client, f"{API}/measures?collaborative_id={collaborative['id']}")
    chart = f"{API}/teams/{team['id']}/measures/{measure['id']}/chart"
    points = _get(client, chart)["points"]
    if not points:
        raise SystemExit(f"the demo chart {chart} has no points")
    dashboard = f"{API}/collaboratives/{collaborative['id']}/dashboard"
    if not _get(client, dashboard)["cells"]:
        raise SystemExit("the demo dashboard has no cells")
    return [
        Endpoint("livez", "/livez", authorised=False),
        Endpoint("teams", f"{API}/teams"),
        Endpoint("chart", chart),
        Endpoint("dashboard", dashboard),
    ]


def _get(client: httpx.Client, path: str) -> dict[str, object]:
    response = client.get(path)
    if response.status_code != 200:
        raise SystemExit(f"GET {path}: {response.status_code} {response.text[:500]}")
    body: dict[str, object] = response.json()
    return body


def _first(client: httpx.Client, path: str) -> dict[str, str]:
    items = _get(client, path)["items"]
    assert isinstance(items, list)
    if not items:
        raise SystemExit(f"GET {path}: the demo has none")
    first: dict[str, str] = items[0]
    return first


def _sign_in(base: str, password: str) -> str:
    """The programme lead's access token, by the password grant as any client gets one."""
    response = httpx.post(
        f"{base}{API}/auth/token",
        data={"grant_type": "password", "username": LEAD_EMAIL, "password": password},
        timeout=30,
    )
    if response.status_code != 200:
        raise SystemExit(f"sign-in as {LEAD_EMAIL}: {response.status_code} {response.text}")
    token: str = response.json()["access_token"]
    return token


def _wrk(url: str, token: str | None, seconds: int) -> float:
    """Requests per second over `seconds`; any non-2xx answer or socket error fails the run."""
    command = ["wrk", "-t1", "-c8", f"-d{seconds}s"]
    if token is not None:
        command += ["-H", f"Authorization: Bearer {token}"]
    done = subprocess.run(
        [*command, url], check=False, capture_output=True, text=True, timeout=seconds + 60
    )
    if done.returncode != 0:
        raise SystemExit(f"wrk {url} failed: {done.stderr or done.stdout}")
    for trouble in ("Non-2xx or 3xx responses", "Socket errors"):
        if trouble in done.stdout:
            raise SystemExit(f"wrk {url}: {trouble}\n{done.stdout}")
    found = REQUESTS_PER_SECOND.search(done.stdout)
    if found is None:
        raise SystemExit(f"wrk {url}: no Requests/sec in\n{done.stdout}")
    return float(found.group(1))


def measure(database_url: str, backend: str, size: str) -> dict[str, float]:
    """Requests per second of each endpoint against a server on `database_url`."""
    with _server(database_url) as (base, password):
        token = _sign_in(base, password)
        with httpx.Client(
            base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60
        ) as client:
            endpoints = _endpoints(client)
        rates: dict[str, float] = {}
        for endpoint in endpoints:
            bearer = token if endpoint.authorised else None
            if WARM_UP_SECONDS[size]:
                _wrk(base + endpoint.path, bearer, WARM_UP_SECONDS[size])
            rates[endpoint.name] = _wrk(base + endpoint.path, bearer, SECONDS[size])
    _report(backend, rates, size)
    return rates


def _report(backend: str, rates: dict[str, float], size: str) -> None:
    livez = rates["livez"]
    print(f"\n{backend}, one worker, wrk -t1 -c8 -d{SECONDS[size]}s:")
    print(f"  /livez            {livez:9,.0f} req/s  (the baseline)")
    for name, label in (
        ("teams", "GET /teams"),
        ("chart", "stored chart"),
        ("dashboard", "dashboard"),
    ):
        ratio = rates[name] / livez
        verdict = ""
        if size == "full":
            verdict = f"  target >= {TARGETS[name]:.0%}: " + (
                "met" if ratio >= TARGETS[name] else "NOT met"
            )
        print(f"  {label:<16}  {rates[name]:9,.0f} req/s  {ratio:6.1%} of /livez{verdict}")


def _postgresql_server() -> str:
    for name in ("BENCH_DATABASE_URL", "TEST_DATABASE_URL"):
        url = os.environ.get(name)
        if url and url.startswith("postgresql"):
            return url
    return "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def http_benchmark(size: str, databases: list[str]) -> None:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    load = os.getloadavg()[0]
    print(f"HTTP benchmark, demo data; load average {load:.2f} on {os.cpu_count()} CPUs")
    if "sqlite" in databases:
        folder = tempfile.mkdtemp(prefix="qi_http_bench_db_")
        try:
            measure(f"sqlite:///{folder}/bench.db", "SQLite", size)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    if "postgresql" in databases:
        url = scratch_database(_postgresql_server())
        try:
            measure(url, "PostgreSQL", size)
        finally:
            drop_database(url, _postgresql_server())


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Requests per second of the real server.")
    parser.add_argument(
        "--size",
        choices=sorted(SECONDS),
        default=os.environ.get("BENCH_SIZE", "full"),
        help="full: 10 s an endpoint; tiny: 1 s, a smoke run (default: $BENCH_SIZE or full)",
    )
    parser.add_argument(
        "--database",
        choices=["sqlite", "postgresql"],
        action="append",
        help="only this database (repeatable; default: both)",
    )
    arguments = parser.parse_args()
    http_benchmark(arguments.size, arguments.database or ["sqlite", "postgresql"])

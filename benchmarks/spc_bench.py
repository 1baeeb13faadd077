"""Times the chart engine (1,000 XmR series x 104 weeks) and the dashboard on PostgreSQL.

Run: .venv/bin/python benchmarks/spc_bench.py [--engine-only] [--size tiny]
The dashboard part builds 200 teams x 12 shared measures x 104 weekly points in a scratch
database on the server named by BENCH_DATABASE_URL or TEST_DATABASE_URL (default: the local
PostgreSQL; a SQLite URL works too), times the dashboard, compares it with charting the same
series one query per series, and drops the database. `--size tiny` (or BENCH_SIZE=tiny) runs
every step once on a few series: a smoke run that fails when a benchmark breaks.
"""

import argparse
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.spc import ChartOptions, ChartType, Direction, SeriesPoint, compute_chart

SEED = 20240601
SERIES = {"full": 1_000, "tiny": 10}  # `tiny` runs each step once
N_POINTS = 104
REPEATS = {"full": 5, "tiny": 1}
R_REFERENCE_SECONDS = 5.8  # NHSRplotthedots on the same workload (external comparison)
START = date(2023, 1, 2)
WEEKS = [START + timedelta(weeks=i) for i in range(N_POINTS)]
OPTIONS = ChartOptions(
    chart=ChartType.XMR,
    improvement_direction=Direction.INCREASE,
    target=52.0,
    screen_outliers=True,
)


def make_values(rng: random.Random) -> list[float]:
    """Weekly values with a level, noise, and sometimes a step, a drift or a spike, so that every
    rule (limits, trend, two-in-three, shift) fires somewhere in the set."""
    level = rng.uniform(20, 80)
    noise = rng.uniform(0.5, 5)
    values = [rng.gauss(level, noise) for _ in range(N_POINTS)]
    kind = rng.randrange(4)
    if kind == 1:  # a step change part-way through
        at = rng.randrange(N_POINTS // 2, N_POINTS)
        values[at:] = [v + 2 * noise for v in values[at:]]
    elif kind == 2:  # a drift over the last quarter
        values[-26:] = [v + i * noise / 4 for i, v in enumerate(values[-26:])]
    elif kind == 3:  # a spike
        values[rng.randrange(N_POINTS)] += 6 * noise
    return [round(v, 2) for v in values]


def build_inputs(all_values: list[list[float]]) -> list[list[SeriesPoint]]:
    return [
        [SeriesPoint(d, v) for d, v in zip(WEEKS, values, strict=True)] for values in all_values
    ]


def best_of(repeats: int, action: object) -> float:
    assert callable(action)
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        best = min(best, time.perf_counter() - started)
    return best


def engine_benchmark(size: str = "full") -> None:
    n_series, repeats = SERIES[size], REPEATS[size]
    rng = random.Random(SEED)
    all_values = [make_values(rng) for _ in range(n_series)]
    inputs = build_inputs(all_values)

    def run_all() -> None:
        for points in inputs:
            compute_chart(points, OPTIONS)

    special = sum(
        1
        for points in inputs
        for point in compute_chart(points, OPTIONS).points
        if point.special_cause != "common_cause"
    )
    floor = best_of(repeats, lambda: build_inputs(all_values))
    total = best_of(repeats, run_all)
    print(f"series: {n_series} x {N_POINTS} weekly points, XmR, all rules, target and direction")
    print(f"special-cause points in the set: {special} of {n_series * N_POINTS}")
    print(
        f"compute_chart: {total:.3f} s total (best of {repeats}), {n_series / total:,.0f} series/s"
    )
    print(f"floor, building the input SeriesPoint objects only: {floor:.3f} s")
    if size != "full":
        return  # the external comparison and the target are for the full workload
    print(
        f"external comparison: R reference (NHSRplotthedots) ~{R_REFERENCE_SECONDS} s, "
        f"{R_REFERENCE_SECONDS / total:.0f}x slower"
    )
    print(f"target < 0.3 s: {'met' if total < 0.3 else 'NOT met'}")


if __name__ == "__main__":
    from benchmarks.dashboard_bench import SIZES, dashboard_benchmark, size_argument

    parser = argparse.ArgumentParser(description="Times the chart engine and the dashboard.")
    parser.add_argument("--engine-only", action="store_true", help="skip the dashboard")
    size_argument(parser)
    arguments = parser.parse_args()
    engine_benchmark(arguments.size)
    if not arguments.engine_only:
        dashboard_benchmark(SIZES[arguments.size])

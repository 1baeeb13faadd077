"""Times the chart engine (1,000 XmR series x 104 weeks) and the dashboard on PostgreSQL.

Run: .venv/bin/python benchmarks/spc_bench.py [--engine-only]
The dashboard part builds 200 teams x 12 shared measures x 104 weekly points in a scratch
database on the server named by TEST_DATABASE_URL (default: the local PostgreSQL), times the
dashboard, compares it with charting the same series one query per series, and drops the database.
"""

import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.spc import ChartOptions, ChartType, Direction, SeriesPoint, compute_chart

SEED = 20240601
N_SERIES = 1_000
N_POINTS = 104
REPEATS = 5
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


def engine_benchmark() -> None:
    rng = random.Random(SEED)
    all_values = [make_values(rng) for _ in range(N_SERIES)]
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
    floor = best_of(REPEATS, lambda: build_inputs(all_values))
    total = best_of(REPEATS, run_all)
    print(f"series: {N_SERIES} x {N_POINTS} weekly points, XmR, all rules, target and direction")
    print(f"special-cause points in the set: {special} of {N_SERIES * N_POINTS}")
    print(
        f"compute_chart: {total:.3f} s total (best of {REPEATS}), {N_SERIES / total:,.0f} series/s"
    )
    print(f"floor, building the input SeriesPoint objects only: {floor:.3f} s")
    print(
        f"external comparison: R reference (NHSRplotthedots) ~{R_REFERENCE_SECONDS} s, "
        f"{R_REFERENCE_SECONDS / total:.0f}x slower"
    )
    print(f"target < 0.3 s: {'met' if total < 0.3 else 'NOT met'}")


if __name__ == "__main__":
    engine_benchmark()
    if "--engine-only" not in sys.argv:
        from benchmarks.dashboard_bench import dashboard_benchmark

        dashboard_benchmark()

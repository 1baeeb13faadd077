"""Times the person-level workforce aggregation: 20,000 assignments over 24 months with 60,000
absence episodes, checked (`check_staff`) and aggregated (`aggregate_staff`).

Run: .venv/bin/python benchmarks/workforce_bench.py [--size tiny]
The floor, timed in the same run, is one pass that merely sorts the same records by team,
employee and start date: any aggregation has to do at least that. `--size tiny` (or
BENCH_SIZE=tiny) runs each step once on a hundredth of the records: a smoke run.
"""

import argparse
import random
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.workforce.aggregation import (
    AbsenceEpisode,
    Assignment,
    aggregate_staff,
    check_staff,
    month_range,
)

SEED = 20250301
FIRST, LAST = date(2023, 1, 1), date(2024, 12, 1)  # the window: 24 months
TEAMS = 200


@dataclass(frozen=True)
class Workload:
    assignments: int
    episodes: int
    repeats: int


SIZES = {"full": Workload(20_000, 60_000, 3), "tiny": Workload(200, 600, 1)}


def staff(
    workload: Workload, rng: random.Random
) -> tuple[list[Assignment[int]], list[AbsenceEpisode[int]]]:
    """Employees of one or two assignments (a new contract, or a second post), some from before
    the window, some leaving in it; then episodes inside random assignments."""
    rows: list[Assignment[int]] = []
    employee = 0
    while len(rows) < workload.assignments:
        employee += 1
        team, fte = rng.randrange(TEAMS), rng.choice([0.4, 0.6, 0.8, 1.0])
        start = date(2020, 1, 1) + timedelta(days=rng.randrange(1_800))
        end = None if rng.random() < 0.6 else start + timedelta(days=rng.randrange(30, 900))
        row = len(rows) + 2
        if end is not None and rng.random() < 0.3:  # a changed contract, the day after
            rows.append(Assignment(f"E{employee}", team, start, end, fte, row))
            start, end, fte = end + timedelta(days=1), None, rng.choice([0.4, 0.6, 1.0])
        rows.append(Assignment(f"E{employee}", team, start, end, fte, len(rows) + 2))
    episodes: list[AbsenceEpisode[int]] = []
    taken: dict[str, date] = {}  # each employee's last episode end, so that none overlap
    while len(episodes) < workload.episodes:
        a = rows[rng.randrange(len(rows))]
        start = max(a.start, taken.get(a.employee, a.start) + timedelta(days=1))
        start += timedelta(days=rng.randrange(60))
        end = start + timedelta(days=rng.randrange(14))
        if a.end is not None and end > a.end:
            continue
        taken[a.employee] = end
        lost = round(a.fte * ((end - start).days + 1) * rng.choice([0.5, 1.0]), 3)
        episodes.append(AbsenceEpisode(a.employee, a.team, start, end, lost, len(episodes) + 2))
    return rows, episodes


def best_of(repeats: int, action: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        best = min(best, time.perf_counter() - started)
    return best


def workforce_benchmark(workload: Workload) -> None:
    rows, episodes = staff(workload, random.Random(SEED))
    problems = check_staff(rows, episodes)
    assert problems == [], problems[:5]
    months = aggregate_staff(rows, episodes, FIRST, LAST)
    in_post = sum(m[-1].headcount_end for m in months.values())

    def floor() -> None:
        sorted(rows, key=lambda a: (a.team, a.employee, a.start))
        sorted(episodes, key=lambda e: (e.team, e.employee, e.start))

    def check() -> None:
        check_staff(rows, episodes)

    def aggregate() -> None:
        aggregate_staff(rows, episodes, FIRST, LAST)

    repeats = workload.repeats
    floor_s = best_of(repeats, floor)
    check_s = best_of(repeats, check)
    aggregate_s = best_of(repeats, aggregate)
    print(
        f"workforce-staff: {len(rows):,} assignments, {len(episodes):,} absence episodes, "
        f"{len(months)} teams x {len(month_range(FIRST, LAST))} months "
        f"({in_post:,} in post at the end)"
    )
    print(f"check_staff: {check_s:.3f} s (best of {repeats})")
    print(f"aggregate_staff: {aggregate_s:.3f} s (best of {repeats})")
    print(f"check and aggregate: {check_s + aggregate_s:.3f} s")
    print(f"floor, sorting the same records once: {floor_s:.3f} s")
    if floor_s > 0:
        print(f"check and aggregate / floor: {(check_s + aggregate_s) / floor_s:.1f}x")


if __name__ == "__main__":
    from benchmarks.dashboard_bench import size_argument

    parser = argparse.ArgumentParser(description="Times the person-level workforce aggregation.")
    size_argument(parser)
    workforce_benchmark(SIZES[parser.parse_args().size])

"""Anhoej runs analysis (spc-rules.md 3.4) on a period's side string, and run-chart shift flags."""

import re
from functools import cache
from typing import cast

from app.spc.model import RunsAnalysis

# A period's sides are encoded one character per row ("+" above the centre, "-" below, "0" on it,
# " " missing) so that runs, crossings and windows are found by C-speed string operations.
ABOVE, BELOW, ON_CENTRE, MISSING = "+", "-", "0", " "
SHIFT_ABOVE_CODE, SHIFT_BELOW_CODE = 7, 8  # SpecialCause member positions

_DROP_USELESS = str.maketrans("", "", ON_CENTRE + MISSING)
_USEFUL = frozenset((ABOVE, BELOW))
_RUN = re.compile(r"\++|-+")
_NO_RUNS = RunsAnalysis(None, None, None, None, None, False)


@cache
def anhoej_thresholds(n_useful: int) -> tuple[int, int]:
    """(longest_run_max, n_crossings_min) for n_useful >= 1, in exact integer arithmetic.

    longest_run_max = round(log2(n)) + 3; log2 of an integer is never x.5, so round(log2 n) is
    floor(log2 n) + 1 exactly when n^2 > 2^(2 floor(log2 n) + 1) (3.4 step 3).
    n_crossings_min = the smallest k with P(X <= k) >= 0.05, X ~ Binomial(n - 1, 1/2), that is
    20 x sum(C(n-1, j), j <= k) >= 2^(n-1) (3.4 step 4, R's qbinom).
    """
    if n_useful < 1:
        raise ValueError("n_useful must be at least 1")
    low = n_useful.bit_length() - 1
    rounded = low + 1 if n_useful * n_useful > 1 << (2 * low + 1) else low
    trials = n_useful - 1
    total = 1 << trials
    cumulative = 0
    coefficient = 1
    k = 0
    while True:
        cumulative += coefficient
        if 20 * cumulative >= total:
            return rounded + 3, k
        coefficient = coefficient * (trials - k) // (k + 1)
        k += 1


def side_string(values: list[float | None], centre: float | None) -> str:
    if centre is None:
        return MISSING * len(values)
    if None in values:
        return "".join(
            [
                MISSING
                if y is None
                else (ABOVE if y > centre else (BELOW if y < centre else ON_CENTRE))
                for y in values
            ]
        )
    known = cast(list[float], values)
    return "".join([ABOVE if y > centre else (BELOW if y < centre else ON_CENTRE) for y in known])


def runs_analysis(sides: str) -> RunsAnalysis:
    """Points on the centre and missing points are dropped: they neither break nor extend a run."""
    useful = sides.translate(_DROP_USELESS)
    n_useful = len(useful)
    if n_useful == 0:
        return _NO_RUNS  # 3.4 step 6
    longest = max(map(len, _RUN.findall(useful)))
    # Each crossing is one "+-" or "-+" pair; such pairs cannot overlap one another.
    crossings = useful.count("+-") + useful.count("-+")
    longest_max, crossings_min = anhoej_thresholds(n_useful)
    signal = longest > longest_max or crossings < crossings_min
    return RunsAnalysis(n_useful, longest, longest_max, crossings, crossings_min, signal)


def long_run_codes(sides: str, runs: RunsAnalysis) -> list[int]:
    """Run chart flags (spc-api.md): shift codes on the points of every run of the runs analysis
    longer than longest_run_max; skipped points (on the median, missing) stay common cause."""
    codes = [0] * len(sides)
    if runs.longest_run is None or runs.longest_run_max is None:
        return codes
    limit = runs.longest_run_max
    if runs.longest_run <= limit:
        return codes
    positions = [i for i, side in enumerate(sides) if side in _USEFUL]
    useful = sides.translate(_DROP_USELESS)
    for match in _RUN.finditer(useful):
        start, end = match.span()
        if end - start > limit:
            code = SHIFT_ABOVE_CODE if useful[start] == ABOVE else SHIFT_BELOW_CODE
            for j in range(start, end):
                codes[positions[j]] = code
    return codes

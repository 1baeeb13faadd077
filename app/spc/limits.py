"""Centre lines and limits of one period for each chart type (spc-rules.md 2.3, 3.3, 5, 5.1)."""

from collections.abc import Sequence
from itertools import pairwise
from math import fsum, sqrt
from operator import sub
from typing import NamedTuple

XMR_LIMIT = 2.66  # spc-rules.md 2.3.6: the MDC (PTD) multiplier, not QIC's 3 / 1.128
XMR_WARNING = 2.0 / 3.0 * XMR_LIMIT  # spc-rules.md 2.3.7, computed in the reference's order
SCREEN_FACTOR = 3.267  # spc-rules.md 2.3.5: keep MR < 3.267 x mean MR


class Limits(NamedTuple):
    """A period's centre and limits in comparison units; scalars (XmR, C) or per row (P, U)."""

    centre: float | None
    lower: float | None
    upper: float | None
    lower_warning: float | None
    upper_warning: float | None
    n_values: int  # non-missing baseline values the limits rest on (trial limits below 12)
    screening_fallback: bool  # screening would have dropped every moving range


def mean(values: Sequence[float]) -> float:
    # spc-api.md numerical rules: exactly rounded sums, so "on the centre" is order-independent.
    return fsum(values) / len(values)


def xmr_limits(base: list[float | None], screen: bool) -> Limits:
    """XmR centre = mean, limits = centre -/+ 2.66 x (screened) mean moving range (2.3)."""
    values = [v for v in base if v is not None]
    if not values:
        return Limits(None, None, None, None, None, 0, False)
    centre = mean(values)
    if len(values) == len(base):
        ranges = list(map(abs, map(sub, values[1:], values)))
    else:
        # 2.10: a moving range touching a missing value is missing (no bridging over the gap).
        ranges = [abs(b - a) for a, b in pairwise(base) if a is not None and b is not None]
    if not ranges:
        # 2.3 degenerate case: one value (or no two adjacent ones) gives no moving range.
        return Limits(centre, None, None, None, None, len(values), False)
    mr_bar = mean(ranges)
    fallback = False
    if screen:
        # 2.3.5: screen once, strictly; the centre line is not affected.
        cut = SCREEN_FACTOR * mr_bar
        kept = [r for r in ranges if r < cut]
        if not kept:
            # 2.3 service recommendation: every MR screened out (a constant period) would leave
            # no limits, so fall back to the unscreened mean MR and warn.
            fallback = True
        elif len(kept) != len(ranges):
            mr_bar = mean(kept)
    spread = XMR_LIMIT * mr_bar
    near = XMR_WARNING * mr_bar
    return Limits(
        centre,
        centre - spread,
        centre + spread,
        centre - near,
        centre + near,
        len(values),
        fallback,
    )


def c_limits(base: list[float | None]) -> Limits:
    """C chart: centre = mean count, sigma = sqrt(centre), lower lines clamped at 0 (5.1)."""
    values = [v for v in base if v is not None]
    if not values:
        return Limits(None, None, None, None, None, 0, False)
    centre = mean(values)
    sigma = sqrt(centre)
    return Limits(
        centre,
        max(0.0, centre - 3 * sigma),
        centre + 3 * sigma,
        max(0.0, centre - 2 * sigma),
        centre + 2 * sigma,
        len(values),
        False,
    )


def median(values: list[float]) -> float:
    ordered = sorted(values)
    half = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[half]
    return fsum(ordered[half - 1 : half + 1]) / 2


def run_centre(base: list[float | None]) -> Limits:
    """Run chart: centre = median of the baseline values, no limits (3.3)."""
    values = [v for v in base if v is not None]
    centre = median(values) if values else None
    return Limits(centre, None, None, None, None, len(values), False)


class RowLimits(NamedTuple):
    """Per-row limits of a P or U chart period (comparison units, before multiply)."""

    lower: list[float | None]
    upper: list[float | None]
    lower_warning: list[float | None]
    upper_warning: list[float | None]


def pooled_centre(
    numerators: list[float | None], denominators: list[float | None]
) -> tuple[float | None, int]:
    """P/U centre = sum of numerators / sum of denominators over the baseline rows (5)."""
    xs = [x for x in numerators if x is not None]
    ns = [d for d in denominators if d is not None]
    total = fsum(ns)
    return (fsum(xs) / total if total > 0 else None), len(ns)


def row_limits(centre: float | None, denominators: list[float | None], is_p: bool) -> RowLimits:
    """3- and 2-sigma lines of each row; P clamped to [0, 1], U lower clamped at 0 (5)."""
    m = len(denominators)
    if centre is None or centre < 0:
        # A negative pooled rate (negative U numerators) has no sigma; QIC gives NA limits.
        empty: list[float | None] = [None] * m
        return RowLimits(empty, empty, empty, empty)
    top = 1.0 if is_p else float("inf")
    spread = centre * (1 - centre) if is_p else centre
    lower: list[float | None] = []
    upper: list[float | None] = []
    lower_w: list[float | None] = []
    upper_w: list[float | None] = []
    for d in denominators:
        if d is None:
            # spc-api.md: a missing P/U row carries the centre and null limits.
            lower.append(None)
            upper.append(None)
            lower_w.append(None)
            upper_w.append(None)
            continue
        sigma = sqrt(spread / d)
        lower.append(max(0.0, centre - 3 * sigma))
        upper.append(min(top, centre + 3 * sigma))
        lower_w.append(max(0.0, centre - 2 * sigma))
        upper_w.append(min(top, centre + 2 * sigma))
    return RowLimits(lower, upper, lower_w, upper_w)

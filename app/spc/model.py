"""The chart engine's vocabulary: options, input points, results and the validation error."""

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class ChartType(StrEnum):
    XMR = "xmr"
    RUN = "run"
    P = "p"
    U = "u"
    C = "c"


class Direction(StrEnum):
    INCREASE = "increase"
    DECREASE = "decrease"
    NEUTRAL = "neutral"


class SpecialCause(StrEnum):
    # The member order is the engine's integer code (0..8); rules.py relies on it.
    COMMON_CAUSE = "common_cause"
    ABOVE_UPPER_LIMIT = "above_upper_limit"
    BELOW_LOWER_LIMIT = "below_lower_limit"
    TREND_INCREASING = "trend_increasing"
    TREND_DECREASING = "trend_decreasing"
    TWO_IN_THREE_ABOVE = "two_in_three_above"
    TWO_IN_THREE_BELOW = "two_in_three_below"
    SHIFT_ABOVE = "shift_above"
    SHIFT_BELOW = "shift_below"


class PointType(StrEnum):
    COMMON_CAUSE = "common_cause"
    SPECIAL_CAUSE_IMPROVEMENT = "special_cause_improvement"
    SPECIAL_CAUSE_CONCERN = "special_cause_concern"
    SPECIAL_CAUSE_NEUTRAL_HIGH = "special_cause_neutral_high"
    SPECIAL_CAUSE_NEUTRAL_LOW = "special_cause_neutral_low"


class VariationIcon(StrEnum):
    COMMON_CAUSE = "common_cause"
    IMPROVEMENT_HIGH = "improvement_high"
    IMPROVEMENT_LOW = "improvement_low"
    CONCERN_HIGH = "concern_high"
    CONCERN_LOW = "concern_low"
    NEUTRAL_HIGH = "neutral_high"
    NEUTRAL_LOW = "neutral_low"


class Assurance(StrEnum):
    CONSISTENT_PASS = "consistent_pass"
    CONSISTENT_FAIL = "consistent_fail"
    INCONSISTENT = "inconsistent"


@dataclass(frozen=True, slots=True)
class SeriesPoint:
    """One input row. A suppressed row (too few people behind it to show, ingest spec 5.4)
    carries no number and is charted as a gap: a missing value, flagged as suppressed."""

    date: datetime.date
    value: float | None = None
    numerator: float | None = None
    denominator: float | None = None
    suppressed: bool = False


@dataclass(frozen=True, slots=True)
class ChartOptions:
    chart: ChartType = ChartType.XMR
    improvement_direction: Direction = Direction.NEUTRAL
    target: float | None = None
    rebase: tuple[datetime.date, ...] = ()
    fix_after_n_points: int | None = None
    screen_outliers: bool = True
    multiply: float = 1.0
    points_for_significance: int = 7


@dataclass(frozen=True, slots=True)
class RunsAnalysis:
    n_useful: int | None
    longest_run: int | None
    longest_run_max: int | None
    n_crossings: int | None
    n_crossings_min: int | None
    signal: bool


@dataclass(frozen=True, slots=True)
class PeriodResult:
    period: int
    start: datetime.date
    n_points: int
    centre: float | None
    trial_limits: bool
    runs: RunsAnalysis


@dataclass(frozen=True, slots=True)
class PointResult:
    date: datetime.date
    value: float | None
    period: int
    centre: float | None
    lower_limit: float | None
    upper_limit: float | None
    lower_warning: float | None
    upper_warning: float | None
    special_cause: SpecialCause
    point_type: PointType
    suppressed: bool


@dataclass(frozen=True, slots=True)
class ChartSummary:
    """The last point of a chart and the icons it decides (what a dashboard cell shows)."""

    latest_date: datetime.date
    latest_value: float | None
    n_points: int
    variation_icon: VariationIcon
    assurance: Assurance | None


@dataclass(frozen=True, slots=True)
class ChartResult:
    chart: ChartType
    points: tuple[PointResult, ...]
    periods: tuple[PeriodResult, ...]
    variation_icon: VariationIcon | None  # None for an empty series
    assurance: Assurance | None
    warnings: tuple[str, ...]


Location = tuple[str | int, ...]
SeriesProblem = tuple[Location, str]


class SeriesError(ValueError):
    """Invalid input; `problems` lists (location, message), location relative to the request body,
    e.g. ("points", 3, "date") or ("rebases", 0, "starts_on") or ("target",)."""

    problems: tuple[SeriesProblem, ...]

    def __init__(self, problems: Iterable[SeriesProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__(
            "; ".join(f"{'.'.join(map(str, loc))}: {msg}" for loc, msg in self.problems)
        )


# A frozen dataclass's generated __init__ routes every field through object.__setattr__, which
# costs about twice as much as calling the slot descriptors directly; with ten fields per point
# that is the largest single cost of a chart, so the engine fills the slots itself.
_POINT_SLOTS: tuple[Any, ...] = tuple(PointResult.__dict__[name] for name in PointResult.__slots__)


def build_points(
    dates: Sequence[datetime.date],
    values: Sequence[float | None],
    periods: Sequence[int],
    centres: Sequence[float | None],
    lower_limits: Sequence[float | None],
    upper_limits: Sequence[float | None],
    lower_warnings: Sequence[float | None],
    upper_warnings: Sequence[float | None],
    causes: Sequence[SpecialCause],
    point_types: Sequence[PointType],
    suppressed: Sequence[bool],
) -> tuple[PointResult, ...]:
    """PointResult objects equal to those the constructor builds, column by column."""
    s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10 = (slot.__set__ for slot in _POINT_SLOTS)
    new = object.__new__
    out: list[PointResult] = []
    append = out.append
    for date, value, period, centre, lower, upper, lower_w, upper_w, cause, kind, gap in zip(
        dates,
        values,
        periods,
        centres,
        lower_limits,
        upper_limits,
        lower_warnings,
        upper_warnings,
        causes,
        point_types,
        suppressed,
        strict=True,
    ):
        point = new(PointResult)
        s0(point, date)
        s1(point, value)
        s2(point, period)
        s3(point, centre)
        s4(point, lower)
        s5(point, upper)
        s6(point, lower_w)
        s7(point, upper_w)
        s8(point, cause)
        s9(point, kind)
        s10(point, gap)
        append(point)
    return tuple(out)

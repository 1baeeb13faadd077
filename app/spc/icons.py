"""Point types, the variation icon and the assurance icon (spc-rules.md 2.5, 2.7, 2.8)."""

from app.spc.model import (
    Assurance,
    ChartType,
    Direction,
    PointType,
    SpecialCause,
    VariationIcon,
)

CAUSES: tuple[SpecialCause, ...] = tuple(SpecialCause)  # indexed by the engine's integer codes

# 2.5: v = +1 for Above/Increasing labels, -1 for Below/Decreasing, 0 for common cause.
_SENSE = {
    SpecialCause.COMMON_CAUSE: 0,
    SpecialCause.ABOVE_UPPER_LIMIT: 1,
    SpecialCause.BELOW_LOWER_LIMIT: -1,
    SpecialCause.TREND_INCREASING: 1,
    SpecialCause.TREND_DECREASING: -1,
    SpecialCause.TWO_IN_THREE_ABOVE: 1,
    SpecialCause.TWO_IN_THREE_BELOW: -1,
    SpecialCause.SHIFT_ABOVE: 1,
    SpecialCause.SHIFT_BELOW: -1,
}

_HIGH_LOW: dict[Direction, tuple[PointType, PointType]] = {
    Direction.INCREASE: (PointType.SPECIAL_CAUSE_IMPROVEMENT, PointType.SPECIAL_CAUSE_CONCERN),
    Direction.DECREASE: (PointType.SPECIAL_CAUSE_CONCERN, PointType.SPECIAL_CAUSE_IMPROVEMENT),
    Direction.NEUTRAL: (PointType.SPECIAL_CAUSE_NEUTRAL_HIGH, PointType.SPECIAL_CAUSE_NEUTRAL_LOW),
}


def point_type(cause: SpecialCause, direction: Direction) -> PointType:
    """2.5: the point type from the label's sense and the improvement direction."""
    sense = _SENSE[cause]
    if sense == 0:
        return PointType.COMMON_CAUSE
    high, low = _HIGH_LOW[direction]
    return high if sense > 0 else low


# Per direction, the point type of each integer code, so the engine maps codes by indexing.
POINT_TYPES: dict[Direction, tuple[PointType, ...]] = {
    direction: tuple(point_type(cause, direction) for cause in CAUSES) for direction in Direction
}

_ICONS = {
    (PointType.SPECIAL_CAUSE_IMPROVEMENT, 1): VariationIcon.IMPROVEMENT_HIGH,
    (PointType.SPECIAL_CAUSE_IMPROVEMENT, -1): VariationIcon.IMPROVEMENT_LOW,
    (PointType.SPECIAL_CAUSE_CONCERN, 1): VariationIcon.CONCERN_HIGH,
    (PointType.SPECIAL_CAUSE_CONCERN, -1): VariationIcon.CONCERN_LOW,
    (PointType.SPECIAL_CAUSE_NEUTRAL_HIGH, 1): VariationIcon.NEUTRAL_HIGH,
    (PointType.SPECIAL_CAUSE_NEUTRAL_LOW, -1): VariationIcon.NEUTRAL_LOW,
}


def variation_icon(cause: SpecialCause, kind: PointType) -> VariationIcon:
    """2.7: decided by the last point only; improvement with `increase` is high (an Above or
    Increasing label), concern with `increase` is low, and the reverse for `decrease`."""
    return _ICONS.get((kind, _SENSE[cause]), VariationIcon.COMMON_CAUSE)


def assurance(
    chart: ChartType,
    direction: Direction,
    target: float | None,
    lower: float | None,
    upper: float | None,
) -> Assurance | None:
    """2.8 with the service recommendation: null without a target, for a neutral direction or a
    run chart, and where the last point has no limits (the reference says "inconsistent")."""
    if (
        target is None
        or direction == Direction.NEUTRAL
        or chart == ChartType.RUN
        or lower is None
        or upper is None
    ):
        return None
    if target > upper:
        return (
            Assurance.CONSISTENT_FAIL
            if direction == Direction.INCREASE
            else Assurance.CONSISTENT_PASS
        )
    if target < lower:
        return (
            Assurance.CONSISTENT_PASS
            if direction == Direction.INCREASE
            else Assurance.CONSISTENT_FAIL
        )
    return Assurance.INCONSISTENT  # strict comparisons: a target on a limit is inconsistent

"""SPC chart engine: run, XmR, P, U and C charts per the chart contract (pure standard library)."""

from app.spc.engine import compute_chart, summarise_chart, summarise_columns
from app.spc.model import (
    Assurance,
    ChartOptions,
    ChartResult,
    ChartSummary,
    ChartType,
    Direction,
    PeriodResult,
    PointResult,
    PointType,
    RunsAnalysis,
    SeriesError,
    SeriesPoint,
    SpecialCause,
    VariationIcon,
)

__all__ = [
    "Assurance",
    "ChartOptions",
    "ChartResult",
    "ChartSummary",
    "ChartType",
    "Direction",
    "PeriodResult",
    "PointResult",
    "PointType",
    "RunsAnalysis",
    "SeriesError",
    "SeriesPoint",
    "SpecialCause",
    "VariationIcon",
    "compute_chart",
    "summarise_chart",
    "summarise_columns",
]

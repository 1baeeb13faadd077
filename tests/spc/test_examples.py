"""The worked examples of spc-rules.md section 7, reproduced from the reference tools' outputs."""

import json
import math
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from app.spc import (
    ChartOptions,
    ChartResult,
    ChartType,
    Direction,
    SeriesPoint,
    SpecialCause,
    compute_chart,
)
from app.spc.limits import XMR_LIMIT, XMR_WARNING
from app.spc.runs import anhoej_thresholds

# A copy of shared/spec/spc-examples (the contract's test vectors), so the suite runs in any
# checkout; test_the_examples_match_the_shared_spec notices when the shared spec moves on.
REPO_ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = Path(__file__).resolve().parent / "examples"
SHARED_EXAMPLES = REPO_ROOT.parent / "shared" / "spec" / "spc-examples"
EXAMPLE_FILES = sorted(EXAMPLES.glob("[0-9][0-9]_*.json"))
TOLERANCE = 1e-9
QIC_I_FACTOR = 3 / 1.128  # QIC's I-chart limits are CL +/- 3 x MRbar / 1.128 (spc-rules.md 3.2)

PTD_LABELS = {
    "Common Cause": SpecialCause.COMMON_CAUSE,
    "Above UCL": SpecialCause.ABOVE_UPPER_LIMIT,
    "Below LCL": SpecialCause.BELOW_LOWER_LIMIT,
    "7 Point Trend (Increasing)": SpecialCause.TREND_INCREASING,
    "7 Point Trend (Decreasing)": SpecialCause.TREND_DECREASING,
    "2 in 3 Above CL": SpecialCause.TWO_IN_THREE_ABOVE,
    "2 in 3 Below CL": SpecialCause.TWO_IN_THREE_BELOW,
    "7 Points Above CL": SpecialCause.SHIFT_ABOVE,
    "7 Points Below CL": SpecialCause.SHIFT_BELOW,
}
QIC_CHARTS = {"i": ChartType.XMR, "run": ChartType.RUN, "p": ChartType.P, "u": ChartType.U}
OUTSIDE = {SpecialCause.ABOVE_UPPER_LIMIT, SpecialCause.BELOW_LOWER_LIMIT}

Charter = Callable[[list[SeriesPoint], ChartOptions], ChartResult]


def near(ours: float | None, expected: float | None, what: str) -> None:
    if expected is None:
        assert ours is None, f"{what}: expected null, got {ours}"
        return
    assert ours is not None, f"{what}: expected {expected}, got null"
    assert abs(ours - expected) <= TOLERANCE, f"{what}: expected {expected}, got {ours}"


def sign(x: float) -> int:
    return (x > 0) - (x < 0)


def series(example: dict[str, Any]) -> list[SeriesPoint]:
    given = example["input"]
    dates = [date.fromisoformat(d) for d in given["dates"]]
    if "denominators" in given:
        return [
            SeriesPoint(d, numerator=x, denominator=n)
            for d, x, n in zip(dates, given["values"], given["denominators"], strict=True)
        ]
    return [SeriesPoint(d, v) for d, v in zip(dates, given["values"], strict=True)]


def test_the_examples_are_present() -> None:
    assert len(EXAMPLE_FILES) == 13, f"expected the 13 worked examples in {EXAMPLES}"


def test_the_examples_match_the_shared_spec() -> None:
    if not SHARED_EXAMPLES.is_dir():
        pytest.skip(f"no shared spec beside this checkout ({SHARED_EXAMPLES})")
    shared = {p.name: p.read_bytes() for p in SHARED_EXAMPLES.glob("*.json")}
    ours = {p.name: p.read_bytes() for p in EXAMPLES.glob("*.json")}
    assert ours == shared, "tests/spc/examples differs from shared/spec/spc-examples: copy it again"


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=[p.stem for p in EXAMPLE_FILES])
def test_example(path: Path) -> None:
    check_example(path, compute_chart)


def check_example(path: Path, chart: Charter) -> None:
    """Every run of one example file, charted by `chart` (the engine, or the HTTP API)."""
    example = json.loads(path.read_text())
    points = series(example)
    for run in example["runs"]:
        if "expected_error" in run:
            check_reference_error(example, run, points, chart)
        elif run["peer"] == "NHSRplotthedots":
            check_ptd(run, points, chart)
        else:
            check_qic(run, points, chart)
    if "published_expected_values" in example:
        check_published(example, points, chart)


def ptd_options(settings: dict[str, Any]) -> ChartOptions:
    return ChartOptions(
        chart=ChartType.XMR,
        improvement_direction=Direction(settings.get("improvement_direction", "increase")),
        target=settings.get("target"),
        rebase=tuple(date.fromisoformat(d) for d in settings.get("rebase", [])),
        fix_after_n_points=settings.get("fix_after_n_points"),
        screen_outliers=settings.get("screen_outliers", True),
    )


def check_ptd(run: dict[str, Any], points: list[SeriesPoint], chart: Charter) -> None:
    """NHSRplotthedots (MDC XmR): every point field, the per-period summary and the icons."""
    result = chart(points, ptd_options(run["settings"]))
    expected = run["expected"]
    assert len(result.points) == len(expected["points"])
    for i, (ours, ref) in enumerate(zip(result.points, expected["points"], strict=True)):
        at = f"{run['settings']} point {i + 1}"
        assert ours.date.isoformat() == ref["date"], at
        near(ours.value, ref["value"], f"{at} value")
        assert ours.period == ref["rebase_group"], at
        near(ours.centre, ref["mean"], f"{at} centre")
        near(ours.lower_limit, ref["lpl"], f"{at} lower_limit")
        near(ours.upper_limit, ref["upl"], f"{at} upper_limit")
        # The reference's near-limit lines: mean -/+ 2/3 x 2.66 x MRbar (spc-rules.md 2.3.7).
        near(ours.lower_warning, ref["mean"] - 2 / 3 * (ref["mean"] - ref["lpl"]), f"{at} lw")
        near(ours.upper_warning, ref["mean"] + 2 / 3 * (ref["upl"] - ref["mean"]), f"{at} uw")
        assert ours.special_cause == PTD_LABELS[ref["special_cause_type"]], at
        assert (ours.special_cause != SpecialCause.COMMON_CAUSE) == ref["special_cause_flag"], at
        assert ours.point_type == ref["point_type"], at
        if ours.value is None:
            assert ref["relative_to_mean"] is None, at
            continue
        assert ours.centre is not None
        assert ours.upper_limit is not None
        assert ours.lower_limit is not None
        assert ours.upper_warning is not None
        assert ours.lower_warning is not None
        # Exactly rounded means: a value on the centre line has side 0 (vector 04, point 21).
        assert sign(ours.value - ours.centre) == ref["relative_to_mean"], at
        outside = ours.value > ours.upper_limit or ours.value < ours.lower_limit
        assert outside == ref["outside_limits"], at
        close = not outside and (ours.value > ours.upper_warning or ours.value < ours.lower_warning)
        assert close == ref["close_to_limits"], at
    check_ptd_groups(result, expected, run)
    assert result.variation_icon == expected["variation_icon"]
    assert result.points[-1].point_type == expected["variation_point_type_last_point"]
    assert result.assurance == expected["assurance_type"]
    # The reference's only warnings are its trial-limit notes (rows < 13); the service reports
    # trial limits per period instead (below), so no example produces a service warning.
    assert result.warnings == ()


def check_ptd_groups(result: ChartResult, expected: dict[str, Any], run: dict[str, Any]) -> None:
    groups = expected["groups"]
    assert len(result.periods) == len(groups)
    for period, group in zip(result.periods, groups, strict=True):
        mine = [p for p in result.points if p.period == period.period]
        near(period.centre, group["mean_col"], f"{run['settings']} period centre")
        near(mine[-1].lower_limit, group["lpl"], "group lpl")
        near(mine[-1].upper_limit, group["upl"], "group upl")
        assert period.n_points == group["n"] == len(mine)
        assert period.start == mine[0].date
        for kind in ("common_cause", "special_cause_improvement", "special_cause_concern"):
            assert sum(p.point_type == kind for p in mine) == group[kind], kind
        assert mine[-1].point_type == group["variation_type"]
        # The reference marks every row of a period with fewer than 13 rows (its default
        # threshold); the service rule (spc-rules.md 2.6) is fewer than 12 baseline values, so
        # the 12-point periods of vector 07 are not trial limits here.
        ptd_short = {
            p["short_group_warning"]
            for p in expected["points"]
            if p["rebase_group"] == period.period
        }
        assert ptd_short == {group["n"] < 13}
        values = sum(p.value is not None for p in mine)
        fix = run["settings"].get("fix_after_n_points")
        baseline = mine if fix is None else mine[:fix]
        assert period.trial_limits == (sum(p.value is not None for p in baseline) < 12)
        assert values <= period.n_points
    if "assurance_type" in groups[-1]:
        assert result.assurance == groups[-1]["assurance_type"]


def qic_options(settings: dict[str, Any], points: list[SeriesPoint]) -> ChartOptions:
    chart = QIC_CHARTS[settings["chart"]]
    # QIC's part = k starts a new part after point k (1-based), i.e. at the date of row k.
    rebase = tuple(points[k].date for k in settings.get("part", []))
    return ChartOptions(
        chart=chart,
        rebase=rebase,
        fix_after_n_points=settings.get("freeze"),
        screen_outliers=settings.get("screenedmr", True),
        multiply=settings.get("multiply", 1.0),
    )


def check_qic(run: dict[str, Any], points: list[SeriesPoint], chart: Charter) -> None:
    """qicharts2: values, centre lines, limits and the Anhoej runs analysis of every part."""
    settings = run["settings"]
    options = qic_options(settings, points)
    result = chart(points, options)
    expected = run["expected"]
    for period, part in zip(result.periods, expected["parts"], strict=True):
        at = f"{settings} part {part['part']}"
        assert period.period == part["part"] - 1, at
        assert period.n_points == part["n_obs"], at
        runs = period.runs
        assert runs.n_useful == part["n_useful"], at
        assert runs.longest_run == part["longest_run"], at
        assert runs.longest_run_max == part["longest_run_max"], at
        assert runs.n_crossings == part["n_crossings"], at
        assert runs.n_crossings_min == part["n_crossings_min"], at
        assert runs.signal == part["runs_signal"], at
    for i, (ours, ref) in enumerate(zip(result.points, expected["points"], strict=True)):
        at = f"{settings} point {i + 1}"
        assert ours.date.isoformat() == ref["date"], at
        assert ours.period == ref["part"] - 1, at
        near(ours.value, ref["value"], f"{at} value")
        near(ours.centre, ref["cl"], f"{at} centre")
        if options.chart == ChartType.XMR:
            # Same mean moving range, different multiplier: convert QIC's 3 / 1.128 to 2.66.
            for mine, theirs, factor in (
                (ours.upper_limit, ref["ucl"], XMR_LIMIT),
                (ours.lower_limit, ref["lcl"], XMR_LIMIT),
                (ours.upper_warning, ref["ucl"], XMR_WARNING),
                (ours.lower_warning, ref["lcl"], XMR_WARNING),
            ):
                converted = ref["cl"] + (theirs - ref["cl"]) / QIC_I_FACTOR * factor
                near(mine, converted, f"{at} limits (converted from QIC)")
        else:
            near(ours.lower_limit, ref["lcl"], f"{at} lower_limit")
            near(ours.upper_limit, ref["ucl"], f"{at} upper_limit")
            near(ours.lower_warning, ref["lcl_95"], f"{at} lower_warning")
            near(ours.upper_warning, ref["ucl_95"], f"{at} upper_warning")
        assert (ours.special_cause in OUTSIDE) == ref["sigma_signal"], at
        if options.chart == ChartType.RUN:
            # Run charts flag only runs longer than longest_run_max (spc-api.md).
            assert ours.special_cause in {
                SpecialCause.COMMON_CAUSE,
                SpecialCause.SHIFT_ABOVE,
                SpecialCause.SHIFT_BELOW,
            }, at
    if options.chart == ChartType.RUN:
        check_run_chart_flags(result)


def check_run_chart_flags(result: ChartResult) -> None:
    """Points of runs longer than longest_run_max are shifts; points on the median stay common."""
    for period in result.periods:
        mine = [p for p in result.points if p.period == period.period]
        flagged = [p for p in mine if p.special_cause != SpecialCause.COMMON_CAUSE]
        limit = period.runs.longest_run_max
        if period.runs.longest_run is None or limit is None or period.runs.longest_run <= limit:
            assert flagged == []
            continue
        assert len(flagged) >= period.runs.longest_run
        for p in flagged:
            assert p.value is not None
            assert p.centre is not None
            above = p.special_cause == SpecialCause.SHIFT_ABOVE
            assert (p.value > p.centre) if above else (p.value < p.centre)


def check_reference_error(
    example: dict[str, Any], run: dict[str, Any], points: list[SeriesPoint], chart: Charter
) -> None:
    """The reference fails on a gap inside a trend window (vector 13); the service rule is that a
    gap breaks the window (spc-rules.md 2.10), so nothing across the gap is a trend."""
    assert "missing value" in run["expected_error"]
    options = ptd_options(run["settings"])
    result = chart(points, options)
    trends = {SpecialCause.TREND_INCREASING, SpecialCause.TREND_DECREASING}
    assert not any(p.special_cause in trends for p in result.points)
    gap = next(i for i, p in enumerate(points) if p.value is None)
    assert result.points[gap].special_cause == SpecialCause.COMMON_CAUSE
    assert result.warnings == ()
    # Filling the gap with a value that continues the rise makes the window a trend, so the
    # example really exercises the gap rule.
    before, after = points[gap - 1].value, points[gap + 1].value
    assert before is not None
    assert after is not None
    filled = [*points]
    filled[gap] = SeriesPoint(points[gap].date, (before + after) / 2)
    rising = chart(filled, options).points[: gap + 5]
    assert all(p.special_cause == SpecialCause.TREND_INCREASING for p in rising)
    assert example["id"]


def check_published(example: dict[str, Any], points: list[SeriesPoint], chart: Charter) -> None:
    """The rounded figures the reference publishes, to the precision they are printed with."""
    published = example["published_expected_values"]
    cases = {k: v for k, v in published.items() if isinstance(v, dict)} or {"": published}
    for name, figures in cases.items():
        screen = "unscreened" not in name and "false" not in name
        result = chart(points, ChartOptions(screen_outliers=screen))
        first = result.points[0]
        for key, ours in (
            ("mean", first.centre),
            ("lpl", first.lower_limit),
            ("upl", first.upper_limit),
        ):
            shown = figures[key]
            decimals = len(repr(shown).split(".")[1]) if "." in repr(shown) else 0
            assert ours is not None
            assert math.isclose(ours, shown, abs_tol=0.5 * 10**-decimals + 1e-12), (name, key)


def test_anhoej_thresholds_match_the_reference_table() -> None:
    table = json.loads((EXAMPLES / "anhoej_thresholds.json").read_text())["table"]
    assert [row["n_useful"] for row in table] == list(range(1, 101))
    for row in table:
        n = row["n_useful"]
        assert anhoej_thresholds(n) == (row["longest_run_max"], row["n_crossings_min"]), n

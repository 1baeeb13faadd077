"""The demo's workforce charts come from stored monthly figures, as a deployment's would: SICKNESS
and LEAVER_RATE are bound to workforce metrics, the months were stored by one import of the demo
(listed like any other), their points are what the stored months give, and the figures are
plausible: they balance, read back through the import's own reader, and follow the teams'
levels. One demo per module, loaded in process into a scratch database (tests/demo_support.py).
"""

import dataclasses
import hashlib
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.bindings.service import Recomputed, point_source, recompute_workforce
from app.data_points.models import DataPoint
from app.db import make_sessionmaker
from app.demo import expected_levels
from app.demo_data import FIRST_MONTH, LAST_MONTH, MEASURES, TEAMS, Levels, TeamSpec
from app.demo_workforce import (
    SICKNESS,
    extract_csv,
    extract_filename,
    extract_months,
    leaving_rates,
    team_months,
)
from app.integrations.directory import TeamDirectory, fold_ods, fold_ref
from app.integrations.tabular import read_csv
from app.measures import service as measures_service
from app.measures.derived import workforce_point
from app.measures.models import Measure
from app.measures.schemas import WorkforceSource
from app.workforce.aggregation import MonthlyFigures, add_months, check_monthly
from app.workforce.metrics import FIGURES, WorkforceMetric
from app.workforce.monthly_extract import OPTIONAL, REQUIRED, read_workforce_monthly
from app.workforce.service import stored_figures
from tests.demo_support import THRESHOLD, Demo, get, loaded_demo, shared_measures

MONTHS = extract_months()
DEMO_MONTHS = [m for m in MONTHS if FIRST_MONTH <= m <= LAST_MONTH]
BOUND = {
    "SICKNESS": WorkforceMetric.SICKNESS_ABSENCE_RATE,
    "LEAVER_RATE": WorkforceMetric.LEAVER_RATE_12M,
}


@pytest.fixture(scope="module")
def demo(
    tmp_path_factory: pytest.TempPathFactory, data_dir: Path, password_hash: str
) -> Iterator[Demo]:
    yield from loaded_demo(tmp_path_factory, data_dir, password_hash)


def test_the_extract_covers_the_demo_months_and_the_eleven_before() -> None:
    assert (MONTHS[0], MONTHS[-1]) == (date(2023, 9, 1), LAST_MONTH)
    assert len(MONTHS) == len(DEMO_MONTHS) + 11
    assert [add_months(MONTHS[0], n) for n in range(len(MONTHS))] == MONTHS


def test_sickness_and_the_leaver_rate_are_bound_to_workforce_metrics(demo: Demo) -> None:
    measures = shared_measures(demo)
    sickness, leavers = measures["SICKNESS"], measures["LEAVER_RATE"]
    assert (sickness["data_source"], sickness["chart"]) == (
        {"type": "workforce", "metric": "sickness_absence_rate"},
        "xmr",
    )
    # Rolling figures overlap: a run chart, and its wording is the metric's (ingest spec 7).
    assert (leavers["data_source"], leavers["chart"]) == (
        {"type": "workforce", "metric": "leaver_rate_12m"},
        "run",
    )
    assert (sickness["frequency"], leavers["frequency"]) == ("monthly", "monthly")
    assert "12 months ending with the month" in leavers["numerator_definition"]
    assert "first day of the first of those 12 months" in leavers["denominator_definition"]
    assert "last day of the month" in leavers["denominator_definition"]
    assert leavers["multiply"] == sickness["multiply"] == 1.0  # the values are percentages


def _series(session: Session, team_id: uuid.UUID, measure: Measure) -> dict[date, DataPoint]:
    return {
        p.period_start: p
        for p in session.scalars(
            select(DataPoint).where(
                DataPoint.team_id == team_id, DataPoint.measure_id == measure.id
            )
        )
    }


def test_bound_points_are_what_the_stored_months_give(demo: Demo) -> None:
    with make_sessionmaker(demo.engine)() as session:
        measures = {m.code: m for m in session.scalars(select(Measure))}
        stored = stored_figures(session, demo.teams.values())
        source = point_source(demo.summary.workforce_import_id)
        for ref, team_id in demo.teams.items():
            figures = stored[team_id]
            assert sorted(figures) == MONTHS, ref
            for code, metric in BOUND.items():
                measure = measures[code]
                bound = measures_service.source_of(measure)
                assert bound == WorkforceSource(type="workforce", metric=metric)
                # A binding the API itself would accept (the chart fits, monthly).
                measures_service.check_data_source(session, bound, measure.chart, measure.frequency)
                series = _series(session, team_id, measure)
                # Sickness has a point for every stored month (all within the collaborative's
                # baseline window); the rolling rate from the first month with twelve behind it.
                rolling = metric is WorkforceMetric.LEAVER_RATE_12M
                expected_months = DEMO_MONTHS if rolling else MONTHS
                assert sorted(series) == expected_months, (ref, code)
                for month, point in series.items():
                    want = workforce_point(metric, measure.chart, month, figures, THRESHOLD)
                    assert want is not None
                    got = (point.value, point.numerator, point.denominator, point.suppressed)
                    assert got == (want.value, want.numerator, want.denominator, False)
                    assert point.value is not None
                    assert point.source == source
        # Recomputing, as the import would again, changes nothing.
        before = _all_points(session, measures)
        again = recompute_workforce(
            session,
            list(demo.teams.values()),
            None,
            threshold=THRESHOLD,
            import_id=demo.summary.workforce_import_id,
        )
        assert again == Recomputed()
        session.expire_all()
        assert _all_points(session, measures) == before
        session.rollback()


def _all_points(session: Session, measures: dict[str, Measure]) -> list[tuple[object, ...]]:
    rows = session.execute(
        select(
            DataPoint.team_id,
            DataPoint.measure_id,
            DataPoint.period_start,
            DataPoint.value,
            DataPoint.numerator,
            DataPoint.denominator,
            DataPoint.suppressed,
            DataPoint.source,
            DataPoint.note,
            DataPoint.version,
        )
        .where(DataPoint.measure_id.in_([measures[code].id for code in BOUND]))
        .order_by(DataPoint.team_id, DataPoint.measure_id, DataPoint.period_start)
    )
    return [tuple(row) for row in rows]


def test_the_workforce_endpoint_lists_the_months_with_their_metrics(demo: Demo) -> None:
    import_id = str(demo.summary.workforce_import_id)
    for ref, team_id in demo.teams.items():
        body = get(demo, f"/teams/{team_id}/workforce")
        assert (body["team_id"], body["threshold"]) == (str(team_id), THRESHOLD)
        months = body["months"]
        assert [date.fromisoformat(m["month"]) for m in months] == MONTHS
        for month in months:
            assert (month["import_id"], month["suppressed"], month["sickness_suppressed"]) == (
                import_id,
                False,
                False,
            )
            assert month["headcount_end"] == (
                month["headcount_start"] + month["starters"] - month["leavers"]
            )
            given = [name for name in FIGURES if month[name] is None]
            rolling = date.fromisoformat(month["month"]) >= FIRST_MONTH
            assert given == ([] if rolling else ["stable_headcount_12m"]), ref
        metrics = body["metrics"]
        for metric in WorkforceMetric:
            assert [date.fromisoformat(p["month"]) for p in metrics[metric]] == MONTHS
            assert not any(p["suppressed"] for p in metrics[metric])
        # The rolling metrics have a value once twelve months are stored: from the demo's
        # first month, so its charts start with the collaborative.
        for metric in (WorkforceMetric.LEAVER_RATE_12M, WorkforceMetric.STABILITY_INDEX_12M):
            values = [p["value"] for p in metrics[metric]]
            assert values[:11] == [None] * 11, (ref, metric)
            assert all(value is not None for value in values[11:]), (ref, metric)
        assert all(p["value"] is not None for p in metrics["sickness_absence_rate"])


def test_the_demo_import_is_listed_like_any_other(demo: Demo) -> None:
    items = get(demo, "/imports")["items"]
    assert [i["id"] for i in items] == [str(demo.summary.workforce_import_id)]
    [record] = items
    with make_sessionmaker(demo.engine)() as session:
        workforce_points = session.scalars(
            select(DataPoint).where(DataPoint.source == point_source(uuid.UUID(record["id"])))
        ).all()
    file = extract_csv([(spec, figures) for spec in TEAMS for figures in _months(spec)])
    rows = len(TEAMS) * len(MONTHS)
    assert record | {"created_at": None, "finished_at": None, "duration_ms": None} == {
        "id": record["id"],
        "version": 1,
        "kind": "workforce-monthly",
        "status": "succeeded",
        "collaborative_id": str(demo.summary.collaborative_id),
        "survey": None,
        "filename": extract_filename(MONTHS),
        "media_type": "text/csv",
        "sha256": hashlib.sha256(file).hexdigest(),
        "bytes": len(file),
        "rows_read": rows,
        "rows_skipped": 0,
        "unmapped": [],
        "teams": sorted(str(team_id) for team_id in demo.teams.values()),
        "periods": {"first": MONTHS[0].isoformat(), "last": LAST_MONTH.isoformat()},
        "aggregates_written": rows,
        "cells_suppressed": 0,
        "points_written": len(workforce_points),
        "typed_points_replaced": 0,
        "error_count": 0,
        "errors": [],
        "warning_count": 0,
        "warnings": [],
        "ignored_columns": [],
        "created_by": "demo",
        "created_at": None,
        "finished_at": None,
        "duration_ms": None,
    }
    assert record["created_at"] <= record["finished_at"]
    assert len(workforce_points) == len(TEAMS) * (len(MONTHS) + len(DEMO_MONTHS))
    assert get(demo, f"/imports/{record['id']}") == record
    # The list's filters find it by its kind and by each organisation its rows named.
    assert get(demo, "/imports", kind="workforce-monthly")["items"] == [record]
    organisations = get(demo, "/organisations", limit=100)["items"]
    by_code = {o["ods_code"]: o["id"] for o in organisations}
    for spec in TEAMS:
        found = get(demo, "/imports", organisation_id=by_code[spec.ods_code])["items"]
        assert found == [record], spec.ods_code
    assert get(demo, "/imports", organisation_id=by_code["QF7"])["items"] == []


def _months(spec: TeamSpec) -> list[MonthlyFigures]:
    return team_months(spec, dict(expected_levels(spec, SICKNESS)))


def test_the_demo_extract_reads_back_as_the_stored_months(demo: Demo, tmp_path: Path) -> None:
    """The file the import record describes, read by the import's own reader, is exactly what
    the demo stored: no row errors, and no warnings (every month balances)."""
    path = tmp_path / "extract.csv"
    path.write_bytes(extract_csv([(spec, figures) for spec in TEAMS for figures in _months(spec)]))
    refs = {spec.team_ref: spec.ods_code for spec in TEAMS}
    directory = TeamDirectory(
        teams={(fold_ods(refs[ref]), fold_ref(ref)): team for ref, team in demo.teams.items()},
        organisations=frozenset(fold_ods(code) for code in refs.values()),
    )
    with read_csv(
        path, charset=None, required=REQUIRED, optional=OPTIONAL, max_rows=10**4
    ) as table:
        extract = read_workforce_monthly(table, directory)
    assert table.ignored_columns == ()
    assert (extract.errors.error_count, extract.warnings.error_count) == (0, 0)
    assert (extract.rows_read, extract.rows_skipped) == (len(TEAMS) * len(MONTHS), 0)
    with make_sessionmaker(demo.engine)() as session:
        stored = stored_figures(session, demo.teams.values())
    assert extract.months == {
        (team, month): figures
        for team, months in stored.items()
        for month, figures in months.items()
    }


def _pooled_sickness(months: list[MonthlyFigures]) -> float:
    lost = sum(m.sickness_fte_days_lost or 0 for m in months)
    return lost / sum(m.fte_days_available or 0 for m in months) * 100


def _leaver_rate(months: dict[date, MonthlyFigures], month: date) -> tuple[float, float]:
    """(the 12-month leaver rate, its denominator: the mean headcount)."""
    window = [months[add_months(month, n - 11)] for n in range(12)]
    mean = (window[0].headcount_start + window[-1].headcount_end) / 2
    return sum(m.leavers for m in window) / mean * 100, mean


@pytest.mark.parametrize("spec", TEAMS, ids=[spec.team_ref for spec in TEAMS])
def test_the_figures_follow_the_teams_levels(spec: TeamSpec) -> None:
    """Headcount near the team's posts; the pooled sickness rate before its change (all two
    years for a team that made none) is its `before` level, and once the change has bedded in
    its `after`, give or take noise and winter; the 12-month leaver rate starts at `before` and
    ends at `after`, within two leavers (a year's leavers are a handful)."""
    months = _months(spec)
    assert all(0.8 * spec.posts <= m.headcount_start <= spec.posts for m in months)
    assert all(m.stable_headcount_12m is not None for m in months[11:])
    sickness = next(m for m in MEASURES if m.code == "SICKNESS")
    before = [m for m in months if spec.change_on is None or m.month < spec.change_on]
    assert abs(_pooled_sickness(before) - spec.before.sickness) < 0.5, spec.team_ref
    by_month = {m.month: m for m in months}
    first, denominator = _leaver_rate(by_month, FIRST_MONTH)
    assert abs(first - spec.before.leaver_rate) < 2 * 100 / denominator
    end = spec.before if spec.after is None else spec.after
    last, denominator = _leaver_rate(by_month, LAST_MONTH)
    assert abs(last - end.leaver_rate) < 2 * 100 / denominator
    if spec.after is not None and spec.change_on is not None:
        settled = add_months(spec.change_on.replace(day=1), sickness.ramp + 1)
        after = [m for m in months if m.month >= settled]
        assert abs(_pooled_sickness(after) - spec.after.sickness) < 0.5, spec.team_ref


LEVELS = st.builds(
    Levels,
    *(st.just(0.5) for _ in range(4)),
    st.floats(0, 12),  # sickness %
    st.floats(0, 40),  # 12-month leaver rate %
    st.just(2.0),
)


@settings(max_examples=40, deadline=None)
@given(
    posts=st.integers(10, 80),
    before=LEVELS,
    after=st.none() | LEVELS,
    change=st.sampled_from(MONTHS),
)
def test_every_generated_month_passes_the_imports_checks(
    posts: int, before: Levels, after: Levels | None, change: date
) -> None:
    """Whatever a team's size and levels: no row error and no warning (each month balances),
    the FTE and vacancies follow the posts, and the stability counts no one twice."""
    spec = dataclasses.replace(TEAMS[0], posts=posts, before=before, after=after, change_on=change)
    months = team_months(spec, dict(expected_levels(spec, SICKNESS)))
    assert [m.month for m in months] == MONTHS
    for figures in months:
        assert check_monthly(figures) == [], figures
        assert figures.fte_end is not None
        assert figures.establishment_fte is not None
        assert figures.vacancies_fte == round(figures.establishment_fte - figures.fte_end, 2)
        assert figures.headcount_start <= posts
        if figures.stable_headcount_12m is not None:
            assert figures.stable_headcount_12m <= figures.headcount_end
    assert all(rate >= 0 for rate in leaving_rates(spec, MONTHS).values())


def test_the_months_are_the_same_every_time() -> None:
    for spec in TEAMS:
        assert _months(spec) == _months(spec)
    files = [
        extract_csv([(spec, figures) for spec in TEAMS for figures in _months(spec)])
        for _ in range(2)
    ]
    assert files[0] == files[1]

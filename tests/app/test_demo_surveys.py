"""The demo's survey charts come from stored survey aggregates, as a deployment's would: the
three weekly measures are bound to `enjoying-work`, their points are what the stored slices
give, and the slices show through survey-results and equality-gaps with small weeks suppressed.
One demo per module, loaded in process into a scratch database (tests/demo_support.py)."""

import re
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.bindings.service import DERIVED, Recomputed, recompute_survey
from app.data_points.models import DataPoint
from app.db import Base, make_sessionmaker
from app.demo_data import FIRST_WEEK, LAST_WEEK, TEAMS, TeamSpec
from app.demo_surveys import hash_response_id, response_id
from app.measures import service as measures_service
from app.measures.derived import survey_point
from app.measures.models import Measure
from app.measures.schemas import SurveyQuestionSource
from app.pdsa_cycles.models import PdsaCycle
from app.survey_results.models import SurveyResponseHash
from app.survey_results.service import aggregates_for
from app.surveys.builtins import ENJOYING_WORK
from tests.demo_support import THRESHOLD, Demo, get, loaded_demo, shared_measures

BOUND = {"ENJOY_WORK": "enjoy_work", "NO_BURNOUT": "burnout", "RECOMMEND_TEAM": "recommend_team"}
WEEKS = [FIRST_WEEK + timedelta(weeks=n) for n in range((LAST_WEEK - FIRST_WEEK).days // 7 + 1)]
QUIET = {(spec.team_ref, week): n for spec in TEAMS for week, n in spec.quiet_weeks}


@pytest.fixture(scope="module")
def demo(
    tmp_path_factory: pytest.TempPathFactory, data_dir: Path, password_hash: str
) -> Iterator[Demo]:
    yield from loaded_demo(tmp_path_factory, data_dir, password_hash)


def test_the_three_weekly_survey_measures_are_bound(demo: Demo) -> None:
    measures = shared_measures(demo)
    assert {code: m["data_source"] for code, m in measures.items()} == {
        "ENJOY_WORK": {
            "type": "survey-question",
            "survey": "enjoying-work",
            "question": "enjoy_work",
        },
        "NO_BURNOUT": {"type": "survey-question", "survey": "enjoying-work", "question": "burnout"},
        "RECOMMEND_TEAM": {
            "type": "survey-question",
            "survey": "enjoying-work",
            "question": "recommend_team",
        },
        "GOOD_DAYS": None,
        # tests/app/test_demo_workforce.py: the monthly figures of the demo's one import.
        "SICKNESS": {"type": "workforce", "metric": "sickness_absence_rate"},
        "LEAVER_RATE": {"type": "workforce", "metric": "leaver_rate_12m"},
        "IDEAS": None,
    }
    # The built-in counts option 1 alone as favourable, and the definition says so.
    assert "option 1," in measures["NO_BURNOUT"]["numerator_definition"]


def _series(session: Session, team_id: uuid.UUID, measure: Measure) -> dict[date, DataPoint]:
    return {
        p.period_start: p
        for p in session.scalars(
            select(DataPoint).where(
                DataPoint.team_id == team_id, DataPoint.measure_id == measure.id
            )
        )
    }


def test_bound_points_are_what_the_stored_aggregates_give(demo: Demo) -> None:
    with make_sessionmaker(demo.engine)() as session:
        measures = {m.code: m for m in session.scalars(select(Measure))}
        stored = aggregates_for(session, list(demo.teams.values()), ENJOYING_WORK.code)
        assert len(stored) == len(TEAMS) * len(WEEKS)
        for ref, team_id in demo.teams.items():
            for code in BOUND:
                measure = measures[code]
                source = measures_service.source_of(measure)
                assert isinstance(source, SurveyQuestionSource)
                # A binding the API itself would accept (chart and frequency fit the source).
                measures_service.check_data_source(
                    session, source, measure.chart, measure.frequency
                )
                series = _series(session, team_id, measure)
                assert sorted(series) == WEEKS, (ref, code)
                for week, point in series.items():
                    expected = survey_point(
                        source, measure.chart, ENJOYING_WORK, week, stored[team_id, week], THRESHOLD
                    )
                    assert expected is not None
                    got = (point.value, point.numerator, point.denominator, point.suppressed)
                    want = (
                        expected.value,
                        expected.numerator,
                        expected.denominator,
                        expected.suppressed,
                    )
                    assert got == want, (ref, code, week)
                    assert point.source == DERIVED
                    assert point.suppressed == ((ref, week) in QUIET)
        # Recomputing changes nothing, and keeps a team's notes on its points.
        noted: dict[str, dict[date, str]] = {}
        for spec in TEAMS:
            series = _series(session, demo.teams[spec.team_ref], measures["ENJOY_WORK"])
            week = min(series)
            series[week].note = f"Noted by {spec.team_ref}"
            noted[spec.team_ref] = {week: f"Noted by {spec.team_ref}"}
        session.flush()
        again = recompute_survey(
            session, ENJOYING_WORK, list(demo.teams.values()), None, threshold=THRESHOLD
        )
        assert again == Recomputed()
        for spec in TEAMS:
            series = _series(session, demo.teams[spec.team_ref], measures["ENJOY_WORK"])
            assert {w: p.note for w, p in series.items() if p.note} == noted[spec.team_ref]
            # The demo's PDSA cycles start on the weeks its notes name (the data responds).
            starts = session.scalars(
                select(PdsaCycle.starts_on)
                .where(PdsaCycle.team_id == demo.teams[spec.team_ref])
                .order_by(PdsaCycle.starts_on)
            ).all()
            assert len(starts) == (len(spec.notes) or 2)
            if spec.notes:
                assert list(starts) == [w for w, _ in spec.notes]
        session.rollback()


def _share(spec: TeamSpec, points: dict[date, DataPoint], until: date | None) -> float:
    chosen = [p for w, p in points.items() if not p.suppressed and (until is None or w < until)]
    return sum(p.numerator or 0 for p in chosen) / sum(p.denominator or 0 for p in chosen)


def test_the_favourable_shares_follow_the_teams_levels(demo: Demo) -> None:
    """Before its change (all year for a team that made none) a team's pooled share is its
    `before` level, give or take sampling; after the change has bedded in, its `after` level."""
    with make_sessionmaker(demo.engine)() as session:
        measures = {m.code: m for m in session.scalars(select(Measure))}
        for spec in TEAMS:
            for code in BOUND:
                points = _series(session, demo.teams[spec.team_ref], measures[code])
                before = _share(spec, points, spec.change_on)
                assert abs(before - spec.before.of(code)) < 0.04, (spec.team_ref, code, before)
                if spec.after is not None and spec.change_on is not None:
                    settled = spec.change_on + timedelta(weeks=8)
                    later = {w: p for w, p in points.items() if w >= settled}
                    after = _share(spec, later, None)
                    assert abs(after - spec.after.of(code)) < 0.04, (spec.team_ref, code, after)


def test_survey_results_show_every_demo_week(demo: Demo) -> None:
    for ref, team_id in demo.teams.items():
        body = get(demo, f"/teams/{team_id}/survey-results", survey="enjoying-work", limit=200)
        assert body["next_cursor"] is None
        items = body["items"]
        assert [date.fromisoformat(i["period_start"]) for i in items] == WEEKS
        for item in items:
            assert (item["survey"], item["source"], item["import_id"]) == (
                "enjoying-work",
                "responses",
                None,
            )
            questions = {q["question"]: q for q in item["questions"]}
            assert sorted(questions) == sorted(BOUND.values())
            week = date.fromisoformat(item["period_start"])
            if (ref, week) in QUIET:
                assert all(q["suppressed"] and q["respondents"] is None for q in questions.values())
            else:
                assert all(q["respondents"] >= THRESHOLD for q in questions.values())
                assert all(q["favourable"] <= q["respondents"] for q in questions.values())


def _group_rates(row: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {g["group"]: g for g in row["groups"]}


@pytest.mark.parametrize(
    ("group", "groups", "reference"),
    [
        ("ethnicity", {"bme", "white"}, "white"),
        ("disability", {"disabled", "not_disabled"}, "not_disabled"),
    ],
)
def test_the_equality_gaps_of_the_demo(
    demo: Demo, group: str, groups: set[str], reference: str
) -> None:
    collaborative = demo.summary.collaborative_id
    body = get(
        demo,
        f"/collaboratives/{collaborative}/equality-gaps",
        survey="enjoying-work",
        question="enjoy_work",
        group=group,
    )
    assert (body["period_start"], body["reference"]) == (LAST_WEEK.isoformat(), reference)
    assert len(body["teams"]) == len(TEAMS)
    overall = _group_rates(body["overall"])
    assert set(overall) == groups
    assert not any(rate["suppressed"] for rate in overall.values())
    assert all(0 <= rate["percent_favourable"] <= 100 for rate in overall.values())
    [gap] = body["overall"]["gaps"]
    assert gap["reference"] == reference
    assert gap["gap_points"] is not None


def test_a_quiet_week_is_a_gap_for_its_team_and_in_the_gaps(demo: Demo) -> None:
    (ref, week), respondents = next(iter(QUIET.items()))
    assert respondents < THRESHOLD
    team_id = demo.teams[ref]
    for code in BOUND:
        measure_id = shared_measures(demo)[code]["id"]
        chart = get(demo, f"/teams/{team_id}/measures/{measure_id}/chart")
        [point] = [p for p in chart["points"] if p["date"] == week.isoformat()]
        assert point["suppressed"] is True
        assert point["value"] is None
        assert any("1 point is suppressed" in w for w in chart["warnings"]), chart["warnings"]
    body = get(
        demo,
        f"/collaboratives/{demo.summary.collaborative_id}/equality-gaps",
        survey="enjoying-work",
        question="enjoy_work",
        group="ethnicity",
        period=week.isoformat(),
    )
    [row] = [t for t in body["teams"] if t["team_id"] == str(team_id)]
    assert all(g["suppressed"] and g["percent_favourable"] is None for g in row["groups"])
    assert all(g["gap_points"] is None for g in row["gaps"])


ID_PATTERN = re.compile(r"demo-[A-Z-]+-\d{8}-\d{3}")


def test_no_table_holds_a_response_id_only_its_keyed_hash(demo: Demo) -> None:
    with make_sessionmaker(demo.engine)() as session:
        for table in Base.metadata.sorted_tables:
            for row in session.execute(select(table)):
                for value in row:
                    text = value.decode("latin-1") if isinstance(value, bytes) else str(value)
                    assert ID_PATTERN.search(text) is None, table.name
        stored: dict[tuple[uuid.UUID, date], set[bytes]] = {}
        for row in session.scalars(select(SurveyResponseHash)):
            stored.setdefault((row.team_id, row.period_start), set()).add(bytes(row.digest))
    assert len(stored) == len(TEAMS) * len(WEEKS)
    for ref, team_id in demo.teams.items():
        for week in WEEKS:
            digests = stored[team_id, week]
            ids = [response_id(ref, week, n) for n in range(len(digests))]
            assert digests == {hash_response_id(i) for i in ids}
            assert all(len(d) == 32 for d in digests)
            if (ref, week) in QUIET:
                assert len(digests) == QUIET[ref, week]


def test_the_demo_summary_counts_the_derived_points(demo: Demo) -> None:
    """What `qicollab demo` prints: the typed points and the derived ones, all stored, and
    the survey results with the responses behind them (one hash each)."""
    with make_sessionmaker(demo.engine)() as session:
        stored = session.scalar(select(func.count()).select_from(DataPoint))
        derived = session.scalar(
            select(func.count()).select_from(DataPoint).where(DataPoint.source == DERIVED)
        )
        hashes = session.scalar(select(func.count()).select_from(SurveyResponseHash))
    assert demo.summary.data_points == stored
    assert derived == len(TEAMS) * len(WEEKS) * len(BOUND)
    assert demo.summary.survey_slices == len(TEAMS) * len(WEEKS)
    assert demo.summary.survey_responses == hashes

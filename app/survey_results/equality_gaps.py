"""A collaborative's equality gaps (ingest spec 6) from the stored group rows: its teams' group
rates and gaps and its own, through `app.surveys.gaps` and so the disclosure module. No
FastAPI here; admins only and audited, which the router sees to."""

import uuid
from collections.abc import Mapping
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.errors import FieldProblem, InvalidInput
from app.survey_results.models import TOTALS, SurveyAggregate
from app.survey_results.schemas import (
    EqualityGapsRead,
    GapRead,
    GapsRowRead,
    GroupRateRead,
    TeamGapsRead,
)
from app.survey_results.service import definition_in_query
from app.survey_results.slices import group_type_key
from app.surveys.definitions import period_start
from app.surveys.gaps import REFERENCE_GROUPS, GapsRow, equality_gaps
from app.teams.models import Team


def _latest_group_period(
    session: Session, collaborative_id: uuid.UUID, survey: str, group: str
) -> date | None:
    return session.scalar(
        select(func.max(SurveyAggregate.period_start))
        .join(Team, Team.id == SurveyAggregate.team_id)
        .where(
            Team.collaborative_id == collaborative_id,
            SurveyAggregate.survey == survey,
            SurveyAggregate.group_type == group,
        )
    )


def collaborative_gaps(
    session: Session,
    collaborative_id: uuid.UUID,
    *,
    survey: str,
    question: str,
    group: str,
    period: date | None,
    threshold: int,
) -> EqualityGapsRead:
    """Spec 6 for one question, group type and period (the latest with group results when
    None): each team's group rates and gaps, and the collaborative's, from the stored group
    rows through `app.surveys.gaps` and so the disclosure module."""
    definition = definition_in_query(session, survey, ("query", "survey"))
    asked = definition.question(question)
    if asked is None:
        raise InvalidInput(
            f"Survey {survey} has no question {question}.",
            [FieldProblem(("query", "question"), "not a question of the survey")],
        )
    group = group_type_key(group)
    if group == TOTALS:  # blank: the totals rows are no group
        raise InvalidInput(
            "Name a group type.", [FieldProblem(("query", "group"), "must not be blank")]
        )
    if period is not None and period_start(period, definition.frequency) != period:
        expected = period_start(period, definition.frequency)
        raise InvalidInput(
            f"A {definition.frequency} period of survey {survey} starts on {expected}.",
            [FieldProblem(("query", "period"), f"not the first day of a period: {expected}")],
        )
    if period is None:
        period = _latest_group_period(session, collaborative_id, survey, group)
    rows = (
        []
        if period is None
        else session.execute(
            select(Team.id, Team.name, SurveyAggregate)
            .join(Team, Team.id == SurveyAggregate.team_id)
            .where(
                Team.collaborative_id == collaborative_id,
                SurveyAggregate.survey == survey,
                SurveyAggregate.period_start == period,
                SurveyAggregate.group_type == group,
            )
            .order_by(Team.name, Team.id, SurveyAggregate.group_value)
        ).all()
    )
    names: dict[str, tuple[uuid.UUID, str]] = {}
    counts: dict[str, dict[str, Mapping[str, int]]] = {}
    for team_id, team_name, row in rows:
        names[str(team_id)] = (team_id, team_name)
        counts.setdefault(str(team_id), {})[row.group_value] = row.counts.get(question, {})
    reference = REFERENCE_GROUPS.get(group)
    gaps = equality_gaps(asked, counts, reference=reference, threshold=threshold)
    return EqualityGapsRead(
        collaborative_id=collaborative_id,
        survey=survey,
        question=question,
        group=group,
        period_start=period,
        rate="percent_adverse" if gaps.rate == "percent_adverse" else "percent_favourable",
        reference=reference,
        teams=[
            TeamGapsRead(team_id=team_id, team_name=name, **_row(gaps.teams[key]).model_dump())
            for key, (team_id, name) in names.items()
        ],
        overall=_row(gaps.overall),
    )


def _row(row: GapsRow) -> GapsRowRead:
    return GapsRowRead(
        groups=[
            GroupRateRead(
                group=rate.group,
                respondents=rate.respondents,
                percent_favourable=rate.percent_favourable,
                percent_adverse=rate.percent_adverse,
                value=rate.percent_favourable
                if rate.percent_adverse is None
                else rate.percent_adverse,
                suppressed=rate.suppressed,
            )
            for rate in row.groups
        ],
        gaps=[
            GapRead(
                group=gap.group,
                reference=gap.reference,
                gap_points=gap.gap_points,
                relative_likelihood=gap.relative_likelihood,
                suppressed=gap.gap_points is None,
            )
            for gap in row.gaps
        ],
    )

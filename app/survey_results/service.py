"""Reading stored survey aggregates back (`slices.py` stores them, as an import gives them): the
totals for bound measures, and a team's results (the collaborative's equality gaps are in
`equality_gaps.py`). No FastAPI here.
"""

import uuid
from collections.abc import Collection
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.errors import FieldProblem, InvalidInput, NotFound
from app.pagination import paginate
from app.survey_results.models import TOTALS, SurveyAggregate
from app.survey_results.schemas import QuestionResultRead, ScoreResultRead, SurveyResultsRead
from app.survey_results.slices import Slice
from app.surveys import service as surveys_service
from app.surveys.definitions import Survey
from app.surveys.scoring import Aggregate, question_results, score_results
from app.teams.models import Team

LIST_NAME = "survey-results"


def aggregates_for(
    session: Session,
    team_ids: Collection[uuid.UUID],
    survey: str,
    periods: Collection[date] | None = None,
) -> dict[Slice, Aggregate]:
    """The stored totals of these teams for these periods (every period when None), for
    recomputing the data points of the measures bound to the survey. A slice never stored is
    absent."""
    if not team_ids or (periods is not None and not periods):
        return {}
    statement = select(SurveyAggregate).where(
        SurveyAggregate.survey == survey,
        SurveyAggregate.group_type == TOTALS,
        SurveyAggregate.team_id.in_(sorted(set(team_ids))),
    )
    if periods is not None:
        statement = statement.where(SurveyAggregate.period_start.in_(sorted(set(periods))))
    return {(row.team_id, row.period_start): row.aggregate() for row in session.scalars(statement)}


def definition_in_query(
    session: Session, code: str, loc: tuple[str, ...], *, hold: bool = False
) -> Survey:
    """The survey asked for in a query: an unknown code is a 422 on that parameter. With
    `hold`, for a transaction that stores results of it: share-locked, so that it cannot be
    deleted under them (`surveys_service.hold_definition`)."""
    read = surveys_service.hold_definition if hold else surveys_service.get_definition
    try:
        return read(session, code)
    except NotFound:
        raise InvalidInput(
            f"There is no survey with code {code}.", [FieldProblem(loc, "not a known survey")]
        ) from None


def results_stored(session: Session, survey: str) -> int:
    """How many teams have results of the survey stored (any period)."""
    return (
        session.scalar(
            select(func.count(func.distinct(SurveyAggregate.team_id))).where(
                SurveyAggregate.survey == survey
            )
        )
        or 0
    )


def list_team_results(
    session: Session,
    team: Team,
    *,
    survey: str | None,
    period_from: date | None,
    period_to: date | None,
    threshold: int,
    limit: int,
    cursor: str | None,
) -> tuple[list[SurveyResultsRead], str | None]:
    """The team's results per survey and period, oldest period first, suppressed below
    `threshold` respondents (spec 5.4)."""
    if period_from is not None and period_to is not None and period_from > period_to:
        raise InvalidInput(
            "The period range is empty: `to` is before `from`.",
            [FieldProblem(("query", "to"), "must not be before from")],
        )
    statement = select(SurveyAggregate).where(
        SurveyAggregate.team_id == team.id, SurveyAggregate.group_type == TOTALS
    )
    definitions: dict[str, Survey | None] = {}
    if survey is not None:
        definitions[survey] = definition_in_query(session, survey, ("query", "survey"))
        statement = statement.where(SurveyAggregate.survey == survey)
    if period_from is not None:
        statement = statement.where(SurveyAggregate.period_start >= period_from)
    if period_to is not None:
        statement = statement.where(SurveyAggregate.period_start <= period_to)
    rows, next_cursor = paginate(
        session,
        statement,
        sort_key=SurveyAggregate.period_start,
        id_key=SurveyAggregate.id,
        limit=limit,
        cursor=cursor,
        list_name=LIST_NAME,
        filters={"team": team.id, "survey": survey, "from": period_from, "to": period_to},
    )
    items = []
    for row in rows:
        if row.survey not in definitions:
            definitions[row.survey] = _known(session, row.survey)
        items.append(_results(row, definitions[row.survey], threshold))
    return items, next_cursor


def _known(session: Session, code: str) -> Survey | None:
    try:
        return surveys_service.get_definition(session, code)
    except NotFound:  # a local survey removed since: its results can no longer be read
        return None


def _results(row: SurveyAggregate, survey: Survey | None, threshold: int) -> SurveyResultsRead:
    aggregate = row.aggregate()
    questions = (
        [] if survey is None else question_results(survey, aggregate, threshold=threshold).values()
    )
    scores = (
        [] if survey is None else score_results(survey, aggregate, threshold=threshold).values()
    )
    return SurveyResultsRead(
        survey=row.survey,
        period_start=row.period_start,
        source=row.source,
        import_id=row.import_id,
        questions=[
            QuestionResultRead(
                question=q.question,
                respondents=q.respondents,
                favourable=q.favourable,
                percent_favourable=q.percent_favourable,
                mean_score=q.mean_score,
                value=q.percent_favourable,
                suppressed=q.suppressed,
            )
            for q in questions
        ],
        scores=[
            ScoreResultRead(
                score=s.score, respondents=s.respondents, value=s.value, suppressed=s.suppressed
            )
            for s in scores
        ],
    )

"""Recomputes the data points of measures bound to extracts from the stored aggregates.

Called by an import after it stores aggregates, and by the measures router when a measure's
`data_source` is set or changed (ingest spec 7). Each bound measure of each team gets one point
per period with a result (`app.measures.derived` decides what it is), written over whatever is
stored for that period, a point a person typed included; a period whose result is gone loses
the point an earlier import wrote. Periods outside the collaborative's window (before its
baseline, after today) are left alone, as a client's batch would be refused there.
"""

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from app.clock import today
from app.collaboratives.models import Collaborative
from app.data_points import service as points_service
from app.data_points.models import DataPoint
from app.data_points.schemas import ImportedPointIn
from app.errors import Conflict, NotFound
from app.measures import service as measures_service
from app.measures.derived import DerivedPoint, survey_point, workforce_point
from app.measures.models import Measure
from app.measures.schemas import SurveyQuestionSource, SurveyScoreSource, WorkforceSource
from app.survey_results import service as results_service
from app.surveys import service as surveys_service
from app.surveys.definitions import Survey
from app.surveys.models import LocalSurvey
from app.surveys.schemas import SurveyUpdate
from app.teams.models import Team
from app.workforce import service as workforce_service
from app.workforce.metrics import months_affected

DERIVED = "derived"


def point_source(import_id: uuid.UUID | None) -> str:
    """A recomputed point's `source`: the import that caused it, else `derived`."""
    return DERIVED if import_id is None else f"import:{import_id}"


@dataclass
class Recomputed:
    """What a recomputation wrote: points created or changed (a point rewritten with the same
    values is not counted), of which `replaced_typed` had been typed in by a person, and
    points removed because their period no longer has a result."""

    points_written: int = 0
    replaced_typed: int = 0
    removed: int = 0

    def __iadd__(self, other: "Recomputed") -> "Recomputed":
        self.points_written += other.points_written
        self.replaced_typed += other.replaced_typed
        self.removed += other.removed
        return self


def _is_derived(point: DataPoint) -> bool:
    source = point.source or ""
    return source == DERIVED or source.startswith("import:")


def write_points(
    session: Session,
    team: Team,
    measure: Measure,
    derived: dict[date, DerivedPoint | None],
    import_id: uuid.UUID | None,
) -> Recomputed:
    """Writes each period's derived point (None: no result, so no point) for one measure."""
    collaborative = session.get_one(Collaborative, team.collaborative_id)
    first, last = collaborative.baseline_start, today()
    derived = {period: p for period, p in derived.items() if first <= period <= last}
    if not derived:
        return Recomputed()
    stored = {
        point.period_start: point
        for point in session.scalars(
            select(DataPoint).where(
                DataPoint.team_id == team.id,
                DataPoint.measure_id == measure.id,
                DataPoint.period_start.in_(list(derived)),
            )
        )
    }
    outcome = Recomputed()
    gone = [
        period
        for period, point in derived.items()
        if point is None and period in stored and _is_derived(stored[period])
    ]
    if gone:
        session.execute(
            delete(DataPoint).where(
                DataPoint.team_id == team.id,
                DataPoint.measure_id == measure.id,
                DataPoint.period_start.in_(gone),
            )
        )
        outcome.removed = len(gone)
    source = point_source(import_id)
    points = [
        ImportedPointIn(
            period_start=p.period_start,
            value=p.value,
            numerator=p.numerator,
            denominator=p.denominator,
            suppressed=p.suppressed,
            source=source,
        )
        for p in derived.values()
        if p is not None
    ]
    if not points:
        return outcome
    # Counted before writing: a point whose numbers stay the same is not a point written,
    # even when its source moves on to this import.
    differs = [
        p for p in points if p.period_start not in stored or _differs(stored[p.period_start], p)
    ]
    outcome.points_written = len(differs)
    outcome.replaced_typed = sum(
        1 for p in points if p.period_start in stored and not _is_derived(stored[p.period_start])
    )
    points_service.upsert_points(session, team, measure, points, overwrite=True)
    return outcome


NUMBERS = ("value", "numerator", "denominator", "suppressed")


def _differs(stored: DataPoint, point: ImportedPointIn) -> bool:
    return any(getattr(stored, field) != getattr(point, field) for field in NUMBERS)


def delete_survey(session: Session, code: str) -> None:
    """Removes a local survey, unless measures are bound to it or results of it are stored
    (409 `survey-in-use`, saying how many): its definition is what reads them. The row is
    locked first, and whatever stores results or binds a measure share-locks it, so the rule
    holds whatever runs at the same time."""
    row = surveys_service.lock_local_survey(session, code)
    uses = _survey_uses(session, code)
    if uses:
        raise Conflict(
            f"Survey {code} is in use: {uses}. Unbind the measures (PATCH data_source to"
            " null) first; stored results keep the survey for good.",
            slug="survey-in-use",
            title="Survey in use",
        )
    surveys_service.delete_survey(session, row)


def update_survey(session: Session, code: str, patch: SurveyUpdate) -> LocalSurvey:
    """Applies a PATCH to a local survey, keeping what its stored results and bound measures
    read it by: while it is in use, its frequency and the codes of its questions, of their
    options and of its scores stay (names, texts, labels and scores may change; questions and
    scores may be added). Otherwise 409 `survey-in-use`. Locked as `delete_survey` is."""
    row = surveys_service.lock_local_survey(session, code)
    before = surveys_service.definition_of(row)
    surveys_service.update_survey(session, row, patch)
    lost = _codes_lost(before, surveys_service.definition_of(row))
    if lost:
        uses = _survey_uses(session, code)
        if uses:  # the request's transaction is rolled back with the error
            raise Conflict(
                f"Survey {code} is in use: {uses}. So {'; '.join(lost)} must stay as they are.",
                slug="survey-in-use",
                title="Survey in use",
            )
    return row


def _survey_uses(session: Session, code: str) -> str:
    """What uses the survey, said in words; "" when nothing does."""
    measures = measures_service.bound_to_survey(session, code)
    teams = results_service.results_stored(session, code)
    uses = []
    if measures:
        named = ", ".join(measure.code for measure in measures[:5])
        more = f" and {len(measures) - 5} more" if len(measures) > 5 else ""
        uses.append(f"{len(measures)} measure(s) are bound to it ({named}{more})")
    if teams:
        uses.append(f"{teams} team(s) have results of it stored")
    return "; ".join(uses)


def _codes_lost(before: Survey, after: Survey) -> list[str]:
    """What a change takes away that stored results or measures may read: the frequency,
    a question, an option of a question, a score."""
    lost = []
    if before.frequency != after.frequency:
        lost.append(f"its frequency ({before.frequency})")
    for question in before.questions:
        now = after.question(question.code)
        if now is None:
            lost.append(f"question {question.code}")
            continue
        options = {o.code for o in question.scale} - {o.code for o in now.scale}
        if options:
            lost.append(f"the options {', '.join(sorted(options))} of question {question.code}")
    lost += [f"score {s.code}" for s in before.scores if after.score(s.code) is None]
    return lost


def recompute_survey(
    session: Session,
    survey: Survey,
    team_ids: Collection[uuid.UUID],
    periods: Collection[date] | None,
    *,
    threshold: int,
    import_id: uuid.UUID | None = None,
    only: uuid.UUID | None = None,
) -> Recomputed:
    """The points of every measure bound to `survey` that these teams record (or of the
    measure `only`), for these periods (every stored period when None)."""
    bound = measures_service.bound_measures(session, team_ids, survey=survey.code)
    if only is not None:
        bound = {team: [m for m in ms if m.id == only] for team, ms in bound.items()}
    if not bound:
        return Recomputed()
    stored = results_service.aggregates_for(session, list(bound), survey.code, periods)
    outcome = Recomputed()
    for team_id, measures in bound.items():
        team = session.get_one(Team, team_id)
        team_periods = (
            set(periods) if periods is not None else {p for t, p in stored if t == team_id}
        )
        for measure in measures:
            source = measures_service.source_of(measure)
            # A binding whose local survey has since changed frequency charts nothing.
            if not isinstance(source, SurveyQuestionSource | SurveyScoreSource) or str(
                measure.frequency
            ) != str(survey.frequency):
                continue
            derived = {
                period: survey_point(
                    source, measure.chart, survey, period, stored[team_id, period], threshold
                )
                if (team_id, period) in stored
                else None
                for period in team_periods
            }
            outcome += write_points(session, team, measure, derived, import_id)
    return outcome


def recompute_measure(session: Session, measure: Measure, *, threshold: int) -> Recomputed:
    """After a measure's `data_source` is set or changed: the points an earlier binding
    derived go, and the binding's points are computed from what is stored for every team
    that records the measure. Points a person typed stay unless a period has aggregates.
    Unbound (None), the measure keeps the points it has, as its own data from then on."""
    source = measures_service.source_of(measure)
    if source is None:
        return Recomputed()
    derived = session.scalars(
        select(DataPoint).where(
            DataPoint.measure_id == measure.id,
            or_(DataPoint.source == DERIVED, DataPoint.source.startswith("import:")),
        )
    ).all()
    for point in derived:
        session.delete(point)
    session.flush()
    outcome = Recomputed(removed=len(derived))
    if measure.team_id is not None:
        team_ids = [measure.team_id]
    else:
        team_ids = list(
            session.scalars(
                select(Team.id).where(Team.collaborative_id == measure.collaborative_id)
            )
        )
    if isinstance(source, WorkforceSource):
        outcome += recompute_workforce(
            session, team_ids, None, threshold=threshold, only=measure.id
        )
    else:
        try:
            survey = surveys_service.get_definition(session, source.survey)
        except NotFound:
            return outcome  # a local survey removed since: nothing to chart
        outcome += recompute_survey(
            session, survey, team_ids, None, threshold=threshold, only=measure.id
        )
    return outcome


def recompute_workforce(
    session: Session,
    team_ids: Collection[uuid.UUID],
    months: Collection[date] | None,
    *,
    threshold: int,
    import_id: uuid.UUID | None = None,
    only: uuid.UUID | None = None,
) -> Recomputed:
    """The points of every workforce-bound measure these teams record (or of the measure
    `only`) for the months stored or corrected (every stored month when None). A rolling
    metric's points for the eleven months after a corrected one are recomputed too."""
    bound = measures_service.bound_measures(session, team_ids, workforce=True)
    if only is not None:
        bound = {team: [m for m in ms if m.id == only] for team, ms in bound.items()}
    if not any(bound.values()):
        return Recomputed()
    stored = workforce_service.stored_figures(session, list(bound))
    outcome = Recomputed()
    for team_id, measures in bound.items():
        team = session.get_one(Team, team_id)
        figures = stored.get(team_id, {})
        corrected = set(figures) if months is None else set(months)
        for measure in measures:
            source = measures_service.source_of(measure)
            if not isinstance(source, WorkforceSource):
                continue
            periods = {p for month in corrected for p in months_affected(source.metric, month)}
            derived = {
                period: workforce_point(source.metric, measure.chart, period, figures, threshold)
                for period in periods
            }
            outcome += write_points(session, team, measure, derived, import_id)
    return outcome

"""Creating, finding, changing and removing measure definitions."""

import uuid
from collections.abc import Collection
from typing import Any, NoReturn

from pydantic import TypeAdapter
from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from app.collaboratives.models import Collaborative
from app.db import apply_changes, delete_unless_referenced, get_or_404
from app.errors import Conflict, FieldProblem, InvalidInput, NotFound
from app.measures.models import CODE_TAKEN, ChartType, Frequency, Measure, MeasureKind
from app.measures.schemas import (
    DataSource,
    MeasureCreate,
    MeasureUpdate,
    SurveyQuestionSource,
    SurveyScoreSource,
    WorkforceSource,
)
from app.measures.sources import CHART_FIT, WORKFORCE, chart_list, fit_key
from app.pagination import paginate
from app.surveys.service import hold_definition
from app.teams.models import Team

Source = SurveyQuestionSource | SurveyScoreSource | WorkforceSource
_SOURCE: TypeAdapter[Source] = TypeAdapter(DataSource)
# Annual surveys are read through their results, never charted as a measure's points: a
# year's points would take a decade to say anything.
BINDABLE_SURVEY_FREQUENCIES = frozenset({"weekly", "monthly", "quarterly"})


def check_one_owner(collaborative_id: uuid.UUID | None, team_id: uuid.UUID | None) -> None:
    """A measure is shared by a collaborative or a team's own, never both or neither (the
    database's `one_owner` check holds it too; this names the fields)."""
    if (collaborative_id is None) == (team_id is None):
        message = "Set exactly one of collaborative_id (shared measure) or team_id."
        raise InvalidInput(
            message,
            [
                FieldProblem(("body", "collaborative_id"), message),
                FieldProblem(("body", "team_id"), message),
            ],
        )


def _ensure_code_free(session: Session, measure: Measure, code: str) -> None:
    owner = (
        Measure.collaborative_id == measure.collaborative_id
        if measure.collaborative_id is not None
        else Measure.team_id == measure.team_id
    )
    existing = session.scalar(select(Measure).where(owner, Measure.code == code))
    if existing is not None and existing is not measure:
        raise CODE_TAKEN.error()


def create_measure(session: Session, data: MeasureCreate) -> Measure:
    check_one_owner(data.collaborative_id, data.team_id)
    if (
        data.collaborative_id is not None
        and session.get(Collaborative, data.collaborative_id) is None
    ):
        raise InvalidInput.at(
            ("body", "collaborative_id"), f"No collaborative with id {data.collaborative_id}."
        )
    if data.team_id is not None and session.get(Team, data.team_id) is None:
        raise InvalidInput.at(("body", "team_id"), f"No team with id {data.team_id}.")
    if data.data_source is not None:
        check_data_source(session, data.data_source, data.chart, data.frequency)
    measure = Measure(
        **data.model_dump(exclude={"data_source"}), data_source=_stored(data.data_source)
    )
    _ensure_code_free(session, measure, measure.code)
    session.add(measure)
    session.flush()
    return measure


def get_measure(session: Session, measure_id: uuid.UUID) -> Measure:
    return get_or_404(session, Measure, measure_id, "measure")


def owning_team(session: Session, team_id: uuid.UUID) -> Team | None:
    """The team a team's own measure belongs to (None if it does not exist)."""
    return session.get(Team, team_id)


def get_team_measure(session: Session, team: Team, measure_id: uuid.UUID) -> Measure:
    """A measure the team records: one shared by its collaborative, or its own."""
    measure = session.get(Measure, measure_id)
    if measure is None or not (
        measure.team_id == team.id or measure.collaborative_id == team.collaborative_id
    ):
        raise NotFound(f"Team {team.id} has no measure with id {measure_id}.")
    return measure


def list_measures(
    session: Session,
    *,
    limit: int,
    cursor: str | None,
    collaborative_id: uuid.UUID | None = None,
    team_id: uuid.UUID | None = None,
    kind: MeasureKind | None = None,
    code: str | None = None,
    visible: ColumnElement[bool] | None = None,
) -> tuple[list[Measure], str | None]:
    """Measures; with `team_id`, the team's own measures and those its collaborative shares."""
    statement = select(Measure) if visible is None else select(Measure).where(visible)
    if collaborative_id is not None:
        statement = statement.where(Measure.collaborative_id == collaborative_id)
    if team_id is not None:
        shared = select(Team.collaborative_id).where(Team.id == team_id).scalar_subquery()
        statement = statement.where(
            or_(Measure.team_id == team_id, Measure.collaborative_id == shared)
        )
    if kind is not None:
        statement = statement.where(Measure.kind == kind)
    if code is not None:
        statement = statement.where(Measure.code == code.upper())
    return paginate(
        session,
        statement,
        sort_key=Measure.created_at,
        id_key=Measure.id,
        limit=limit,
        cursor=cursor,
        list_name="measures",
        filters={
            "collaborative_id": collaborative_id,
            "team_id": team_id,
            "kind": kind,
            "code": code,
        },
    )


def _has_data(session: Session, measure: Measure) -> bool:
    return bool(session.scalar(select(Measure.data_points.any()).where(Measure.id == measure.id)))


def update_measure(session: Session, measure: Measure, patch: MeasureUpdate) -> Measure:
    changes = patch.model_dump(exclude_unset=True, exclude={"data_source"})
    if "code" in changes:
        _ensure_code_free(session, measure, changes["code"])
    new_chart: ChartType = changes.get("chart", measure.chart)
    if "data_source" in patch.model_fields_set:
        changes["data_source"] = _stored(patch.data_source)
        source = patch.data_source
    else:
        source = source_of(measure)
    # A binding is checked when it, the chart or the frequency changes: renaming a measure
    # whose local survey has since changed is not refused for the survey's sake.
    if source is not None and {"data_source", "chart", "frequency"} & patch.model_fields_set:
        check_data_source(session, source, new_chart, changes.get("frequency", measure.frequency))
    if new_chart != measure.chart and _has_data(session, measure):
        # Points hold a value or a numerator/denominator according to the chart type.
        raise Conflict(
            "The measure has data points, so its chart type can no longer change.",
            slug="measure-has-data",
        )
    apply_changes(measure, changes)
    session.flush()
    return measure


def delete_measure(session: Session, measure: Measure) -> None:
    delete_unless_referenced(
        session, measure, "Teams have recorded data for this measure; delete their data first."
    )


def _stored(source: Source | None) -> dict[str, Any] | None:
    return None if source is None else source.model_dump(mode="json")


def source_of(measure: Measure) -> Source | None:
    """The measure's binding as the schema's model (None when unbound)."""
    if measure.data_source is None:
        return None
    return _SOURCE.validate_python(measure.data_source)


def check_data_source(
    session: Session, source: Source, chart: ChartType, frequency: Frequency
) -> None:
    """Ingest spec 7: the survey and its question or score exist, the chart type fits the
    source, and the frequency is the survey's (monthly for workforce). Every problem is
    named; each says why. Applied on create and on a PATCH that touches any of the three."""
    problems: list[FieldProblem] = []
    if isinstance(source, WorkforceSource):
        if frequency != Frequency.MONTHLY:
            problems += _both(
                ("frequency", ("data_source", "type")),
                f"a workforce measure is monthly, not {frequency}: the extract carries one"
                " row per team and month",
            )
        key = fit_key(WORKFORCE, source.metric)
        label = f"a workforce {source.metric} measure"
    else:
        found = _survey_problems(session, source, frequency)
        if found is None:
            _refuse(
                [
                    FieldProblem(
                        ("body", "data_source", "survey"),
                        f"no survey has the code {source.survey!r} (GET /surveys lists them)",
                    )
                ]
            )
        problems += found
        key = fit_key(source.type)
        label = f"a {source.type} measure"
    fit = CHART_FIT[key]
    if chart not in fit.charts:
        problems += _both(
            ("chart", "data_source"),
            f"{label} is charted {chart_list(fit.charts)}, not {chart}: {fit.why}",
        )
    if problems:
        _refuse(problems)


def _refuse(problems: list[FieldProblem]) -> NoReturn:
    # A conflict spanning two fields is named at both; the detail says it once.
    messages = "; ".join(dict.fromkeys(problem.message for problem in problems))
    raise InvalidInput(f"The data source does not fit the measure: {messages}.", problems)


def _both(fields: tuple[str | tuple[str, ...], ...], message: str) -> list[FieldProblem]:
    """The same conflict named at each field it spans (as check_one_owner does)."""
    return [
        FieldProblem(("body", *((field,) if isinstance(field, str) else field)), message)
        for field in fields
    ]


def _survey_problems(
    session: Session, source: SurveyQuestionSource | SurveyScoreSource, frequency: Frequency
) -> list[FieldProblem] | None:
    """The problems of the question or score, the survey's frequency and the measure's; None
    when the survey is unknown (then nothing else can be checked)."""
    try:
        # Share-locked: the survey cannot be deleted before this measure is stored.
        survey = hold_definition(session, source.survey)
    except NotFound:
        return None
    problems: list[FieldProblem] = []
    if isinstance(source, SurveyQuestionSource) and survey.question(source.question) is None:
        problems.append(
            FieldProblem(
                ("body", "data_source", "question"),
                f"survey {survey.code!r} has no question {source.question!r}",
            )
        )
    if isinstance(source, SurveyScoreSource) and survey.score(source.score) is None:
        problems.append(
            FieldProblem(
                ("body", "data_source", "score"),
                f"survey {survey.code!r} has no score {source.score!r}",
            )
        )
    if survey.frequency not in BINDABLE_SURVEY_FREQUENCIES:
        problems.append(
            FieldProblem(
                ("body", "data_source", "survey"),
                f"survey {survey.code!r} is {survey.frequency}: an annual survey is read"
                " through its survey results only, so a measure can be bound to a weekly,"
                " monthly or quarterly survey",
            )
        )
    elif survey.frequency != frequency:
        problems += _both(
            ("frequency", ("data_source", "survey")),
            f"the measure is {frequency} but survey {survey.code!r} is {survey.frequency}:"
            " a bound measure has one point per survey period",
        )
    return problems


def bound_measures(
    session: Session,
    team_ids: Collection[uuid.UUID],
    *,
    survey: str | None = None,
    workforce: bool = False,
) -> dict[uuid.UUID, list[Measure]]:
    """For each of these teams that exists, the measures bound to `survey` (a code) or, with
    `workforce`, to a workforce metric, that the team records: its own and those its
    collaborative shares, in creation order. What an import recomputes after storing a
    file's aggregates for these teams."""
    if (survey is None) == (not workforce):
        raise ValueError("give exactly one of survey= or workforce=True")
    teams = session.execute(
        select(Team.id, Team.collaborative_id).where(Team.id.in_(list(team_ids)))
    ).all()
    if not teams:
        return {}
    collaboratives = {collaborative_id for _, collaborative_id in teams}
    candidates = session.scalars(
        select(Measure)
        .where(
            Measure.data_source.is_not(None),
            or_(
                Measure.team_id.in_([team_id for team_id, _ in teams]),
                Measure.collaborative_id.in_(collaboratives),
            ),
        )
        .order_by(Measure.created_at, Measure.id)
    )
    # Filtered here rather than in SQL: JSON paths differ between SQLite and PostgreSQL, and
    # a collaborative has tens of measures, not thousands.
    wanted = [
        measure
        for measure in candidates
        if _bound_to(measure.data_source or {}, survey=survey, workforce=workforce)
    ]
    return {
        team_id: [
            measure
            for measure in wanted
            if measure.team_id == team_id or measure.collaborative_id == collaborative_id
        ]
        for team_id, collaborative_id in teams
    }


def bound_to_survey(session: Session, survey: str) -> list[Measure]:
    """Every measure, of any team or collaborative, whose data source is the survey (a code),
    in creation order."""
    candidates = session.scalars(
        select(Measure)
        .where(Measure.data_source.is_not(None))
        .order_by(Measure.created_at, Measure.id)
    )
    # Filtered here, as in `bound_measures`: JSON paths differ between the two databases.
    return [m for m in candidates if _bound_to(m.data_source or {}, survey=survey, workforce=False)]


def _bound_to(source: dict[str, str], *, survey: str | None, workforce: bool) -> bool:
    if workforce:
        return source.get("type") == WORKFORCE
    return source.get("type") != WORKFORCE and source.get("survey") == survey

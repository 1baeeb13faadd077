"""Creating, finding, changing and removing survey definitions, built-in and local."""

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Literal, cast
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import BadRequest, Conflict, FieldProblem, InvalidInput, NotFound
from app.pagination import decode_cursor, encode_cursor, paginate
from app.surveys.builtins import BUILT_IN
from app.surveys.definitions import (
    Frequency,
    Option,
    Question,
    Score,
    Survey,
    as_dict,
    validate_survey,
)
from app.surveys.models import SURVEY_CODE_TAKEN, LocalSurvey
from app.surveys.schemas import SurveyCreate, SurveyUpdate

LIST_NAME = "surveys"
# A cursor into the built-ins (which have no row): their position, as the id of a fixed instant.
_BUILT_IN_LIST = "built-in surveys"
_BUILT_IN_MARK = datetime(1970, 1, 1, tzinfo=UTC)


def _read_only(code: str, loc: tuple[str, ...]) -> Conflict:
    return Conflict(
        f"{code} is a built-in survey: it cannot be changed or removed, and its code cannot be"
        " taken; define a local survey with another code.",
        slug="built-in-survey",
        title="Built-in survey",
        errors=[FieldProblem(loc, "is a built-in survey's code")],
    )


def definition_of(row: LocalSurvey) -> Survey:
    return _definition(
        row.code, row.name, cast(Frequency, row.frequency), row.questions, row.scores
    )


def _definition(
    code: str,
    name: str,
    frequency: Frequency,
    questions: Sequence[Mapping[str, Any]],
    scores: Sequence[Mapping[str, Any]],
) -> Survey:
    return Survey(
        code=code,
        name=name,
        frequency=frequency,
        questions=tuple(
            Question(
                code=q["code"],
                text=q["text"],
                scale=tuple(
                    Option(o["code"], o["label"], o["score"], o.get("counts", True))
                    for o in q["scale"]
                ),
                favourable=tuple(q["favourable"]),
                reverse=q.get("reverse", False),
            )
            for q in questions
        ),
        scores=tuple(
            Score(s["code"], s["name"], tuple(s["of"]), s.get("min_answered")) for s in scores
        ),
    )


def _checked(survey: Survey) -> Survey:
    """The definition, or a 422 naming each problem's field as the request body has it."""
    problems = validate_survey(survey)
    if problems:
        raise InvalidInput(
            "The survey definition does not hold together; see `errors`.",
            [FieldProblem(("body", *_path(p.location)), p.message) for p in problems],
        )
    return survey


def _path(pointer: str) -> tuple[str | int, ...]:
    return tuple(int(part) if part.isdigit() else part for part in pointer.split("/") if part)


def _store(row: LocalSurvey, survey: Survey) -> None:
    shape = as_dict(survey)
    row.name = survey.name
    row.frequency = survey.frequency
    row.questions = cast(list[dict[str, Any]], shape["questions"])
    row.scores = cast(list[dict[str, Any]], shape["scores"])


def _find(
    session: Session, code: str, *, lock: Literal["share", "update"] | None = None
) -> LocalSurvey | None:
    statement = select(LocalSurvey).where(LocalSurvey.code == code)
    if lock is not None:
        # Read afresh once locked, so a check made next sees every change committed before.
        statement = statement.with_for_update(read=lock == "share").execution_options(
            populate_existing=True
        )
    return session.scalar(statement)


def create_survey(session: Session, data: SurveyCreate) -> LocalSurvey:
    if data.code in BUILT_IN:
        raise _read_only(data.code, ("body", "code"))
    if _find(session, data.code) is not None:
        raise SURVEY_CODE_TAKEN.error()
    body = data.model_dump()
    survey = _checked(
        _definition(data.code, data.name, data.frequency, body["questions"], body["scores"])
    )
    row = LocalSurvey(code=data.code)
    _store(row, survey)
    session.add(row)
    session.flush()
    return row


def get_survey(session: Session, code: str) -> Survey | LocalSurvey:
    """A built-in definition, or a local survey's row."""
    if code in BUILT_IN:
        return BUILT_IN[code]
    row = _find(session, code)
    if row is None:
        raise NotFound(f"No survey with code {code}.")
    return row


def get_definition(session: Session, code: str) -> Survey:
    """The definition an import reads a file with, built-in or local; NotFound otherwise."""
    found = get_survey(session, code)
    return found if isinstance(found, Survey) else definition_of(found)


def get_local_survey(session: Session, code: str) -> LocalSurvey:
    """A local survey to change; a built-in's code is a 409 (read-only), an unknown one 404."""
    found = get_survey(session, code)
    if isinstance(found, Survey):
        raise _read_only(code, ("path", "code"))
    return found


def hold_definition(session: Session, code: str) -> Survey:
    """`get_definition` for a transaction that stores something of the survey (results, a
    bound measure): a local survey's row is share-locked until it ends, so a DELETE, which
    takes it for update and then looks for what uses it, either sees what this stores or
    has removed the survey first (then NotFound here). Built-ins are never deleted. SQLite's
    writing transactions are serial already."""
    if code in BUILT_IN:
        return BUILT_IN[code]
    row = _find(session, code, lock="share")
    if row is None:
        raise NotFound(f"No survey with code {code}.")
    return definition_of(row)


def lock_local_survey(session: Session, code: str) -> LocalSurvey:
    """The local survey's row locked for update (to delete it), read afresh; 404 when gone."""
    row = _find(session, code, lock="update")
    if row is None:
        raise NotFound(f"No survey with code {code}.")
    return row


def list_surveys(
    session: Session, *, limit: int, cursor: str | None
) -> tuple[list[Survey | LocalSurvey], str | None]:
    """Built-ins first, in their fixed order, then local surveys, oldest first."""
    built_ins = list(BUILT_IN.values())
    start = 0
    local_cursor = cursor
    if cursor is not None:
        try:
            _, position = decode_cursor(cursor, datetime, _BUILT_IN_LIST, {})
        except BadRequest:
            start = len(built_ins)  # a local survey's cursor (paginate checks it)
        else:
            start, local_cursor = position.int, None
            if start > len(built_ins):
                raise BadRequest("The cursor is not one this service issued; start again.")
    items: list[Survey | LocalSurvey] = list(built_ins[start : start + limit])
    room = limit - len(items)
    if start + len(items) < len(built_ins):
        return items, _built_in_cursor(start + len(items))
    if room == 0:
        more = session.scalar(select(LocalSurvey.id).limit(1)) is not None
        return items, _built_in_cursor(len(built_ins)) if more else None
    rows, next_cursor = paginate(
        session,
        select(LocalSurvey),
        sort_key=LocalSurvey.created_at,
        id_key=LocalSurvey.id,
        limit=room,
        cursor=local_cursor,
        list_name=LIST_NAME,
        filters={},
    )
    return [*items, *rows], next_cursor


def _built_in_cursor(position: int) -> str:
    return encode_cursor(_BUILT_IN_MARK, UUID(int=position), _BUILT_IN_LIST, {})


def update_survey(session: Session, row: LocalSurvey, patch: SurveyUpdate) -> LocalSurvey:
    """Applies the fields sent (`questions` and `scores` whole) once the merged definition
    holds together."""
    changes = patch.model_dump(exclude_unset=True)
    survey = _checked(
        _definition(
            row.code,
            changes.get("name", row.name),
            changes.get("frequency", row.frequency),
            changes.get("questions", row.questions),
            changes.get("scores", row.scores),
        )
    )
    _store(row, survey)
    session.flush()
    return row


def delete_survey(session: Session, row: LocalSurvey) -> None:
    session.delete(row)
    session.flush()

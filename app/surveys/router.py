"""HTTP endpoints for /surveys: survey definitions, built-in (read-only) and local."""

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from app.audit.actions import AuditAction
from app.auth.dependencies import CAN_ADMINISTER, CAN_READ, IDEMPOTENT
from app.bindings import service as bindings_service
from app.http.concurrency import require_current
from app.http.deps import Cursor, IfMatch, Limit, SessionDep, audit_trail
from app.http.problems import CREATE, DELETE, LIST, READ_ONE, UPDATE
from app.http.responses import created, with_etag
from app.pagination import DEFAULT_LIMIT
from app.schemas import NO_NUL, Page
from app.surveys import service
from app.surveys.definitions import Survey, as_dict
from app.surveys.models import LocalSurvey
from app.surveys.schemas import SurveyCreate, SurveyRead, SurveyUpdate

router = APIRouter(prefix="/surveys", tags=["surveys"])

SurveyCodePath = Annotated[str, Path(max_length=50, pattern=NO_NUL)]


def _read(found: Survey | LocalSurvey) -> SurveyRead:
    """The definition in the shape of spec 9, whichever kind it is, plus what a row adds."""
    if isinstance(found, Survey):
        extras: dict[str, object] = {
            "built_in": True,
            "version": None,
            "created_at": None,
            "updated_at": None,
        }
        return SurveyRead.model_validate(as_dict(found) | extras)
    extras = {
        "built_in": False,
        "version": found.version,
        "created_at": found.created_at,
        "updated_at": found.updated_at,
    }
    return SurveyRead.model_validate(as_dict(service.definition_of(found)) | extras)


@router.get(
    "",
    dependencies=[CAN_READ],
    summary="List survey definitions",
    response_model=Page[SurveyRead],
    responses=LIST,
)
def list_surveys(
    session: SessionDep, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
) -> Page[SurveyRead]:
    """The built-in surveys (`nss`, `nqps`, `enjoying-work`) first, then local ones, oldest
    first."""
    items, next_cursor = service.list_surveys(session, limit=limit, cursor=cursor)
    return Page[SurveyRead](items=[_read(item) for item in items], next_cursor=next_cursor)


@router.post(
    "",
    dependencies=[CAN_ADMINISTER, IDEMPOTENT],
    status_code=201,
    summary="Define a local survey",
    response_model=SurveyRead,
    responses=CREATE,
)
def create_survey(
    body: SurveyCreate, session: SessionDep, request: Request, response: Response
) -> SurveyRead:
    """A trust's own survey, defined once and imported often. Its code must be new and not a
    built-in's (409); a definition that does not hold together is a 422 naming each field."""
    survey = service.create_survey(session, body)
    created(response, f"{request.url.path}/{survey.code}", survey)
    audit_trail(request).record(AuditAction.SURVEY_CREATED, "success", subject=survey.code)
    return _read(survey)


@router.get(
    "/{code}",
    dependencies=[CAN_READ],
    summary="Get a survey definition",
    response_model=SurveyRead,
    responses=READ_ONE,
)
def get_survey(code: SurveyCodePath, session: SessionDep, response: Response) -> SurveyRead:
    """One definition; a local one with its ETag for If-Match on a later change."""
    found = service.get_survey(session, code)
    if isinstance(found, LocalSurvey):
        with_etag(response, found)
    return _read(found)


@router.patch(
    "/{code}",
    dependencies=[CAN_ADMINISTER],
    summary="Change a local survey",
    response_model=SurveyRead,
    responses=UPDATE,
)
def update_survey(
    code: SurveyCodePath,
    body: SurveyUpdate,
    session: SessionDep,
    request: Request,
    response: Response,
    if_match: IfMatch = None,
) -> SurveyRead:
    """Changes the fields sent (`questions` and `scores` replace the whole list); needs
    `If-Match`. Built-ins are read-only (409). While measures are bound to it or results of it
    are stored, its frequency and its question, option and score codes stay (409
    `survey-in-use`)."""
    survey = service.get_local_survey(session, code)
    require_current(survey, if_match)
    survey = bindings_service.update_survey(session, code, body)
    audit_trail(request).record(
        AuditAction.SURVEY_CHANGED,
        "success",
        subject=survey.code,
        reason=" ".join(sorted(body.model_fields_set)),
    )
    with_etag(response, survey)
    return _read(survey)


@router.delete(
    "/{code}",
    dependencies=[CAN_ADMINISTER],
    status_code=204,
    summary="Remove a local survey",
    responses=DELETE,
)
def delete_survey(
    code: SurveyCodePath, session: SessionDep, request: Request, if_match: IfMatch = None
) -> None:
    """Removes a local survey; needs `If-Match`. Built-ins are read-only (409), and so is a
    survey in use: measures bound to it or results of it stored (409 `survey-in-use`)."""
    survey = service.get_local_survey(session, code)
    require_current(survey, if_match)
    bindings_service.delete_survey(session, code)
    audit_trail(request).record(AuditAction.SURVEY_DELETED, "success", subject=code)

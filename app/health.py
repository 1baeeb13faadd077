"""Liveness and readiness probes; they reveal no versions or host names."""

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.migrate import current_revision
from app.problems import problem_response, problems

router = APIRouter(tags=["health"])

HEALTH_MEDIA_TYPE = "application/health+json"


class Health(BaseModel):
    status: Literal["pass"]


@router.get(
    "/livez",
    summary="Is the process up",
    response_model=Health,
    responses={200: {"content": {HEALTH_MEDIA_TYPE: {}}}},
)
def livez() -> JSONResponse:
    """Answers while the process runs; checks no dependency, so a database outage restarts none."""
    return JSONResponse({"status": "pass"}, media_type=HEALTH_MEDIA_TYPE)


@router.get(
    "/readyz",
    summary="Can the service take traffic",
    response_model=Health,
    responses={200: {"content": {HEALTH_MEDIA_TYPE: {}}}, **problems(503)},
)
def readyz(request: Request) -> JSONResponse:
    """Ready when the database answers and its schema is at the latest migration; else 503."""
    try:
        with request.app.state.sessionmaker() as session:
            connection = session.connection()
            connection.execute(text("SELECT 1"))
            revision = current_revision(connection)
    except SQLAlchemyError:
        return problem_response(503, "The database is not reachable.", slug="not-ready")
    if revision != request.app.state.head_revision:
        return problem_response(
            503, "The database schema is not at the latest migration.", slug="not-ready"
        )
    return JSONResponse({"status": "pass"}, media_type=HEALTH_MEDIA_TYPE)

"""Liveness and readiness probes; they reveal no versions or host names.

Both run on the event loop, never queued behind requests in the thread pool: `/livez` touches
nothing, and `/readyz` waits for its database check only as long as its own bound."""

import asyncio
import threading
from concurrent.futures import Future
from typing import Literal

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from app.http.deps import SettingsDep
from app.http.problems import problem_response, problems
from app.migrate import current_revision

router = APIRouter(tags=["health"])

HEALTH_MEDIA_TYPE = "application/health+json"

# Each readiness check runs in a thread of its own, so a thread pool full of blocked requests
# cannot delay it; two at most, so a frozen database cannot make them pile up. A check given
# up on keeps its thread (and its place) until the database answers or the watchdog cuts it.
_CHECKS_IN_FLIGHT = threading.BoundedSemaphore(2)


class Health(BaseModel):
    status: Literal["pass"]


class HealthResponse(JSONResponse):
    """Declares the probes' body under the media type they send, not application/json."""

    media_type = HEALTH_MEDIA_TYPE


@router.get(
    "/livez",
    summary="Is the process up",
    response_model=Health,
    response_class=HealthResponse,
)
async def livez() -> JSONResponse:
    """Answers while the process runs; checks no dependency, so a database outage restarts none."""
    return JSONResponse({"status": "pass"}, media_type=HEALTH_MEDIA_TYPE)


def _schema_revision(factory: sessionmaker[Session]) -> str | None:
    with factory() as session:
        connection = session.connection()
        connection.execute(text("SELECT 1"))
        return current_revision(connection)


def _check_in_thread(factory: sessionmaker[Session]) -> "Future[str | None]":
    outcome: Future[str | None] = Future()

    def run() -> None:
        try:
            if outcome.set_running_or_notify_cancel():  # False: the request gave up already
                outcome.set_result(_schema_revision(factory))
        except BaseException as error:  # handed to the waiting request, never lost
            outcome.set_exception(error)
        finally:
            _CHECKS_IN_FLIGHT.release()

    threading.Thread(target=run, name="readiness-check", daemon=True).start()
    return outcome


@router.get(
    "/readyz",
    summary="Can the service take traffic",
    response_model=Health,
    response_class=HealthResponse,
    responses=problems(503),
)
async def readyz(request: Request, settings: SettingsDep) -> JSONResponse:
    """Ready when the database answers within the readiness bound and its schema is at the
    latest migration; 503 otherwise."""
    if not _CHECKS_IN_FLIGHT.acquire(blocking=False):
        return _not_ready("The database has not answered the previous checks yet.")
    check = _check_in_thread(request.app.state.sessionmaker)
    try:
        with anyio.fail_after(settings.readiness_timeout_seconds):
            revision = await asyncio.wrap_future(check)
    except TimeoutError:
        return _not_ready("The database did not answer in time.")
    except SQLAlchemyError:
        return _not_ready("The database is not reachable.")
    if revision != request.app.state.head_revision:
        return _not_ready("The database schema is not at the latest migration.")
    return JSONResponse({"status": "pass"}, media_type=HEALTH_MEDIA_TYPE)


def _not_ready(detail: str) -> JSONResponse:
    return problem_response(503, detail, slug="not-ready", headers={"Retry-After": "2"})

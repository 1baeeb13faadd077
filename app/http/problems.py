"""RFC 9457 problem+json: the one error shape, its handlers, and its OpenAPI declarations."""

import logging
from http import HTTPStatus
from typing import Any
from uuid import UUID

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as SATimeoutError
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import BaseRoute, Match

from app.db import Failure, Violation, classify, duplicate_of, violation
from app.errors import AppError, OAuthError

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "urn:qi-collaborative:problem:"

logger = logging.getLogger(__name__)


class FieldError(BaseModel):
    loc: list[str | int] = Field(description="Path to the invalid value, e.g. ['body', 'name'].")
    message: str


class Problem(BaseModel):
    """An RFC 9457 problem detail."""

    type: str = Field(description="A URI naming the kind of problem; `about:blank` for plain HTTP.")
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[FieldError] | None = Field(
        default=None,
        description="For validation failures, and conflicts that name fields: one entry per field.",
    )


class RowError(BaseModel):
    row: int = Field(description="The row of the file, counted from 1 = the header row.")
    column: str | None = Field(description="The column, as the spec names it; null: the row.")
    message: str = Field(description="What is wrong (never the cell's value).")


class FileProblem(BaseModel):
    """An RFC 9457 problem detail about a posted file's rows."""

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[RowError] = Field(
        description="The rows that are wrong (the first 1,000), or, for a file whose header is"
        " wrong, the header row's problems."
    )
    error_count: int = Field(description="How many problems the file has in all.")
    import_id: UUID | None = Field(
        default=None,
        description="The failed import recorded for this file (GET /api/v1/imports/{id});"
        " absent when nothing was recorded (a dry run).",
    )


def file_problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` entries for a route that takes a file: a problem about the file's
    rows (FileProblem), or any other (Problem: a bad query parameter, a missing permission)."""
    either = [
        {"$ref": "#/components/schemas/FileProblem"},
        {"$ref": "#/components/schemas/Problem"},
    ]
    return {
        status: {
            "description": HTTPStatus(status).phrase,
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"anyOf": either}}},
        }
        for status in statuses
    }


def problem_response(
    status: int,
    detail: str,
    *,
    slug: str | None = None,
    title: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    instance: str | None = None,
    headers: dict[str, str] | None = None,
    members: dict[str, Any] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + slug if slug else "about:blank",
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    if instance is not None:
        body["instance"] = instance
    if errors is not None:
        body["errors"] = errors
    # Extension members (RFC 9457 3.2) never replace the standard ones.
    body = (members or {}) | body
    return JSONResponse(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def _app_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    if isinstance(exc, OAuthError):
        return _oauth_error(request, exc)
    errors = [error.as_dict() for error in exc.errors] if hasattr(exc, "errors") else None
    return problem_response(
        exc.status_code,
        exc.detail,
        slug=exc.slug,
        title=exc.title,
        errors=errors,
        instance=request.url.path,
        headers=exc.headers or None,
        members=jsonable_encoder(exc.members) if exc.members else None,
    )


# RFC 6749 5.1-5.2: token responses, refusals included, are never cached.
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def _oauth_error(request: Request, exc: OAuthError) -> JSONResponse:
    """RFC 6749 5.2's error body, as `application/json` as the RFC says, with the problem
    members beside `error` and `error_description` so problem-aware clients read it too."""
    body = {
        "error": exc.error,
        "error_description": exc.detail,
        "type": PROBLEM_TYPE_BASE + exc.slug,
        "title": exc.title,
        "status": exc.status_code,
        "detail": exc.detail,
        "instance": request.url.path,
    }
    headers = exc.headers | NO_STORE
    return JSONResponse(body, status_code=exc.status_code, headers=headers)


def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    raw = exc.errors()
    if any(error.get("type") == "json_invalid" for error in raw):
        return problem_response(
            400, "The body is not valid JSON.", slug="malformed-json", instance=request.url.path
        )
    # Only the location and message: FastAPI's `input` would echo the caller's data back.
    errors = [{"loc": list(error["loc"]), "message": error["msg"]} for error in raw]
    fields = ", ".join(".".join(str(part) for part in error["loc"]) for error in errors)
    return problem_response(
        422,
        f"Invalid request: {fields}.",
        slug="validation-error",
        title="Invalid input",
        errors=errors,
        instance=request.url.path,
    )


def _allowed_methods(request: Request) -> str:
    """Every method any route allows on this path (Starlette names only the first route's)."""
    routes: list[BaseRoute] = request.app.router.routes
    allowed = [
        method
        for method in ("DELETE", "GET", "HEAD", "PATCH", "POST", "PUT")
        if any(
            route.matches({**request.scope, "method": method})[0] == Match.FULL for route in routes
        )
    ]
    return ", ".join(allowed)


def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = _allowed_methods(request)
    return problem_response(exc.status_code, detail, instance=request.url.path, headers=headers)


def _stale_data(request: Request, exc: Exception) -> JSONResponse:
    return problem_response(
        412,
        "The resource was changed by another request meanwhile; read it again and retry.",
        slug="stale-version",
        title="The resource has changed",
        instance=request.url.path,
    )


def _integrity_error(request: Request, exc: Exception) -> JSONResponse:
    """Services check the rules first; this catches the race where two requests pass the
    check together and the database's constraint decides, answered by the kind of constraint
    (named in the log, never the SQL in the answer)."""
    assert isinstance(exc, IntegrityError)
    broken = violation(exc)
    logger.warning("integrity error on %s: %s %s", request.url.path, broken.kind, broken.constraint)
    where = request.url.path
    duplicate = duplicate_of(broken)
    if duplicate is not None:
        # The same body as the service's own check gives: a client cannot tell which won.
        return _app_error(request, duplicate.error())
    fields = [
        {"loc": ["body", column], "message": _FIELD_MESSAGES[broken.kind]}
        for column in broken.columns
    ]
    if broken.kind is Violation.UNIQUE:
        names = ", ".join(broken.columns) or "a unique key"
        return problem_response(
            409,
            f"Another {_singular(broken.table)} already has this {names}; nothing was stored.",
            slug="duplicate",
            title="Already exists",
            errors=fields or None,
            instance=where,
        )
    if broken.kind is Violation.FOREIGN_KEY:
        table = f" ({broken.table})" if broken.table else ""
        return problem_response(
            409,
            f"The change refers to something that no longer exists, or removes something that"
            f" other records still refer to{table}; nothing was stored.",
            slug="reference",
            title="Conflict with a reference",
            errors=fields or None,
            instance=where,
        )
    if broken.kind in (Violation.CHECK, Violation.NOT_NULL):
        rule = f" ({broken.constraint})" if broken.constraint else ""
        return problem_response(
            422,
            f"A value breaks a rule of the stored data{rule}; nothing was stored.",
            slug="validation-error",
            title="Invalid input",
            errors=fields or None,
            instance=where,
        )
    return problem_response(
        409,
        "The change conflicts with data stored meanwhile; nothing was stored.",
        slug="conflict",
        title="Conflict with the current state",
        instance=where,
    )


_FIELD_MESSAGES = {
    Violation.UNIQUE: "already taken",
    Violation.FOREIGN_KEY: "refers to something missing, or is still referred to",
    Violation.CHECK: "breaks a rule of the stored data",
    Violation.NOT_NULL: "required",
    Violation.OTHER: "conflicts with stored data",
}


def _singular(table: str | None) -> str:
    """'members' -> 'member', for a sentence; a table we do not know is a 'record'."""
    if not table:
        return "record"
    return table.removesuffix("s").replace("_", " ")


# Seconds a client should wait before retrying after each kind of database failure.
RETRY_AFTER_CONFLICT = 1
RETRY_AFTER_UNAVAILABLE = 2


def unavailable(detail: str, *, instance: str | None = None) -> JSONResponse:
    """503 `unavailable`, with Retry-After: the database is down, frozen or overloaded."""
    return problem_response(
        503,
        detail,
        slug="unavailable",
        title="Service unavailable",
        instance=instance,
        headers={"Retry-After": str(RETRY_AFTER_UNAVAILABLE)},
    )


def _database_error(request: Request, exc: Exception) -> JSONResponse:
    """A database that is down, too slow, or that aborted the transaction: never a 500, and
    nothing of the request was stored (its transaction rolled back)."""
    failure = classify(exc)
    logger.warning("database %s on %s: %s", failure, request.url.path, type(exc).__name__)
    if failure is Failure.CONFLICT:
        return problem_response(
            409,
            "Another request changed the same data at the same moment, so nothing was stored;"
            " send the request again.",
            slug="concurrent-write",
            title="Concurrent write",
            instance=request.url.path,
            headers={"Retry-After": str(RETRY_AFTER_CONFLICT)},
        )
    if failure is Failure.INVALID:
        return problem_response(
            422,
            "A value is outside what the service can store.",
            slug="validation-error",
            title="Invalid input",
            instance=request.url.path,
        )
    if failure is Failure.OTHER:
        return unexpected(request)
    detail = (
        "The database is busy; nothing was stored. Try again shortly."
        if failure is Failure.BUSY
        else "The database is not available; nothing was stored. Try again shortly."
    )
    return unavailable(detail, instance=request.url.path)


def unexpected(request: Request) -> JSONResponse:
    logger.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem_response(500, "An unexpected error occurred.", instance=request.url.path)


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(StaleDataError, _stale_data)
    app.add_exception_handler(IntegrityError, _integrity_error)
    app.add_exception_handler(DBAPIError, _database_error)
    app.add_exception_handler(SATimeoutError, _database_error)
    # Anything else is caught by middleware.CatchAll, so no exception leaves the app.


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` entries declaring problem+json bodies for the given statuses."""
    return {
        status: {
            "description": HTTPStatus(status).phrase,
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
            **({"headers": RETRY_AFTER_HEADER} if status in (429, 503) else {}),
        }
        for status in statuses
    }


RETRY_AFTER_HEADER = {
    "Retry-After": {
        "description": "Seconds to wait before sending the request again.",
        "schema": {"type": "integer", "minimum": 1},
    }
}


def guarded(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """problems() for a route behind sign-in: it can also answer 401 and 403, and like
    every route that reads the database, 503 when the database is not available."""
    return problems(401, 403, *statuses, 503)


# The statuses every kind of operation can answer with.
READ_ONE = guarded(404, 422)
LIST = guarded(400, 422)
CREATE = guarded(400, 404, 409, 413, 415, 422)
UPDATE = guarded(400, 404, 409, 412, 413, 415, 422, 428)
DELETE = guarded(400, 404, 409, 412, 422, 428)

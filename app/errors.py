"""Domain errors that carry their HTTP status; no FastAPI here.

AppError(detail)                     any failure a client can act on
├── BadRequest                400    malformed request (a cursor that does not decode)
├── Unauthorized              401    no credentials, or credentials that are refused
├── Forbidden                 403    authenticated, but not allowed to do this
│   └── ForbiddenRows         403    a file holding rows the caller may not send (named)
├── NotFound                  404    absent, or not visible to the caller
├── Conflict                  409    breaks a rule of the current state or a unique key
├── PreconditionFailed        412    If-Match names a version that is no longer current
├── ContentTooLarge           413    a request body over its route's limit
├── UnsupportedMediaType      415    a request body of a media type its route does not take
├── InvalidInput              422    well-formed but invalid; `errors` name each field
├── InvalidRows               422    a file with bad rows; `errors` name each row and column
├── PreconditionRequired      428    a change without If-Match
├── TooManyRequests           429    too many requests; `Retry-After` says when to retry
├── ServiceUnavailable        503    the service cannot answer yet (no signing keys); retry later
└── OAuthError         400/401/429    a refusal at the OAuth 2.0 endpoints, in RFC 6749's terms

The one error vocabulary: services, routers and dependencies raise these (never HTTPException);
app.http.problems maps them, once, to RFC 9457 problem+json (its `Problem` is that body's
schema). The chart engine raises its own SeriesError, which app.charts turns into InvalidInput.
"""

from dataclasses import dataclass
from http import HTTPStatus
from typing import Any


@dataclass(frozen=True)
class FieldProblem:
    """One invalid field: `loc` is the path to it, as in FastAPI's validation errors."""

    loc: tuple[str | int, ...]
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"loc": list(self.loc), "message": self.message}


class AppError(Exception):
    """Base class: `slug` becomes the problem `type`, `title` its short summary; `members` are
    further members of the problem body (RFC 9457 3.2 extension members)."""

    status_code = 500
    slug = "internal-error"
    title = "Internal error"
    headers: dict[str, str] = {}
    members: dict[str, Any] = {}

    def __init__(self, detail: str, *, slug: str | None = None, title: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        if slug is not None:
            self.slug = slug
        if title is not None:
            self.title = title


class BadRequest(AppError):
    status_code = 400
    slug = "bad-request"
    title = "Malformed request"


class Unauthorized(AppError):
    status_code = 401
    slug = "unauthorized"
    title = "Authentication required"

    def __init__(self, detail: str, *, error: str = "invalid_token") -> None:
        super().__init__(detail)
        # RFC 6750 3: tell the client which scheme to use and what went wrong.
        self.headers = {"WWW-Authenticate": f'Bearer error="{error}"'}


class Forbidden(AppError):
    status_code = 403
    slug = "forbidden"
    title = "Not allowed"


class TooManyRequests(AppError):
    status_code = 429
    slug = "too-many-requests"
    title = "Too many requests"

    def __init__(self, detail: str, *, retry_after_seconds: int) -> None:
        super().__init__(detail)
        self.headers = {"Retry-After": str(retry_after_seconds)}


class ServiceUnavailable(AppError):
    """Not the client's fault and not a crash: something the operator must set up first."""

    status_code = 503
    slug = "unavailable"
    title = "Service unavailable"

    def __init__(self, detail: str, *, retry_after_seconds: int = 30) -> None:
        super().__init__(detail)
        self.headers = {"Retry-After": str(retry_after_seconds)}


class NotAcceptable(AppError):
    status_code = 406
    slug = "not-acceptable"
    title = "No acceptable representation"


class NotFound(AppError):
    status_code = 404
    slug = "not-found"
    title = "Not found"

    @classmethod
    def of(cls, resource: str, ident: object) -> "NotFound":
        return cls(f"No {resource} with id {ident}.")


class Conflict(AppError):
    status_code = 409
    slug = "conflict"
    title = "Conflict with the current state"

    def __init__(
        self,
        detail: str,
        *,
        slug: str | None = None,
        title: str | None = None,
        errors: list[FieldProblem] | None = None,
    ) -> None:
        super().__init__(detail, slug=slug, title=title)
        if errors is not None:
            # Named like InvalidInput's: the problem lists each field that conflicts.
            self.errors = errors


@dataclass(frozen=True)
class Duplicate:
    """The one refusal of a value a unique key already holds. A service's check raises it,
    and the database's constraint, when a race gets past that check, is answered with it too
    (models declare it on the constraint, see app.db.unique), so a client reads the same body
    whichever caught it: no values in `detail`, as the database does not say them."""

    slug: str
    detail: str
    fields: tuple[str, ...]

    def error(self) -> Conflict:
        return Conflict(
            self.detail,
            slug=self.slug,
            title="Already exists",
            errors=[FieldProblem(("body", name), "already taken") for name in self.fields],
        )


class PreconditionFailed(AppError):
    status_code = 412
    slug = "stale-version"
    title = "The resource has changed"


class PreconditionRequired(AppError):
    status_code = 428
    slug = "if-match-required"
    title = "If-Match required"


class ContentTooLarge(AppError):
    # The slug and title the body guard (app.http.middleware) gives JSON bodies, so a client
    # meets one 413 whether the guard or a streamed upload refused it.
    status_code = 413
    slug = "body-too-large"
    title = HTTPStatus.REQUEST_ENTITY_TOO_LARGE.phrase


class UnsupportedMediaType(AppError):
    """`accepted` lists the media types the route takes; `errors` names the header or part."""

    status_code = 415
    slug = "unsupported-media-type"
    title = HTTPStatus.UNSUPPORTED_MEDIA_TYPE.phrase

    def __init__(self, detail: str, errors: list[FieldProblem], accepted: list[str]) -> None:
        super().__init__(detail)
        self.errors = errors
        # RFC 9110 15.5.16 leaves it to the server to say what it takes; Accept-Post (the
        # IANA-registered header for exactly that) lets a client read it without the body.
        self.headers = {"Accept-Post": ", ".join(accepted)}


class InvalidInput(AppError):
    status_code = 422
    slug = "validation-error"
    title = "Invalid input"

    def __init__(self, detail: str, errors: list[FieldProblem]) -> None:
        super().__init__(detail)
        self.errors = errors

    @classmethod
    def at(cls, loc: tuple[str | int, ...], message: str) -> "InvalidInput":
        """A single-field problem, the common case."""
        return cls(message, [FieldProblem(loc, message)])


@dataclass(frozen=True)
class RowProblem:
    """One problem in a posted file: its row (1 = the header row), its column (None: the
    whole row) and what is wrong, never the cell's value."""

    row: int
    column: str | None
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}


class RowRefusal(AppError):
    """A refusal that names a file's rows, up to a cap: `error_count` counts every one."""

    def __init__(
        self,
        detail: str,
        errors: list[RowProblem],
        *,
        error_count: int,
        members: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.errors = errors
        self.members = {"error_count": error_count, **(members or {})}


class InvalidRows(RowRefusal):
    """A file with bad rows, all of them listed up to a cap."""

    status_code = 422
    slug = "invalid-rows"
    title = "Invalid rows"


class ForbiddenRows(RowRefusal, Forbidden):
    """A file holding rows the caller may not send, each named as InvalidRows names them."""

    slug = "forbidden-rows"
    title = "Rows not allowed"


# The realm a client authenticates to at the token endpoint (WWW-Authenticate: Basic).
OAUTH_REALM = "qi-collaborative"


class OAuthError(AppError):
    """A refusal at the token or revocation endpoint, as RFC 6749 5.2 words it: `error` is
    the standard code, which also sets the status; it becomes JSON with `error` and
    `error_description` beside the problem members."""

    # error code -> (status, problem slug, title)
    CODES: dict[str, tuple[int, str, str]] = {
        "invalid_request": (400, "invalid-request", "Malformed token request"),
        "invalid_client": (401, "invalid-client", "Client authentication failed"),
        "invalid_grant": (400, "invalid-grant", "Grant refused"),
        "unauthorized_client": (400, "unauthorized-client", "Grant not allowed for this client"),
        "unsupported_grant_type": (400, "unsupported-grant-type", "Unsupported grant type"),
        "invalid_scope": (400, "invalid-scope", "Scope not granted"),
        # Only the sign-in limits answer with this; see app.auth.router.
        "temporarily_unavailable": (429, "too-many-requests", "Too many requests"),
    }

    def __init__(self, error: str, detail: str, *, headers: dict[str, str] | None = None) -> None:
        status, slug, title = self.CODES[error]
        super().__init__(detail, slug=slug, title=title)
        self.error = error
        self.status_code = status
        self.headers = dict(headers or {})
        if status == 401:
            # RFC 6749 5.2: a 401 names the scheme the client should authenticate with.
            self.headers["WWW-Authenticate"] = f'Basic realm="{OAUTH_REALM}"'

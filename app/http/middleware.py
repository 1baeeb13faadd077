"""ASGI guards run before routing: body size (413) and media type (415) as each route
declares them, security headers, and a last resort that turns any exception into a problem."""

import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.http.bodies import BODY_METHODS, JSON_BODY, BodyPolicies, BodyPolicy
from app.http.problems import problem_response

logger = logging.getLogger(__name__)


class BodyGuard:
    """Refuses a body over its route's limit (413) or of a media type the route does not take
    (415), as problem+json, before the route runs. What a route takes is declared beside it
    (app.http.bodies): JSON up to `max_body_bytes` unless its dependencies say otherwise; a
    streamed upload (app.http.uploads) passes through untouched and checks itself.

    A buffered body is read here, up to one byte over the limit, and replayed to the app: a
    chunked upload without Content-Length cannot slip past the check.
    """

    def __init__(self, app: ASGIApp, *, max_body_bytes: int, path_prefix: str = "/api/") -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.path_prefix = path_prefix
        self.policies = BodyPolicies()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] not in BODY_METHODS
            or not scope["path"].startswith(self.path_prefix)
        ):
            await self.app(scope, receive, send)
            return
        policy = self.policies.for_request(scope)
        if policy is None or policy.streamed:
            await self.app(scope, receive, send)
            return
        limit = policy.max_bytes or self.max_body_bytes
        headers = {
            key.decode("latin-1"): value.decode("latin-1") for key, value in scope["headers"]
        }
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await self._too_large(scope, receive, send, limit)
            return
        body = bytearray()
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body.extend(message.get("body", b""))
            more = message.get("more_body", False)
            if len(body) > limit:
                await self._too_large(scope, receive, send, limit)
                return
        if body and not policy.accepts(headers.get("content-type", "")):
            response = problem_response(
                415,
                _wrong_media_type(policy),
                slug="unsupported-media-type",
                instance=scope["path"],
            )
            await response(scope, receive, send)
            return
        await self.app(scope, _replay(bytes(body)), send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        response = problem_response(
            413,
            f"The body is larger than the limit of {limit} bytes.",
            slug="body-too-large",
            instance=scope["path"],
        )
        await response(scope, receive, send)


def _wrong_media_type(policy: BodyPolicy) -> str:
    if policy == JSON_BODY:
        return "Send the body as JSON with `Content-Type: application/json`."
    return f"Send the body as one of: {', '.join(policy.media_types or ())}."


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    return receive


SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),
    # JSON and SVG only: nothing here should run scripts or load anything from elsewhere.
    (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'"),
]
# Only over HTTPS (RFC 6797 7.2: a host must not send it over plain HTTP), so a development
# server on http://127.0.0.1 does not pin a browser to HTTPS for that host.
HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")
DOCS_PATHS = ("/docs", "/redoc")
# The interactive docs run their own scripts and styles (some inline), all from this server:
# a browser then refuses anything from elsewhere, so they cannot depend on the internet.
DOCS_CSP = (
    b"content-security-policy",
    b"default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline';"
    b" img-src 'self' data:; worker-src 'self' blob:; frame-ancestors 'none'",
)
DOCS_HEADERS = [*(header for header in SECURITY_HEADERS if header[0] != DOCS_CSP[0]), DOCS_CSP]


class SecurityHeaders:
    """Adds the OWASP-recommended response headers to every response (API8)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # The docs load their own scripts and styles; everything else is data.
        headers = DOCS_HEADERS if scope["path"].startswith(DOCS_PATHS) else SECURITY_HEADERS
        # Behind a trusted proxy, ProxyHeadersMiddleware has set the scheme from X-Forwarded-Proto.
        if scope.get("scheme") == "https":
            headers = [*headers, HSTS]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(name, value) for name, value in headers if name not in present]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class HeadAsGet:
    """HEAD wherever GET is served (RFC 9110 9.3.2): the GET runs, its status and headers are
    sent, its body is not."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, without_body)


class CatchAll:
    """Answers any exception the handlers did not map with a 500 problem, and does not let it
    escape: Starlette's outermost middleware would re-raise it to the server, which then
    closes the keep-alive connection and breaks a pooled client's next request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            logger.exception("unhandled error on %s %r", scope["method"], scope["path"])
            if started:
                raise  # half a response is out: only the server can end it
            response = problem_response(500, "An unexpected error occurred.")
            await response(scope, receive, send)

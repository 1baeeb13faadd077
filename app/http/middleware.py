"""ASGI guards run before routing: JSON body size (413) and media type (415), security
headers, and the last resort that turns any exception into a problem response."""

import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.http.problems import problem_response

logger = logging.getLogger(__name__)

BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def _is_json(content_type: str) -> bool:
    media_type = content_type.split(";", 1)[0].strip().lower()
    return media_type == "application/json" or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )


class JsonBodyGuard:
    """Refuses bodies over the limit and bodies that are not JSON (but on `form_paths`), as
    problem+json.

    The body is read here, up to one byte over the limit, and replayed to the app: a
    chunked upload without Content-Length cannot slip past the check.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int,
        path_prefix: str = "/api/",
        form_paths: frozenset[str] = frozenset(),
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.path_prefix = path_prefix
        # The OAuth 2.0 endpoints take forms (RFC 6749 3.2, RFC 7009 2.1) and read their own
        # bodies, so that anything else is refused in OAuth's terms (400 invalid_request).
        self.form_paths = form_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] not in BODY_METHODS
            or not scope["path"].startswith(self.path_prefix)
        ):
            await self.app(scope, receive, send)
            return
        headers = {
            key.decode("latin-1"): value.decode("latin-1") for key, value in scope["headers"]
        }
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_body_bytes:
            await self._too_large(scope, receive, send)
            return
        body = bytearray()
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body.extend(message.get("body", b""))
            more = message.get("more_body", False)
            if len(body) > self.max_body_bytes:
                await self._too_large(scope, receive, send)
                return
        content_type = headers.get("content-type", "")
        if body and scope["path"] not in self.form_paths and not _is_json(content_type):
            response = problem_response(
                415,
                "Send the body as JSON with `Content-Type: application/json`.",
                slug="unsupported-media-type",
                instance=scope["path"],
            )
            await response(scope, receive, send)
            return
        await self.app(scope, _replay(bytes(body)), send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem_response(
            413,
            f"The body is larger than the limit of {self.max_body_bytes} bytes.",
            slug="body-too-large",
            instance=scope["path"],
        )
        await response(scope, receive, send)


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

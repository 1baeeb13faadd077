"""ASGI guards run before routing: JSON body size (413) and media type (415)."""

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.problems import problem_response

BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def _is_json(content_type: str) -> bool:
    media_type = content_type.split(";", 1)[0].strip().lower()
    return media_type == "application/json" or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )


class JsonBodyGuard:
    """Refuses bodies over the limit and bodies that are not JSON, as problem+json.

    The body is read here, up to one byte over the limit, and replayed to the app: a
    chunked upload without Content-Length cannot slip past the check.
    """

    def __init__(self, app: ASGIApp, *, max_body_bytes: int, path_prefix: str = "/api/") -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.path_prefix = path_prefix

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
        if body and not _is_json(headers.get("content-type", "")):
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

"""Idempotency-Key on the POSTs that create: claim the key, replay its first response."""

import hashlib
from collections.abc import Callable
from typing import Annotated, Any, Protocol

import anyio
from fastapi import Depends, FastAPI, Header, Request
from fastapi.params import Depends as DependsParam
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import Conflict, FieldProblem, InvalidInput
from app.http.bodies import streams_body
from app.http.deps import SessionDep
from app.http.uploads import UPLOADED, UploadedFile
from app.idempotency import (
    KEY_LIFETIME,
    MAX_KEY_LENGTH,
    StoredResponse,
    claim,
    complete,
    release,
)

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
# What a replay repeats besides the status and body; the rest (security headers, dates) is
# added afresh to every response anyway.
STORED_HEADERS = ("content-type", "location", "etag", "content-location", "cache-control")
# The request's state member naming the key this request holds (read by the middleware).
_CLAIM = "idempotency_claim"
HOURS = int(KEY_LIFETIME.total_seconds() // 3600)

KEY_DESCRIPTION = (
    f"Optional: 1 to {MAX_KEY_LENGTH} printable ASCII characters, a UUID recommended (a quoted"
    " structured-field string is unquoted). A repeat by the same caller with the same key,"
    " query and body (for a file, the same bytes) gets the first response again, with"
    " `Idempotent-Replayed: true`, and changes nothing; the same key with another body, file or"
    " query is 422; while the first request"
    f" still runs, 409. Keys are kept for {HOURS} hours; a server error keeps nothing, so a"
    " retry runs the request again."
)
KeyHeader = Annotated[
    str | None,
    Header(
        alias=HEADER,
        min_length=1,
        max_length=MAX_KEY_LENGTH + 2,  # the quotes of a structured-field string
        pattern=r"^[\x20-\x7e]+$",
        description=KEY_DESCRIPTION,
    ),
]


class Actor(Protocol):
    @property
    def actor(self) -> str: ...


class KeyReused(InvalidInput):
    slug = "idempotency-key-reused"


class Replay(Exception):
    """The key's first response, to be sent again instead of running the request."""

    def __init__(self, stored: StoredResponse) -> None:
        super().__init__("replay")
        self.stored = stored


def _unquoted(value: str) -> str:
    """The key itself: RFC 8941 sf-string quotes (the draft's form) and escapes removed."""
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    return value


def fingerprint(method: str, path: str, query: str, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), query.encode()):
        digest.update(part + b"\0")
    digest.update(body)
    return digest.hexdigest()


async def _payload(request: Request) -> bytes:
    """What a repeat must send again: the buffered body, or for a route that streams a file
    (app.http.uploads) the file's SHA-256 and those of its extra parts by name, which the
    upload worked out as it streamed (the body itself is gone by now, and was never in
    memory)."""
    uploaded: UploadedFile | None = getattr(request.state, UPLOADED, None)
    if uploaded is not None:
        lines = [f"file sha256:{uploaded.sha256}"]
        lines += [
            f"part {name} sha256:{uploaded.parts[name].sha256}" for name in sorted(uploaded.parts)
        ]
        return "\n".join(lines).encode()
    if streams_body(request.scope.get("route")):
        raise RuntimeError(
            f"{request.url.path} streams a file: list its upload dependency before IDEMPOTENT,"
            " so that the key is claimed for the file's hash"
        )
    return await request.body()


def idempotent(caller: Callable[..., Any]) -> DependsParam:
    """The route dependency: `caller` is the dependency that authenticates (its result has an
    `actor`), so keys are claimed per caller and only once the caller is known. A JSON route's
    fingerprint is its buffered body; a route that streams a file (POST /imports) lists the
    upload before this, and its fingerprint is the SHA-256 of its file and of every extra
    part, with the query."""

    async def claim_key(
        request: Request,
        session: SessionDep,
        principal: Annotated[Actor, Depends(caller)],
        key: KeyHeader = None,
    ) -> None:
        if key is None:
            return
        value = _unquoted(key)
        if not value or len(value) > MAX_KEY_LENGTH:
            raise InvalidInput.at(
                ("header", HEADER), f"must be 1 to {MAX_KEY_LENGTH} printable ASCII characters"
            )
        body = await _payload(request)
        method, path = request.method, request.url.path
        print_ = fingerprint(method, path, request.url.query, body)
        # A writing SQLite transaction holds the one write lock from its first statement; the
        # caller's look-up may have begun it, and the claim below needs its own transaction.
        # It has only read (or recorded the caller) so far: end it, the work begins anew.
        if session.in_transaction():
            await run_in_threadpool(session.commit)
        existing = await run_in_threadpool(
            lambda: claim(
                request.app.state.sessionmaker,
                caller=principal.actor,
                key=value,
                method=method,
                path=path,
                fingerprint=print_,
            )
        )
        if existing is None:
            request.state.idempotency_claim = (principal.actor, value)
            return
        if existing.fingerprint != print_:
            raise KeyReused(
                f"This {HEADER} was used for another request (another path, query or body);"
                " send a new key for a new request.",
                [FieldProblem(("header", HEADER), "already used for another request")],
            )
        if existing.response is None:
            raise Conflict(
                f"The first request with this {HEADER} is still running; retry later.",
                slug="idempotency-key-in-use",
            )
        raise Replay(existing.response)

    depends: DependsParam = Depends(claim_key)
    return depends


def _replay(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Replay)
    stored = exc.stored
    headers = stored.headers | {REPLAYED: "true"}
    return Response(stored.body, status_code=stored.status, headers=headers)


def _keeps(status: int) -> bool:
    """Whether a response is the key's answer for good. The draft replays "success or an
    error"; a server error (5xx) or a refusal to be retried later (408, 429) is released so a
    retry runs the request again."""
    return status < 500 and status not in (408, 429)


class IdempotentResponses:
    """Stores the response of a request that claimed a key before sending it, so a repeat
    never finds the key running after the answer went out; releases the key when the request
    ends without a response worth keeping."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        held: list[Message] = []
        settled = False

        def claimed() -> tuple[str, str] | None:
            state = scope.get("state") or {}
            found: tuple[str, str] | None = state.get(_CLAIM)
            return found

        async def keeping_send(message: Message) -> None:
            nonlocal settled
            if settled or claimed() is None:
                await send(message)
                return
            held.append(message)
            if message["type"] != "http.response.body" or message.get("more_body", False):
                return
            await _settle(scope, claimed(), held)
            settled = True
            for kept in held:
                await send(kept)

        try:
            await self.app(scope, receive, keeping_send)
        finally:
            holder = claimed()
            if holder is not None and not settled:
                with anyio.CancelScope(shield=True):
                    await run_in_threadpool(
                        release, scope["app"].state.sessionmaker, caller=holder[0], key=holder[1]
                    )


async def _settle(scope: Scope, holder: tuple[str, str] | None, held: list[Message]) -> None:
    assert holder is not None
    start = held[0]
    status: int = start["status"]
    factory = scope["app"].state.sessionmaker
    caller, key = holder
    with anyio.CancelScope(shield=True):
        if not _keeps(status):
            await run_in_threadpool(release, factory, caller=caller, key=key)
            return
        headers = {
            name.decode("latin-1").lower(): value.decode("latin-1")
            for name, value in start.get("headers", [])
            if name.decode("latin-1").lower() in STORED_HEADERS
        }
        body = b"".join(message.get("body", b"") for message in held[1:])
        stored = StoredResponse(status, headers, body)
        await run_in_threadpool(lambda: complete(factory, caller=caller, key=key, response=stored))


def install_idempotency(app: FastAPI) -> None:
    """The replay handler and the middleware that stores responses; add it innermost."""
    app.add_exception_handler(Replay, _replay)
    app.add_middleware(IdempotentResponses)

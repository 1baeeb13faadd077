"""File uploads streamed to a temporary file while they are hashed and counted, never held in
memory: the declaration a route takes a file with, and what the endpoint gets."""

import hashlib
import tempfile
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import anyio.to_thread
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import ClientDisconnect, Request

from app.config import MIB, Settings
from app.errors import (
    BadRequest,
    ContentTooLarge,
    FieldProblem,
    InvalidInput,
    UnsupportedMediaType,
)
from app.http.bodies import BodyPolicy, media_type_of
from app.http.problems import problems

CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MULTIPART = "multipart/form-data"
# A multipart file part sent as `application/octet-stream` (or with no type, as some clients
# send it) is known by its file name's extension instead.
EXTENSIONS = {".csv": CSV, ".xlsx": XLSX}
GENERIC_PART_TYPES = ("", "application/octet-stream")
# The boundaries and part headers around the files in a multipart body: the body may be this
# much over the files' limits.
MULTIPART_FRAMING = 64 * 1024
# Chunks from the server are gathered up to this much, then hashed and written in a worker
# thread: few thread hops, and at most this much of the file in memory at once.
FLUSH_BYTES = MIB
MAX_FILENAME_CHARACTERS = 255
# Parts other than the file are named in the 422, up to this many.
MAX_UNKNOWN_PARTS = 20
CONTENT_TYPE_LOC = ("header", "content-type")
# The request's state member holding the UploadedFile, for the Idempotency-Key claim, which
# fingerprints the file by its hash (app.http.idempotency).
UPLOADED = "uploaded_file"


@dataclass(frozen=True)
class UploadedFile:
    """A file as received: on disk at `path` until the request ends, then removed. `parts`
    holds the route's optional extra parts that came with it (a multipart body's other files,
    by part name: a workforce-staff file's `absence`), each received the same way."""

    path: Path
    sha256: str  # hex
    size: int  # bytes
    media_type: str  # of the file itself, e.g. text/csv, also when it came in a multipart body
    charset: str | None  # the `charset` parameter sent with it, if any
    filename: str | None  # the client's name for it (multipart only)
    parts: Mapping[str, "UploadedFile"] = field(default_factory=dict)


class _Spool:
    """Hashes, counts and writes the file's bytes; refuses them past the limit."""

    def __init__(self, file: IO[bytes], limit: int) -> None:
        self.file = file
        self.limit = limit
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> None:
        self.size += len(data)
        if self.size > self.limit:
            raise _too_large(self.limit)
        self.digest.update(data)
        self.file.write(data)


class _RawBody:
    """The body is the file."""

    def __init__(self, spool: _Spool) -> None:
        self.spool = spool

    def feed(self, data: bytes) -> None:
        self.spool.write(data)

    def close(self) -> None:
        if self.spool.size == 0:
            raise InvalidInput.at(("body",), "The body is empty: send the file as the body.")


@dataclass
class _Part:
    """One file part of a multipart body as it streams: its spool and what was sent with it."""

    spool: _Spool
    media_type: str
    charset: str | None
    filename: str | None


class _MultipartBody:
    """A multipart/form-data body whose part `field` is the file and whose parts named in
    `extra` are optional further files, each spooled to a file of its own (`open_extra` gives
    one when the part begins), parsed as it streams (python-multipart's parser keeps no part
    in memory). Any other part is read past and then refused with the missing file, as an
    unknown JSON field is: one 422 naming them all."""

    def __init__(
        self,
        spool: _Spool,
        boundary: bytes,
        field: str,
        accepted: list[str],
        extra: Sequence[str] = (),
        open_extra: Callable[[], _Spool] | None = None,
    ) -> None:
        self.spool = spool
        self.field = field
        self.accepted = accepted
        self.extra = tuple(extra)
        self.open_extra = open_extra
        self.header_name = bytearray()
        self.header_value = bytearray()
        self.headers: dict[str, bytes] = {}
        self.current: _Spool | None = None
        self.parts: dict[str, _Part] = {}
        self.unknown: list[str] = []
        self.ended = False
        callbacks: Any = {
            "on_part_begin": self._part_begin,
            "on_header_field": lambda data, start, end: self.header_name.extend(data[start:end]),
            "on_header_value": lambda data, start, end: self.header_value.extend(data[start:end]),
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_part_data": self._part_data,
            "on_part_end": self._part_end,
            "on_end": self._end,
        }
        self.parser = MultipartParser(boundary, callbacks)

    @property
    def found(self) -> _Part | None:
        return self.parts.get(self.field)

    def feed(self, data: bytes) -> None:
        try:
            self.parser.write(data)
        except MultipartParseError:
            raise _malformed("The multipart body is malformed.") from None

    def close(self) -> None:
        if not self.ended:
            raise _malformed("The multipart body ends before its closing boundary.")
        errors = [
            FieldProblem(("body", name), "not a part of this operation") for name in self.unknown
        ]
        empty = [
            FieldProblem(("body", name), "the file is empty")
            for name, part in self.parts.items()
            if part.spool.size == 0
        ]
        if self.found is None:
            errors.insert(0, FieldProblem(("body", self.field), "required: the file"))
        errors[:0] = empty
        if errors:
            names = ", ".join(".".join(map(str, error.loc)) for error in errors)
            taken = "".join(f", `{name}` if you have it" for name in self.extra)
            raise InvalidInput(
                f"Send the file as one part named `{self.field}`{taken}, and nothing else"
                f" ({names}).",
                errors,
            )

    def _part_begin(self) -> None:
        self.headers = {}

    def _header_end(self) -> None:
        self.headers[self.header_name.decode("latin-1").strip().lower()] = bytes(self.header_value)
        self.header_name.clear()
        self.header_value.clear()

    def _headers_finished(self) -> None:
        disposition, options = parse_options_header(self.headers.get("content-disposition", b""))
        name = options.get(b"name", b"").decode("utf-8", "replace")
        if disposition != b"form-data" or not name:
            raise _malformed("Every part needs `Content-Disposition: form-data; name=...`.")
        if name != self.field and name not in self.extra:
            if len(self.unknown) >= MAX_UNKNOWN_PARTS:
                raise InvalidInput.at(("body", name), "not a part of this operation")
            self.unknown.append(name[:100])
            return
        if name in self.parts:
            raise InvalidInput.at(("body", name), "send one file, in one part")
        raw_filename = options.get(b"filename")
        filename = _base_name(raw_filename) if raw_filename is not None else None
        part_type, part_options = parse_options_header(self.headers.get("content-type", b""))
        media_type = self._media_type(name, part_type.decode("latin-1").lower(), filename)
        charset = part_options.get(b"charset")
        if name == self.field:
            spool = self.spool
        else:
            assert self.open_extra is not None  # given whenever `extra` is
            spool = self.open_extra()
        self.parts[name] = _Part(
            spool, media_type, charset.decode("latin-1") if charset else None, filename
        )
        self.current = spool

    def _media_type(self, name: str, sent: str, filename: str | None) -> str:
        if sent in GENERIC_PART_TYPES and filename is not None:
            sent = EXTENSIONS.get(Path(filename).suffix.lower(), sent)
        if sent not in self.accepted:
            loc = ("body", name)
            raise UnsupportedMediaType(
                f"The part `{name}` is not one of: {', '.join(self.accepted)}.",
                [FieldProblem(loc, f"must be one of: {', '.join(self.accepted)}")],
                self.accepted,
            )
        return sent

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self.current is not None:
            self.current.write(data[start:end])

    def _part_end(self) -> None:
        self.current = None

    def _end(self) -> None:
        self.ended = True


def _base_name(raw: bytes) -> str:
    """The client's file name without the folders some browsers send (`C:\\Users\\...`)."""
    name = raw.decode("utf-8", "replace").replace("\\", "/").rsplit("/", 1)[-1]
    return name[:MAX_FILENAME_CHARACTERS]


def _too_large(limit: int) -> ContentTooLarge:
    return ContentTooLarge(f"The file is larger than the limit of {limit} bytes.")


def _malformed(detail: str) -> BadRequest:
    return BadRequest(detail, slug="malformed-multipart", title="Malformed multipart body")


class StreamedUpload:
    """Declares that a route takes a file, and receives it: use as
    `Annotated[UploadedFile, Depends(StreamedUpload(media_types=[CSV, XLSX, MULTIPART]))]`.

    The body is streamed to a temporary file (in QI_UPLOAD_DIR), hashed (SHA-256) and
    counted on the way, and the file is removed when the request ends, however it ends (just
    after the response is sent, as FastAPI ends a dependency that yields).
    413 as soon as the file passes `max_bytes` (QI_MAX_IMPORT_BYTES when None), or up front
    when Content-Length says it will; 415 for a media type not in `media_types`; with
    multipart/form-data, the file is the part named `file_field`, and a missing or empty file
    is 422. `extra_parts` (part name: what it is, for the OpenAPI description) are optional
    further files of a multipart body, each streamed to a temporary file of its own, hashed,
    counted and capped like the file, and given in `UploadedFile.parts`; no other part is
    taken. app.http.openapi documents the request body and these answers on every route that
    declares one."""

    def __init__(
        self,
        *,
        media_types: Sequence[str],
        max_bytes: int | None = None,
        file_field: str = "file",
        extra_parts: Mapping[str, str] | None = None,
    ) -> None:
        self.media_types = list(media_types)
        self.file_types = [media_type for media_type in self.media_types if media_type != MULTIPART]
        self.file_field = file_field
        self.extra_parts = dict(extra_parts or {})
        if file_field in self.extra_parts or (self.extra_parts and MULTIPART not in media_types):
            raise ValueError("extra parts come in a multipart body, under names of their own")
        self.body_policy = BodyPolicy(
            media_types=tuple(self.media_types), max_bytes=max_bytes, streamed=True
        )

    async def __call__(self, request: Request) -> AsyncIterator[UploadedFile]:
        settings: Settings = request.app.state.settings
        limit = self.body_policy.max_bytes or settings.max_import_bytes
        content_type = request.headers.get("content-type", "")
        media_type = media_type_of(content_type)
        if media_type not in self.media_types:
            raise UnsupportedMediaType(
                f"Send the file as one of: {', '.join(self.media_types)}.",
                [FieldProblem(CONTENT_TYPE_LOC, f"must be one of: {', '.join(self.media_types)}")],
                self.media_types,
            )
        _, options = parse_options_header(content_type)
        # Each file of a multipart body may be up to the limit.
        files = 1 + len(self.extra_parts)
        allowance = limit * files + MULTIPART_FRAMING if media_type == MULTIPART else limit
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > allowance:
            raise _too_large(limit)
        directory = settings.upload_dir
        with ExitStack() as files_open:

            def spool_file() -> _Spool:
                return _Spool(
                    files_open.enter_context(
                        tempfile.NamedTemporaryFile(prefix="qi-upload-", dir=directory)
                    ),
                    limit,
                )

            spool = spool_file()
            if media_type == MULTIPART:
                boundary = options.get(b"boundary")
                if not boundary:
                    raise _malformed("A multipart body needs a `boundary` in its Content-Type.")
                extra = tuple(self.extra_parts)
                body: _RawBody | _MultipartBody = _MultipartBody(
                    spool, boundary, self.file_field, self.file_types, extra, spool_file
                )
            else:
                body = _RawBody(spool)
            await _pour(request, body, allowance)
            if isinstance(body, _MultipartBody):
                assert body.found is not None  # close() checked
                uploaded = await anyio.to_thread.run_sync(_received, body.found, body.parts)
            else:
                raw_charset = options.get(b"charset")
                charset = raw_charset.decode("latin-1") if raw_charset else None
                uploaded = await anyio.to_thread.run_sync(
                    _received, _Part(spool, media_type, charset, None), {}
                )
            setattr(request.state, UPLOADED, uploaded)
            yield uploaded

    def openapi(self) -> tuple[dict[str, Any], dict[int | str, dict[str, Any]]]:
        """The operation's `requestBody` and the answers this declaration adds to it."""
        limit = self.body_policy.max_bytes
        size = f"{limit} bytes" if limit else "QI_MAX_IMPORT_BYTES (50 MiB unless configured)"
        file_schema = {"type": "string", "format": "binary"}
        types = ", ".join(self.file_types)
        content: dict[str, Any] = {
            media_type: {"schema": file_schema} for media_type in self.file_types
        }
        if MULTIPART in self.media_types:
            properties: dict[str, Any] = {
                self.file_field: {
                    **file_schema,
                    "description": f"The file: {types} (by the part's Content-Type, or its"
                    " file name's extension).",
                }
            }
            for name, meaning in self.extra_parts.items():
                properties[name] = {
                    **file_schema,
                    "description": f"Optional: {meaning} ({types}, as the file).",
                }
            content[MULTIPART] = {
                "schema": {
                    "type": "object",
                    "required": [self.file_field],
                    "properties": properties,
                },
                "encoding": {name: {"contentType": types} for name in properties},
            }
        description = (
            f"The file, at most {size}: the body itself, or one part named"
            f" `{self.file_field}` of a multipart/form-data body."
        )
        if self.extra_parts:
            names = ", ".join(f"`{name}`" for name in self.extra_parts)
            description += f" Optional further parts, each a file within the same limit: {names}."
        request_body = {"required": True, "description": description, "content": content}
        return request_body, problems(400, 413, 415, 422)


def _received(found: _Part, parts: Mapping[str, _Part]) -> UploadedFile:
    """The files on disk (flushed), as the endpoint gets them: `found` with the other parts."""

    def uploaded(part: _Part, extra: Mapping[str, UploadedFile]) -> UploadedFile:
        part.spool.file.flush()
        return UploadedFile(
            path=Path(part.spool.file.name),
            sha256=part.spool.digest.hexdigest(),
            size=part.spool.size,
            media_type=part.media_type,
            charset=part.charset,
            filename=part.filename,
            parts=extra,
        )

    extra = {name: uploaded(part, {}) for name, part in parts.items() if part is not found}
    return uploaded(found, extra)


async def _pour(request: Request, body: _RawBody | _MultipartBody, allowance: int) -> None:
    """Streams the request's body into `body`, hashing and writing off the event loop."""
    received = 0
    pending = bytearray()
    try:
        async for chunk in request.stream():
            received += len(chunk)
            if received > allowance:
                raise ContentTooLarge(f"The body is larger than the limit of {allowance} bytes.")
            pending += chunk
            if len(pending) >= FLUSH_BYTES:
                await anyio.to_thread.run_sync(body.feed, bytes(pending))
                pending = bytearray()
    except ClientDisconnect:
        # Nobody is left to read an answer; this only ends the request (and removes the file).
        raise BadRequest("The client went away before the body ended.") from None
    if pending:
        await anyio.to_thread.run_sync(body.feed, bytes(pending))
    await anyio.to_thread.run_sync(body.close)

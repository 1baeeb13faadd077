"""HTTP endpoints for /imports: post an extract, and read earlier imports."""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse

from app.audit.actions import AuditAction
from app.auth.dependencies import CAN_IMPORT, IDEMPOTENT, Caller, Reader
from app.errors import AppError
from app.http.deps import READ_ONLY, Cursor, Limit, SessionDep, SettingsDep, audit_trail
from app.http.problems import READ_ONE, file_problems, guarded
from app.http.responses import created, page_of, with_etag
from app.http.uploads import CSV, MULTIPART, XLSX, StreamedUpload, UploadedFile
from app.imports import service
from app.imports.kind_base import ImportQuery
from app.imports.models import Import, ImportKind, ImportStatus
from app.imports.schemas import DryRunRead, ImportRead, Month
from app.pagination import DEFAULT_LIMIT
from app.reach.conditions import imports_condition
from app.schemas import NO_NUL, Page

router = APIRouter(prefix="/imports", tags=["imports"])

IMPORT_FILE = StreamedUpload(
    media_types=[CSV, XLSX, MULTIPART],
    extra_parts={
        "absence": "a workforce-staff file's absence episodes (ingest spec 3.4), when the file"
        " is not a workbook with a sheet named `absence`"
    },
)
ImportFile = Annotated[UploadedFile, Depends(IMPORT_FILE)]


# What each answer of POST /imports means here, beyond the status's name.
_MEANINGS = {
    403: "The caller may not import (`forbidden`), or the file holds rows of organisations or"
    " teams the caller may not import for (`forbidden-rows`, naming them; the failed import is"
    " recorded).",
    409: "Another import of the same teams is running (`import-running`, with Retry-After), or"
    " survey responses stored for a team and period of the file were hashed with another"
    " response-id key than the server's now (`response-key-changed`: its operator must restore"
    " the key; nothing is stored).",
    413: "The file is over QI_MAX_IMPORT_BYTES (`body-too-large`), has more data rows than"
    " allowed (`too-many-rows`), or is a workbook that would inflate to more than ten times"
    " QI_MAX_IMPORT_BYTES (`workbook-too-large`, refused before it is inflated).",
    415: "Not CSV or XLSX, or a file that is not what its media type says (XLSX bytes as"
    " text/csv, CSV or an .xls as XLSX, binary data, bytes not in the declared charset), or"
    " a workbook with macros (.xlsm) or a password.",
    422: "Bad rows or a bad header (`invalid-rows`: each row and column, the first 1,000, and"
    " `error_count`; the failed import is recorded, `import_id`), survey responses overlapping"
    " a stored team and period only partly (the first row of each, column `response_id`,"
    " recorded the same way), or a query parameter or part that does not fit the kind (a kind"
    " not supported yet, an unknown collaborative, a survey kind without a known `survey`, a"
    " `sheet` the workbook does not have, `from` and `to` missing for workforce-staff).",
    503: "The database is not available, or the server has no response-id key to import survey"
    " responses with yet (its operator makes one with `qicollab migrate`); with Retry-After.",
}


def _post_answers() -> dict[int | str, dict[str, Any]]:
    answers: dict[int | str, dict[str, Any]] = {
        200: {
            "model": DryRunRead,
            "description": "A dry run (`dry_run=true`): what the import would store; nothing is.",
        },
        201: {"description": "The import succeeded (also when every row was skipped)."},
        **guarded(400, 409, 413, 415),
        **file_problems(403, 422),
    }
    for status, meaning in _MEANINGS.items():
        answers[status] = answers[status] | {"description": meaning}
    return answers


def _summary(
    kind: ImportKind, upload: UploadedFile, record: Import | None, refused: AppError | None
) -> str:
    """The audit event's reason: what was imported and how much, never a value of the file."""
    parts = [str(kind), f"sha256={upload.sha256}"]
    if upload.parts:
        # Which further parts came (a second hash would not fit the reason's 200 characters).
        parts.append("parts=" + ",".join(sorted(upload.parts)))
    if record is not None:
        parts += [
            f"rows={record.rows_read}",
            f"skipped={record.rows_skipped}",
            f"written={record.aggregates_written}",
            f"points={record.points_written}",
        ]
    if refused is not None:
        parts += [
            f"status={refused.status_code}",
            f"errors={refused.members.get('error_count', 0)}",
        ]
    return " ".join(parts)


@router.post(
    "",
    # The permission before the file (no one streams 50 MiB only to be refused); the file
    # before the Idempotency-Key, whose fingerprint is the file's hash. READ_ONLY: the import
    # writes in transactions of its own, never holding one open while it reads the file.
    dependencies=[READ_ONLY, CAN_IMPORT, Depends(IMPORT_FILE), IDEMPOTENT],
    status_code=201,
    summary="Import an extract",
    response_model=ImportRead,
    responses=_post_answers(),
)
def create_import(
    principal: Caller,
    upload: ImportFile,
    session: SessionDep,
    settings: SettingsDep,
    request: Request,
    response: Response,
    kind: Annotated[ImportKind, Query(description="The file kind (ingest spec 3).")],
    collaborative_id: Annotated[
        uuid.UUID, Query(description="The collaborative whose teams the rows are for.")
    ],
    survey: Annotated[
        str | None,
        Query(max_length=50, pattern=NO_NUL, description="The survey's code (survey kinds)."),
    ] = None,
    sheet: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=31,
            pattern=NO_NUL,
            description="The sheet of an XLSX file to read (default the first).",
        ),
    ] = None,
    dry_run: Annotated[
        bool, Query(description="Validate, compute and report what would be stored; store nothing.")
    ] = False,
    window_from: Annotated[
        Month | None,
        Query(
            alias="from",
            description="workforce-staff (required): the window's first month, YYYY-MM (or a"
            " date in it, YYYY-MM-DD).",
        ),
    ] = None,
    window_to: Annotated[
        Month | None,
        Query(
            alias="to",
            description="workforce-staff (required): the window's last month, included.",
        ),
    ] = None,
) -> Any:
    """Posts a trust's extract (ingest spec 2 and 3): the file as the body (`text/csv`, or
    XLSX: the sheet `sheet`, default the first) or as the `file` part of a multipart/form-data
    body. Every row is validated and placed in its team by `(ods_code, team_ref)` among the
    collaborative's teams' external references; rows of teams outside the collaborative are
    skipped and listed (`unmapped`).

    Kinds: `workforce-monthly` (one row per team and month) and `workforce-staff` (one row per
    assignment, for the window `from`..`to`; its absence episodes, optional, come as a second
    part named `absence` or as a sheet named `absence` of the same workbook, and their rows'
    errors name their column `absence.<name>`). Each (team, month) a workforce file covers is
    replaced; employee references are hashed as they are read and never stored.
    `survey-responses` and `survey-counts` with `survey` (required: a built-in or local
    survey's code; its frequency sets the periods): responses are aggregated as read, their
    ids kept only as keyed hashes; a (team, period) whose ids are all new is added to what is
    stored, one holding every stored id (a cumulative or corrected export) replaces it, and
    one overlapping only partly is a 422 naming its first row (`response_id`), so nobody is
    ever counted twice; counts replace each (team, period) they cover.

    **201** with the import and its `Location` (also when every row was skipped); **200** for
    `dry_run=true`, showing what would be stored. **422** when any row is bad: `errors`
    `[{"row", "column", "message"}]` (row 1 is the header), the first 1,000, and
    `error_count`; nothing is stored, but the failed import is (`import_id`), readable with
    GET. **403** naming the rows of organisations (a trust client bound to organisations) or
    teams (a coach's, for other teams) the caller may not import for, recorded the same way.
    **413** over the size limit (QI_MAX_IMPORT_BYTES, each file), 1,000,000 data rows, or a
    workbook that inflates past ten times the size limit; **415** for a file that is not what
    its media type says (XLSX bytes sent as text/csv, CSV sent as XLSX, binary data) and for
    macro-enabled or password-protected workbooks; **409** `import-running` when another
    import of the same teams holds them too long. **503** when the database is unavailable,
    or (survey responses) the server has no response-id key yet.

    Who may import: admins; coaches, for the teams they coach; trust clients with the
    `imports:write` scope, for their own organisations' rows. Every import is audited (who,
    kind, the file's SHA-256 and counts; never a value)."""
    query = ImportQuery(
        kind=kind,
        collaborative_id=collaborative_id,
        survey=survey,
        sheet=sheet,
        dry_run=dry_run,
        window_from=window_from,
        window_to=window_to,
    )
    trail = audit_trail(request)
    try:
        plan = service.prepare_import(session, principal, query)
        # Ends the read the rows are placed with: nothing is held open while the file is read.
        session.commit()
        record = service.run_import(request.app.state.sessionmaker, plan, upload, settings)
    except AppError as refused:
        import_id = refused.members.get("import_id")
        trail.record(
            AuditAction.IMPORT_FAILED,
            "failure",
            subject=str(import_id) if import_id else None,
            reason=_summary(kind, upload, None, refused),
        )
        raise
    if dry_run:
        trail.record(
            AuditAction.IMPORT_DRY_RUN,
            "success",
            reason=_summary(kind, upload, record, None),
        )
        preview = DryRunRead.model_validate(record)
        return JSONResponse(preview.model_dump(mode="json"), status_code=200)
    trail.record(
        AuditAction.IMPORT_SUCCEEDED,
        "success",
        subject=str(record.id),
        reason=_summary(kind, upload, record, None),
    )
    created(response, f"{request.url.path}/{record.id}", record)
    return ImportRead.model_validate(record)


@router.get(
    "",
    summary="List imports",
    response_model=Page[ImportRead],
    responses=guarded(400, 422),
)
def list_imports(
    principal: Reader,
    session: SessionDep,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
    kind: ImportKind | None = None,
    status: ImportStatus | None = None,
    collaborative_id: uuid.UUID | None = None,
    organisation_id: Annotated[
        uuid.UUID | None, Query(description="Imports with rows of this organisation.")
    ] = None,
) -> Page[ImportRead]:
    """Imports, oldest first: admins see all; others those they made, and those whose rows
    were for a team they reach."""
    items, next_cursor = service.list_imports(
        session,
        limit=limit,
        cursor=cursor,
        kind=kind,
        status=status,
        collaborative_id=collaborative_id,
        organisation_id=organisation_id,
        visible=imports_condition(principal),
    )
    return page_of(ImportRead, items, next_cursor)


@router.get(
    "/{import_id}",
    summary="Get an import",
    response_model=ImportRead,
    responses=READ_ONE,
)
def get_import(
    import_id: uuid.UUID, principal: Reader, session: SessionDep, response: Response
) -> ImportRead:
    """One import: what it read, stored, skipped, suppressed and updated, or why it failed.
    404 when it is out of the caller's reach."""
    found = service.get_import(session, import_id, imports_condition(principal))
    with_etag(response, found)
    return ImportRead.model_validate(found)

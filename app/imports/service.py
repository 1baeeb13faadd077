"""Running an import: the file read by its kind, checked, and stored all or nothing, with the
record of the import; and finding earlier imports.

An import runs in short transactions of its own, as a sign-in does, rather than in the
request's: `prepare_import` reads what the rows are placed with (in the caller's session,
which the router then ends), `run_import` reads the file outside any transaction (it may take
a while, and holds no lock meanwhile), then stores it in one transaction that first locks the
teams it touches, in id order, so that two imports of one team never interleave. A file that
fails stores nothing but its failed import record, written in a transaction of its own.
"""

import time
import uuid
from typing import NoReturn

from sqlalchemy import ColumnElement, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from app.auth.principal import Principal
from app.collaboratives.models import Collaborative
from app.config import Settings
from app.db import Failure, classify, independent_transaction, new_session, utc_now
from app.errors import (
    Conflict,
    ForbiddenRows,
    InvalidInput,
    InvalidRows,
    NotFound,
    RowProblem,
)
from app.imports.files import REFUSED, PostedFile, refusal
from app.imports.kind_base import Extract, ImportQuery, RowsRefused
from app.imports.kinds import KINDS
from app.imports.models import (
    Import,
    ImportKind,
    ImportStatus,
    import_organisations,
)
from app.imports.records import ImportPlan, finish, link, new_record
from app.integrations.directory import TeamDirectory, fold_ods
from app.integrations.tabular import ErrorList, InvalidTable
from app.organisations.models import Organisation
from app.pagination import paginate
from app.teams import service as teams_service
from app.teams.models import Team

LIST_NAME = "imports"
# A client waits this long before posting again after 409 import-running.
RETRY_AFTER_SECONDS = 2


def prepare_import(session: Session, principal: Principal, query: ImportQuery) -> ImportPlan:
    """The kind (422 when it is not supported yet, or the query does not suit it), the
    collaborative (422 when there is none with that id), and the directory the rows are
    placed with: the collaborative's teams' external references, the organisations the
    service knows, and what the caller may import (a bound client's organisations, a coach's
    teams)."""
    started_at, started = utc_now(), time.monotonic()
    prepare = KINDS.get(query.kind)
    if prepare is None:
        raise InvalidInput.at(
            ("query", "kind"),
            f"{query.kind} is not supported yet; this service imports: " + ", ".join(sorted(KINDS)),
        )
    if session.get(Collaborative, query.collaborative_id) is None:
        raise InvalidInput.at(
            ("query", "collaborative_id"), f"No collaborative with id {query.collaborative_id}."
        )
    kind = prepare(session, query)
    organisations = {
        fold_ods(code): ident
        for code, ident in session.execute(select(Organisation.ods_code, Organisation.id))
    }
    permitted_organisations = None
    if principal.is_client and principal.organisation_ids:
        permitted_organisations = frozenset(
            code for code, ident in organisations.items() if ident in principal.organisation_ids
        )
    permitted_teams = None
    if not principal.is_admin and principal.role is not None:
        # A coach imports for the teams they coach (no one else but admins gets this far).
        permitted_teams = frozenset(
            session.scalars(
                select(Team.id).where(
                    Team.collaborative_id == query.collaborative_id,
                    Team.coach_id == principal.member_id,
                )
            )
            if principal.member_id is not None
            else ()
        )
    directory = TeamDirectory(
        teams=teams_service.team_refs(session, query.collaborative_id),
        organisations=frozenset(organisations),
        permitted_organisations=permitted_organisations,
        permitted_teams=permitted_teams,
    )
    return ImportPlan(
        query=query,
        kind=kind,
        directory=directory,
        organisation_ids=organisations,
        actor=principal.actor,
        caller_organisations=principal.organisation_ids if principal.is_client else frozenset(),
        started_at=started_at,
        started=started,
    )


def run_import(
    factory: sessionmaker[Session], plan: ImportPlan, upload: PostedFile, settings: Settings
) -> Import:
    """Reads the file, and stores it unless it is a dry run. Returns the import: stored when
    it succeeded; for a dry run, what it would store (not stored, no id).

    Raises InvalidRows (422) for bad rows or a bad header, or rows refused once what is
    stored is known (survey responses overlapping a stored slice only partly), and
    ForbiddenRows (403) for rows the caller may not send, each after recording the failed
    import (not for a dry run);
    UnsupportedMediaType (415) and ContentTooLarge (413) for a file that cannot be read as a
    whole; Conflict `import-running` (409) when another import holds one of its teams for
    longer than the lock timeout."""
    try:
        extract: Extract = plan.kind.read_file(upload, plan.query.sheet, plan.directory, settings)
    except InvalidTable as invalid:
        errors = ErrorList()
        for error in invalid.errors:
            errors.add(error.row, error.column, error.message)
        _fail(factory, plan, upload, None, errors)
    except REFUSED as problem:
        # Found while the rows were read: too many of them, or a workbook that inflates past
        # what its directory declared.
        raise refusal(problem) from None
    try:
        return _store(factory, plan, upload, extract, settings)
    finally:
        extract.close()


def _store(
    factory: sessionmaker[Session],
    plan: ImportPlan,
    upload: PostedFile,
    extract: Extract,
    settings: Settings,
) -> Import:
    """The rest of `run_import`, once the file is read: refused, tried or stored."""
    if extract.forbidden:
        _fail(factory, plan, upload, extract, extract.forbidden, forbidden=True)
    if extract.errors:
        _fail(factory, plan, upload, extract, extract.errors)
    threshold = settings.min_responses
    if plan.query.dry_run:
        return _dry_run(factory, plan, upload, extract, threshold)
    try:
        with independent_transaction(factory) as session:
            lock_teams(session, extract.teams)
            record = new_record(plan, upload, extract, ImportStatus.SUCCEEDED)
            session.add(record)
            link(session, plan, record, extract.teams)
            session.flush()
            written = plan.kind.write(session, extract, record.id, threshold=threshold)
            points = plan.kind.recompute(session, extract, record.id, threshold=threshold)
            record.aggregates_written = written.aggregates
            record.cells_suppressed = written.suppressed
            record.points_written = points.points_written
            record.typed_points_replaced = points.replaced_typed
            finish(plan, record)
    except RowsRefused as refused:  # rolled back: nothing of the file stored
        _fail(factory, plan, upload, extract, refused.errors)
    except OperationalError as error:
        if classify(error) is Failure.BUSY:
            raise _running() from None
        raise
    return record


def _dry_run(
    factory: sessionmaker[Session],
    plan: ImportPlan,
    upload: PostedFile,
    extract: Extract,
    threshold: int,
) -> Import:
    """What the import would store, found by storing it in a transaction that is then rolled
    back: the same code as a real import, so the counts are exactly what it would write. The
    record returned is never added to a session (it has no id)."""
    session = new_session(factory, writes=True)
    with session:
        session.begin()
        try:
            lock_teams(session, extract.teams)
            # A record for the rows that reference it, gone with the rest.
            draft = new_record(plan, upload, extract, ImportStatus.SUCCEEDED)
            session.add(draft)
            session.flush()
            written = plan.kind.write(session, extract, draft.id, threshold=threshold)
            points = plan.kind.recompute(session, extract, None, threshold=threshold)
        except RowsRefused as refused:
            _fail(factory, plan, upload, extract, refused.errors)
        except OperationalError as error:
            if classify(error) is Failure.BUSY:
                raise _running() from None
            raise
        finally:
            session.rollback()
    record = new_record(plan, upload, extract, ImportStatus.SUCCEEDED, written=written)
    record.points_written = points.points_written
    record.typed_points_replaced = points.replaced_typed
    return record


def lock_teams(session: Session, team_ids: frozenset[uuid.UUID]) -> None:
    """Locks the teams' rows until the transaction ends, in id order, so two imports that
    share teams queue rather than deadlock (PostgreSQL; a writing SQLite transaction already
    holds the database's one write lock). A team removed since the file was read is a 409."""
    if not team_ids:
        return
    ordered = sorted(team_ids)
    locked = session.scalars(
        select(Team.id)
        .where(Team.id.in_(ordered))
        .order_by(Team.id)
        .with_for_update(key_share=True)
    ).all()
    if len(locked) != len(ordered):
        raise Conflict(
            "A team of the file was removed while the file was read; nothing was stored."
            " Send the file again.",
            slug="team-removed",
        )


def _running() -> Conflict:
    conflict = Conflict(
        "Another import of the same teams is running; nothing was stored. Send the file again"
        " shortly.",
        slug="import-running",
        title="Import running",
    )
    conflict.headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    return conflict


def _fail(
    factory: sessionmaker[Session],
    plan: ImportPlan,
    upload: PostedFile,
    extract: Extract | None,
    errors: ErrorList,
    *,
    forbidden: bool = False,
) -> NoReturn:
    """Records the failed import (unless it is a dry run) and raises its answer."""
    members: dict[str, object] = {}
    if not plan.query.dry_run:
        record = new_record(plan, upload, extract, ImportStatus.FAILED, errors=errors)
        with independent_transaction(factory) as session:
            session.add(record)
            link(session, plan, record, extract.teams if extract is not None else frozenset())
        members["import_id"] = record.id
    problems = [RowProblem(error.row, error.column, error.message) for error in errors.errors]
    count = errors.error_count
    if forbidden:
        raise ForbiddenRows(
            f"The file holds {count} row(s) of organisations or teams you may not import for;"
            " nothing was stored.",
            problems,
            error_count=count,
            members=members,
        )
    raise InvalidRows(
        f"The file has {count} problem(s) in its rows; nothing was stored.",
        problems,
        error_count=count,
        members=members,
    )


def list_imports(
    session: Session,
    *,
    limit: int,
    cursor: str | None,
    kind: ImportKind | None = None,
    status: ImportStatus | None = None,
    collaborative_id: uuid.UUID | None = None,
    organisation_id: uuid.UUID | None = None,
    visible: ColumnElement[bool] | None = None,
) -> tuple[list[Import], str | None]:
    """Imports matching the filters, oldest first, limited to `visible` (the caller's reach)."""
    statement = select(Import)
    if visible is not None:
        statement = statement.where(visible)
    if kind is not None:
        statement = statement.where(Import.kind == kind)
    if status is not None:
        statement = statement.where(Import.status == status)
    if collaborative_id is not None:
        statement = statement.where(Import.collaborative_id == collaborative_id)
    if organisation_id is not None:
        statement = statement.where(
            Import.id.in_(
                select(import_organisations.c.import_id).where(
                    import_organisations.c.organisation_id == organisation_id
                )
            )
        )
    return paginate(
        session,
        statement,
        sort_key=Import.created_at,
        id_key=Import.id,
        limit=limit,
        cursor=cursor,
        list_name=LIST_NAME,
        filters={
            "kind": kind,
            "status": status,
            "collaborative_id": collaborative_id,
            "organisation_id": organisation_id,
        },
    )


def get_import(
    session: Session, import_id: uuid.UUID, visible: ColumnElement[bool] | None = None
) -> Import:
    """The import, or 404 when there is none with that id in the caller's reach."""
    statement = select(Import).where(Import.id == import_id)
    if visible is not None:
        statement = statement.where(visible)
    found = session.scalar(statement)
    if found is None:
        raise NotFound.of("import", import_id)
    return found

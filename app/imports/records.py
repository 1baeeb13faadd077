"""What an import records about itself: the plan it runs by, its record in the imports table,
and the teams and organisations the record is linked to."""

import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from app.db import utc_now
from app.imports.files import PostedFile
from app.imports.kind_base import Extract, ImportQuery, PreparedKind, Written
from app.imports.models import Import, ImportStatus, import_organisations, import_teams
from app.integrations.directory import TeamDirectory
from app.integrations.tabular import ErrorList


@dataclass(frozen=True)
class ImportPlan:
    """What an import needs before it reads the file, read in the caller's transaction."""

    query: ImportQuery
    kind: PreparedKind[Any]
    directory: TeamDirectory[uuid.UUID]
    organisation_ids: Mapping[str, uuid.UUID]  # folded ODS code -> organisation
    actor: str
    # A trust client's bound organisations: what its imports are about, whatever the rows say.
    caller_organisations: frozenset[uuid.UUID]
    started_at: datetime
    started: float  # time.monotonic() then


def error_list(errors: ErrorList) -> list[dict[str, Any]]:
    """The kept errors as the record stores them, `{"row", "column", "message"}`."""
    return [{"row": e.row, "column": e.column, "message": e.message} for e in errors.errors]


def _what_it_read(kind: PreparedKind[Any], extract: Extract | None) -> dict[str, Any]:
    """The record's columns about the file's rows (none read when its header was wrong)."""
    if extract is None:
        return {"rows_read": 0, "rows_skipped": 0, "unmapped": [], "teams": []}
    periods = extract.periods or (None, None)
    warnings = kind.warnings(extract)
    return {
        "rows_read": extract.rows_read,
        "rows_skipped": extract.rows_skipped,
        "unmapped": [
            {"ods_code": ods_code, "team_ref": team_ref, "rows": rows}
            for (ods_code, team_ref), rows in extract.unmapped.items()
        ],
        "teams": sorted(str(team) for team in extract.teams),
        "period_first": periods[0],
        "period_last": periods[1],
        "warning_count": warnings.error_count,
        "warnings": error_list(warnings),
        "ignored_columns": list(extract.ignored_columns),
    }


def new_record(
    plan: ImportPlan,
    upload: PostedFile,
    extract: Extract | None,
    status: ImportStatus,
    *,
    errors: ErrorList | None = None,
    written: Written | None = None,
) -> Import:
    """The import's record, as far as it is known before anything is stored."""
    errors = errors or ErrorList()
    record = Import(
        **{
            "warning_count": 0,
            "warnings": [],
            "ignored_columns": [],
            **_what_it_read(plan.kind, extract),
        },
        id=uuid.uuid4(),
        version=1,
        created_at=plan.started_at,
        kind=plan.query.kind,
        status=status,
        collaborative_id=plan.query.collaborative_id,
        survey=plan.query.survey,
        filename=upload.filename,
        media_type=upload.media_type,
        sha256=upload.sha256,
        bytes=upload.size,
        aggregates_written=written.aggregates if written is not None else 0,
        cells_suppressed=written.suppressed if written is not None else 0,
        points_written=0,
        typed_points_replaced=0,
        error_count=errors.error_count,
        errors=error_list(errors),
        created_by=plan.actor,
    )
    finish(plan, record)
    return record


def finish(plan: ImportPlan, record: Import) -> None:
    record.finished_at = utc_now()
    record.duration_ms = round((time.monotonic() - plan.started) * 1000)


def link(session: Session, plan: ImportPlan, record: Import, teams: frozenset[uuid.UUID]) -> None:
    """What the import is about, for its list's filters and its readers' reach: the teams of
    its rows, the organisations its rows named, and a bound client's own organisations."""
    session.flush()  # the record first: the links refer to it
    organisations = {
        plan.organisation_ids[code] for code in plan.directory.seen if code in plan.organisation_ids
    } | set(plan.caller_organisations)
    if teams:
        session.execute(
            insert(import_teams), [{"import_id": record.id, "team_id": team} for team in teams]
        )
    if organisations:
        session.execute(
            insert(import_organisations),
            [{"import_id": record.id, "organisation_id": ident} for ident in organisations],
        )

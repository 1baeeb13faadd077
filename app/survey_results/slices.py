"""Storing survey aggregates as an import gives them (ingest spec 2): its slices added to or
replacing the stored ones, and the keyed hashes of the response ids each slice counted. No
FastAPI here; `service.py` reads what this stores.

A slice is one team's aggregates of one survey for one period: its totals row, its group rows
and the keyed hashes of the response ids it counted.
"""

import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from sqlalchemy import delete, insert, select, tuple_
from sqlalchemy.orm import Session

from app.db import Base, bulk_insert, utc_now
from app.survey_results.models import (
    DIGEST_LENGTH,
    GROUP_LENGTH,
    TOTALS,
    Source,
    SurveyAggregate,
    SurveyResponseHash,
)
from app.surveys.scoring import Aggregate, combine

Slice = tuple[uuid.UUID, date]  # (team, period_start), of one survey
GroupKey = tuple[str, str]  # (group_type, group_value), e.g. ("ethnicity", "bme")
Mode = Literal["add", "replace"]

# Slices per query when reading hashes: two bound values each, well under the bind limits of
# SQLite (32,766) and PostgreSQL (65,535); an import of one collaborative fits in one query.
_SLICES_PER_QUERY = 5000
_HASHES_PER_FETCH = 10_000


def group_type_key(group_type: str) -> str:
    """How group types are stored and asked for: trimmed, case-folded (`group_Ethnicity` in a
    file and `?group=ethnicity` are the same group)."""
    return group_type.strip().casefold()


def stored_hashes(
    session: Session, survey: str, slices: Iterable[Slice]
) -> dict[Slice, frozenset[bytes]]:
    """The response-id hashes each slice has counted (empty for a slice never stored), in one
    query for any import of ordinary size."""
    wanted = sorted(set(slices))
    found: dict[Slice, set[bytes]] = {key: set() for key in wanted}
    columns = (SurveyResponseHash.team_id, SurveyResponseHash.period_start)
    for start in range(0, len(wanted), _SLICES_PER_QUERY):
        chunk = wanted[start : start + _SLICES_PER_QUERY]
        rows = session.execute(
            select(*columns, SurveyResponseHash.digest)
            .where(SurveyResponseHash.survey == survey, tuple_(*columns).in_(chunk))
            # A server-side cursor on PostgreSQL: a slice of a million hashes is read in
            # batches, never held twice (the driver's rows and the sets) in memory.
            .execution_options(yield_per=_HASHES_PER_FETCH)
        )
        for team_id, period, digest in rows:
            found[team_id, period].add(bytes(digest))
    return {key: frozenset(digests) for key, digests in found.items()}


@dataclass(frozen=True, slots=True)
class SliceWrite:
    """One slice to store: its totals and group breakdowns, the hashes of the response ids it
    counted (None for counts; empty when the caller streams them to `store_hashes`), and
    whether it is added to or replaces the stored slice."""

    team_id: uuid.UUID
    period_start: date
    totals: Aggregate
    groups: Mapping[GroupKey, Aggregate]
    hashes: frozenset[bytes] | None
    mode: Mode


def store_slice(
    session: Session,
    team_id: uuid.UUID,
    survey: str,
    period_start: date,
    totals: Aggregate,
    groups: Mapping[GroupKey, Aggregate],
    hashes: frozenset[bytes] | None,
    mode: Mode,
    source: Source,
    import_id: uuid.UUID | None,
) -> int:
    """`store_slices` of one slice."""
    write = SliceWrite(team_id, period_start, totals, groups, hashes, mode)
    return store_slices(session, survey, [write], source, import_id)


def store_slices(
    session: Session,
    survey: str,
    writes: Sequence[SliceWrite],
    source: Source,
    import_id: uuid.UUID | None,
) -> int:
    """Write slices of one survey and return how many aggregate rows (totals and groups) were
    written, in a few statements whatever their number (an import's hundreds of slices).

    `add` combines each aggregate given with the one stored (a group not in this import keeps
    its row) and adds `hashes` to the slice's (an import gives none here and streams them all
    to `store_hashes` once its slices are stored); `replace` overwrites the totals, the groups
    (stored groups not given are removed) and the hashes. Which one applies is the caller's
    rule (all ids new: add; every stored id present: replace), with two exceptions that keep
    counts from being counted twice: counts (`hashes` None, `source` counts) always replace,
    and an add onto a slice last written from counts replaces it, since counts carry no ids
    that could show the responses are new. A hash already in the slice cannot be added again:
    the primary key refuses it, and the whole request with it (409).

    Concurrency: the import service holds its team lock while it stores, so two imports of
    one team never interleave. This function does not rely on that alone: the rows it reads
    to add to are locked (FOR UPDATE on PostgreSQL, in one order for every writer; SQLite's
    writer holds the database), and two writers creating the same row at once trip its
    unique key.
    """
    wanted = {(w.team_id, w.period_start): _wanted(survey, w, source) for w in writes}
    if len(wanted) != len(writes):
        raise ValueError("a slice is given twice")
    stored = _locked_rows(session, survey, list(wanted))
    new_rows: list[dict[str, object]] = []
    replaced: list[Slice] = []
    now = utc_now()
    for write in writes:
        key = (write.team_id, write.period_start)
        rows = stored.get(key, {})
        stored_totals = rows.get((TOTALS, TOTALS))
        replace = (
            write.mode == "replace"
            or write.hashes is None
            or (stored_totals is not None and stored_totals.source is Source.COUNTS)
        )
        for group, given in wanted[key].items():
            row = rows.get(group)
            if row is None:
                new_rows.append(_new_row(survey, key, group, given, source, import_id, now=now))
                continue
            row.hold(given if replace else combine(row.aggregate(), given))
            row.source = source
            row.import_id = import_id
        if replace:
            for group, row in rows.items():
                if group not in wanted[key]:
                    session.delete(row)
            if rows:
                replaced.append(key)
    for start in range(0, len(replaced), _SLICES_PER_QUERY):
        chunk = replaced[start : start + _SLICES_PER_QUERY]
        session.execute(
            delete(SurveyResponseHash).where(
                SurveyResponseHash.survey == survey,
                tuple_(SurveyResponseHash.team_id, SurveyResponseHash.period_start).in_(chunk),
            )
        )
    session.flush()
    if new_rows:
        session.execute(insert(SurveyAggregate), new_rows)
    store_hashes(
        session,
        survey,
        (
            ((write.team_id, write.period_start), digest)
            for write in writes
            for digest in sorted(write.hashes or ())
        ),
    )
    return sum(len(groups) for groups in wanted.values())


def _wanted(survey: str, write: SliceWrite, source: Source) -> dict[GroupKey, Aggregate]:
    """The slice's rows by (group type, group value), the totals first; checked."""
    _check_slice(survey, write, source)
    wanted: dict[GroupKey, Aggregate] = {(TOTALS, TOTALS): write.totals}
    for (group_type, group_value), aggregate in write.groups.items():
        key = (group_type_key(group_type), group_value)
        if key in wanted:
            raise ValueError(f"group {key} is given twice (group types are case-folded)")
        wanted[key] = aggregate
    return wanted


def _locked_rows(
    session: Session, survey: str, slices: list[Slice]
) -> dict[Slice, dict[GroupKey, SurveyAggregate]]:
    """The stored rows of these slices, locked, read afresh, by slice and group."""
    found: dict[Slice, dict[GroupKey, SurveyAggregate]] = {}
    columns = (SurveyAggregate.team_id, SurveyAggregate.period_start)
    for start in range(0, len(slices), _SLICES_PER_QUERY):
        chunk = slices[start : start + _SLICES_PER_QUERY]
        rows = session.scalars(
            select(SurveyAggregate)
            .where(SurveyAggregate.survey == survey, tuple_(*columns).in_(chunk))
            .order_by(SurveyAggregate.id)  # one lock order for every writer: no deadlock
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        for row in rows:
            found.setdefault((row.team_id, row.period_start), {})[
                row.group_type, row.group_value
            ] = row
    return found


def _new_row(
    survey: str,
    key: Slice,
    group: GroupKey,
    aggregate: Aggregate,
    source: Source,
    import_id: uuid.UUID | None,
    *,
    now: datetime,
) -> dict[str, object]:
    """A new aggregate row as `insert` takes it (the values `SurveyAggregate.hold` stores)."""
    held = SurveyAggregate()
    held.hold(aggregate)
    return {
        "id": uuid.uuid4(),
        "team_id": key[0],
        "survey": survey,
        "period_start": key[1],
        "group_type": group[0],
        "group_value": group[1],
        "counts": held.counts,
        "scores": held.scores,
        "source": source,
        "import_id": import_id,
        "created_at": now,
        "updated_at": now,
    }


def store_hashes(session: Session, survey: str, hashes: Iterable[tuple[Slice, bytes]]) -> None:
    """Adds the response-id hashes of an import's slices, as a stream of ((team, period),
    hash), after `store_slice` has stored (and, for a replaced slice, emptied) each slice. A
    hash already in its slice is refused by the primary key, and the request with it."""

    def rows() -> Iterator[tuple[uuid.UUID, str, date, bytes]]:
        for (team_id, period_start), digest in hashes:
            _check_digest(digest)
            yield team_id, survey, period_start, digest

    bulk_insert(
        session,
        Base.metadata.tables[SurveyResponseHash.__tablename__],
        ("team_id", "survey", "period_start", "digest"),
        rows(),
    )


def _check_digest(digest: bytes) -> None:
    if not isinstance(digest, bytes) or not 0 < len(digest) <= DIGEST_LENGTH:
        raise ValueError(f"a response id's hash is 1 to {DIGEST_LENGTH} bytes")


def _check_slice(survey: str, write: SliceWrite, source: Source) -> None:
    """The caller's mistakes, refused before anything is written (a bug, not bad input)."""
    totals, groups, hashes, mode = write.totals, write.groups, write.hashes, write.mode
    if mode not in ("add", "replace"):
        raise ValueError(f"mode must be 'add' or 'replace', not {mode!r}")
    if (hashes is None) != (source is Source.COUNTS):
        raise ValueError("responses come with their ids' hashes, and counts without any")
    if not survey:
        raise ValueError("survey must be a survey's code")
    if not isinstance(totals, Aggregate):
        raise ValueError("totals must be an Aggregate")
    for (group_type, group_value), aggregate in groups.items():
        if not group_type_key(group_type) or not group_value:
            raise ValueError("a group needs a type and a value (the totals have neither)")
        if len(group_type) > GROUP_LENGTH or len(group_value) > GROUP_LENGTH:
            raise ValueError(f"group types and values are at most {GROUP_LENGTH} characters")
        if not isinstance(aggregate, Aggregate):
            raise ValueError("each group's aggregate must be an Aggregate")
    for digest in hashes or ():
        _check_digest(digest)

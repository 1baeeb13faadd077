"""What every extract kind's reader shares: the columns it asks the table reader for, the
summary of what it read (the import resource's counts, ingest spec 2), and its cell checks.

A kind's reader takes an open `Table` (CSV or XLSX), so the caller first opens the file with
the kind's `Columns`; it gives back its aggregates on a subclass of `ExtractSummary`.
"""

from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Generic, TypeVar

from app.integrations.cells import CellError
from app.integrations.tabular import ErrorList, Table

TeamT = TypeVar("TeamT", bound=Hashable)
ValueT = TypeVar("ValueT")


@dataclass(frozen=True, slots=True)
class Columns:
    """What to pass to `read_csv` (or the XLSX reader) for one kind: the required and optional
    column names, and the prefixes of columns read by prefix (`group_`)."""

    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    prefixes: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class ExtractSummary(Generic[TeamT]):
    """The counts of an import (spec 2): `rows_read` (data rows, blank ones not counted),
    `rows_skipped` and `unmapped` (rows for teams outside the collaborative, per pair as first
    written), `forbidden` (rows the caller may not send: the 403's list), `errors` (the 422's
    list: the table reader's and the kind's), `ignored_columns`, the first and last `periods`
    of what would be stored (None when nothing) and the `teams` it touches."""

    rows_read: int
    rows_skipped: int
    unmapped: Mapping[tuple[str, str], int]
    forbidden: ErrorList
    errors: ErrorList
    ignored_columns: tuple[str, ...]
    periods: tuple[date, date] | None
    teams: frozenset[TeamT]

    def close(self) -> None:
        """Lets go of what the extract holds outside memory (none here; see subclasses)."""


def period_span(periods: Iterable[date]) -> tuple[date, date] | None:
    """The first and the last of `periods`, or None when there are none."""
    first = last = None
    for period in periods:
        if first is None or period < first:
            first = period
        if last is None or period > last:
            last = period
    return None if first is None or last is None else (first, last)


def merge_errors(into: ErrorList, other: ErrorList, *, table: str | None = None) -> None:
    """Adds `other`'s errors to `into`, its uncounted ones too. With `table`, each column is
    named `<table>.<column>` (the whole row: `<table>`), so that the rows of a second table (a
    workforce file's `absence` part) cannot be taken for the first's."""
    for error in other.errors:
        column = error.column
        if table is not None:
            column = table if column is None else f"{table}.{column}"
        into.add(error.row, column, error.message)
    # The errors `other` counted but did not keep are counted here too.
    into.error_count += other.error_count - len(other.errors)


def column_index(table: Table, name: str) -> int:
    """Where a column the kind requires is in each row (the table was opened with its
    `Columns`, so a missing one is the caller's mistake: ValueError)."""
    index = table.index(name)
    if index is None:
        raise ValueError(f"the table has no column {name!r}")
    return index


def required_cell(errors: ErrorList, row: int, column: str, text: str) -> str | None:
    """The cell, or None and a row error when it is blank."""
    if not text:
        errors.add(row, column, f"{column} is required")
        return None
    return text


def parse_cell(
    errors: ErrorList,
    row: int,
    column: str,
    text: str,
    parse: Callable[[str], ValueT | None],
    *,
    required: bool,
) -> ValueT | None:
    """The cell parsed with one of `tabular`'s parsers; None for a blank one (a row error when
    `required`) and for one that does not parse (a row error saying what was expected)."""
    try:
        value = parse(text)
    except CellError as error:
        errors.add(row, column, error.message)
        return None
    if value is None and required:
        errors.add(row, column, f"{column} is required")
    return value

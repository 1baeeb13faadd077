"""SQLAlchemy base, naming convention, portable column types and engine set-up; no FastAPI."""

import random
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from itertools import islice
from typing import Any, TypeVar

from sqlalchemy import (
    ColumnElement,
    Connection,
    Constraint,
    DateTime,
    Engine,
    Enum,
    Index,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    create_engine,
    event,
    select,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as SATimeoutError
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    declared_attr,
    mapped_column,
    sessionmaker,
)
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.types import TypeDecorator, Uuid

from app import watchdog
from app.errors import Conflict, Duplicate, NotFound

# Fixed constraint names so SQLite and PostgreSQL agree and migrations can drop them by name.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime on every database (SQLite hands back naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    @property
    def python_type(self) -> type[datetime]:
        return datetime

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; pass an aware one")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utc_now() -> datetime:
    return datetime.now(UTC)


def enum_column(enum: type[StrEnum], length: int = 32) -> Enum:
    """A portable VARCHAR enum storing the values (not the names) of a StrEnum."""
    return Enum(
        enum,
        native_enum=False,
        create_constraint=False,
        length=length,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime, uuid.UUID: Uuid}


class Resource:
    """Columns every API resource has: a service-made UUID, creation time and a version.

    `version` is SQLAlchemy's version counter: each UPDATE checks and bumps it, so a
    concurrent change is detected even between the If-Match check and the write.
    """

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    created_at: Mapped[datetime] = mapped_column(default=utc_now, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utc_now, onupdate=utc_now)
    version: Mapped[int] = mapped_column(default=1)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:  # noqa: N805 (a class-level directive)
        return {"version_id_col": cls.version}


ModelT = TypeVar("ModelT", bound=Base)
T = TypeVar("T")


def fit(value: str | None, column: ColumnElement[Any]) -> str | None:
    """`value` as `column` can store it: without NUL characters (PostgreSQL cannot store
    them) and cut to the column's length. For text recorded, not text validated: an audit
    row or a sign-in attempt must be written whatever the caller sent."""
    if value is None:
        return None
    value = value.replace("\x00", "")
    limit = column.type.length if isinstance(column.type, String) else None
    return value[:limit] if limit else value


def get_or_404(session: Session, model: type[ModelT], ident: uuid.UUID, name: str) -> ModelT:
    found = session.get(model, ident)
    if found is None:
        raise NotFound.of(name, ident)
    return found


def apply_changes(resource: object, changes: dict[str, Any]) -> None:
    """Set the fields a PATCH sent (JSON merge semantics: absent fields stay as they are)."""
    for field, value in changes.items():
        setattr(resource, field, value)


@dataclass(frozen=True)
class DatabaseLimits:
    """How long anything may wait on the database; every wait is bounded, so a database that
    is down or frozen costs a request seconds, never a worker."""

    pool_size: int = 5
    pool_timeout: float = 3.0  # waiting for a free connection
    connect_timeout: int = 3  # opening one (libpq's minimum is 2)
    statement_timeout: float = 5.0  # one statement, enforced by the server
    lock_timeout: float = 3.0  # waiting for a row lock (PostgreSQL) or the write lock (SQLite)
    # A frozen server cannot enforce its own timeouts: the client cuts a call this much later.
    watchdog_grace: float = 2.0


WRITES = "qi_writes"  # execution option: this connection's transaction will write


def make_engine(
    url: str, *, foreign_keys: bool = True, limits: DatabaseLimits | None = None
) -> Engine:
    """An engine with SQLite made to behave like PostgreSQL where it matters to us, and every
    wait bounded by `limits`."""
    limits = limits or DatabaseLimits()
    if url.startswith("sqlite"):
        return _sqlite_engine(url, foreign_keys=foreign_keys, limits=limits)
    milliseconds = f"-c statement_timeout={int(limits.statement_timeout * 1000)}"
    milliseconds += f" -c lock_timeout={int(limits.lock_timeout * 1000)}"
    engine = create_engine(
        url,
        pool_size=limits.pool_size,
        pool_timeout=limits.pool_timeout,
        pool_pre_ping=True,
        connect_args={"connect_timeout": limits.connect_timeout, "options": milliseconds},
    )
    if engine.dialect.driver == "psycopg":
        dog = watchdog.Watchdog(limits.statement_timeout + limits.watchdog_grace)

        @event.listens_for(engine, "do_connect")
        def _watched(_dialect: Dialect, _record: Any, cargs: Any, cparams: Any) -> Any:
            return watchdog.connect(dog, *cargs, **cparams)

    return engine


def _lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


def _sqlite_engine(url: str, *, foreign_keys: bool, limits: DatabaseLimits) -> Engine:
    engine = create_engine(
        url,
        pool_timeout=limits.pool_timeout,
        connect_args={"check_same_thread": False, "timeout": limits.lock_timeout},
    )

    @event.listens_for(engine, "connect")
    def _sqlite_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        # Let SQLAlchemy emit BEGIN itself, so SAVEPOINTs work (pysqlite breaks them).
        dbapi_connection.isolation_level = None
        dbapi_connection.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
        dbapi_connection.execute("PRAGMA journal_mode=WAL")
        dbapi_connection.execute(f"PRAGMA busy_timeout={int(limits.lock_timeout * 1000)}")
        # SQLite's lower() folds ASCII only; PostgreSQL's folds every letter, so a
        # case-insensitive search for "émile" finds "Émile" on both.
        dbapi_connection.create_function("lower", 1, _lower, deterministic=True)

    @event.listens_for(engine, "begin")
    def _sqlite_begin(connection: Connection) -> None:
        # A transaction that will write takes SQLite's one write lock when it begins. A
        # deferred one that read first could not take it later if another had written since
        # (SQLITE_BUSY_SNAPSHOT), and rules checked by its reads would not hold.
        writes = connection.get_execution_options().get(WRITES, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")

    return engine


def make_sessionmaker(engine: Engine) -> sessionmaker[Any]:
    return sessionmaker(bind=engine, expire_on_commit=False)


def new_session(factory: sessionmaker[Session], *, writes: bool) -> Session:
    """A session from `factory`; one that `writes` holds SQLite's write lock from its first
    statement to its end (PostgreSQL needs nothing: its rules take row locks)."""
    bind = factory.kw.get("bind")
    if writes and isinstance(bind, Engine) and bind.dialect.name == "sqlite":
        return factory(bind=bind.execution_options(**{WRITES: True}))
    return factory()


@contextmanager
def independent_transaction(
    factory: sessionmaker[Session], *, writes: bool = True
) -> Iterator[Session]:
    """THE way to write something that must persist whatever happens to the caller's own
    transaction (audit events, sign-in attempts, import records), and the way a request or a
    CLI command runs its own: a new session, committed when the block ends; if the block
    raises it is rolled back and the error propagates. Opening it touches no database. SQLite
    has one writer: write after the caller's writing transaction ends, as the audit trail
    does, or the two wait on each other until the lock timeout."""
    session = new_session(factory, writes=writes)
    session.begin()
    failed = False
    try:
        yield session
    except BaseException:
        failed = True
        raise
    finally:
        with session:
            if failed:
                session.rollback()
            else:
                session.commit()


# Rows per statement of `bulk_insert`: 10,000 response-id hashes take about 0.1 s to COPY.
BULK_BATCH = 10_000


def bulk_insert(
    session: Session, table: Table, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> None:
    """Many rows into one table in the session's transaction, as fast as the database takes
    them: COPY on PostgreSQL (an import's 100,000 response-id hashes went from most of its time
    as an executemany to a small part of it), a Core executemany elsewhere. Rows go in batches
    of BULK_BATCH: a stream of a million rows never sits in memory as one list, and each
    statement ends well within the statement timeout. A row that breaks a constraint raises
    IntegrityError either way, so callers map it as for any insert."""
    connection = session.connection()
    iterator = iter(rows)
    if connection.dialect.name != "postgresql":
        while batch := [
            dict(zip(columns, row, strict=True)) for row in islice(iterator, BULK_BATCH)
        ]:
            connection.execute(table.insert(), batch)
        return
    driver_errors: Any = connection.dialect.dbapi  # psycopg's DB-API module
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    statement = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
    try:
        while chunk := list(islice(iterator, BULK_BATCH)):
            with cursor.copy(statement) as copy:
                for row in chunk:
                    copy.write_row(row)
    except driver_errors.IntegrityError as error:
        raise IntegrityError(statement, None, error) from error


def lock(session: Session, model: type[ModelT], ident: uuid.UUID) -> ModelT:
    """The row, locked until the transaction ends and read afresh after the lock is taken, so
    a rule checked next sees every change committed before. PostgreSQL takes FOR NO KEY UPDATE
    (rows that merely refer to it can still be inserted); on SQLite a writing transaction
    already holds the database's write lock."""
    statement = (
        select(model)
        .where(model.id == ident)  # type: ignore[attr-defined]
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    )
    found = session.scalar(statement)
    if found is None:
        raise NotFound(f"No {model.__tablename__} row with id {ident}.")
    return found


class Failure(StrEnum):
    """What a database error means for the request that met it."""

    CONFLICT = "conflict"  # aborted to break a deadlock or a serialization failure: retry
    BUSY = "busy"  # a lock or a statement took too long: retry later
    UNAVAILABLE = "unavailable"  # the database is down, unreachable or restarting
    INVALID = "invalid"  # a value the database cannot store
    OTHER = "other"


# PostgreSQL SQLSTATEs by meaning (Appendix A of its manual).
_CONFLICT_STATES = frozenset({"40001", "40P01"})
_BUSY_STATES = frozenset({"55P03", "57014"})
_UNAVAILABLE_STATES = frozenset({"57P01", "57P02", "57P03", "53300"})


def classify(error: Exception) -> Failure:
    """The meaning of a database error, on PostgreSQL (psycopg) and SQLite alike."""
    if isinstance(error, SATimeoutError):  # no connection came free from the pool in time
        return Failure.BUSY
    if not isinstance(error, DBAPIError):
        return Failure.OTHER
    state = getattr(error.orig, "sqlstate", None) or ""
    if state in _CONFLICT_STATES:
        return Failure.CONFLICT
    if state in _BUSY_STATES:
        return Failure.BUSY
    if state in _UNAVAILABLE_STATES or state.startswith("08") or error.connection_invalidated:
        return Failure.UNAVAILABLE
    if isinstance(error, DataError) or state.startswith("22"):
        return Failure.INVALID
    if isinstance(error, OperationalError | InterfaceError):
        message = str(error.orig).lower()
        if "locked" in message or "busy" in message:
            return Failure.BUSY
        return Failure.UNAVAILABLE
    return Failure.OTHER


def with_retries(session: Session, work: Callable[[], T], *, attempts: int = 3) -> T:
    """Run `work` in a savepoint, and again (up to `attempts` times in all) when the database
    aborted it to break a deadlock or a serialization failure; the last failure is raised."""
    for attempt in range(1, attempts + 1):
        try:
            with session.begin_nested():
                return work()
        except OperationalError as error:
            if attempt == attempts or classify(error) is not Failure.CONFLICT:
                raise
            # Back off a little, at random, so the two sides do not collide again.
            time.sleep(random.uniform(0.005, 0.02) * attempt)
    raise AssertionError("unreachable")


def delete_unless_referenced(session: Session, resource: object, detail: str) -> None:
    """Delete, or raise Conflict when other rows still refer to it (the database decides)."""
    try:
        with session.begin_nested():
            session.delete(resource)
            session.flush()
    except IntegrityError:
        raise Conflict(detail, slug="still-referenced") from None


class Violation(StrEnum):
    """Which kind of constraint a write broke."""

    UNIQUE = "unique"
    FOREIGN_KEY = "foreign_key"
    CHECK = "check"
    NOT_NULL = "not_null"
    OTHER = "other"


@dataclass(frozen=True)
class ConstraintViolation:
    """What an IntegrityError broke, as far as the database said: names may be unknown."""

    kind: Violation
    constraint: str | None = None
    table: str | None = None
    columns: tuple[str, ...] = ()


# PostgreSQL's SQLSTATEs for class 23, and the start of SQLite's messages, by kind.
_VIOLATION_STATES = {
    "23505": Violation.UNIQUE,
    "23503": Violation.FOREIGN_KEY,
    "23514": Violation.CHECK,
    "23502": Violation.NOT_NULL,
}
_SQLITE_PREFIXES = {
    "UNIQUE constraint failed": Violation.UNIQUE,
    "FOREIGN KEY constraint failed": Violation.FOREIGN_KEY,
    "CHECK constraint failed": Violation.CHECK,
    "NOT NULL constraint failed": Violation.NOT_NULL,
}


def violation(error: IntegrityError, metadata: MetaData | None = None) -> ConstraintViolation:
    """The constraint an IntegrityError broke, from psycopg's diagnostics or SQLite's message."""
    diag = getattr(error.orig, "diag", None)
    state = getattr(error.orig, "sqlstate", None)
    if diag is not None and state is not None:
        kind = _VIOLATION_STATES.get(state, Violation.OTHER)
        column = getattr(diag, "column_name", None)
        return describe(
            kind,
            constraint=getattr(diag, "constraint_name", None),
            table=getattr(diag, "table_name", None),
            columns=(column,) if column else (),
            metadata=metadata,
        )
    return parse_sqlite(str(error.orig), metadata)


def parse_sqlite(message: str, metadata: MetaData | None = None) -> ConstraintViolation:
    """SQLite names table.column for UNIQUE and NOT NULL, the constraint's name for CHECK (an
    unnamed check gives its expression), and nothing for FOREIGN KEY."""
    prefix = next((start for start in _SQLITE_PREFIXES if message.startswith(start)), None)
    if prefix is None:
        return ConstraintViolation(Violation.OTHER)
    kind = _SQLITE_PREFIXES[prefix]
    named = message[len(prefix) :].lstrip(":").strip()
    if kind is Violation.CHECK:
        return describe(kind, constraint=named or None, metadata=metadata)
    pairs = [part.strip().split(".", 1) for part in named.split(",") if "." in part]
    table = pairs[0][0] if pairs else None
    columns = tuple(column for _, column in pairs)
    return describe(kind, table=table, columns=columns, metadata=metadata)


def describe(
    kind: Violation,
    *,
    constraint: str | None = None,
    table: str | None = None,
    columns: tuple[str, ...] = (),
    metadata: MetaData | None = None,
) -> ConstraintViolation:
    """Fills in what the database left out from our own schema: a named constraint's table
    and columns (PostgreSQL), or a unique constraint's name from its columns (SQLite)."""
    metadata = metadata if metadata is not None else Base.metadata
    for candidate in metadata.tables.values():
        if table is not None and candidate.name != table:
            continue
        named: list[Constraint | Index] = [
            *candidate.constraints,
            *(index for index in candidate.indexes if index.unique),
        ]
        for rule in named:
            rule_columns = tuple(column.name for column in getattr(rule, "columns", ()))
            if (constraint is not None and rule.name == constraint) or (
                constraint is None
                and kind is Violation.UNIQUE
                and columns
                and rule_columns == columns
            ):
                return ConstraintViolation(
                    kind, str(rule.name), candidate.name, columns or rule_columns
                )
    return ConstraintViolation(kind, constraint, table, columns)


# The `info` key under which a unique constraint keeps its Duplicate.
DUPLICATE = "duplicate"


def unique(*columns: str, duplicate: Duplicate) -> UniqueConstraint:
    """A unique key and the refusal it means to a client: the service's check raises
    `duplicate`, and an IntegrityError on this constraint is answered with it (duplicate_of)."""
    return UniqueConstraint(*columns, info={DUPLICATE: duplicate})


def duplicate_of(broken: ConstraintViolation, metadata: MetaData | None = None) -> Duplicate | None:
    """The Duplicate declared on the unique constraint (or unique index, in its `info`) a
    write broke, if it declares one."""
    if broken.kind is not Violation.UNIQUE or broken.constraint is None:
        return None
    metadata = metadata if metadata is not None else Base.metadata
    for table in metadata.tables.values():
        rules: list[Constraint | Index] = [*table.constraints, *table.indexes]
        for rule in rules:
            if rule.name == broken.constraint:
                found = rule.info.get(DUPLICATE)
                return found if isinstance(found, Duplicate) else None
    return None

"""SQLAlchemy base, naming convention, portable column types and engine set-up; no FastAPI."""

import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import DateTime, Engine, Enum, MetaData, create_engine, event
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import IntegrityError
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

from app.errors import Conflict, NotFound

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


def get_or_404(session: Session, model: type[ModelT], ident: uuid.UUID, name: str) -> ModelT:
    found = session.get(model, ident)
    if found is None:
        raise NotFound.of(name, ident)
    return found


def apply_changes(resource: object, changes: dict[str, Any]) -> None:
    """Set the fields a PATCH sent (JSON merge semantics: absent fields stay as they are)."""
    for field, value in changes.items():
        setattr(resource, field, value)


def make_engine(url: str, *, foreign_keys: bool = True, pool_size: int = 5) -> Engine:
    """An engine with SQLite made to behave like PostgreSQL where it matters to us."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
            # Let SQLAlchemy emit BEGIN itself, so SAVEPOINTs work (pysqlite breaks them).
            dbapi_connection.isolation_level = None
            dbapi_connection.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
            dbapi_connection.execute("PRAGMA journal_mode=WAL")
            dbapi_connection.execute("PRAGMA busy_timeout=30000")

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection: Any) -> None:
            connection.exec_driver_sql("BEGIN")

        return engine
    return create_engine(url, pool_size=pool_size, pool_pre_ping=True)


def make_sessionmaker(engine: Engine) -> sessionmaker[Any]:
    return sessionmaker(bind=engine, expire_on_commit=False)


def delete_unless_referenced(session: Session, resource: object, detail: str) -> None:
    """Delete, or raise Conflict when other rows still refer to it (the database decides)."""
    try:
        with session.begin_nested():
            session.delete(resource)
            session.flush()
    except IntegrityError:
        raise Conflict(detail, slug="still-referenced") from None

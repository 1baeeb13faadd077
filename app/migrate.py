"""Alembic driven from code: upgrade, downgrade and the revision the database is at."""

from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, make_url

from app.db import make_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # Kept as an attribute, not an ini option: ini interpolation would mangle '%' in passwords.
    config.attributes["database_url"] = database_url
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(database_url), revision)


@cache
def head_revision() -> str | None:
    """The newest migration of this code, read once per process (Alembic imports every
    migration file to find it, three quarters of building an app)."""
    return ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def not_ready(database_url: str) -> str | None:
    """Why a command cannot use this database (one line), or None when it is migrated. A
    SQLite file that does not exist is reported, not created."""
    url = make_url(database_url)
    where = url.render_as_string(hide_password=True)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        path = Path(str(url.database)).resolve()
        if not path.exists():
            return (
                f"no database at {path} (QI_DATABASE_URL={where}); run the command where the"
                " service keeps it, or set QI_DATABASE_URL"
            )
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            current = current_revision(connection)
    finally:
        engine.dispose()
    if current != head_revision():
        return (
            f"the database at {where} is at migration {current or 'none'}, not"
            f" {head_revision()}; run `qicollab migrate` first"
        )
    return None

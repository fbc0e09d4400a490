"""The database schema comes from Alembic migrations (service/db/migrations/), never from metadata.create_all.

`upgrade_database(url)` brings any database (SQLite by default, any SQLAlchemy URL) to the newest revision:
the service's startup, `coach serve` and `coach db upgrade` call it.

A database made before migrations existed (by `metadata.create_all`: our tables, no `alembic_version`) is
adopted, not recreated: when it holds every table of the initial revision it is stamped at that revision;
when it predates the coach's workspace (only `replies` and `feedback`), the initial revision runs and creates
just the missing tables.

Migrations run on a connection of their own, in one transaction that holds a lock (SQLite: BEGIN IMMEDIATE;
PostgreSQL: an advisory lock), so several workers starting at once migrate once and the others wait.
"""
from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, event, inspect
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.pool import NullPool

log = logging.getLogger("coach")

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
BASELINE = "0001"  # the schema metadata.create_all used to make
BASELINE_TABLES = frozenset({"replies", "feedback", "comments", "drafts"})
PG_LOCK_KEY = 0x636F616368  # "coach": the advisory lock migrations hold on PostgreSQL
SQLITE_LOCK_WAIT_MS = 60_000


def alembic_config(url: str | URL | None = None, connection: Connection | None = None) -> Config:
    """An Alembic Config without an ini file: the package's migrations, the given database.

    With `connection`, env.py runs on it inside the caller's transaction; otherwise env.py connects to `url`.
    """
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url is not None:
        rendered = make_url(url).render_as_string(hide_password=False)
        config.set_main_option("sqlalchemy.url", rendered.replace("%", "%%"))  # ConfigParser interpolation
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    head = ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()
    assert head is not None, "no migrations found"
    return head


def _migration_engine(url: URL) -> Engine:
    """A throwaway engine for migrating: one connection, no pool."""
    if url.get_backend_name() != "sqlite":
        return create_engine(url, poolclass=NullPool)
    if _sqlite_in_memory(url):
        raise ValueError("an in-memory SQLite database cannot be migrated from a connection of its own; "
                         "use a file (sqlite:///path/to/coach.db)")
    Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, poolclass=NullPool)

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record) -> None:
        # pysqlite would begin transactions lazily (DDL outside them): SQLAlchemy emits BEGIN IMMEDIATE below,
        # so the whole migration is one transaction holding SQLite's write lock.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        # Batch migrations rebuild a table (copy, drop, rename): with foreign keys on, dropping `replies` or
        # `comments` would cascade-delete their feedback or drafts. Checked once at the end instead.
        cursor.execute("PRAGMA foreign_keys=OFF")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_LOCK_WAIT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _sqlite_in_memory(url: URL) -> bool:
    database = url.database or ""
    return database == "" or ":memory:" in database or url.query.get("mode") == "memory"


@contextmanager
def migration_connection(url: str | URL) -> Iterator[Connection]:
    """A connection in a transaction that holds the migration lock; committed when the block ends."""
    url = make_url(url)
    engine = _migration_engine(url)
    try:
        with engine.connect() as conn, conn.begin():
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({PG_LOCK_KEY})")
            yield conn
    finally:
        engine.dispose()



def batch_recreate() -> str:
    """`recreate=` for a migration's batch_alter_table: SQLite rebuilds the table (it comes out exactly as
    create_all makes it; the migration tests compare them); PostgreSQL alters it in place (a rebuild would drop the
    key other tables' foreign keys depend on)."""
    from alembic import context

    return "always" if context.get_context().dialect.name == "sqlite" else "auto"


@contextmanager
def foreign_keys_kept(conn: Connection) -> Iterator[None]:
    """SQLite migrates with foreign keys off: fail (and roll back) if the block leaves new dangling rows."""
    if conn.dialect.name != "sqlite":
        yield
        return
    before = len(conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall())
    yield
    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if len(broken) > before:
        raise RuntimeError(f"the migration left rows whose foreign keys point nowhere, e.g. {broken[:3]}")


@dataclass(frozen=True)
class DatabaseState:
    revision: str | None  # None: no alembic_version (a new database, or one made by create_all)
    head: str
    legacy_tables: frozenset[str]  # our tables found in a database without a revision

    @property
    def at_head(self) -> bool:
        return self.revision == self.head

    def describe(self) -> str:
        if self.revision is not None:
            return (f"{self.revision} (head)" if self.at_head
                    else f"{self.revision} (head is {self.head}: run `coach db upgrade`)")
        if self.legacy_tables:
            return (f"none: tables made before migrations ({', '.join(sorted(self.legacy_tables))}); "
                    "`coach db upgrade` adopts them")
        return "none: empty database (run `coach db upgrade`)"


def _state(conn: Connection) -> DatabaseState:
    revision = MigrationContext.configure(conn).get_current_revision()
    legacy = frozenset()
    if revision is None:
        legacy = frozenset(inspect(conn).get_table_names()) & BASELINE_TABLES
    return DatabaseState(revision, head_revision(), legacy)


@dataclass(frozen=True)
class Upgrade:
    before: DatabaseState
    after: DatabaseState
    adopted: str | None = None  # "stamped" | "completed": the database was made before migrations

    def describe(self) -> str:
        if self.adopted == "stamped":
            return f"tables made before migrations stamped at {BASELINE}; now at {self.after.describe()}"
        if self.adopted == "completed":
            return f"tables made before migrations completed; now at {self.after.describe()}"
        if self.before.revision == self.after.revision:
            return f"already at {self.after.describe()}"
        return f"upgraded from {self.before.revision or 'empty'} to {self.after.describe()}"


def upgrade_database(url: str | URL) -> Upgrade:
    """`alembic upgrade head` on this database, adopting one made by the old create_all first."""
    adopted = None
    with migration_connection(url) as conn:
        before = _state(conn)
        config = alembic_config(url, connection=conn)
        if before.revision is None and before.legacy_tables == BASELINE_TABLES:
            adopted = "stamped"
            command.stamp(config, BASELINE)
        elif before.revision is None and before.legacy_tables:
            adopted = "completed"  # the initial revision creates only the tables it lacks
        if not before.at_head:
            with foreign_keys_kept(conn):
                command.upgrade(config, "head")
        after = _state(conn)
    result = Upgrade(before, after, adopted)
    if after.revision != before.revision:
        log.info("database: %s", result.describe())
    return result


def database_state(url: str | URL) -> DatabaseState | None:
    """The database's revision without changing anything; None when its SQLite file does not exist yet."""
    url = make_url(url)
    if (url.get_backend_name() == "sqlite" and not _sqlite_in_memory(url)
            and not Path(url.database).expanduser().exists()):
        return None
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return _state(conn)
    finally:
        engine.dispose()


def downgrade_database(url: str | URL, revision: str) -> DatabaseState:
    """`alembic downgrade REVISION` (tests, and undoing a migration by hand)."""
    with migration_connection(url) as conn, foreign_keys_kept(conn):
        command.downgrade(alembic_config(url, connection=conn), revision)
    return database_state(url)

"""Engine creation, schema migration and integrity checks: SQLite (WAL, foreign keys) by default, or PostgreSQL."""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).with_name("migrations")
MIGRATION_LOCK = 0x7461_6E79_6102
SERIAL_TABLES = ("articles", "chunks", "changes", "turns")


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """WAL for concurrent readers, foreign keys for cascades, a busy timeout for concurrent writers."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str) -> Engine:
    """Create an engine for `url`; SQLite files get their directory created and their pragmas set."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision, one process at a time (processes may start together)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    with _file_lock(Path(f"{database}.migrate.lock")) if database and database != ":memory:" else nullcontext():
        with engine.begin() as connection:
            if engine.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
            config.attributes["connection"] = connection
            command.upgrade(config, "head")


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive advisory lock on `path` (SQLite's stand-in for PostgreSQL's advisory lock)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions whose loaded objects stay readable after commit."""
    return sessionmaker(engine, expire_on_commit=False)


def integrity_ok(engine: Engine) -> bool:
    """True when the database reports no corruption, dangling chunk or id sequence that could hand out a used id."""
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            return (connection.execute(text("PRAGMA integrity_check")).scalar() == "ok"
                    and not connection.execute(text("PRAGMA foreign_key_check")).first())
        if engine.dialect.name == "postgresql":
            return _postgres_ok(connection)
        return connection.execute(text("SELECT 1")).scalar() == 1


def _postgres_ok(connection: Connection) -> bool:
    """PostgreSQL: every index valid, no chunk without its article, every id sequence past its table's ids."""
    broken = connection.execute(text(
        "SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid "
        "WHERE c.relname = ANY(:tables) AND NOT (i.indisvalid AND i.indisready)"
    ), {"tables": [*SERIAL_TABLES, "chat_settings"]}).scalar()
    orphans = connection.execute(text(
        "SELECT count(*) FROM chunks c LEFT JOIN articles a ON a.id = c.article_id WHERE a.id IS NULL")).scalar()
    return broken == 0 and orphans == 0 and all(_sequence_ahead(connection, table) for table in SERIAL_TABLES)


def _sequence_ahead(connection: Connection, table: str) -> bool:
    """Whether the id sequence of `table` will only hand out ids above every stored one."""
    sequence = connection.execute(text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table}).scalar()
    if sequence is None:
        return False
    last, called = connection.execute(text(f"SELECT last_value, is_called FROM {sequence}")).one()
    top = connection.execute(text(f"SELECT coalesce(max(id), 0) FROM {table}")).scalar()
    return (last if called else last - 1) >= top

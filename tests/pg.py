"""PostgreSQL for the tests: when TANYA_TEST_POSTGRES_URL is set, each test gets a fresh database of its own.

Creating a database costs a checkpoint-sized copy of the template; emptying one costs a TRUNCATE. So a migrated
database a test is done with is emptied (every table, its ids restarted) and handed to the next test, as long as
its schema is still the template's and nothing else holds it; anything else is dropped as before.
"""

from __future__ import annotations

import atexit
import os
import time
import uuid

import pytest
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from storage.database import make_engine, migrate

ENV = "TANYA_TEST_POSTGRES_URL"
_template: list[str] = []
_spare: list[str] = []
_schema: list[str] = []
_INSUFFICIENT_PRIVILEGE = "42501"
_OBJECT_IN_USE = "55006"
_DROP_ATTEMPTS = 10
# One line per column, index, constraint and revision: two databases with the same lines have the same schema.
_SCHEMA = """
SELECT md5(string_agg(line, '\n' ORDER BY line)) FROM (
    SELECT concat_ws(':', table_name, column_name, data_type, is_nullable, column_default) AS line
    FROM information_schema.columns WHERE table_schema = 'public'
    UNION ALL SELECT indexdef FROM pg_indexes WHERE schemaname = 'public'
    UNION ALL SELECT conname || ':' || pg_get_constraintdef(oid) FROM pg_constraint
        WHERE connamespace = 'public'::regnamespace
    UNION ALL SELECT 'revision:' || version_num FROM alembic_version
) AS schema"""


def server_url() -> str | None:
    """The URL of the test server's own database (a role allowed to create databases), if configured."""
    return os.environ.get(ENV) or None


def require_server() -> str:
    """The test server's URL, or skip the test when none is configured."""
    url = server_url()
    if url is None:
        pytest.skip(f"no PostgreSQL: set {ENV} (.ci/run does) to run the PostgreSQL tests")
    return url


def database_url(name: str) -> str:
    """The URL of database `name` on the test server."""
    return make_url(require_server()).set(database=name).render_as_string(hide_password=False)


def _admin() -> Engine:
    """An autocommit engine on the server's own database, for CREATE and DROP DATABASE."""
    return create_engine(make_url(require_server()), isolation_level="AUTOCOMMIT", poolclass=NullPool)


def create_database(name: str, template: str | None = None) -> str:
    """Create database `name` (a copy of `template` if given) and return its URL."""
    engine = _admin()
    with engine.connect() as connection:
        clause = f' TEMPLATE "{template}"' if template else ""
        connection.execute(text(f'CREATE DATABASE "{name}"{clause}'))
    engine.dispose()
    return database_url(name)


def drop_database(name: str) -> None:
    """Drop database `name`, closing any connection a test left open.

    FORCE cannot end an autovacuum worker for a non-superuser ("must be a member of the role…"), but a plain
    DROP makes those workers exit; so a refused FORCE falls back to plain DROPs until the database is free.
    """
    engine = _admin()
    with engine.connect() as connection:
        try:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        except DBAPIError as error:
            if _sqlstate(error) != _INSUFFICIENT_PRIVILEGE:
                raise
            _drop_when_free(connection, name)
    engine.dispose()


def _drop_when_free(connection: Connection, name: str) -> None:
    """Plain DROP DATABASE, retried while another session still holds the database."""
    for attempt in range(_DROP_ATTEMPTS):
        try:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            return
        except DBAPIError as error:
            if _sqlstate(error) != _OBJECT_IN_USE or attempt == _DROP_ATTEMPTS - 1:
                raise
            time.sleep(0.5)


def _sqlstate(error: DBAPIError) -> str | None:
    """The SQLSTATE code PostgreSQL gave for `error`."""
    return getattr(error.orig, "sqlstate", None)


def migrated_template() -> str:
    """A database migrated to the newest revision, made once per test session and copied for every test."""
    if not _template:
        name = f"tanya_template_{os.getpid()}"
        drop_database(name)
        engine = make_engine(create_database(name))
        migrate(engine)
        engine.dispose()
        atexit.register(drop_database, name)
        _template.append(name)
    return _template[0]


def fresh_database(request: pytest.FixtureRequest, migrated: bool = True) -> str:
    """An empty database for one test (migrated unless told otherwise), recycled or dropped after it; skips without
    a server."""
    require_server()
    if not migrated:
        name = f"tanya_test_{uuid.uuid4().hex[:12]}"
        url = create_database(name)
        request.addfinalizer(lambda: drop_database(name))
        return url
    name = _spare.pop() if _spare else _new_migrated()
    request.addfinalizer(lambda: _recycle(name))
    return database_url(name)


def _new_migrated() -> str:
    """A new copy of the migrated template, dropped when the session ends."""
    name = f"tanya_test_{uuid.uuid4().hex[:12]}"
    create_database(name, migrated_template())
    atexit.register(drop_database, name)
    if not _schema:
        _schema.append(_fingerprint(name))
    return name


def _recycle(name: str) -> None:
    """Empty a database a test is done with and keep it for the next test, or drop it if it cannot be trusted."""
    engine = create_engine(make_url(database_url(name)), isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
            if connection.execute(text(_SCHEMA)).scalar() != _schema[0]:
                raise ValueError(f"the test changed the schema of {name}")
            tables = [row[0] for row in connection.execute(text(
                "SELECT quote_ident(tablename) FROM pg_tables WHERE schemaname = 'public' "
                "AND tablename <> 'alembic_version'"))]
            connection.execute(text("SET lock_timeout = '10s'"))
            connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    except (DBAPIError, ValueError):
        engine.dispose()
        drop_database(name)
        return
    engine.dispose()
    _spare.append(name)


def _fingerprint(name: str) -> str:
    """The schema fingerprint of database `name`."""
    engine = create_engine(make_url(database_url(name)), poolclass=NullPool)
    with engine.connect() as connection:
        fingerprint = connection.execute(text(_SCHEMA)).scalar()
    engine.dispose()
    return fingerprint

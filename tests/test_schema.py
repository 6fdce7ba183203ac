"""The schema the migrations build is the schema the models describe, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from storage.database import make_engine, migrate
from storage.models import Base


def test_the_migrated_database_has_every_table_column_and_index_of_the_models(settings):
    engine = make_engine(settings.resolved_database_url)
    migrate(engine)
    with engine.connect() as connection:
        drift = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    assert drift == []

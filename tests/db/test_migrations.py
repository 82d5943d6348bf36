"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL: a
model changed without a migration (or a migration chain re-ordered wrongly) fails here."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import ccctl.model  # noqa: F401  (every table registered in the metadata)
from ccctl.db import migrate
from ccctl.db.session import open_engine


def test_models_and_migrations_do_not_drift(db_url):
    engine = open_engine(db_url)
    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == migrate.head_revision()
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), SQLModel.metadata)
    engine.dispose()
    assert diff == [], "\n".join(map(str, diff))

"""Alembic migrations shipped in the package, run from code (`ccctl db upgrade` and first use).

Every command opens the database and must know whether it is up to date; alembic itself takes
longer to import than most commands take to run, so that question is answered from the
migration files and the alembic_version table, and alembic is loaded only to migrate.
"""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

HERE = Path(__file__).parent
VERSIONS = HERE / "migrations" / "versions"


def _config(engine: Engine | None = None):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(HERE / "migrations"))
    if engine is not None:
        cfg.attributes["engine"] = engine
    return cfg


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_config()).get_current_head()


def scripted_head() -> str | None:
    """The one head of the shipped migrations, read from their `revision` and `down_revision`
    lines; None when that is not plain enough to tell (then alembic decides)."""
    revisions, parents = set(), set()
    for f in VERSIONS.glob("*.py"):
        source = f.read_text(encoding="utf-8")
        rev = re.search(r"^revision\s*(?::[^=]+)?=\s*['\"]([^'\"]+)['\"]", source, re.M)
        down = re.search(r"^down_revision\s*(?::[^=]+)?=\s*(.+)$", source, re.M)
        if not rev or not down:
            return None
        revisions.add(rev.group(1))
        parents.update(re.findall(r"['\"]([^'\"]+)['\"]", down.group(1)))
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def _stored_revision(engine: Engine) -> str | None:
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except SQLAlchemyError:
        return None  # a new database: no table yet


def upgrade(engine: Engine, revision: str = "head") -> None:
    if revision == "head":
        head = scripted_head()
        if head is not None and _stored_revision(engine) == head:
            return
        if current_revision(engine) == head_revision():
            return
    from alembic import command

    command.upgrade(_config(engine), revision)

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


def test_same_names_migration_keeps_rows_and_their_children(db_url):
    """0008 renames columns in place: the values stay, and the seats' skills and the menus'
    options (foreign keys with ON DELETE CASCADE) are not lost to a table rebuild."""
    import sqlalchemy as sa

    from ccctl.config import store
    from ccctl.db.session import session_scope

    engine = open_engine(db_url, migrate=False)
    migrate.upgrade(engine, "0007_survey")
    with engine.begin() as c:
        c.execute(
            sa.text(
                "INSERT INTO tenant (id, name, plan, seat_limit, call_limit, timezone, language, webhooks) "
                "VALUES (1, 'acme', 'hosted', 5, 5, 'UTC', 'en', '[]')"
            )
        )
        c.execute(
            sa.text(
                "INSERT INTO seat (id, tenant_id, extension, display_name, password, remote, supervisor) "
                "VALUES (1, 1, '1001', 'Ann', 'pw-pw-pw-pw-pw', false, false)"
            )
        )
        c.execute(sa.text("INSERT INTO seat_skill (seat_id, skill, level) VALUES (1, 'sales', 5)"))
        c.execute(
            sa.text(
                "INSERT INTO queue (tenant_id, name, strategy, moh, announce_every, max_wait, overflow_target, "
                "no_agent_timeout, no_agent_target, service_level, wrapup) "
                "VALUES (1, 'sales', 'top-down', 'default', 0, 60, 'ivr:main', 30, 'hangup', 20, 10)"
            )
        )
        c.execute(
            sa.text(
                "INSERT INTO ivr_menu (id, tenant_id, name, greeting_text, timeout, max_failures, "
                "failure_target, holidays, closed_target) "
                "VALUES (1, 1, 'main', 'Hello', 5, 3, 'queue:sales', '[]', 'hangup')"
            )
        )
        c.execute(sa.text("INSERT INTO ivr_option (menu_id, digit, target) VALUES (1, '1', 'queue:sales')"))
        c.execute(
            sa.text(
                "INSERT INTO trunk (tenant_id, name, type, host, port, transport, username, password, register_gw) "
                "VALUES (1, 'carrier', 'sip', 'sip.example.net', 5060, 'udp', 'u', 'p', true)"
            )
        )
    migrate.upgrade(engine)
    with session_scope(engine) as session:
        [t] = store.load_tenants(session)
    engine.dispose()
    assert (t.seats[0].name, t.seats[0].skills) == ("Ann", {"sales": 5})
    assert t.queues[0].overflow == "ivr:main"
    assert (t.ivrs[0].on_failure, t.ivrs[0].closed, t.ivrs[0].options) == (
        "queue:sales",
        "hangup",
        {"1": "queue:sales"},
    )
    assert t.trunks[0].register_ is True

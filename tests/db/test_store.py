"""The same store behaviour on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from ccctl import app
from ccctl.config import entities
from ccctl.config.export import export_yaml
from ccctl.config.load import load_site
from ccctl.config.write import apply_tenants
from ccctl.db import open_engine
from ccctl.db.migrate import current_revision, head_revision
from ccctl.errors import Conflict, LimitReached
from ccctl.settings import Settings


@pytest.fixture
def ctx(db_url):
    return app.open(Settings(db=db_url), deploy=False)


def test_migrations_run_on_first_use(ctx):
    assert current_revision(ctx.engine) == head_revision()
    tables = set(sa.inspect(ctx.engine).get_table_names())
    assert {
        "tenant",
        "seat",
        "seat_skill",
        "queue",
        "ivr_menu",
        "ivr_option",
        "number",
        "trunk",
        "customer",
        "recording_policy",
        "setting",
        "alembic_version",
    } <= tables


def test_round_trip_and_idempotence(ctx, example):
    apply_tenants(ctx, load_site(str(example)).tenants)
    one = export_yaml(entities.list_tenants(ctx, with_secrets=True))
    assert "华夏客服中心" in one and "王芳" in one and "Bob <Bobby> O'Brien" in one
    assert apply_tenants(ctx, load_site(str(example)).tenants).changes == []
    # a second engine (another process, in effect) sees the same state
    other = app.open(Settings(db=str(ctx.engine.url.render_as_string(hide_password=False))), deploy=False)
    assert export_yaml(entities.list_tenants(other, with_secrets=True)) == one


def test_cascade_delete(ctx, example):
    apply_tenants(ctx, load_site(str(example)).tenants)
    entities.remove_tenant(ctx, "acme")
    with ctx.engine.connect() as c:
        orphans = c.execute(
            sa.text("SELECT count(*) FROM seat_skill WHERE seat_id NOT IN (SELECT id FROM seat)")
        ).scalar()
        seats = c.execute(sa.text("SELECT count(*) FROM seat")).scalar()
    assert orphans == 0 and seats == 2


def test_unique_constraints_are_in_the_database(ctx, example):
    apply_tenants(ctx, load_site(str(example)).tenants)
    with pytest.raises(sa.exc.IntegrityError):
        with ctx.engine.begin() as c:
            tid = c.execute(sa.text("SELECT id FROM tenant WHERE name='acme'")).scalar()
            c.execute(
                sa.text(
                    "INSERT INTO seat (tenant_id, extension, name, password, remote) "
                    "VALUES (:t, '1001', 'dup', 'x', false)"
                ),
                {"t": tid},
            )


def test_limit_leaves_nothing_written(ctx):
    entities.add_tenant(ctx, "t", {"seat_limit": 1})
    entities.add_item(ctx, "seat", "t", "1001", {"name": "a"})
    with pytest.raises(LimitReached):
        entities.add_item(ctx, "seat", "t", "1002", {"name": "b"})
    assert [x.extension for x in entities.get_tenant(ctx, "t").seats] == ["1001"]


def test_box_secret_is_generated_once(ctx):
    from ccctl.config.gather import esl_password

    first = esl_password(ctx)
    assert len(first) >= 20 and first == esl_password(ctx)


def test_sqlite_pragmas(tmp_path):
    engine = open_engine(f"sqlite:///{tmp_path}/p.db")
    with engine.connect() as c:
        assert c.execute(sa.text("PRAGMA foreign_keys")).scalar() == 1
        assert c.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
        assert c.execute(sa.text("PRAGMA busy_timeout")).scalar() == 5000


def test_unique_values_move_between_tenants_in_one_apply(ctx, example):
    """Two tenants swap domains, a DID moves to a tenant written earlier, and a pruned tenant
    gives its domain to a kept one: each unique constraint holds at every statement, on both
    databases, and a dry run predicts each apply."""
    acme, huaxia = load_site(str(example)).tenants
    apply_tenants(ctx, [acme, huaxia])
    did = huaxia.numbers[-1]
    swapped = [
        acme.model_copy(update={"domain": "huaxia.cc.local", "numbers": [*acme.numbers, did]}),
        huaxia.model_copy(update={"domain": "acme.cc.local", "numbers": huaxia.numbers[:-1]}),
    ]
    assert apply_tenants(ctx, swapped, dry_run=True).changes
    apply_tenants(ctx, swapped)
    now = {t.name: t for t in entities.list_tenants(ctx)}
    assert now["acme"].sip_domain == "huaxia.cc.local" and did.number in {n.number for n in now["acme"].numbers}
    kept = [acme.model_copy(update={"domain": "acme.cc.local", "numbers": [*acme.numbers, did]})]
    # huaxia is under legal hold: its removal is refused unless its data is purged
    with pytest.raises(Conflict, match="legal hold"):
        apply_tenants(ctx, kept, prune=True, dry_run=True)
    assert apply_tenants(ctx, kept, prune=True, dry_run=True, purge=True).changes
    apply_tenants(ctx, kept, prune=True, purge=True)
    assert [t.sip_domain for t in entities.list_tenants(ctx)] == ["acme.cc.local"]

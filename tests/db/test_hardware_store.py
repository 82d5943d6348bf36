"""Voice cards in the database, on SQLite and PostgreSQL: the migration, a full round trip,
order kept (it numbers DAHDI's spans), and a refused write that leaves the rows unchanged."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from ccctl import app
from ccctl.config.load import load_site, site_from_data
from ccctl.config.write import apply_tenants
from ccctl.errors import InvalidInput
from ccctl.hardware.api import apply_hardware, get_hardware
from ccctl.settings import Settings
from tests.conftest import ROOT


@pytest.fixture
def ctx(db_url):
    return app.open(Settings(db=db_url), deploy=False)


def test_voice_card_table_migrated(ctx):
    assert "voice_card" in set(sa.inspect(ctx.engine).get_table_names())


def test_round_trip_and_order(ctx):
    site = load_site(str(ROOT / "examples"))
    apply_tenants(ctx, site.tenants, hardware=site.hardware)
    assert get_hardware(ctx) == site.hardware.sorted()
    assert apply_tenants(ctx, site.tenants, hardware=site.hardware).changes == []
    two = site_from_data(
        {
            "hardware": {
                "tone_zone": "cn",
                "cards": [
                    {
                        "name": "an",
                        "profile": "a8b",
                        "location": "0000:07:00.0",
                        "ports": [{"port": 1, "type": "fxo", "group": 2}],
                    },
                    *site.hardware.model_dump(mode="json")["cards"],
                ],
            }
        },
        "t",
    ).hardware
    changes = apply_hardware(ctx, two).changes
    assert sorted(str(c) for c in changes) == ["+ card hardware/an", "~ card hardware/e1 (position)"]
    assert [c.name for c in get_hardware(ctx).cards] == ["an", "e1"]


def test_refused_write_changes_nothing(ctx):
    site = load_site(str(ROOT / "examples"))
    apply_tenants(ctx, site.tenants, hardware=site.hardware)
    before = get_hardware(ctx)
    bad = site.hardware.model_dump(mode="json")
    bad["cards"][0]["spans"][0]["type"] = "t1"
    with pytest.raises(InvalidInput, match="^hardware: card e1 span 1: .* T1"):
        apply_hardware(ctx, site_from_data({"hardware": bad}, "t").hardware)
    assert get_hardware(ctx) == before

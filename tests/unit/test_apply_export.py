"""The write path: apply is idempotent, export is its inverse, limits hold, failures write nothing."""

from __future__ import annotations

import pytest

from ccctl.config import entities
from ccctl.config.export import export_yaml
from ccctl.config.load import load_site
from ccctl.config.write import apply_tenants
from ccctl.errors import Conflict, InvalidInput, LimitReached, NotFound

from .helpers import example_data, tenant, write_site


def _export(ctx) -> str:
    return export_yaml(entities.list_tenants(ctx, with_secrets=True))


def test_apply_then_second_apply_changes_nothing(ctx, example):
    first = apply_tenants(ctx, load_site(str(example)).tenants)
    assert len(first.changes) > 10
    assert apply_tenants(ctx, load_site(str(example)).tenants).changes == []


def test_export_apply_export_is_byte_identical(ctx, example, tmp_path):
    apply_tenants(ctx, load_site(str(example)).tenants)
    one = _export(ctx)
    p = tmp_path / "exported.yaml"
    p.write_text(one, encoding="utf-8")
    assert apply_tenants(ctx, load_site(str(p)).tenants).changes == []
    assert _export(ctx) == one
    assert "华夏客服中心" in one  # written as text, not escaped


def test_export_never_contains_seat_passwords(ctx, example):
    apply_tenants(ctx, load_site(str(example)).tenants)
    password = entities.seat_password(ctx, "acme", "1001")
    assert len(password) >= 16
    assert password not in _export(ctx)


def test_passwords_survive_later_applies(ctx, example, tmp_path):
    apply_tenants(ctx, load_site(str(example)).tenants)
    before = entities.seat_password(ctx, "acme", "1001")
    data = example_data()
    tenant(data, "acme")["seats"][0]["name"] = "Alice Renamed"
    result = apply_tenants(ctx, load_site(str(write_site(tmp_path, data))).tenants)
    assert [str(c) for c in result.changes] == ["~ seat acme/1001 (name)"]
    assert entities.seat_password(ctx, "acme", "1001") == before
    assert entities.seat_password(ctx, "acme", "1002") != before


def test_dry_run_changes_nothing(ctx, example):
    result = apply_tenants(ctx, load_site(str(example)).tenants, dry_run=True)
    assert result.dry_run and result.changes
    assert entities.list_tenants(ctx) == []


def test_removed_items_and_prune(ctx, example, tmp_path):
    apply_tenants(ctx, load_site(str(example)).tenants)
    data = example_data()
    acme = tenant(data, "acme")
    acme["seats"] = acme["seats"][:2]
    acme["queues"][0]["overflow"] = "hangup"
    acme["queues"][0]["no_agent"]["target"] = "hangup"
    acme["ivrs"][1]["options"] = {"1": "voicemail:1002"}
    data["tenants"] = [acme]
    site = load_site(str(write_site(tmp_path, data)))
    changes = [str(c) for c in apply_tenants(ctx, site.tenants).changes]
    assert "- seat acme/1003" in changes
    assert {t.name for t in entities.list_tenants(ctx)} == {"acme", "huaxia"}
    with pytest.raises(Conflict, match="legal hold"):  # huaxia's data is kept: removal says what happens to it
        apply_tenants(ctx, site.tenants, prune=True)
    changes = [str(c) for c in apply_tenants(ctx, site.tenants, prune=True, purge=True).changes]
    assert changes == ["- tenant huaxia"]
    assert [t.name for t in entities.list_tenants(ctx)] == ["acme"]


def test_seat_limit_refuses_the_21st_seat_and_writes_nothing(ctx):
    entities.add_tenant(ctx, "small", {"seat_limit": 20})
    for i in range(20):
        entities.add_item(ctx, "seat", "small", str(1000 + i), {"name": f"Agent {i}"})
    with pytest.raises(LimitReached) as exc:
        entities.add_item(ctx, "seat", "small", "1020", {"name": "One too many"})
    assert exc.value.exit_code == 4
    assert len(entities.get_tenant(ctx, "small").seats) == 20


def test_limit_in_a_site_file(ctx, tmp_path):
    data = {
        "tenants": [
            {
                "name": "t",
                "seat_limit": 1,
                "seats": [{"extension": "1001", "name": "a"}, {"extension": "1002", "name": "b"}],
            }
        ]
    }
    with pytest.raises(LimitReached, match="2 seats exceed its seat limit of 1"):
        apply_tenants(ctx, load_site(str(write_site(tmp_path, data))).tenants)
    assert entities.list_tenants(ctx) == []


def test_one_bad_tenant_leaves_the_database_unchanged(ctx, example, tmp_path):
    apply_tenants(ctx, load_site(str(example)).tenants)
    before = _export(ctx)
    data = example_data()
    tenant(data, "acme")["seats"][0]["name"] = "Changed"
    tenant(data, "huaxia")["numbers"][0]["target"] = "queue:nonexistent"
    with pytest.raises(InvalidInput, match="queue:nonexistent does not exist"):
        apply_tenants(ctx, load_site(str(write_site(tmp_path, data))).tenants)
    assert _export(ctx) == before


def test_number_owned_by_another_tenant_is_refused(ctx, example):
    apply_tenants(ctx, load_site(str(example)).tenants)
    with pytest.raises(Conflict, match="already routed to tenant acme"):
        entities.add_item(ctx, "number", "huaxia", "4008001001", {"target": "queue:billing"})


def test_single_entity_commands(ctx, example):
    apply_tenants(ctx, load_site(str(example)).tenants)
    entities.set_item(ctx, "queue", "acme", "sales", {"no_agent.timeout": 45, "strategy": "round-robin"})
    q = entities.get_item(ctx, "queue", "acme", "sales")
    assert (q.no_agent.timeout, q.strategy, q.no_agent.target) == (45, "round-robin", "voicemail:1001")
    with pytest.raises(Conflict):
        entities.add_item(ctx, "queue", "acme", "sales", {})
    with pytest.raises(NotFound):
        entities.get_item(ctx, "queue", "acme", "nope")
    with pytest.raises(InvalidInput, match="strategy"):
        entities.set_item(ctx, "queue", "acme", "sales", {"strategy": "fastest"})
    with pytest.raises(Conflict, match=r"acme: seat 1001 is still used by queue sales \(overflow\)"):
        entities.remove_item(ctx, "seat", "acme", "1001")
    assert entities.get_item(ctx, "seat", "acme", "1001")
    entities.set_tenant(ctx, "acme", {"recording.mode": "none"})
    assert entities.get_tenant(ctx, "acme").recording.mode == "none"
    entities.remove_tenant(ctx, "huaxia", purge=True)  # under legal hold
    with pytest.raises(NotFound):
        entities.get_tenant(ctx, "huaxia")

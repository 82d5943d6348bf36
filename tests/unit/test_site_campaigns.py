"""Campaigns in the site file: apply adds or updates them, and never deletes one, changes its
state or deletes its contacts; a refused campaign refuses the whole apply."""

from __future__ import annotations

import json

import pytest
import yaml
from typer.testing import CliRunner

from ccctl.cli.main import app as cli
from ccctl.config.load import load_site
from ccctl.config.write import apply_tenants
from ccctl.errors import InvalidInput
from ccctl.outbound import campaigns
from tests.conftest import EXAMPLE


def _site(tmp_path, campaign: dict | None, name: str = "site.yaml"):
    """The example site with CAMPAIGN (if any) in tenant acme, written into TMP_PATH."""
    data = yaml.safe_load(EXAMPLE.read_text())
    acme = next(t for t in data["tenants"] if t["name"] == "acme")
    if campaign is not None:
        acme["campaigns"] = [campaign]
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    return path


def _apply(ctx, path):
    return apply_tenants(ctx, load_site(str(path)).tenants)


SPRING = {
    "name": "spring",
    "queue": "sales",
    "mode": "preview",
    "window_start": "10:00",
    "window_end": "18:00",
    "retries": {"busy": [2, 120]},
    "contacts": "spring.csv",
}


@pytest.fixture
def applied(ctx, tmp_path):
    (tmp_path / "spring.csv").write_text("phone,name\n030 1234567,Anna\n040 1234567,Hans\n")
    result = _apply(ctx, _site(tmp_path, SPRING))
    return result


def _numbers(ctx):
    return [c["number"] for c in campaigns.contacts(ctx, "acme", "spring")]


def test_apply_creates_a_campaign_with_its_contacts(ctx, applied):
    assert "+ campaign acme/spring" in [str(c) for c in applied.changes]
    c = campaigns.show(ctx, "acme", "spring")
    assert (c["state"], c["mode"], c["queue"], c["window_start"]) == ("draft", "preview", "sales", "10:00")
    assert c["retries"] == {"busy": [2, 120]} and c["country"] == "DE" and c["trunk"]
    assert _numbers(ctx) == ["+49301234567", "+49401234567"]


def test_second_apply_updates_and_keeps_state_and_contacts(ctx, applied, tmp_path):
    campaigns.set_state(ctx, "acme", "spring", "running")
    campaigns.set_state(ctx, "acme", "spring", "paused")
    (tmp_path / "spring.csv").write_text("phone,name\n030 1234567,Anna Renamed\n040 7654321,Neu\n")
    result = _apply(ctx, _site(tmp_path, {**SPRING, "mode": "progressive", "max_concurrent": 4}))
    assert [str(c) for c in result.changes] == ["~ campaign acme/spring (mode, max_concurrent, contacts)"]
    c = campaigns.show(ctx, "acme", "spring")
    assert (c["state"], c["mode"], c["max_concurrent"], c["window_start"]) == ("paused", "progressive", 4, "10:00")
    assert _numbers(ctx) == ["+49301234567", "+49401234567", "+49407654321"]
    contacts = campaigns.contacts(ctx, "acme", "spring")
    assert contacts[0]["name"] == "Anna"  # a number already there is left alone
    # the same file again changes nothing
    assert _apply(ctx, _site(tmp_path, {**SPRING, "mode": "progressive", "max_concurrent": 4})).changes == []


def test_apply_without_campaigns_deletes_nothing(ctx, applied, tmp_path):
    result = _apply(ctx, _site(tmp_path, None))
    assert not [c for c in result.changes if c.kind == "campaign"]
    assert campaigns.show(ctx, "acme", "spring")["state"] == "draft"
    assert len(_numbers(ctx)) == 2


def test_dry_run_shows_the_campaign(tmp_path):
    (tmp_path / "spring.csv").write_text("phone,name\n030 1234567,Anna\n")
    env = {"CCCTL_DB": str(tmp_path / "c.db"), "CCCTL_FS_DEPLOY": "off"}
    r = CliRunner().invoke(cli, ["apply", "-f", str(_site(tmp_path, SPRING)), "--dry-run"], env=env)
    assert r.exit_code == 0, r.output
    assert "+ campaign acme/spring" in r.output


def _state(db) -> tuple:
    r = CliRunner().invoke(cli, ["campaign", "list", "--json"], env={"CCCTL_DB": str(db), "CCCTL_FS_DEPLOY": "off"})
    return r.exit_code, r.stdout


def test_missing_queue_refuses_the_whole_apply(tmp_path):
    db = tmp_path / "c.db"
    env = {"CCCTL_DB": str(db), "CCCTL_FS_DEPLOY": "off"}
    run = CliRunner().invoke
    (tmp_path / "spring.csv").write_text("phone,name\n030 1234567,Anna\n")
    assert run(cli, ["apply", "-f", str(_site(tmp_path, SPRING))], env=env).exit_code == 0
    before = _state(db)
    data = yaml.safe_load((tmp_path / "site.yaml").read_text())
    acme = next(t for t in data["tenants"] if t["name"] == "acme")
    acme["display_name"] = "Changed"
    acme["campaigns"].append({"name": "autumn", "queue": "nosuch"})
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump(data, allow_unicode=True))
    r = run(cli, ["apply", "-f", str(tmp_path / "bad.yaml")], env=env)
    assert r.exit_code == 1
    assert "campaign autumn" in r.output and "no queue 'nosuch'" in r.output
    # validate -f says the same of the file before anything is written (one rule set)
    checked = run(cli, ["validate", "-f", str(tmp_path / "bad.yaml")], env=env)
    assert checked.exit_code == 1 and "campaign autumn: queue: no queue 'nosuch'" in checked.output
    assert _state(db) == before
    shown = run(cli, ["tenant", "show", "acme", "--json"], env=env)
    assert "Changed" not in shown.stdout


def test_unknown_field_is_a_one_line_error(tmp_path):
    path = _site(tmp_path, {"name": "spring", "queue": "sales", "speed": 3})
    with pytest.raises(InvalidInput) as exc:
        load_site(str(path))
    msg = exc.value.message
    assert "\n" not in msg and "campaigns[0].speed: unknown key" in msg


def test_bad_value_names_the_field(tmp_path):
    with pytest.raises(InvalidInput) as exc:
        load_site(str(_site(tmp_path, {"name": "spring", "queue": "sales", "mode": "fast"})))
    assert "campaigns[0].mode" in exc.value.message and "\n" not in exc.value.message


def test_export_does_not_write_campaigns(ctx, applied):
    from ccctl.config import entities

    assert entities.get_tenant(ctx, "acme").campaigns == []
    assert json.dumps(campaigns.list_(ctx, "acme"))  # still there

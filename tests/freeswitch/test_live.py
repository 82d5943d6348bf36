"""Live apply, agent control and status against a running FreeSWITCH (no SIP peers needed)."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from ccctl import app as library
from ccctl.cli.main import app
from ccctl.config import entities
from ccctl.config.load import load_site
from ccctl.config.write import apply_tenants
from ccctl.deploy.tree_store import TreeStore
from ccctl.errors import InvalidInput
from ccctl.freeswitch.status import box_status
from ccctl.supervision import agents
from ccctl.testing.box import fs_settings, start_box
from tests.conftest import EXAMPLE


@pytest.fixture(scope="module")
def box(fs_install, tmp_path_factory):
    root = tmp_path_factory.mktemp("live")

    apply_tenants(library.open(fs_settings(root), deploy=False), load_site(str(EXAMPLE)).tenants)
    b = start_box(fs_install, root)
    yield b
    b.fs.stop()


def cli(box, *args):
    st = box.services.settings
    env = {
        "CCCTL_DB": st.db,
        "CCCTL_FS_CONF_DIR": str(st.fs_conf_dir),
        "CCCTL_FS_SOUNDS_DIR": str(st.fs_sounds_dir),
        "CCCTL_FS_RECORDINGS_DIR": str(st.fs_recordings_dir),
        "CCCTL_ESL_PORT": str(st.esl_port),
        "CCCTL_SIP_INTERNAL_PORT": str(st.sip_internal_port),
        "CCCTL_SIP_EXTERNAL_PORT": str(st.sip_external_port),
        "CCCTL_RTP_START": str(st.rtp_start),
        "CCCTL_RTP_END": str(st.rtp_end),
    }
    return CliRunner().invoke(app, list(args), env=env)


def test_status_reports_a_running_switch(box):
    data = box_status(box.services)
    assert data["freeswitch"] == "up" and re.fullmatch(r"1\.10\.\d+", data["version"]), data["version"]
    assert data["uptime_seconds"] >= 0
    acme = next(t for t in data["tenants"] if t["tenant"] == "acme")
    assert {q["queue"] for q in acme["queues"]} == {"sales", "support"}
    r = cli(box, "status", "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["freeswitch"] == "up"


def test_new_queue_is_live_without_restart(box):
    entities.add_item(box.services, "queue", "acme", "billing", {"skill": "sales", "strategy": "top-down"})
    listed = box.api("callcenter_config queue list")
    assert "billing@acme.cc.local" in listed
    tiers = box.api("callcenter_config tier list")
    assert "billing@acme.cc.local|1001@acme.cc.local|Ready|3|" in tiers
    entities.remove_item(box.services, "queue", "acme", "billing")
    assert "billing@acme.cc.local" not in box.api("callcenter_config queue list")


def test_new_seat_is_a_user_and_an_agent(box):
    r = cli(box, "seat", "add", "acme", "1010", "name=New Hire", "skills={support: 4}")
    assert r.exit_code == 0, r.output
    assert "FreeSWITCH reloaded" in r.stderr
    assert box.api("user_exists id 1010 acme.cc.local") == "true"
    assert "1010@acme.cc.local" in box.api("callcenter_config agent list")
    assert "support@acme.cc.local|1010@acme.cc.local|Ready|7|" in box.api("callcenter_config tier list")
    assert cli(box, "seat", "remove", "acme", "1010").exit_code == 0
    assert box.api("user_exists id 1010 acme.cc.local") == "false"
    assert "1010@acme.cc.local" not in box.api("callcenter_config agent list")


def test_agent_states(box):
    for action, status in (
        ("login", "Available"),
        ("break", "On Break"),
        ("ready", "Available"),
        ("logout", "Logged Out"),
    ):
        r = cli(box, "agent", action, "huaxia", "2001")
        assert r.exit_code == 0, r.output
        states = {(a.tenant, a.extension): a for a in agents.live_states(box.services)}
        assert states[("huaxia", "2001")].status == status
    r = cli(box, "agent", "list", "huaxia", "--json")
    assert {a["extension"]: a["status"] for a in json.loads(r.stdout)}["2001"] == "Logged Out"
    assert cli(box, "agent", "login", "huaxia", "9999").exit_code == 3


def test_wrap_up_time_follows_the_queue(box):
    entities.set_item(box.services, "queue", "acme", "support", {"wrapup": 25})
    states = {(a.tenant, a.extension): a for a in agents.live_states(box.services)}
    assert states[("acme", "1002")].wrap_up_time == 25


def test_changed_greeting_is_synthesized_and_used(box):
    entities.set_item(box.services, "ivr", "huaxia", "main", {"greeting": {"text": "新的欢迎词。", "language": "zh"}})
    tree = TreeStore(box.services.settings.fs_conf_dir).read()["autoload_configs/ivr.conf.xml"].decode()
    ref = [part for part in tree.split('"') if "ccctl/prompts/zh-" in part and "greet" not in part]
    files = [r.replace("$${sounds_dir}", str(box.fs.dirs["sounds"])) for r in ref]
    from pathlib import Path

    assert files and all(Path(f).is_file() for f in files)
    assert "新的欢迎词" not in tree  # the text became a file, not a TTS call at run time


def test_broken_change_is_refused_and_switch_keeps_old_config(box):
    before = box.api("callcenter_config queue list")
    tree_before = TreeStore(box.services.settings.fs_conf_dir).read()
    with pytest.raises(InvalidInput, match="does not exist"):
        entities.set_item(box.services, "ivr", "acme", "main", {"greeting": {"file": "no-such-greeting.wav"}})
    assert TreeStore(box.services.settings.fs_conf_dir).read() == tree_before
    assert box.api("callcenter_config queue list") == before
    assert entities.get_item(box.services, "ivr", "acme", "main").greeting.file is None
    assert "is ready" in box.api("status")

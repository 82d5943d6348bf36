"""FreeSWITCH starts from ccctl's tree alone and loads every tenant, queue and seat."""

from __future__ import annotations

import pytest

from ccctl import configuration, media, prompts
from ccctl.context import Context
from ccctl.resources import list_tenants
from ccctl.service import apply_tenants
from ccctl.settings import Settings
from ccctl.site.load import load_site

from .fsproc import FreeSwitch, copy_tree


@pytest.fixture(scope="module")
def booted(fs_install, tmp_path_factory, request):
    root = tmp_path_factory.mktemp("fsboot")
    settings = Settings(db=str(root / "ccctl.db"), esl_port=18021, sip_internal_port=15060,
                        sip_external_port=15080, rtp_start=20000, rtp_end=20999,
                        fs_conf_dir=root / "conf", fs_sounds_dir=root / "sounds",
                        fs_recordings_dir=root / "recordings")
    ctx = Context.open(settings)
    from tests.conftest import EXAMPLE

    apply_tenants(ctx, load_site(str(EXAMPLE)).tenants)
    inp = configuration.render_input(ctx)
    fs = FreeSwitch(*fs_install, root, settings, inp.esl_password)
    media.ensure_media(fs.dirs["sounds"], prompts.required(inp.tenants), prompts.moh_names(inp.tenants))
    copy_tree(configuration.render_files(ctx), fs.dirs["conf"])
    fs.start()
    yield fs, ctx
    fs.stop()


def test_status_ready(booted):
    fs, _ = booted
    assert "is ready" in fs.api("status")


@pytest.mark.parametrize("module", ["mod_callcenter", "mod_sofia", "mod_event_socket", "mod_dialplan_xml",
                                    "mod_local_stream", "mod_hash"])
def test_modules_loaded(booted, module):
    fs, _ = booted
    assert fs.api(f"module_exists {module}") == "true"


def test_every_queue_listed(booted):
    fs, ctx = booted
    listed = fs.api("callcenter_config queue list")
    for t in list_tenants(ctx):
        for q in t.queues:
            assert f"{q.name}@{t.sip_domain}" in listed


def test_every_user_found(booted):
    fs, ctx = booted
    for t in list_tenants(ctx):
        for seat in t.seats:
            assert fs.api(f"user_exists id {seat.extension} {t.sip_domain}") == "true", seat.extension
    # a seat of one tenant does not exist in the other's domain
    assert fs.api("user_exists id 2001 acme.cc.local") == "false"


def test_sip_profiles_running(booted):
    fs, _ = booted
    status = fs.api("sofia status")
    assert "internal" in status and "external" in status
    assert status.count("RUNNING") >= 2


def test_event_socket_only_on_loopback(booted):
    fs, _ = booted
    conf = (fs.dirs["conf"] / "autoload_configs" / "event_socket.conf.xml").read_text()
    assert 'name="listen-ip" value="127.0.0.1"' in conf


def test_loaded_without_errors(booted):
    fs, _ = booted
    # The example's carrier trunk points at a host that cannot resolve inside the test's
    # private namespace; that gateway's complaints are expected, nothing else is.
    errors = [e for e in fs.errors() if "acme-carrier" not in e and "sip.carrier.example" not in e]
    assert errors == [], "\n".join(errors[:20])

"""FreeSWITCH starts from ccctl's tree alone and loads every tenant, queue and seat."""

from __future__ import annotations

from pathlib import Path

import pytest

from ccctl import app
from ccctl.config import gather
from ccctl.config.entities import list_tenants
from ccctl.config.load import load_site
from ccctl.config.write import apply_tenants
from ccctl.media import prompts, synth
from ccctl.settings import Settings
from ccctl.testing.fsproc import FreeSwitch, copy_tree


@pytest.fixture(scope="module")
def booted(fs_install, tmp_path_factory, request):
    root = tmp_path_factory.mktemp("fsboot")
    settings = Settings(
        db=str(root / "ccctl.db"),
        esl_port=18021,
        sip_internal_port=15060,
        sip_external_port=15080,
        rtp_start=20000,
        rtp_end=20999,
        fs_conf_dir=root / "conf",
        fs_sounds_dir=root / "sounds",
        fs_recordings_dir=root / "recordings",
    )
    ctx = app.open(settings, deploy=False)
    from tests.conftest import EXAMPLE

    apply_tenants(ctx, load_site(str(EXAMPLE)).tenants)
    inp = gather.render_input(ctx)
    fs = FreeSwitch(*fs_install, root, settings, inp.esl_password)
    synth.ensure_media(fs.dirs["sounds"], prompts.required(inp.tenants), prompts.moh_names(inp.tenants))
    copy_tree(gather.render_files(ctx), fs.dirs["conf"])
    fs.start()
    yield fs, ctx
    fs.stop()


def test_status_ready(booted):
    fs, _ = booted
    assert "is ready" in fs.api("status")


@pytest.mark.parametrize(
    "module", ["mod_callcenter", "mod_sofia", "mod_event_socket", "mod_dialplan_xml", "mod_local_stream", "mod_hash"]
)
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


def _listening(pid: int) -> list[tuple[str, int]]:
    """(address, port) of every TCP socket process PID listens on, from the kernel's own
    tables (/proc/net/tcp{,6}) matched to the process's file descriptors by inode."""
    import ipaddress
    import os
    from pathlib import Path

    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    out = []
    for table, size in (("tcp", 4), ("tcp6", 16)):
        for line in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state != "0A" or inode not in inodes:  # 0A: LISTEN
                continue
            hex_addr, hex_port = local.split(":")
            raw = bytes.fromhex(hex_addr)
            # the kernel prints each 32-bit word in host (little-endian) order
            raw = b"".join(raw[i : i + 4][::-1] for i in range(0, size, 4))
            out.append((str(ipaddress.ip_address(raw)), int(hex_port, 16)))
    return out


def test_event_socket_only_on_loopback(booted):
    """The socket FreeSWITCH actually listens on for the Event Socket, not what the XML says."""
    import ipaddress

    fs, _ = booted
    sockets = _listening(fs.proc.pid)
    esl = [addr for addr, port in sockets if port == fs.settings.esl_port]
    assert esl, f"FreeSWITCH does not listen on the Event Socket port {fs.settings.esl_port}: {sockets}"
    assert all(ipaddress.ip_address(a).is_loopback for a in esl), esl


def test_loaded_without_errors(booted):
    fs, _ = booted
    # The example's carrier trunk points at a host that cannot resolve inside the test's
    # private namespace; that gateway's complaints are expected, nothing else is.
    errors = [e for e in fs.errors() if "acme-carrier" not in e and "sip.carrier.example" not in e]
    assert errors == [], "\n".join(errors[:20])


def test_runs_on_the_allocator_of_a_box(booted):
    """The tests' engine runs on the malloc a box's runs on (ccctl/freeswitch/runtime.py), so the
    benchmarks' memory and CPU figures are the box's."""
    from ccctl.freeswitch.runtime import ALLOCATOR

    fs, _ = booted
    maps = Path(f"/proc/{fs.proc.pid}/maps").read_text()
    assert f"/{ALLOCATOR}" in maps, f"FreeSWITCH runs without {ALLOCATOR} (scripts/system-deps test installs it)"

"""kamailio.cfg as ccctl renders it: Kamailio itself accepts it (kamailio -c), the database
URL is the fleet's, and values that could break out of the file are refused."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from ccctl.errors import CcError, InvalidInput
from ccctl.fleet import edge
from ccctl.fleet.edge import EdgeConfig, kamailio_db_url, render_cfg

URL = "postgresql+psycopg://ccctl:s3cret@10.0.0.5:5433/fleet"


def test_kamailio_accepts_the_rendered_configuration(tmp_path):
    text = render_cfg(EdgeConfig(listen="127.0.0.1:15099", db_url=URL, ctl_socket=tmp_path / "ctl"))
    assert '#!define DBURL "postgres://ccctl:s3cret@10.0.0.5:5433/fleet"' in text
    assert "listen=udp:127.0.0.1:15099" in text
    # the fleet-wide tenant caps: a dialog profile per tenant, busy over the cap (tests/fleet proves it)
    assert 'modparam("dialog", "profiles_with_value", "tenant")' in text
    assert 'sl_send_reply("486", "Busy Here (tenant call cap)")' in text
    for module in ("registrar", "usrloc", "auth_db", "db_postgres", "path", "dispatcher", "htable", "pike", "dialog"):
        assert f'loadmodule "{module}.so"' in text
    if not shutil.which("kamailio") or not Path(EdgeConfig.module_dir, "db_postgres.so").exists():
        pytest.skip("kamailio and kamailio-postgres-modules are not installed: syntax check skipped")
    cfg = tmp_path / "kamailio.cfg"
    cfg.write_text(text)
    done = subprocess.run(["kamailio", "-c", "-f", str(cfg)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "config file ok" in done.stderr


def test_values_that_would_break_the_file_are_refused(tmp_path):
    with pytest.raises(InvalidInput):
        render_cfg(EdgeConfig(listen="edge.example:5060", db_url=URL))
    with pytest.raises(InvalidInput):
        render_cfg(EdgeConfig(listen="10.0.0.9:5060", db_url=URL, aliases=('x"\nloadmodule "evil.so',)))
    with pytest.raises(InvalidInput):
        kamailio_db_url("sqlite:////var/lib/ccctl/ccctl.db")


def _kamcmd(tmp_path, monkeypatch, body: str) -> str:
    """A kamcmd standing in for Kamailio's (BODY after the shebang), no waits between tries."""
    monkeypatch.setattr(edge.time, "sleep", lambda s: None)
    kamcmd = tmp_path / "kamcmd"
    kamcmd.write_text("#!/bin/sh\n" + body)
    kamcmd.chmod(0o755)
    return str(kamcmd)


def test_a_reload_refused_as_ongoing_is_run_again(tmp_path, monkeypatch):
    # kamcmd exits 0 when the RPC fails: a reload refused within dispatcher's 5 s left the
    # edge on its old sets (a joined node unreachable: 503) until the next change.
    calls = tmp_path / "calls"
    kamcmd = _kamcmd(
        tmp_path,
        monkeypatch,
        f'echo "$3" >> {calls}\n'
        f'if [ "$3" = dispatcher.reload ] && [ $(grep -c dispatcher {calls}) -lt 3 ]; then\n'
        '  echo "error: 500 - Ongoing reload"; exit 0\n'
        "fi\n"
        'echo "Ok. Dispatcher successfully reloaded."\n',
    )
    edge.reload(tmp_path / "ctl", kamcmd)
    assert calls.read_text().split() == ["htable.reload", "dispatcher.reload", "dispatcher.reload", "dispatcher.reload"]


def test_a_reload_that_keeps_failing_is_an_error(tmp_path, monkeypatch):
    kamcmd = _kamcmd(tmp_path, monkeypatch, 'echo "error: 500 - Ongoing reload"\n')
    with pytest.raises(CcError, match="Ongoing reload"):
        edge.reload(tmp_path / "ctl", kamcmd)

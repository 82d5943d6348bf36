"""Tables on the 80-column console: ids, names people copy and headers are never cut; what does
not fit is left out whole (the least useful columns first) and named on stderr with the option
that shows everything. Through typer's CliRunner with COLUMNS=80."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from ccctl.cli import output
from ccctl.cli.main import app
from ccctl.config import spec as s
from ccctl.config.gather import esl_password
from ccctl.config.write import apply_tenants
from ccctl.testing.fake_esl import FakeEventSocket
from tests.db.test_calls import T0
from tests.unit.test_calls_cli import _db
from tests.unit.test_live_figures import AGENTS, MEMBERS, TIERS

NARROW = {"CCCTL_FS_DEPLOY": "off", "COLUMNS": "80"}


def _invoke(db, *args, **env):
    return CliRunner().invoke(app, ["--db", str(db), *args], env={**NARROW, **env})


def _fits(lines: list[str]) -> None:
    assert max(len(x) for x in lines) <= 80, "\n".join(lines)
    assert not any("…" in x for x in lines[:2]), "a header was cut"


def test_calls_list_keeps_the_call_id_whole(tmp_path):
    db = _db(tmp_path)
    uuids = [c["uuid"] for c in json.loads(_invoke(db, "calls", "list", "--json").stdout)]
    long = _invoke(db, "calls", "list")
    assert long.exit_code == 0, long.output
    lines = long.stdout.splitlines()
    _fits(lines)
    head = lines[0].split()
    assert head[:2] == ["entered", "uuid"]
    assert [ln.split()[1] for ln in lines[2:]] == uuids  # every id whole, ready for `calls show`
    assert "left out for the width" in long.stderr and "--json shows every column" in long.stderr
    assert "hangup_side" not in head and "hangup_side" in long.stderr


def test_stats_headers_readable_at_80(tmp_path):
    db = _db(tmp_path)
    r = _invoke(db, "stats", "--tenant", "acme", "--since", str(T0), "--until", str(T0 + 7200), "--interval", "1h")
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    _fits(lines)
    head = lines[0].split()
    assert head[:2] == ["interval_start", "tenant"]
    assert {"offered", "answered", "abandon_rate", "service_level"} <= set(head)
    assert "--json or --csv shows every column" in r.stderr and "callbacks" in r.stderr
    wide = _invoke(db, "stats", "--tenant", "acme", "--since", str(T0), "--until", str(T0 + 7200), COLUMNS="250")
    assert "callbacks" in wide.stdout.splitlines()[0] and "left out" not in wide.stderr


def test_agent_list_status_and_state_whole(ctx, tmp_path):
    apply_tenants(
        ctx,
        [
            s.Tenant(
                name="acme",
                queues=[s.Queue(name="sales"), s.Queue(name="support")],
                seats=[
                    s.Seat(extension=e, name=f"Agent {e} with a rather long name")
                    for e in ("1001", "1002", "1003", "1004")
                ],
            )
        ],
    )
    fake = FakeEventSocket(
        password=esl_password(ctx),
        replies={
            "callcenter_config queue list members": MEMBERS,
            "callcenter_config agent list": AGENTS,
            "callcenter_config tier list": TIERS,
        },
    )
    try:
        r = _invoke(ctx.settings.db, "agent", "list", CCCTL_ESL_PORT=str(fake.port))
    finally:
        fake.close()
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    _fits(lines)
    assert lines[0].split()[:5] == ["tenant", "extension", "name", "status", "state"]
    text = r.stdout
    assert "Available (On Demand)" in text and "In a queue call" in text and "On Break" in text


def test_layout_drops_before_cutting_keys():
    rows = [
        {
            "id": "1107a9c2-3b1d-4f7e-9d2a-0c5e8f6b7a10",
            "name": "x" * 30,
            "first_long_header_x": 1,
            "second_long_header_y": 2,
        }
    ]
    columns = list(rows[0])
    lines, left_out = output.table(rows, columns, keep=("id", "name"), width=92, drop=("second_long_header_y",))
    assert left_out == ["second_long_header_y"] and lines[2].split()[:2] == [rows[0]["id"], "x" * 30]
    assert lines[0].split() == columns[:3] and max(len(x) for x in lines) <= 92
    # a value of a column not kept is cut (never below its header) before a column is left out
    lines, left_out = output.table(rows, ["id", "first_long_header_x", "name"], keep=("id",), width=80)
    assert left_out == [] and lines[2].split()[2] == "x" * 20 + "…"
    # only kept columns and still too wide: the line runs long, nothing is cut
    lines, left_out = output.table(rows, ["id", "name"], keep=("id", "name"), width=40)
    assert rows[0]["id"] in lines[2] and "x" * 30 in lines[2]


def test_recording_list_usage_audit_and_hardware_keep_what_people_copy(tmp_path):
    """Issue 19: at 80 columns `recording list` keeps the start time and the call id whole (the
    path is left out whole, named on stderr), `report usage --all` the tenant and month,
    `audit list` the time and actor, `hardware list` the profile id and its PCI ids."""
    import time

    from sqlmodel import Session

    from ccctl.db import open_engine
    from ccctl.model import AuditEntry
    from tests.conftest import EXAMPLE

    db = tmp_path / "t.db"
    rec = tmp_path / "rec"
    env = {"CCCTL_FS_RECORDINGS_DIR": str(rec)}
    assert _invoke(db, "apply", "-f", str(EXAMPLE), **env).exit_code == 0
    uuid = "0c6f3a52-1d2e-4b7a-9c1f-3e5d7a9b2c4d"
    day = time.strftime("%Y-%m-%d")
    (rec / "acme" / day).mkdir(parents=True)
    (rec / "acme" / day / f"{uuid}.wav").write_bytes(b"RIFF" + b"\0" * 100)
    engine = open_engine(f"sqlite:///{db}")
    with Session(engine) as session:
        session.add(
            AuditEntry(
                at=time.time(),
                actor="root@console",
                tenant="acme",
                action="monitor.whisper",
                subject="1001",
                call=uuid,
                result="ok",
                detail="supervisor 1002 whispering to agent 1001",
            )
        )
        session.commit()
    engine.dispose()

    r = _invoke(db, "recording", "list", "--tenant", "acme", **env)
    lines = r.stdout.splitlines()
    _fits(lines)
    want = json.loads(_invoke(db, "recording", "list", "--tenant", "acme", "--json", **env).stdout)[0]
    assert lines[2].split()[:3] == [want["started"], "acme", uuid], r.stdout
    assert "path" in r.stderr and "--json shows every column" in r.stderr

    r = _invoke(db, "report", "usage", "--all", "--month", day[:7])
    lines = r.stdout.splitlines()
    _fits(lines)
    assert [ln.split()[:2] for ln in lines[2:]] == [["acme", day[:7]], ["huaxia", day[:7]]]

    r = _invoke(db, "audit", "list")
    lines = r.stdout.splitlines()
    _fits(lines)
    at = json.loads(_invoke(db, "audit", "list", "--json").stdout)[0]["at"]
    assert lines[2].split()[:2] == [at, "root@console"]

    r = _invoke(db, "hardware", "list")
    lines = r.stdout.splitlines()
    _fits(lines)
    ids = [p["id"] for p in json.loads(_invoke(db, "hardware", "list", "--json").stdout)]
    assert [ln.split()[0] for ln in lines[2:]] == ids
    assert "ids" not in lines[0].split() and "left out for the width: ids" in r.stderr  # whole or not at all
    wide = _invoke(db, "hardware", "list", COLUMNS="400").stdout.splitlines()
    assert "ids" in wide[0].split() and not any("…" in ln for ln in wide)

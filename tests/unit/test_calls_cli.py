"""`ccctl calls` and `ccctl stats` over stored rows; `apply` never touches call rows."""

from __future__ import annotations

import csv
import io
import json

import yaml
from typer.testing import CliRunner

from ccctl.cli.main import app
from ccctl.daemon.store import write_rows
from ccctl.db import open_engine
from tests.db.test_calls import CALLS, T0


def _invoke(db, *args):
    return CliRunner().invoke(app, ["--db", str(db), *args], env={"CCCTL_FS_DEPLOY": "off"})


def _db(tmp_path):
    db = tmp_path / "c.db"
    engine = open_engine(f"sqlite:///{db}")
    write_rows(engine, CALLS, [])
    engine.dispose()
    return db


def test_calls_list_show_export(tmp_path):
    db = _db(tmp_path)
    r = _invoke(db, "calls", "list", "--tenant", "acme", "--queue", "sales", "--json")
    assert r.exit_code == 0, r.output
    assert [c["uuid"] for c in json.loads(r.stdout)] == ["a1", "a2", "b1", "b2", "c1", "d1", "a3"]
    r = _invoke(
        db, "calls", "list", "--tenant", "acme", "--disposition", "abandoned", "--since", str(T0 + 250), "--json"
    )
    assert [c["uuid"] for c in json.loads(r.stdout)] == ["b2"]
    r = _invoke(db, "calls", "show", "a2", "--json")
    assert r.exit_code == 0 and json.loads(r.stdout)["wait_s"] == 30
    assert _invoke(db, "calls", "show", "nope").exit_code == 3
    assert _invoke(db, "calls", "show", "a2", "--tenant", "other").exit_code == 3  # not that tenant's call
    bad = _invoke(db, "calls", "list", "--disposition", "lost")
    assert bad.exit_code == 1 and "disposition" in bad.output
    r = _invoke(db, "calls", "export", "--tenant", "other")
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert [x["uuid"] for x in rows] == ["z1"] and "entered_at" in rows[0]


def test_stats_cli(tmp_path):
    db = _db(tmp_path)
    r = _invoke(db, "stats", "--tenant", "acme", "--since", str(T0), "--until", str(T0 + 7200), "--json")
    assert r.exit_code == 0, r.output
    [row] = json.loads(r.stdout)
    assert (row["tenant"], row["offered"], row["answered"]) == ("acme", 7, 3)
    r = _invoke(
        db,
        "stats",
        "--tenant",
        "acme",
        "--since",
        str(T0),
        "--until",
        str(T0 + 7200),
        "--interval",
        "1h",
        "--by",
        "queue",
        "--csv",
    )
    lines = list(csv.DictReader(io.StringIO(r.stdout)))
    assert {x["queue"] for x in lines} == {"sales", ""} and len(lines) >= 2
    assert _invoke(db, "stats", "--interval", "5m").exit_code == 1
    assert _invoke(db, "stats", "--since", "yesterday").exit_code == 1


def test_apply_never_touches_call_rows(tmp_path):
    db = _db(tmp_path)
    site = tmp_path / "site.yaml"
    site.write_text(yaml.safe_dump({"tenants": [{"name": "acme"}]}))
    assert _invoke(db, "apply", "-f", str(site)).exit_code == 0
    site.write_text(yaml.safe_dump({"tenants": [{"name": "other"}]}))
    assert _invoke(db, "apply", "-f", str(site), "--prune", "--yes").exit_code == 0  # acme removed
    r = _invoke(db, "calls", "list", "--json")
    assert len(json.loads(r.stdout)) == len(CALLS)

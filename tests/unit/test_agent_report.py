"""The agents' day report (ccctl/stats/agent_report.py, `ccctl stats --agents`) from known
rows: logged-in time, time per break reason, calls per wrap-up code, masked calls."""

from __future__ import annotations

import csv
import io
import json

from typer.testing import CliRunner

from ccctl import app
from ccctl.cli.main import app as cli
from ccctl.daemon.store import write_rows
from ccctl.settings import Settings
from ccctl.stats.agent_report import report
from ccctl.stats.history import Query
from ccctl.testing import rows as r

H = 3600.0


def _call(uuid, agent, queue, at, code):
    return {**r.call(uuid, "acme", "inbound", at, 60), "agent": agent, "queue": queue, "wrapup_code": code}


def _box(tmp_path):
    services = app.open(Settings(db=str(tmp_path / "c.db"), fs_deploy="off"), deploy=False)
    calls = [
        _call("c1", "1001", "sales", 100.0, "1"),
        _call("c2", "1001", "sales", 200.0, "1"),
        _call("c3", "1001", "support", H + 100, "2"),
        _call("c4", "1002", "sales", H + 200, None),
        _call("c5", "1002", "sales", H + 300, "2"),
    ]
    agents = [
        r.status("acme", "1001", "Available", 0.0),
        r.status("acme", "1001", "On Break", 1000.0),
        r.status("acme", "1001", "lunch", 1000.0, kind="reason"),
        r.status("acme", "1001", "Available", 1600.0),
        r.status("acme", "1001", "On Break", H + 600),  # no reason: (none)
        r.status("acme", "1001", "Logged Out", H + 900),
        r.status("acme", "1002", "Available", H),
        # c2 masked twice by its agent: one masked call; c4 once by 1002.
        r.status("acme", "1001", "c2", 210.0, kind="mask"),
        r.status("acme", "1001", "c2", 220.0, kind="unmask"),
        r.status("acme", "1001", "c2", 230.0, kind="mask"),
        r.status("acme", "1002", "c4", H + 210, kind="mask"),
    ]
    write_rows(services.engine, calls, agents)
    return services


def test_per_agent_and_hour(tmp_path):
    services = _box(tmp_path)
    got = report(services.engine, Query(0, 2 * H, "acme", interval="1h", by="agent"), {"1": "sold", "2": "complaint"})
    cols = ["agent", "login_time", "break:lunch", "break:(none)", "disposition:1 sold", "disposition:2 complaint"]
    assert [[row[c] for c in cols] + [row["masked_calls"]] for row in got] == [
        ["1001", 3600.0, 600.0, 0.0, 2, 0, 1],
        ["1001", 900.0, 0.0, 300.0, 0, 1, 0],
        ["1002", 3600.0, 0.0, 0.0, 0, 1, 1],
    ]
    assert [row["interval_start"] for row in got] == ["1970-01-01T00:00:00Z", *["1970-01-01T01:00:00Z"] * 2]


def test_per_queue_and_whole_range(tmp_path):
    services = _box(tmp_path)
    got = {row["queue"]: row for row in report(services.engine, Query(0, 2 * H, "acme", by="queue"))}
    assert {q: (g["disposition:1"], g["disposition:2"], g["masked_calls"]) for q, g in got.items()} == {
        "sales": (2, 1, 2),
        "support": (0, 1, 0),
    }
    assert got["sales"]["login_time"] is None  # agents serve many queues: no login time per queue


def test_stats_agents_json_and_csv(tmp_path):
    _box(tmp_path)
    base = ["--db", str(tmp_path / "c.db"), "stats", "--agents", "--agent", "1001", "--since", "0", "--until", "7200"]
    runner = CliRunner()
    out = runner.invoke(cli, [*base, "--json"], env={"CCCTL_FS_DEPLOY": "off"})
    assert out.exit_code == 0, out.output
    (row,) = json.loads(out.stdout)
    assert (row["login_time"], row["break:lunch"], row["disposition:1"], row["masked_calls"]) == (4500.0, 600.0, 2, 1)
    out = runner.invoke(cli, [*base, "--csv"], env={"CCCTL_FS_DEPLOY": "off"})
    assert out.exit_code == 0, out.output
    (row,) = list(csv.DictReader(io.StringIO(out.stdout)))
    assert (row["agent"], row["break:(none)"], row["disposition:2"], row["masked_calls"]) == ("1001", "300.0", "1", "1")

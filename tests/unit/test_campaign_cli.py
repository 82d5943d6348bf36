"""`ccctl campaign` and `ccctl dnc`: what a script sees (data, messages, exit codes)."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from ccctl.cli.main import app
from ccctl.outbound.attempts import Attempt, call_row, disposition
from ccctl.outbound.dialer import agent_counts
from tests.conftest import EXAMPLE


def _invoke(db, *args):
    return CliRunner().invoke(app, ["--db", str(db), *args], env={"CCCTL_FS_DEPLOY": "off"})


def test_campaign_commands(tmp_path):
    db = tmp_path / "c.db"
    assert _invoke(db, "apply", "-f", str(EXAMPLE)).exit_code == 0
    f = tmp_path / "list.csv"
    f.write_text("phone;name;plan\n030 1234567;Anna;gold\nxyz;Bad;\n040 1234567;Hans;\n")
    r = _invoke(db, "campaign", "add", "acme", "spring", "--queue", "sales", "--mode", "predictive",
                "--contacts", str(f), "--retries", "busy=2/120", "--window", "10:00-18:00")
    assert r.exit_code == 0, r.output
    assert "line 3:" in r.stderr and "2 imported" in r.stderr
    show = json.loads(_invoke(db, "campaign", "show", "acme", "spring", "--json").stdout)
    assert show["retries"]["busy"] == [2, 120] and show["window_start"] == "10:00" and show["mode"] == "predictive"
    contacts = json.loads(_invoke(db, "campaign", "show", "acme", "spring", "--contacts", "--json").stdout)
    assert [c["number"] for c in contacts] == ["+49301234567", "+49401234567"]
    assert _invoke(db, "dnc", "add", "acme", "0401234567").exit_code == 0
    assert json.loads(_invoke(db, "dnc", "list", "acme", "--json").stdout)[0]["number"] == "+49401234567"
    st = json.loads(_invoke(db, "campaign", "status", "acme", "spring", "--json").stdout)
    assert st["by_state"] == {"pending": 1, "dnc": 1}
    assert _invoke(db, "campaign", "start", "acme", "spring").exit_code == 0
    assert _invoke(db, "campaign", "remove", "acme", "spring", "--yes").exit_code == 4  # running
    assert _invoke(db, "campaign", "pause", "acme", "spring").exit_code == 0
    rows = json.loads(_invoke(db, "campaign", "list", "--json").stdout)
    assert [(c["name"], c["state"], c["contacts"]) for c in rows] == [("spring", "paused", 2)]
    assert _invoke(db, "campaign", "remove", "acme", "spring").exit_code == 2  # --yes needed off a terminal
    assert _invoke(db, "campaign", "remove", "acme", "spring", "--yes").exit_code == 0
    assert _invoke(db, "campaign", "status", "acme", "spring").exit_code == 3


def test_bad_input_leaves_nothing(tmp_path):
    db = tmp_path / "c.db"
    _invoke(db, "apply", "-f", str(EXAMPLE))
    r = _invoke(db, "campaign", "add", "acme", "x", "--queue", "sales", "--mode", "wild")
    assert r.exit_code == 1 and "mode" in r.stderr
    r = _invoke(db, "campaign", "add", "acme", "x", "--queue", "sales", "--contacts", str(tmp_path / "none.csv"))
    assert r.exit_code == 3
    r = _invoke(db, "campaign", "add", "acme", "x", "--queue", "sales", "--from-calls", "queue=sales,yesterday")
    assert r.exit_code == 1 and "from-calls" in r.stderr
    assert json.loads(_invoke(db, "campaign", "list", "--json").stdout) == []
    assert _invoke(db, "campaign", "add", "acme", "x", "--queue", "sales", "--retries", "answered=1/5").exit_code == 1
    assert _invoke(db, "dnc", "add", "acme", "not-a-number").exit_code == 1


def test_agent_counts_and_dispositions():
    table = [{"name": "1001@d", "status": "Available", "state": "Waiting"},
             {"name": "1002@d", "status": "Available", "state": "In a queue call"},
             {"name": "1003@d", "status": "On Break", "state": "Waiting"},
             {"name": "1004@d", "status": "Available (On Demand)", "state": "Waiting"}]
    assert agent_counts(table) == (2, 1, ["1001@d", "1004@d"])
    a = Attempt("u", "acme", "c", 1, 1, "+4930", None, {}, "sales", "+4940", started=100.0)
    assert disposition(a, "USER_BUSY") == "busy"
    assert disposition(a, "NO_ANSWER") == "no_answer"
    assert disposition(a, "GATEWAY_DOWN") == "failed"
    a.answered_at = 110.0
    assert disposition(a, "NORMAL_CLEARING") == "abandoned"
    a.bridged_at, a.agent = 111.0, "1001"
    row = call_row(a, "NORMAL_CLEARING", 171.0, "n")
    assert (row["disposition"], row["agent"], row["talk_s"], row["wait_s"], row["queue"]) == ("outbound", "1001", 60.0, 1.0, None)

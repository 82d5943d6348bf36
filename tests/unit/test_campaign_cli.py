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
    r = _invoke(
        db,
        "campaign",
        "add",
        "acme",
        "spring",
        "--queue",
        "sales",
        "--mode",
        "predictive",
        "--contacts",
        str(f),
        "--retries",
        "busy=2/120",
        "--window",
        "10:00-18:00",
    )
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
    table = [
        {"name": "1001@d", "status": "Available", "state": "Waiting"},
        {"name": "1002@d", "status": "Available", "state": "In a queue call"},
        {"name": "1003@d", "status": "On Break", "state": "Waiting"},
        {"name": "1004@d", "status": "Available (On Demand)", "state": "Waiting"},
    ]
    assert agent_counts(table) == (2, 1, ["1001@d", "1004@d"])
    a = Attempt("u", "acme", "c", 1, 1, "+4930", None, {}, "sales", "+4940", started=100.0)
    assert disposition(a, "USER_BUSY") == "busy"
    assert disposition(a, "NO_ANSWER") == "no_answer"
    assert disposition(a, "GATEWAY_DOWN") == "failed"
    a.answered_at = 110.0
    assert disposition(a, "NORMAL_CLEARING") == "abandoned"
    a.bridged_at, a.agent = 111.0, "1001"
    row = call_row(a, "NORMAL_CLEARING", 171.0, "n")
    assert (row["disposition"], row["agent"], row["talk_s"], row["wait_s"], row["queue"]) == (
        "outbound",
        "1001",
        60.0,
        1.0,
        None,
    )


def test_a_queue_a_campaign_uses_cannot_be_removed(tmp_path):
    """The issue's reproduction: exit 4 and one line naming the campaign; the generation moves
    with each definition change, as with any other configuration."""
    db = tmp_path / "c.db"
    assert _invoke(db, "apply", "-f", str(EXAMPLE)).exit_code == 0
    assert _invoke(db, "queue", "add", "acme", "q2").exit_code == 0
    generation = json.loads(_invoke(db, "status", "--json").stdout)["configuration"]["generation"]
    assert _invoke(db, "campaign", "add", "acme", "win", "--queue", "q2").exit_code == 0
    assert json.loads(_invoke(db, "status", "--json").stdout)["configuration"]["generation"] == generation + 1
    r = _invoke(db, "queue", "remove", "acme", "q2")
    assert r.exit_code == 4
    assert r.stderr.strip().splitlines() == ["error: acme: queue q2 is still used by campaign win (queue)"]
    assert _invoke(db, "queue", "show", "acme", "q2").exit_code == 0
    assert _invoke(db, "campaign", "remove", "acme", "win", "--yes").exit_code == 0
    assert _invoke(db, "queue", "remove", "acme", "q2").exit_code == 0
    assert json.loads(_invoke(db, "status", "--json").stdout)["configuration"]["generation"] == generation + 3


def test_a_trunk_a_campaign_dials_through_cannot_be_removed(tmp_path):
    db = tmp_path / "c.db"
    _invoke(db, "apply", "-f", str(EXAMPLE))
    assert _invoke(db, "campaign", "add", "acme", "win", "--queue", "sales", "--trunk", "carrier").exit_code == 0
    r = _invoke(db, "trunk", "remove", "acme", "carrier")
    assert r.exit_code == 4 and "campaign win" in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_an_ivr_campaign_to_a_target_that_does_not_exist_is_refused(tmp_path):
    db = tmp_path / "c.db"
    _invoke(db, "apply", "-f", str(EXAMPLE))
    r = _invoke(db, "campaign", "add", "acme", "win", "--kind", "ivr", "--target", "ivr:nosuch")
    assert r.exit_code == 1
    assert r.stderr.strip() == "error: acme: campaign win: target: target ivr:nosuch does not exist in this tenant"
    assert _invoke(db, "campaign", "start", "acme", "win").exit_code == 3  # never added, so never started
    assert _invoke(db, "campaign", "add", "acme", "win", "--kind", "ivr", "--target", "nonsense").exit_code == 1
    assert json.loads(_invoke(db, "campaign", "list", "--json").stdout) == []
    assert _invoke(db, "campaign", "add", "acme", "nps", "--kind", "ivr", "--target", "ivr:main").exit_code == 0


def test_validate_checks_the_stored_campaigns_too(tmp_path):
    """A campaign left dangling by an older ccctl (written here straight into its table):
    `ccctl validate` says so, and the next write of its tenant is refused until it is fixed."""
    import sqlalchemy as sa

    db = tmp_path / "c.db"
    _invoke(db, "apply", "-f", str(EXAMPLE))
    assert _invoke(db, "validate").exit_code == 0
    engine = sa.create_engine(f"sqlite:///{db}")
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO campaign (tenant, name, kind, target, mode, trunk, country, window_start, "
                "window_end, days, retries, max_attempts, max_concurrent, ring_timeout, abandon_target, "
                "state, created_at) VALUES ('acme', 'old', 'ivr', 'ivr:nosuch', 'progressive', 'carrier', "
                "'DE', '09:00', '20:00', 'mon-fri', '{}', 5, 10, 25, 0.03, 'draft', 0)"
            )
        )
    engine.dispose()
    r = _invoke(db, "validate")
    assert r.exit_code == 1
    assert "error: acme: campaign old: target: target ivr:nosuch does not exist in this tenant" in r.stdout
    assert _invoke(db, "seat", "add", "acme", "1999", "name=New").exit_code == 1
    assert _invoke(db, "campaign", "remove", "acme", "old", "--yes").exit_code == 0
    assert _invoke(db, "validate").exit_code == 0


def test_validate_of_a_file_refuses_an_ivr_campaign_to_nowhere(tmp_path):
    import yaml

    data = yaml.safe_load(EXAMPLE.read_text())
    next(t for t in data["tenants"] if t["name"] == "acme")["campaigns"] = [
        {"name": "win", "kind": "ivr", "target": "ivr:nosuch", "mode": "progressive"}
    ]
    f = tmp_path / "site.yaml"
    f.write_text(yaml.safe_dump(data, allow_unicode=True))
    r = _invoke(tmp_path / "c.db", "validate", "-f", str(f))
    assert r.exit_code == 1 and "acme: campaign win: target: target ivr:nosuch does not exist" in r.stdout
    assert _invoke(tmp_path / "c.db", "apply", "-f", str(f)).exit_code == 1


def test_dnc_list_shows_local_time_and_imports_take_the_file_either_way(tmp_path):
    """`dnc list` gives when a number was added as ISO 8601 in the tenant's time zone (not
    epoch seconds); every import takes FILE or -f FILE; a badly quoted CSV row is reported
    by its line and nothing of the file is imported (not glued into a contact's name)."""
    import re
    from datetime import datetime

    db = tmp_path / "c.db"
    assert _invoke(db, "apply", "-f", str(EXAMPLE)).exit_code == 0
    assert _invoke(db, "dnc", "add", "acme", "0401234567").exit_code == 0
    row = json.loads(_invoke(db, "dnc", "list", "acme", "--json").stdout)[0]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0[12]:00", row["added_at"]), row  # Europe/Berlin
    assert abs(datetime.fromisoformat(row["added_at"]).timestamp() - __import__("time").time()) < 120
    table = _invoke(db, "dnc", "list", "acme").stdout
    assert row["added_at"] in table

    good = tmp_path / "good.csv"
    good.write_text("number,name\n+49301111111,Anna\n")
    bad = tmp_path / "bad.csv"
    bad.write_text('number,name\n+49302222222,Bob\n+49303333333,"Carl\n+49304444444,Dora\n+49305555555,Emil\n')
    assert _invoke(db, "campaign", "add", "acme", "c1", "--queue", "sales").exit_code == 0
    r = _invoke(db, "campaign", "import", "acme", "c1", str(bad))
    assert r.exit_code == 1 and "line 3: badly quoted" in r.stderr and "nothing imported" in r.stderr, r.output
    r = _invoke(db, "campaign", "import", "acme", "c1", "-f", str(good), "--json")
    assert r.exit_code == 0 and json.loads(r.stdout)["imported"] == 1, r.output
    contacts = json.loads(_invoke(db, "campaign", "show", "acme", "c1", "--contacts", "--json").stdout)
    assert [(c["number"], c["name"]) for c in contacts] == [("+49301111111", "Anna")]
    assert _invoke(db, "campaign", "import", "acme", "c1", str(good), "-f", str(good)).exit_code == 2
    assert _invoke(db, "campaign", "import", "acme", "c1").exit_code == 2
    assert _invoke(db, "dnc", "import", "acme", "--file", str(bad)).exit_code == 1

    r = _invoke(db, "customer", "import", "acme", str(bad))
    assert r.exit_code == 1 and "line 3: badly quoted" in r.stderr, r.output
    assert _invoke(db, "customer", "show", "acme", "+49302222222").exit_code == 3  # nothing imported
    r = _invoke(db, "customer", "import", "acme", str(good), "--json")
    assert r.exit_code == 0 and json.loads(r.stdout)["added"] == 1, r.output
    r = _invoke(db, "customer", "import", "acme", "-f", str(good), "--json")
    assert r.exit_code == 0 and json.loads(r.stdout)["unchanged"] == 1, r.output
    archive = tmp_path / "not-text.csv"
    archive.write_bytes(b"\x1f\x8b\x08\x00" + bytes(range(256)))
    for args in (("customer", "import", "acme"), ("campaign", "import", "acme", "c1"), ("dnc", "import", "acme")):
        r = _invoke(db, *args, str(archive))
        assert r.exit_code == 1 and "not UTF-8 text" in r.stderr and "internal" not in r.stderr, (args, r.output)

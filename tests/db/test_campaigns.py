"""Campaigns, contact import, the do-not-call list and return visits on SQLite and PostgreSQL."""

from __future__ import annotations

import time

import pytest
from openpyxl import Workbook

from ccctl import app
from ccctl.config.load import load_site
from ccctl.config.write import apply_tenants
from ccctl.daemon.store import write_rows
from ccctl.errors import Conflict, InvalidInput, NotFound
from ccctl.outbound import campaigns, dnc, return_visits
from ccctl.settings import Settings
from tests.db.test_calls import row


@pytest.fixture
def ctx(db_url, example):
    c = app.open(Settings(db=db_url), deploy=False)
    apply_tenants(c, load_site(str(example)).tenants)  # acme: Europe/Berlin, queue sales, trunk carrier
    return c


CSV = """number,name,timezone,account
030 1234567,Anna,,A-1
+33 1 42 68 53 00,Pierre,Europe/Paris,A-2
not a number,Bad,,A-3
0301234567,Anna again,,A-4
+49 89 1234567,Max,Mars/Olympus,A-5
0049 40 1234567,Hans,,A-6
"""


def test_csv_import_reports_bad_rows_by_line_and_keeps_the_rest(ctx, tmp_path):
    campaigns.add(ctx, "acme", "winback", queue="sales")
    f = tmp_path / "c.csv"
    f.write_text(CSV)
    r = campaigns.import_file(ctx, "acme", "winback", f).as_dict()
    assert r["imported"] == 3
    assert [e["line"] for e in r["errors"]] == [4, 5, 6]  # not a number, duplicate, unknown zone
    got = {k["number"]: k for k in campaigns.contacts(ctx, "acme", "winback")}
    assert set(got) == {"+49301234567", "+33142685300", "+49401234567"}  # read as German numbers
    assert got["+33142685300"]["timezone"] == "Europe/Paris"
    assert got["+49301234567"]["timezone"] == "Europe/Berlin"
    again = campaigns.import_file(ctx, "acme", "winback", f).as_dict()
    assert again["imported"] == 0 and again["already_in_campaign"] == 3


def test_xlsx_import(ctx, tmp_path):
    campaigns.add(ctx, "acme", "x", queue="sales", mode="predictive")
    wb = Workbook()
    ws = wb.active
    ws.append(["Phone", "Name"])
    ws.append([4930555123, "Numeric cell"])
    ws.append(["12", "Too short"])
    ws.append(["+1 212 555 0100", "New York"])
    f = tmp_path / "c.xlsx"
    wb.save(f)
    r = campaigns.import_file(ctx, "acme", "x", f).as_dict()
    assert r["imported"] == 2 and [e["line"] for e in r["errors"]] == [3]
    got = {k["number"]: k["timezone"] for k in campaigns.contacts(ctx, "acme", "x")}
    assert got == {"+4930555123": "Europe/Berlin", "+12125550100": "America/New_York"}


def test_campaign_rules_and_states(ctx):
    with pytest.raises(InvalidInput, match="campaign c1: queue: no queue 'nope'"):
        campaigns.add(ctx, "acme", "c1", queue="nope")  # the one validation's rule and message
    with pytest.raises(InvalidInput):
        campaigns.add(ctx, "acme", "c1", queue="sales", mode="aggressive")
    with pytest.raises(InvalidInput):
        campaigns.add(ctx, "acme", "c1", queue="sales", window_start="21:00", window_end="08:00")
    with pytest.raises(InvalidInput):
        campaigns.add(ctx, "acme", "c1", queue="sales", max_concurrent=500)  # over the tenant's call limit
    c = campaigns.add(ctx, "acme", "c1", queue="sales")
    assert (c["trunk"], c["country"], c["state"]) == ("carrier", "DE", "draft")
    with pytest.raises(Conflict):
        campaigns.add(ctx, "acme", "c1", queue="sales")
    with pytest.raises(Conflict):
        campaigns.set_state(ctx, "acme", "c1", "paused")  # a draft cannot pause
    assert campaigns.set_state(ctx, "acme", "c1", "running")["state"] == "running"
    with pytest.raises(Conflict):
        campaigns.remove(ctx, "acme", "c1")
    campaigns.set_state(ctx, "acme", "c1", "stopped")
    campaigns.remove(ctx, "acme", "c1")
    assert campaigns.list_(ctx, "acme") == []


def test_dnc_blocks_contacts_already_imported_and_new_ones(ctx, tmp_path):
    campaigns.add(ctx, "acme", "c", queue="sales")
    f = tmp_path / "c.csv"
    f.write_text("number\n0301234567\n0401234567\n")
    campaigns.import_file(ctx, "acme", "c", f)
    assert dnc.add(ctx, "acme", ["030 1234567"], note="asked") == ["+49301234567"]
    states = {k["number"]: k["state"] for k in campaigns.contacts(ctx, "acme", "c")}
    assert states == {"+49301234567": "dnc", "+49401234567": "pending"}
    campaigns.add(ctx, "acme", "d", queue="sales")
    assert campaigns.import_file(ctx, "acme", "d", f).dnc == 1
    assert [r["number"] for r in dnc.list_(ctx, "acme")] == ["+49301234567"]
    assert dnc.list_(ctx, "huaxia") == []  # per tenant
    dnc.remove(ctx, "acme", ["+49301234567"])
    with pytest.raises(NotFound):
        dnc.remove(ctx, "acme", ["+49301234567"])


def test_return_visits_from_call_rows(ctx):
    now = time.time()
    base = dict(at=0)

    def call(uuid, disposition, number, ago, queue="sales", **kw):
        r = row(uuid, disposition, wait=5, queue=queue, agent="1001" if disposition == "answered" else None, **base)
        shift = now - ago - r["entered_at"]
        for k in ("entered_at", "ivr_left_at", "queued_at", "offered_at", "answered_at", "ended_at"):
            if r[k] is not None:
                r[k] += shift
        r.update(caller_number=number, **kw)
        return r

    write_rows(
        ctx.engine,
        [
            call("r1", "abandoned", "+4930111", 120),
            call("r2", "abandoned", "+4930222", 100),
            call("r3", "answered", "+4930222", 50),  # reached later: not a return visit
            call("r4", "no_agent", "+4930333", 90, queue="support"),
            call("r5", "answered", "+4930444", 80),
        ],
        [],
    )
    picked = return_visits.select_callers(ctx, "acme", return_visits.parse("since=today,abandoned,not-reached"), now)
    assert [n for n, _ in picked] == ["+4930111", "+4930333"]
    picked = return_visits.select_callers(ctx, "acme", return_visits.parse("queue=sales,since=1d"), now)
    assert [n for n, _ in picked] == ["+4930111", "+4930222", "+4930444"]
    campaigns.add(ctx, "acme", "rv", queue="sales")
    r = campaigns.add_contacts(
        ctx, "acme", "rv", return_visits.build(ctx, "acme", return_visits.parse("abandoned,not-reached"))
    )
    assert r.imported == 2
    with pytest.raises(InvalidInput):
        return_visits.parse("queue")

"""Survey and queue callback, the parts that are pure logic: what the dialplan says, how a
call row reads the score and the callback, the rollup figures, and the callback rule."""

from __future__ import annotations

import pytest
from lxml import etree
from pydantic import ValidationError

from ccctl.callbacks.requests import PLACEMENT_S, after_attempt, base_score, originate_command
from ccctl.config import spec as s
from ccctl.daemon.assemble import Directory, call_row
from ccctl.errors import InvalidInput
from ccctl.model import CallbackRequest
from ccctl.render.dialplan import tenant_context
from ccctl.stats.rollup import figures


def tenant(**queue) -> s.Tenant:
    return s.Tenant(
        name="acme",
        seats=[s.Seat(extension="1001", name="A", skills={"sales": 5})],
        queues=[s.Queue(name="sales", **queue)],
    )


def extension(t: s.Tenant, name: str):
    found = etree.fromstring(etree.tostring(tenant_context(t))).xpath(f"//extension[@name='{name}']")
    return found[0] if found else None


def actions(x) -> list[tuple[str, str]]:
    return [(a.get("application"), a.get("data")) for a in x.iter("action")]


def assigned(x) -> str:
    """Every variable assignment an extension makes: its actions' data and the conditions that
    set variables as the hunt passes (uuid_setvar_multi)."""
    fields = [c.get("field") or "" for c in x.iter("condition")]
    return " ".join([*(d or "" for _, d in actions(x)), *(f for f in fields if "uuid_setvar_multi" in f)])


def test_survey_queue_keeps_the_caller_after_the_bridge_and_sends_them_to_the_survey():
    t = tenant(survey=True)
    enter = assigned(extension(t, "queue-sales"))
    assert "hangup_after_bridge=false" in enter
    exit_ = extension(t, "queue-sales-exit")
    cond = [c for c in exit_.iter("condition") if c.get("field") == "${cc_queue_answered_epoch}"]
    assert cond and actions(cond[0]) == [("transfer", "cc-survey-sales XML acme")]
    apps = [a for a, _ in actions(extension(t, "survey"))]
    assert "play_and_get_digits" in apps and apps[-1] == "hangup"
    [(_, pgd)] = [(a, d) for a, d in actions(extension(t, "survey")) if a == "play_and_get_digits"]
    assert pgd.startswith("1 1 3 ") and pgd.endswith("ccctl_survey_score ^[1-5]$")


def test_a_queue_without_survey_or_callback_renders_neither():
    t = tenant()
    enter = assigned(extension(t, "queue-sales"))
    assert "hangup_after_bridge" not in enter and "cc_exit_keys" not in enter
    assert extension(t, "callback-wait") is None
    # the tenant-wide survey IVR stays: an outbound survey campaign lands in it
    assert extension(t, "survey") is not None


def test_callback_key_exits_the_queue_into_the_request_and_dials_seats_directly():
    t = tenant(callback=s.Callback(key="#"))
    enter = assigned(extension(t, "queue-sales"))
    assert "cc_exit_keys=#" in enter
    exit_ = extension(t, "queue-sales-exit")
    cond = [c for c in exit_.iter("condition") if c.get("field") == "${cc_exit_key}"][0]
    assert cond.get("expression") == r"^\#$" and actions(cond) == [("transfer", "cc-callback-sales XML acme")]
    request = extension(t, "callback-request")
    assert request.find("condition").get("field") == "${caller_id_number}"  # anonymous callers go on below
    assert actions(extension(t, "callback-refused"))[-1] == ("transfer", "cc-queue-$1 XML acme")
    wait = actions(extension(t, "callback-wait"))
    # set after the answer, so the placeholder's own answer does not run it
    names = [a for a, _ in wait]
    assert names.index("answer") < [i for i, (a, d) in enumerate(wait) if d and d.startswith("api_on_answer_ccctl")][0]
    assert ("callcenter", "$1@acme.cc.local") in wait
    dial = actions(extension(t, "callback-dial"))
    assert ("bridge", "user/$1@acme.cc.local") in dial
    assert (
        "export",
        "nolocal:api_on_answer=uuid_setvar ${other_loopback_leg_uuid} ccctl_callback_reached true",
    ) in dial


def test_callback_spec_refuses_bad_rules():
    with pytest.raises(ValidationError, match=r"key\n  Value error, '12': a key is one of 0-9, \* or #"):
        s.Callback(key="12")
    with pytest.raises(ValidationError, match=r"attempts\n  Input should be greater than or equal to 1 "):
        s.Callback(attempts=0)
    with pytest.raises(ValidationError, match=r"interval\n  Input should be greater than or equal to 10 "):
        s.Callback(interval=1)


CALLER = {
    "direction": "inbound",
    "ccctl_tenant": "acme",
    "uuid": "u1",
    "caller_id_number": "1003",
    "start_uepoch": "1000000000",
    "end_uepoch": "1060000000",
    "ccctl_queue": "sales",
    "transfer_history": "1000:x:bl_xfer:cc-queue-sales/acme/XML",
    "sip_hangup_disposition": "send_bye",
}


def test_call_row_takes_the_score_and_ends_talk_when_the_agent_hung_up():
    v = {
        **CALLER,
        "cc_queue_answered_epoch": "1010",
        "cc_cause": "answered",
        "cc_agent": "1001@acme.cc.local",
        "bridge_uepoch": "1010000000",
        "ccctl_survey_score": "4",
        "transfer_history": "ARRAY::1000:x:bl_xfer:cc-queue-sales/acme/XML|:1040:x:bl_xfer:cc-queue-sales-exit/acme/XML"
        "|:1040:x:bl_xfer:cc-survey-sales/acme/XML",
    }
    row = call_row(v, None, Directory(), "local", "events")
    assert row["disposition"] == "answered" and row["agent"] == "1001" and row["survey_score"] == 4
    assert row["talk_s"] == 30.0  # 1010 -> 1040, not to the end of the survey at 1060
    for bad in ("", "0", "6", "44", "x"):
        assert call_row({**v, "ccctl_survey_score": bad}, None, Directory(), "local", "events")["survey_score"] is None


def test_call_row_of_a_callback_request_and_of_an_attempt():
    v = {
        **CALLER,
        "cc_exit_key": "1",
        "ccctl_callback": "requested",
        "cc_cancel_reason": "EXIT_WITH_KEY",
        "transfer_history": "ARRAY::1000:x:bl_xfer:cc-queue-sales/acme/XML|:1020:x:bl_xfer:cc-queue-sales-exit/acme/XML"
        "|:1020:x:bl_xfer:cc-callback-sales/acme/XML",
    }
    assert call_row(v, None, Directory(), "local", "events")["disposition"] == "callback"
    member = {
        "direction": "inbound",
        "is_loopback": "true",
        "ccctl_tenant": "acme",
        "uuid": "p1",
        "ccctl_target": "callback:sales",
        "ccctl_queue": "sales",
        "ccctl_callback_id": "7",
        "ccctl_callback_number": "1003",
        "cc_agent": "1001@acme.cc.local",
        "start_uepoch": "1100000000",
        "bridge_uepoch": "1130000000",
        "end_uepoch": "1190000000",
    }
    reached = call_row({**member, "ccctl_callback_reached": "true"}, None, Directory(), "local", "events")
    assert (reached["direction"], reached["disposition"], reached["agent"], reached["caller_number"]) == (
        "callback",
        "answered",
        "1001",
        "1003",
    )
    assert reached["wait_s"] == 30.0 and reached["talk_s"] == 60.0
    missed = call_row(member, None, Directory(), "local", "events")
    assert missed["disposition"] == "failed" and missed["talk_s"] == 0.0
    # the leg that dials the caller makes no row of its own
    assert (
        call_row({**member, "direction": "outbound", "ccctl_target": ""}, None, Directory(), "local", "events") is None
    )


def test_rollup_counts_scores_and_callbacks_and_offers_a_caller_once():
    base = {
        "tenant": "acme",
        "entered_at": 0.0,
        "queue": "sales",
        "agent": "1001",
        "wait_s": 5.0,
        "talk_s": 60.0,
        "wrapup_s": 0.0,
        "sla_target": 20,
        "direction": "inbound",
    }
    f = figures({**base, "disposition": "answered", "survey_score": 5})
    assert (f["offered"], f["surveyed"], f["survey_score"]) == (1, 1, 5)
    f = figures({**base, "disposition": "callback", "agent": None, "survey_score": None})
    assert (f["offered"], f["callbacks"], f["abandoned"], f["surveyed"]) == (1, 1, 0, 0)
    f = figures({**base, "disposition": "answered", "direction": "callback", "survey_score": None})
    assert (f["offered"], f["answered"], f["callbacks_reached"]) == (0, 0, 1)


def request(**kw) -> CallbackRequest:
    return CallbackRequest(
        **{
            "id": 7,
            "tenant": "acme",
            "queue": "sales",
            "number": "1003",
            "call_uuid": "u1",
            "since": 1000.0,
            "requested_at": 1020.0,
            "state": "placed",
            "attempts": 1,
            "max_attempts": 3,
            "interval": 60,
            "next_at": 1020.0,
            "updated_at": 1020.0,
            **kw,
        }
    )


def test_the_retry_rule_on_a_fake_clock():
    r = request()
    after_attempt(r, False, "NO_ANSWER", "1001", now=2000.0)
    assert (r.state, r.next_at, r.agent, r.last_cause) == ("waiting", 2060.0, "1001", "NO_ANSWER")
    r.state, r.attempts = "placed", 3
    after_attempt(r, False, "USER_BUSY", None, now=2100.0)
    assert r.state == "failed"
    r = request()
    after_attempt(r, True, "NORMAL_CLEARING", "1002", now=2000.0)
    assert (r.state, r.agent) == ("done", "1002")


def test_the_placeholder_ranks_from_the_callers_arrival():
    r = request(since=1000.2)
    assert base_score(r, 1030.0) == 30 + PLACEMENT_S
    cmd = originate_command(r, 1030.0, "a-uuid")
    assert cmd.startswith("originate {") and cmd.endswith("}loopback/cc-callback-wait-sales/acme &park()")
    assert f"cc_base_score={30 + PLACEMENT_S}" in cmd and "ccctl_callback_number=1003" in cmd
    with pytest.raises(InvalidInput):
        originate_command(request(number="1003,evil=${x}"), 1030.0, "a-uuid")


def test_callback_cli_lists_cancels_and_refuses_clearly(tmp_path):
    import json

    from typer.testing import CliRunner

    from ccctl.callbacks import requests
    from ccctl.cli.main import app
    from ccctl.db import open_engine

    db = tmp_path / "c.db"
    engine = open_engine(f"sqlite:///{db}")
    row = {
        "uuid": "u1",
        "tenant": "acme",
        "queue": "sales",
        "caller_number": "1003",
        "disposition": "callback",
        "entered_at": 1000.0,
    }
    req = requests.request_from_call(engine, row, now=1010.0)
    engine.dispose()

    def run(*args):
        return CliRunner().invoke(app, ["--db", str(db), "callback", *args], env={"CCCTL_FS_DEPLOY": "off"})

    r = run("list", "--json")
    assert r.exit_code == 0 and [x["state"] for x in json.loads(r.stdout)] == ["waiting"], r.output
    r = run("list", "--state", "bogus")
    assert r.exit_code == 1 and "state 'bogus'" in r.output and "Traceback" not in r.output
    r = run("cancel", str(req.id), "--json")  # no FreeSWITCH here: nothing placed to hang up
    assert r.exit_code == 0 and json.loads(r.stdout)["state"] == "cancelled", r.output
    assert run("cancel", str(req.id)).exit_code == 4
    assert run("cancel", "999").exit_code == 3
    assert json.loads(run("list", "--state", "open", "--json").stdout) == []

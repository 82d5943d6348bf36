"""Queue callback against a real FreeSWITCH, sipp seats and callers, and the event daemon.

The only agent is on break. Caller A (calling from 1003, an on-net seat) waits, presses 1,
hears that they keep their place and is hung up on; caller B comes in after A and waits on
the line. The daemon records A's request and puts a placeholder into the queue ranked from
A's arrival. When the agent becomes ready, the callback is served before B: the agent is
connected first, then A's phone (seat 1003) rings and answers. Then B is served. Call rows,
the request and `ccctl stats` show it."""

from __future__ import annotations

import json
import time

import pytest
from typer.testing import CliRunner

from ccctl.cli.main import app
from ccctl.config import spec as s
from ccctl.config.entities import seat_password
from ccctl.daemon.assemble import FILTERS, SUBSCRIBE
from ccctl.supervision.agents import parse_table, set_status
from ccctl.testing import sip
from ccctl.testing.sip import Agents, EventLog, Seat, call, start_call

from .test_daemon import box_and_daemon, check, wait_rows

pytestmark = pytest.mark.skipif(sip.available() is not None, reason=str(sip.available()))

TENANT, DOMAIN, DID = "acme", "acme.cc.local", "4000000031"
QUEUE = f"sales@{DOMAIN}"


def tenant() -> s.Tenant:
    return s.Tenant(
        name=TENANT,
        recording=s.Recording(mode="none"),
        seats=[s.Seat(extension="1001", name="Alice", skills={"sales": 5}), s.Seat(extension="1003", name="Carol")],
        queues=[
            s.Queue(
                name="sales",
                wrapup=0,
                max_wait=900,
                callback=s.Callback(key="1", attempts=2, interval=30),
                no_agent=s.NoAgent(timeout=0, target="hangup"),
            )
        ],
        numbers=[s.Number(number=DID, target="queue:sales")],
    )


@pytest.fixture(autouse=True)
def no_stray_sipp():
    yield
    sip.kill_all()


def members(box) -> list[dict[str, str]]:
    return parse_table(box.api(f"callcenter_config queue list members {QUEUE}"))


def test_callback_reaches_the_caller_after_an_agent_frees_up_keeping_their_place(fs_install, tmp_path):
    with box_and_daemon(fs_install, tmp_path, tenant()) as (ctx, box, daemon):
        with (
            EventLog(box.fs.password, SUBSCRIBE, filters=FILTERS) as events,
            daemon,
            Agents(
                box,
                tmp_path / "seats",
                [
                    Seat("1001", DOMAIN, seat_password(box.services, TENANT, "1001"), 4000),
                    Seat("1003", DOMAIN, seat_password(box.services, TENANT, "1003"), 3000),
                ],
            ) as agents,
        ):
            set_status(box.services, TENANT, "1001", "break")
            diag = [agents.diagnostics, daemon.text, lambda: box.fs.log_tail(150)]
            a = call(tmp_path / "a", DID, digits="1", wait_ms=2500, talk_ms=15000, caller_number="1003")
            check(a.ok and a.answered and a.ended == "remote-bye", f"A: {a}", a.diagnostics, *diag)
            time.sleep(2)  # B comes in clearly later (mod_callcenter ranks by whole seconds)
            b = start_call(
                tmp_path / "b",
                DID,
                wait_ms=500,
                talk_ms=120_000,
                source_ip="127.0.0.3",
                caller_number="4915112345678",
                timeout_s=200,
            )
            events.wait_for(lambda e: e.get("CC-Action") == "member-queue-start", count=2, timeout=30)
            # The daemon places A's callback: a second member of the queue, after B joined.
            deadline = time.monotonic() + 30
            while len(members(box)) < 2 and time.monotonic() < deadline:
                time.sleep(0.2)
            waiting = members(box)
            check(len(waiting) == 2, f"members: {waiting}", *diag)
            print("members before the agent is ready:", json.dumps(waiting, indent=1))

            set_status(box.services, TENANT, "1001", "ready")
            bridged = events.wait_for(lambda e: e.get("CC-Action") == "bridge-agent-start", count=2, timeout=60)
            first, second = [e.get("CC-Member-CID-Number") for e in bridged]
            check(first == "1003" and second == "4915112345678", f"served {first} then {second}", *diag)
            deadline = time.monotonic() + 20
            while not agents["1003"].calls and time.monotonic() < deadline:
                time.sleep(0.2)
            check(len(agents["1003"].calls) == 1, "the caller's phone (seat 1003) never answered", *diag)
            b_result = b.wait(60)
            check(b_result.ok and b_result.answered, f"B: {b_result}", b_result.diagnostics, *diag)
            rows = wait_rows(ctx.engine, 3, timeout=30)
            check(len(rows) == 3, f"rows: {rows}", *diag)
            time.sleep(2)  # the daemon's callback step folds the attempt's row in

    by_kind = {(r["direction"], r["disposition"]): r for r in rows}
    print(json.dumps(rows, indent=1, default=str))
    request = by_kind[("inbound", "callback")]
    attempt = by_kind[("callback", "answered")]
    served_b = by_kind[("inbound", "answered")]
    assert request["caller_number"] == "1003" and request["queue"] == "sales"
    assert attempt["queue"] == "sales" and attempt["agent"] == "1001" and attempt["caller_number"] == "1003"
    assert served_b["agent"] == "1001"

    runner = CliRunner()
    env = {"CCCTL_DB": ctx.settings.db, "CCCTL_FS_DEPLOY": "off"}
    r = runner.invoke(app, ["callback", "list", "--tenant", TENANT, "--json"], env=env)
    assert r.exit_code == 0, r.output
    [req] = json.loads(r.stdout)
    assert req["state"] == "done" and req["attempts"] == 1 and req["agent"] == "1001" and req["number"] == "1003", req
    r = runner.invoke(app, ["callback", "cancel", str(req["id"])], env=env)
    assert r.exit_code == 4, r.output  # a finished request cannot be cancelled
    r = runner.invoke(app, ["stats", "--tenant", TENANT, "--by", "queue", "--json"], env=env)
    [st] = json.loads(r.stdout)
    # offered once per caller (the callback attempt is the same caller's turn), both answered
    assert st["offered"] == 2 and st["callbacks"] == 1 and st["callbacks_reached"] == 1, st


def test_an_anonymous_caller_pressing_the_key_stays_in_the_queue(fs_install, tmp_path):
    """No number to call back: the caller hears that the option is not valid and goes back to
    the queue in the same call; no request is made."""
    with box_and_daemon(fs_install, tmp_path, tenant()) as (ctx, box, daemon):
        with EventLog(box.fs.password, SUBSCRIBE, filters=FILTERS) as events, daemon:
            caller = start_call(
                tmp_path / "anon", DID, digits="1", wait_ms=2500, talk_ms=6000, caller_number="anonymous"
            )
            joins = events.wait_for(lambda e: e.get("CC-Action") == "member-queue-start", count=2, timeout=30)
            assert len({e["CC-Member-Session-UUID"] for e in joins}) == 1  # the same call, back in the queue
            result = caller.wait(60)
            check(result.ok and result.ended == "local-bye", f"caller: {result}", result.diagnostics, daemon.text)
            rows = wait_rows(ctx.engine, 1)
    assert [r["disposition"] for r in rows] == ["abandoned"], rows
    r = CliRunner().invoke(app, ["callback", "list", "--json"], env={"CCCTL_DB": ctx.settings.db})
    assert r.exit_code == 0 and json.loads(r.stdout) == [], r.output

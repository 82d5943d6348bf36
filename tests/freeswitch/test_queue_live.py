"""Live queue changes leave waiting callers alone: while callers wait in a queue with no agent
available, its strategy, its announcement and its tiers change through ccctl (the same write
path as `ccctl queue set` / `seat set`); every caller is still waiting, in the same member row,
on the same call, afterwards; when an agent logs in they are answered in the order they came."""

from __future__ import annotations

import time

import pytest

from ccctl.config import entities
from ccctl.config import spec as s
from ccctl.deploy.reload_plan import plan
from ccctl.deploy.tree_store import TreeStore
from ccctl.freeswitch.status import box_status
from ccctl.stats.live import realtime
from ccctl.supervision.agents import parse_table, set_status
from ccctl.testing import sip
from ccctl.testing.sip import Agents, start_call

from .test_calls import DOMAIN, TENANT, check, running_box, seats

pytestmark = pytest.mark.skipif(sip.available() is not None, reason=str(sip.available()))

DID = "4000000007"
QUEUE = f"sales@{DOMAIN}"
CALLERS = 4


def tenant() -> s.Tenant:
    return s.Tenant(
        name=TENANT,
        call_limit=0,
        recording=s.Recording(mode="none"),
        seats=[
            s.Seat(extension="1001", name="Alice", skills={"sales": 5}),
            s.Seat(extension="1002", name="Bob", skills={"sales": 5}),
            s.Seat(extension="1003", name="Carol", skills={"support": 5}),
        ],
        queues=[
            s.Queue(
                name="sales",
                strategy="longest-idle-agent",
                wrapup=0,
                max_wait=900,
                no_agent=s.NoAgent(timeout=0, target="hangup"),
            ),
            s.Queue(name="support", wrapup=0),
        ],
        numbers=[s.Number(number=DID, target="queue:sales")],
    )


def members(box) -> dict[str, str]:
    """session uuid -> state of the queue's members."""
    rows = parse_table(box.api(f"callcenter_config queue list members {QUEUE}"))
    return {r["session_uuid"]: r["state"] for r in rows}


@pytest.fixture(autouse=True)
def no_stray_sipp():
    yield
    sip.kill_all()


def test_waiting_callers_survive_live_queue_changes_and_keep_their_order(fs_install, tmp_path):
    with (
        running_box(fs_install, tmp_path / "fs", tenant()) as (box, events),
        Agents(box, tmp_path / "seats", seats(box, {"1001": 1500, "1002": 1500})) as agents,
    ):
        # Nobody logged in. Callers arrive 1.5 s apart (mod_callcenter orders by whole seconds).
        calls, order = [], []
        for i in range(CALLERS):
            calls.append(
                start_call(
                    tmp_path / f"caller-{i}",
                    DID,
                    source_ip=f"127.0.0.{2 + i}",
                    wait_ms=500,
                    talk_ms=600_000,
                    timeout_s=900,
                )
            )
            start = events.wait_for(lambda e: e.get("CC-Action") == "member-queue-start", count=i + 1, timeout=30)
            order = [e["CC-Member-Session-UUID"] for e in start]
            time.sleep(1.5)
        assert set(members(box)) == set(order) and set(members(box).values()) == {"Waiting"}
        # The DID ran the queue in `public` (no transfer into the tenant's context): the
        # live figures still count these callers as the tenant's calls in progress.
        rows = realtime(box.services, TENANT)
        assert {r["queue"]: r["calls_in_progress"] for r in rows} == {"sales": CALLERS, "support": CALLERS}
        mine = next(t for t in box_status(box.services)["tenants"] if t["tenant"] == TENANT)
        assert mine["active_channels"] == CALLERS

        def still_waiting(after: str) -> None:
            time.sleep(2)  # a few rounds of mod_callcenter's member threads (0.5 s) and dispatcher (0.1 s)
            now = members(box)
            check(
                set(now) == set(order) and set(now.values()) == {"Waiting"},
                f"after {after}: members {now}, expected {order} waiting",
                lambda: box.fs.log_tail(80),
            )
            gone = events.matching(lambda e: e.get("CC-Action") == "member-queue-end")
            assert not gone, f"after {after}: callers left the queue: {[e.get('CC-Cancel-Reason') for e in gone]}"
            assert all(c.sipp.running() for c in calls), f"after {after}: a caller's call ended"
            hangups = events.matching(lambda e: e.get("Event-Name") == "CHANNEL_HANGUP_COMPLETE")
            assert not hangups, f"after {after}: {[(h.get('Unique-ID'), h.get('Hangup-Cause')) for h in hangups]}"

        changes = [
            ("strategy", "queue", "sales", {"strategy": "round-robin"}, "queue reload"),
            (
                "announcement",
                "queue",
                "sales",
                {"announce": "Thank you for waiting.", "announce_every": 5},
                "queue reload",
            ),
            ("tier level", "seat", "1002", {"skills": {"sales": 9}}, "tier set level"),
            ("tier added", "seat", "1003", {"skills": {"support": 5, "sales": 3}}, "tier add"),
            ("tier removed", "seat", "1003", {"skills": {"support": 5}}, "tier del"),
        ]
        store = TreeStore(box.services.settings.fs_conf_dir)
        for what, noun, key, fields, expected in changes:
            before = store.read()
            entities.set_item(box.services, noun, TENANT, key, fields)
            ran = plan(before, store.read()).commands  # what the write just ran on FreeSWITCH
            print(f"{what}: {ran}")
            assert any(expected in c for c in ran), ran
            still_waiting(what)
        queue = parse_table(box.api("callcenter_config queue list"))
        assert {q["name"]: q["strategy"] for q in queue}[QUEUE] == "round-robin"
        tiers = {(t["queue"], t["agent"]): t["level"] for t in parse_table(box.api("callcenter_config tier list"))}
        assert tiers[(QUEUE, f"1002@{DOMAIN}")] == "2" and (QUEUE, f"1003@{DOMAIN}") not in tiers

        # One agent logs in: it takes the callers one after another, first come first served.
        set_status(box.services, TENANT, "1001", "ready")
        bridged = events.wait_for(lambda e: e.get("CC-Action") == "bridge-agent-start", count=CALLERS, timeout=120)
        served = [e["CC-Member-Session-UUID"] for e in bridged]
        print(f"joined {order}\nserved {served}")
        assert served == order
        assert len(agents["1001"].calls) == CALLERS and agents["1002"].calls == []

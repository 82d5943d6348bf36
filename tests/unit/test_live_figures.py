"""One function computes a queue's live figures; `ccctl status` and `ccctl stats --now` both
show what it says, here against the wire-level fake's mod_callcenter lists."""

from __future__ import annotations

import time

import pytest

from ccctl.config import spec as s
from ccctl.config.gather import esl_password
from ccctl.config.write import apply_tenants
from ccctl.freeswitch.status import box_status
from ccctl.stats.live import QueueTables, queue_figures, realtime
from ccctl.testing.fake_esl import FakeEventSocket

NOW = 1_800_000_000
MEMBERS = (
    "queue|uuid|session_uuid|cid_number|cid_name|system_epoch|joined_epoch|rejoined_epoch|bridge_epoch|"
    "abandoned_epoch|base_score|skill_score|serving_agent|serving_system|state\n"
    f"sales@acme.cc.local|u1|s1|100|A|0|{NOW - 30}|0|0|0|0|0|||Waiting\n"
    f"sales@acme.cc.local|u2|s2|101|B|0|{NOW - 5}|0|0|0|0|0|||Trying\n"
    f"sales@acme.cc.local|u3|s3|102|C|0|{NOW - 50}|0|0|0|0|0|||Answered\n"
    f"support@acme.cc.local|u4|s4|103|D|0|{NOW - 9}|0|0|0|0|0|||Waiting\n"
    "+OK\n"
)
AGENTS = (
    "name|instance_id|uuid|type|contact|status|state|max_no_answer|wrap_up_time\n"
    "1001@acme.cc.local|single_box||callback|x|Available|Waiting|3|10\n"
    "1002@acme.cc.local|single_box||callback|x|Available (On Demand)|Waiting|3|10\n"
    "1003@acme.cc.local|single_box||callback|x|Available|In a queue call|3|10\n"
    "1004@acme.cc.local|single_box||callback|x|On Break|Waiting|3|10\n"
    "+OK\n"
)
TIERS = (
    "queue|agent|state|level|position\n"
    "sales@acme.cc.local|1001@acme.cc.local|Ready|1|1\n"
    "sales@acme.cc.local|1003@acme.cc.local|Ready|1|1\n"
    "sales@acme.cc.local|1004@acme.cc.local|Ready|1|1\n"
    "support@acme.cc.local|1002@acme.cc.local|Ready|1|1\n"
    "+OK\n"
)


def _tables(text: str):
    from ccctl.supervision.agents import parse_table

    return parse_table(text)


def test_queue_figures():
    t = s.Tenant(name="acme", queues=[s.Queue(name="sales"), s.Queue(name="support")])
    tables = QueueTables(_tables(MEMBERS), _tables(AGENTS), _tables(TIERS))
    assert queue_figures(t, t.queues[0], tables, NOW) == {
        "waiting": 2,
        "longest_wait": 30,
        "available_agents": 1,
        "agents": {"Available/In a queue call": 1, "Available/Waiting": 1, "On Break/Waiting": 1},
    }
    assert queue_figures(t, t.queues[1], tables, NOW) == {
        "waiting": 1,
        "longest_wait": 9,
        "available_agents": 1,
        "agents": {"Available (On Demand)/Waiting": 1},
    }
    other = s.Tenant(name="beta", queues=[s.Queue(name="sales")])  # same queue name, another domain
    assert queue_figures(other, other.queues[0], tables, NOW) == {
        "waiting": 0,
        "longest_wait": 0,
        "available_agents": 0,
        "agents": {},
    }


@pytest.fixture
def switch(ctx):
    apply_tenants(ctx, [s.Tenant(name="acme", queues=[s.Queue(name="sales"), s.Queue(name="support")])])
    fake = FakeEventSocket(
        password=esl_password(ctx),
        replies={
            "callcenter_config queue list members": MEMBERS.replace(str(NOW), str(int(time.time()))),
            "callcenter_config agent list": AGENTS,
            "callcenter_config tier list": TIERS,
            "show ": '{"row_count": 0, "rows": []}',
            "uptime": "5",
            "version": "FreeSWITCH Version 1.10.12",
            "db count": "0",
        },
    )
    ctx.settings = ctx.settings.with_(esl_port=fake.port)
    yield ctx
    fake.close()


def test_status_and_stats_now_agree(switch):
    status = {q["queue"]: q for q in box_status(switch)["tenants"][0]["queues"]}
    now = {r["queue"]: r for r in realtime(switch, "acme")}
    assert status == {
        "sales": {"queue": "sales", "waiting": 2, "available_agents": 1},
        "support": {"queue": "support", "waiting": 1, "available_agents": 1},
    }
    assert {q: (r["waiting"], r["agents"]) for q, r in now.items()} == {
        "sales": (2, {"Available/In a queue call": 1, "Available/Waiting": 1, "On Break/Waiting": 1}),
        "support": (1, {"Available (On Demand)/Waiting": 1}),
    }
    assert list(now["sales"]) == ["tenant", "queue", "waiting", "longest_wait", "agents", "calls_in_progress"]


def test_a_did_call_still_in_public_counts_for_its_tenant():
    """A DID's extension runs its target in `public` (no transfer): the channel's context
    stays `public`, at the tenant's number, until a later transfer into the tenant's."""
    from ccctl.render.names import in_context

    acme = s.Tenant(name="acme", numbers=[{"number": "4001", "target": "echo"}])
    other = s.Tenant(name="other", numbers=[{"number": "4002", "target": "echo"}])
    assert in_context(acme, {"context": "public", "dest": "4001"})
    assert not in_context(other, {"context": "public", "dest": "4001"})
    assert in_context(acme, {"context": "acme", "dest": "cc-queue-sales"})
    assert not in_context(acme, {"context": "public", "dest": "9999"})

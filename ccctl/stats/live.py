"""Real-time figures, asked of FreeSWITCH itself (mod_callcenter's member, agent and tier
lists, the channel list): callers waiting, longest current wait, agents by state, calls in
progress. `queue_figures` is the one place a queue's live figures are computed: `ccctl stats
--now` (realtime) and `ccctl status` (ccctl/freeswitch/status.py) both read them from it."""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import dataclass

from ccctl.app import Services
from ccctl.config import spec as s
from ccctl.config.entities import list_tenants
from ccctl.errors import FreeSwitchError
from ccctl.freeswitch.connect import try_event_socket
from ccctl.render import names
from ccctl.supervision.agents import parse_table


@dataclass(frozen=True)
class QueueTables:
    """mod_callcenter's lists at one moment: queue members (callers), agents, tiers."""

    members: list[dict[str, str]]
    agents: list[dict[str, str]]
    tiers: list[dict[str, str]]


NO_TABLES = QueueTables([], [], [])


def queue_tables(esl) -> QueueTables:
    return QueueTables(
        members=parse_table(esl.api("callcenter_config queue list members", check=False)),
        agents=parse_table(esl.api("callcenter_config agent list", check=False)),
        tiers=parse_table(esl.api("callcenter_config tier list", check=False)),
    )


def queue_figures(t: s.Tenant, q: s.Queue, tables: QueueTables, now: float) -> dict:
    """Queue Q of tenant T now: callers waiting, the longest of their waits (seconds), its
    agents counted by 'status/state', and how many of them could take a call right away."""
    qid = names.queue_id(t, q)
    waiting = [m for m in tables.members if m.get("queue") == qid and m.get("state") in ("Waiting", "Trying")]
    joined = [int(m["joined_epoch"]) for m in waiting if m.get("joined_epoch", "").isdigit()]
    in_queue = {r.get("agent") for r in tables.tiers if r.get("queue") == qid}
    mine = [a for a in tables.agents if a.get("name") in in_queue]
    states = Counter(f"{a.get('status')}/{a.get('state')}" for a in mine)
    return {
        "waiting": len(waiting),
        "longest_wait": round(now - min(joined), 1) if joined else 0,
        "agents": dict(sorted(states.items())),
        "available_agents": sum(
            1 for a in mine if a.get("status", "").startswith("Available") and a.get("state") == "Waiting"
        ),
    }


def channels(esl) -> list[dict]:
    """FreeSWITCH's channels now (show channels)."""
    try:
        return json.loads(esl.api("show channels as json", check=False)).get("rows", []) or []
    except ValueError:
        return []


def calls_up(rows: list[dict], tenant: s.Tenant | None = None) -> int:
    """Calls in progress among channel ROWS (of TENANT, a tenant row): the inbound channels, so a
    queue call and its agent's leg count once; a DID's call counts in `public` too."""
    return sum(1 for c in rows if c.get("direction") == "inbound" and (tenant is None or names.in_context(tenant, c)))


def node_calls(services: Services) -> int | None:
    """Calls in progress on this box's FreeSWITCH; None when it does not answer."""
    esl = try_event_socket(services)
    if esl is None:
        return None
    with esl:
        return calls_up(channels(esl))


def realtime(services: Services, tenant: str | None = None) -> list[dict]:
    """One row per queue of each tenant (or of TENANT)."""
    tenants = [t for t in list_tenants(services) if tenant is None or t.name == tenant]
    esl = try_event_socket(services)
    if esl is None:
        raise FreeSwitchError("FreeSWITCH is not running: no real-time figures")
    with esl:
        tables = queue_tables(esl)
        rows_now = channels(esl)
    now = time.time()
    rows = []
    for t in tenants:
        in_progress = calls_up(rows_now, t)
        for q in t.queues:
            f = queue_figures(t, q, tables, now)
            rows.append(
                {
                    "tenant": t.name,
                    "queue": q.name,
                    "waiting": f["waiting"],
                    "longest_wait": f["longest_wait"],
                    "agents": f["agents"],
                    "calls_in_progress": in_progress,
                }
            )
    return rows

"""Real-time figures, asked of FreeSWITCH itself (mod_callcenter's member and agent lists,
the channel list): callers waiting, longest current wait, agents by state, calls in progress."""

from __future__ import annotations

import json
import time
from collections import Counter

from ccctl.supervision.agents import parse_table
from ccctl.app import Services
from ccctl.errors import FreeSwitchError
from ccctl.freeswitch.connect import try_event_socket
from ccctl.render import names
from ccctl.config.entities import list_tenants


def realtime(services: Services, tenant: str | None = None) -> list[dict]:
    """One row per queue of each tenant (or of TENANT)."""
    tenants = [t for t in list_tenants(services) if tenant is None or t.name == tenant]
    esl = try_event_socket(services)
    if esl is None:
        raise FreeSwitchError("FreeSWITCH is not running: no real-time figures")
    with esl:
        members = parse_table(esl.api("callcenter_config queue list members", check=False))
        agents = parse_table(esl.api("callcenter_config agent list", check=False))
        tiers = parse_table(esl.api("callcenter_config tier list", check=False))
        try:
            channels = json.loads(esl.api("show channels as json", check=False)).get("rows", []) or []
        except ValueError:
            channels = []
    now = time.time()
    rows = []
    for t in tenants:
        in_progress = sum(1 for c in channels if c.get("context") == t.name and c.get("direction") == "inbound")
        for q in t.queues:
            qid = names.queue_id(t, q)
            waiting = [m for m in members if m.get("queue") == qid and m.get("state") in ("Waiting", "Trying")]
            joined = [int(m["joined_epoch"]) for m in waiting if m.get("joined_epoch", "").isdigit()]
            in_queue = {r.get("agent") for r in tiers if r.get("queue") == qid}
            states = Counter(f"{a.get('status')}/{a.get('state')}" for a in agents if a.get("name") in in_queue)
            rows.append({"tenant": t.name, "queue": q.name, "waiting": len(waiting),
                         "longest_wait": round(now - min(joined), 1) if joined else 0,
                         "agents": dict(sorted(states.items())), "calls_in_progress": in_progress})
    return rows

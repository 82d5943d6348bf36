"""The fleet at a glance (`ccctl status --fleet`): every node's health, configuration, tenants and
calls, read from the fleet's database alone, so any machine of the fleet can answer, and a node
whose FreeSWITCH or daemon died still shows (as down).

A node is `down` when the leader marked it so or when its heartbeat is older than the leader's
limit (failover.DEAD_AFTER: the leader may not have looked yet), `draining` when drained, else
`up`. Calls in progress are what each node's daemon put in its last heartbeat (call rows are
written when a call ends); a down node's are unknown (lost, media cannot move). Calls today are
the call rows each node's daemon wrote since midnight UTC.
"""

from __future__ import annotations

import time
from collections import defaultdict
from datetime import datetime, timezone

from sqlalchemy import func, select

from ccctl.app import Services
from ccctl.db import session_scope
from ccctl.deploy import generation as gen
from ccctl.errors import InvalidInput
from ccctl.fleet.failover import DEAD_AFTER
from ccctl.model import Call, Node, Tenant


def health(node: Node, now: float) -> str:
    if node.state == "down":
        return "down"
    if node.heartbeat_at is None or now - node.heartbeat_at > DEAD_AFTER:
        return "down"
    return "draining" if node.state == "draining" else "up"


def fleet_status(services: Services, now: float | None = None) -> dict:
    """{generation, edge, nodes: [...], down: [names]}; InvalidInput on a database without nodes."""
    from ccctl.fleet.scope import edge_address

    now = time.time() if now is None else now
    midnight = datetime.fromtimestamp(now, timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    with session_scope(services.engine) as session:
        nodes = session.execute(select(Node).order_by(Node.name)).scalars().all()
        if not nodes:
            raise InvalidInput("this database has no nodes: a single box (ccctl status shows it)")
        current = gen.current(session)
        homed: dict[str, list[str]] = defaultdict(list)
        for tenant, node in session.execute(
            select(Tenant.name, Tenant.home_node).where(Tenant.home_node.is_not(None)).order_by(Tenant.name)
        ):
            homed[node].append(tenant)
        today = dict(
            session.execute(
                select(Call.node, func.count()).where(Call.entered_at >= midnight.timestamp()).group_by(Call.node)
            ).all()
        )
        rows = []
        for n in nodes:
            state = health(n, now)
            failed = gen.state(session, n.name).failed
            rows.append(
                {
                    "name": n.name,
                    "address": n.sip_address,
                    "role": "standby" if n.standby else "node",
                    "state": state,
                    "heartbeat_age": None if n.heartbeat_at is None else round(now - n.heartbeat_at, 1),
                    "deployed_generation": n.deployed_generation,
                    "generation": current,
                    "behind": max(current - n.deployed_generation, 0),
                    "failed_generation": failed,
                    "tenants": homed.get(n.name, []),
                    "calls_in_progress": None if state == "down" else n.live_calls,
                    "calls_today": today.get(n.name, 0),
                    "manage_address": n.manage_address,
                }
            )
        edge = edge_address(session)
    return {
        "generation": current,
        "edge": edge,
        "nodes": rows,
        "down": [r["name"] for r in rows if r["state"] == "down"],
    }

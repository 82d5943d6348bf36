"""Each tenant's home node, settled inside the configuration write path (under its lock, so two
writers never place against the same stale counts).

A tenant written without a home node keeps the one it has; a new one goes to the active,
non-standby node with the fewest tenants. Naming a node (the site file's `home_node`, or
`ccctl tenant move`) is checked: it must exist, be active, and have room for the tenant's call
cap within its `max_sessions` (a call is two channels). A database without nodes (a single box)
places nothing and refuses a home node.
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select
from sqlmodel import Session

from ccctl.config import spec as s
from ccctl.errors import Conflict, LimitReached, NotFound
from ccctl.model import Node, Tenant


def _loads(session: Session) -> tuple[Counter, Counter]:
    """(tenants, capped calls) per node, as committed."""
    tenants, calls = Counter(), Counter()
    for node, limit in session.execute(
        select(Tenant.home_node, Tenant.call_limit).where(Tenant.home_node.is_not(None))
    ):
        tenants[node] += 1
        calls[node] += limit
    return tenants, calls


def _check_room(node: Node, t: s.Tenant, calls: Counter, previous: s.Tenant | None) -> None:
    if not node.max_sessions:
        return
    mine = previous.call_limit if previous is not None and previous.home_node == node.name else 0
    after = calls[node.name] - mine + t.call_limit
    if t.call_limit == 0 or 2 * after > node.max_sessions:
        cap = "no call cap" if t.call_limit == 0 else f"{t.call_limit} calls"
        raise LimitReached(
            f"tenant {t.name} ({cap}) does not fit on node {node.name}: its tenants' call caps would need "
            f"{2 * after} of its {node.max_sessions} sessions"
        )


def settle(session: Session, desired: list[s.Tenant], current: dict[str, s.Tenant]) -> list[s.Tenant]:
    """DESIRED with every home node settled (see the module's doc); raises when one cannot be."""
    nodes = {n.name: n for n in session.execute(select(Node)).scalars()}
    if not nodes:
        named = next((t for t in desired if t.home_node), None)
        if named is not None:
            raise NotFound(f"tenant {named.name}: no node {named.home_node} (this database has no fleet nodes)")
        return desired
    tenants, calls = _loads(session)
    out = []
    for t in desired:
        before = current.get(t.name)
        had = before.home_node if before is not None else None
        if t.home_node is None and had is not None:
            t = t.model_copy(update={"home_node": had})
        elif t.home_node is None:
            t = t.model_copy(update={"home_node": _choose(nodes, tenants, t)})
        elif t.home_node != had:
            node = nodes.get(t.home_node)
            if node is None:
                raise NotFound(f"tenant {t.name}: no node {t.home_node} (ccctl node list shows the nodes)")
            if node.state != "active":
                raise Conflict(f"tenant {t.name}: node {node.name} is {node.state}; it takes no tenant")
            _check_room(node, t, calls, before)
        if t.home_node != had:
            tenants[t.home_node] += 1
            calls[t.home_node] += t.call_limit
        out.append(t)
    return out


def _choose(nodes: dict[str, Node], tenants: Counter, t: s.Tenant) -> str:
    ready = [n for n in nodes.values() if n.state == "active" and not n.standby]
    if not ready:
        raise Conflict(f"tenant {t.name}: no active node to place it on (ccctl node add, or name its home_node)")
    return min(ready, key=lambda n: (tenants[n.name], n.name)).name

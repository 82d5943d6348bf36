"""A node that stops answering: its tenants go to a standby, decided by one leader.

Every node's daemon tries to hold a PostgreSQL advisory lock (a session lock on a connection of
its own); the one that holds it is the leader, and PostgreSQL hands the lock to another daemon
when the leader's connection dies. No home-made election. The leader, every few seconds, marks
`down` each node whose heartbeat is older than DEAD_AFTER (a node's daemon beats only while its
FreeSWITCH answers on the Event Socket) and re-homes that node's tenants through the write path:
to an active standby with a fresh heartbeat, else to the least loaded active node. The new home
deploys them when it hears the generation; the edge's follower reloads its routes and drops the
dead node's dispatcher sets. Calls in progress on the dead node are lost (media cannot move).
"""

from __future__ import annotations

import logging
import time
from collections import Counter

from sqlalchemy import select

from ccctl.app import Services
from ccctl.db import session_scope
from ccctl.deploy import generation as gen
from ccctl.errors import CcError
from ccctl.model import Node, Tenant

log = logging.getLogger("ccctl.fleet")
LOCK_KEY = 0x63636C64  # "ccld": the leader's advisory lock
DEAD_AFTER = 15.0
"""Seconds without a heartbeat after which a node is down (three missed beats)."""


class Leadership:
    """Holds (or keeps trying to take) the leader's advisory lock on a connection of its own."""

    def __init__(self, url: str):
        self.url = url
        self.conn = None

    def held(self) -> bool:
        import psycopg

        from ccctl.fleet.notify import conninfo

        try:
            if self.conn is None or self.conn.closed:
                self.conn = psycopg.connect(conninfo(self.url), autocommit=True, connect_timeout=5)
                self.leading = False
            if not getattr(self, "leading", False):
                self.leading = bool(self.conn.execute("SELECT pg_try_advisory_lock(%s)", (LOCK_KEY,)).fetchone()[0])
            else:
                self.conn.execute("SELECT 1")  # a dead connection means the lock is gone too
            return self.leading
        except psycopg.Error:
            self.close()
            return False

    def close(self) -> None:
        if self.conn is not None:
            try:
                self.conn.close()
            except Exception:
                pass
        self.conn = None
        self.leading = False


def _fresh(node: Node, now: float) -> bool:
    return node.heartbeat_at is not None and now - node.heartbeat_at <= DEAD_AFTER


def mark_dead(services: Services, now: float | None = None) -> list[str]:
    """Mark down every active or draining node whose heartbeat is stale; their names. A node
    that never beat (added, not started yet) is not dead: it has nothing to fail over."""
    now = time.time() if now is None else now
    dead = []
    with session_scope(services.engine) as session:
        for node in session.execute(select(Node).where(Node.state != "down")).scalars():
            if node.heartbeat_at is not None and not _fresh(node, now):
                node.state = "down"
                dead.append(node.name)
        if dead:
            gen.announce(session)
    return dead


def choose_home(session, now: float, exclude: str) -> str | None:
    nodes = [n for n in session.execute(select(Node)).scalars() if n.name != exclude]
    alive = [n for n in nodes if n.state == "active" and _fresh(n, now)]
    load = Counter(session.execute(select(Tenant.home_node).where(Tenant.home_node.is_not(None))).scalars())
    for pool in ([n for n in alive if n.standby], [n for n in alive if not n.standby]):
        if pool:
            return min(pool, key=lambda n: (load[n.name], n.name)).name
    return None


def rehome(services: Services, dead: str, now: float | None = None) -> tuple[str | None, list[str]]:
    """Move every tenant of DEAD to a live node in one write; (new home, tenants moved)."""
    from ccctl.config import store
    from ccctl.config.write import Edit, change

    now = time.time() if now is None else now
    moved: list[str] = []
    target: list[str | None] = [None]

    def plan(session) -> Edit:
        names = list(session.execute(select(Tenant.name).where(Tenant.home_node == dead)).scalars())
        target[0] = choose_home(session, now, dead) if names else None
        if not names or target[0] is None:
            return Edit([])
        tenants = store.load_tenants(session, names, with_secrets=True)
        moved[:] = names
        return Edit([t.model_copy(update={"home_node": target[0]}) for t in tenants])

    change(services, plan)
    return target[0], moved


def watch(services: Services, now: float | None = None) -> list[tuple[str, str | None, list[str]]]:
    """One round of the leader's duty: (dead node, new home, tenants moved) for each node found dead
    now or earlier and still hosting tenants."""
    mark_dead(services, now)
    out = []
    with session_scope(services.engine) as session:
        down = list(
            session.execute(
                select(Node.name).where(Node.state == "down", Node.name.in_(select(Tenant.home_node)))
            ).scalars()
        )
    for name in down:
        try:
            home, moved = rehome(services, name, now)
        except CcError as exc:
            log.error("failover: cannot re-home the tenants of node %s: %s", name, exc.message)
            continue
        if moved:
            log.warning("failover: node %s is down; %s now serves %s", name, home, ", ".join(moved))
        elif home is None:
            log.error("failover: node %s is down and no live node can take its tenants", name)
        out.append((name, home, moved))
    return out

"""A node's daemon as a member of the fleet: it follows the committed generation (deploying its
own tenants' tree when it moves, notify.py) and says it is alive (heartbeat) every few seconds."""

from __future__ import annotations

import logging
import threading
import time
from typing import Callable

from sqlalchemy.engine import make_url

from ccctl.app import Services
from ccctl.db import session_scope
from ccctl.deploy import generation as gen
from ccctl.fleet import failover, nodes
from ccctl.fleet.notify import GenerationListener
from ccctl.fleet.scope import scope

log = logging.getLogger("ccctl.fleet")


class Member:
    def __init__(self, services: Services, stop: threading.Event, healthy: Callable[[], bool] | None = None):
        """HEALTHY: whether this node serves calls now (its FreeSWITCH answers); no heartbeat
        while it does not, so the leader fails it over."""
        self.services = services
        self.node = services.settings.node
        self.healthy = healthy or (lambda: True)
        self.leadership = failover.Leadership(services.settings.db_url)
        self.started = time.monotonic()
        self.listener = GenerationListener(services.settings.db_url, self.follow, self.tick, stop=stop)

    def follow(self, announced: int | None = None) -> int | None:
        """Deploy when the committed generation is ahead of this node's; the generation now run."""
        from ccctl.deploy.run import deploy_latest

        with session_scope(self.services.engine) as session:
            state = gen.state(session, self.node)
        if not state.pending and (announced is None or announced <= state.deployed):
            return state.deployed
        started = time.monotonic()
        outcome = deploy_latest(self.services)
        if outcome.generation is not None:
            log.info(
                "node %s runs configuration generation %s (deployed in %.2f s)",
                self.node,
                outcome.generation,
                time.monotonic() - started,
            )
        return outcome.generation

    def tick(self) -> None:
        # A sign of life, no polling: while the listener is connected PostgreSQL queues every
        # notification for it, and each reconnect catches up (notify.py).
        if self.healthy():
            nodes.heartbeat(self.services, self.node)
        # A new leader first lets every daemon (re)started with it beat once.
        if self.leadership.held() and time.monotonic() - self.started > failover.DEAD_AFTER:
            failover.watch(self.services)


def start(services: Services, stop: threading.Event, healthy: Callable[[], bool] | None = None) -> Member | None:
    """A Member following the fleet when SERVICES are a node's (PostgreSQL, CCCTL_NODE a node
    row); None on a single box."""
    if make_url(services.settings.db_url).get_backend_name() != "postgresql":
        return None
    with session_scope(services.engine) as session:
        if scope(session, services.settings).node is None:
            return None
    member = Member(services, stop, healthy)
    member.listener.start()
    return member

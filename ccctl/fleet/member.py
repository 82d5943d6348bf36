"""A node's daemon as a member of the fleet: it follows the committed generation (deploying its
own tenants' tree when it moves, notify.py) and says it is alive (heartbeat) every few seconds."""

from __future__ import annotations

import logging
import threading
import time
from typing import Callable

from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from ccctl.app import Services
from ccctl.db import session_scope
from ccctl.deploy import generation as gen
from ccctl.fleet import failover, nodes
from ccctl.fleet.notify import GenerationListener
from ccctl.fleet.scope import scope

log = logging.getLogger("ccctl.fleet")


class Member:
    def __init__(
        self,
        services: Services,
        stop: threading.Event,
        healthy: Callable[[], bool] | None = None,
        live_calls: Callable[[], int | None] | None = None,
    ):
        """HEALTHY: whether this node serves calls now (its FreeSWITCH answers); no heartbeat
        while it does not, so the leader fails it over. LIVE_CALLS: calls up on the node now
        (None: unknown), carried by each heartbeat for `ccctl status --fleet`."""
        self.services = services
        self.node = services.settings.node
        self.healthy = healthy or (lambda: True)
        self.live_calls = live_calls or (lambda: None)
        self.leadership = failover.Leadership(services.settings.db_url)
        self.started = time.monotonic()
        self.serving = self._homed()
        """The tenants this node's FreeSWITCH was last brought to serve."""
        self.listener = GenerationListener(services.settings.db_url, self.follow, self.tick, stop=stop)

    def follow(self, announced: int | None = None) -> int | None:
        """Deploy when the committed generation is ahead of this node's; the generation now run."""
        from ccctl.deploy.run import deploy_latest

        with session_scope(self.services.engine) as session:
            state = gen.state(session, self.node)
        if not state.pending and (announced is None or announced <= state.deployed):
            # Deployed already, by a write this very process made: the leader re-homing a dead
            # node's tenants onto its own node deploys them in the write path. They arrived all
            # the same, and their agents need their status back.
            self._arrivals()
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
            self._arrivals()
        return outcome.generation

    def _arrivals(self) -> None:
        now = self._homed()
        arrived, self.serving = sorted(now - self.serving), now
        if arrived:
            self._welcome(arrived)

    def _homed(self) -> set[str]:
        with session_scope(self.services.engine) as session:
            return set(scope(session, self.services.settings).tenants or ())

    def _welcome(self, tenants: list[str]) -> None:
        """Tenants that just arrived here: their agents' ACD status as it was (arrival.py)."""
        from ccctl.fleet import arrival
        from ccctl.freeswitch.connect import try_event_socket

        sock = try_event_socket(self.services)
        if sock is None:
            log.warning(
                "node %s now serves %s; FreeSWITCH is down: agents start logged out", self.node, ", ".join(tenants)
            )
            return
        with sock:
            ran = arrival.restore(self.services, tenants, lambda c: sock.api(c, check=False))
        log.info("node %s now serves %s (%d agent status(es) restored)", self.node, ", ".join(tenants), len(ran))

    def _announced_address(self) -> str:
        """The management address peers can reach ('' for none): a loopback one is this machine's
        only, and a peer fetching there would ask itself."""
        from ccctl.settings import is_loopback

        endpoint = self.services.settings.manage_endpoint
        return "" if endpoint is None or is_loopback(endpoint[0]) else self.services.settings.manage_address

    def tick(self) -> None:
        # A sign of life, no polling: while the listener is connected PostgreSQL queues every
        # notification for it, and each reconnect catches up (notify.py).
        if self.healthy():
            nodes.heartbeat(
                self.services,
                self.node,
                live_calls=self.live_calls(),
                manage_address=self._announced_address(),
            )
        # A new leader first lets every daemon (re)started with it beat once.
        if self.leadership.held() and time.monotonic() - self.started > failover.DEAD_AFTER:
            failover.watch(self.services)


def start(
    services: Services,
    stop: threading.Event,
    healthy: Callable[[], bool] | None = None,
    live_calls: Callable[[], int | None] | None = None,
) -> Member | None:
    """A Member following the fleet when SERVICES are a node's (PostgreSQL, CCCTL_NODE a node
    row); None on a single box."""
    if make_url(services.settings.db_url).get_backend_name() != "postgresql":
        return None
    # A database slow to answer (or restarting) must not stop the daemon: ask again until it answers.
    delay = 0.5
    while not stop.is_set():
        try:
            with session_scope(services.engine) as session:
                if scope(session, services.settings).node is None:
                    return None
            member = Member(services, stop, healthy, live_calls)
            break
        except SQLAlchemyError as exc:
            log.warning(
                "fleet database: %s; asking again in %.1f s", str(getattr(exc, "orig", exc)).splitlines()[0], delay
            )
            stop.wait(delay)
            delay = min(delay * 2, 5.0)
    else:
        return None
    member.listener.start()
    return member

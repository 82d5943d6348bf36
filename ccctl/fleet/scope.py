"""What this machine renders and serves: on a single box (no node rows) every tenant; on a node
of a fleet (CCCTL_NODE names a node row) only the tenants homed there, with calls to seats sent
through the edge; on any other machine of a fleet (an admin's shell, the edge) nothing, since
the nodes deploy what it commits."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import Session

from ccctl.model import Node, Setting, Tenant

EDGE = "fleet.edge"
"""The setting row holding the edge's SIP address (IP:PORT) as the nodes reach it."""


def direct_key(node: str) -> str:
    """The setting row marking NODE as a box that joined the fleet and still takes its SIP
    itself (its phones registered with it, carriers sending to it): rendered as it was before
    joining, since putting it behind the edge restarts its SIP profiles, which ends the calls on
    them. `ccctl fleet cutover NODE`, at a quiet time, takes the row away."""
    return f"fleet.direct@{node}"


@dataclass(frozen=True)
class Scope:
    fleet: bool
    node: str | None
    """This machine's node (None: a single box, or a fleet machine that is no node)."""
    tenants: list[str] | None
    """The tenants to render (None: all of them)."""
    edge: str | None

    @property
    def deploys(self) -> bool:
        """Whether this machine has a FreeSWITCH to bring to the configuration."""
        return not self.fleet or self.node is not None


def edge_address(session: Session) -> str | None:
    row = session.get(Setting, EDGE)
    return row.value if row is not None and row.value else None


def scope(session: Session, settings) -> Scope:
    names = set(session.execute(select(Node.name)).scalars())
    if not names:
        return Scope(False, None, None, None)
    if settings.node not in names:
        return Scope(True, None, [], edge_address(session))
    homed = list(
        session.execute(select(Tenant.name).where(Tenant.home_node == settings.node).order_by(Tenant.name)).scalars()
    )
    edge = None if session.get(Setting, direct_key(settings.node)) is not None else edge_address(session)
    return Scope(True, settings.node, homed, edge)

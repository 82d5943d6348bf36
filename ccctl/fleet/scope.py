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
    return Scope(True, settings.node, homed, edge_address(session))

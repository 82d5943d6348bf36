"""The nodes of a fleet: FreeSWITCH boxes (each with its ccctl daemon) behind the Kamailio edge,
sharing one PostgreSQL. A single box has no rows here and renders every tenant."""

from __future__ import annotations

from sqlmodel import Field, SQLModel

NODE_STATES = ("active", "draining", "down")
"""active: takes new tenants and calls; draining: keeps its tenants' calls in progress, gets no
new tenant (a step before `node remove` or maintenance); down: its tenants' calls go nowhere
until they are moved (the edge's probing and the failover leader set it)."""


class Node(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=63)
    """What the node's own settings call it (CCCTL_NODE), and call rows' `node`."""
    sip_address: str = Field(max_length=255)
    """HOST:PORT the edge relays the node's seats' calls to (FreeSWITCH's internal profile)."""
    trunk_address: str = Field(max_length=255)
    """HOST:PORT the edge relays carriers' calls to (FreeSWITCH's external profile)."""
    esl_address: str = Field(max_length=255)
    """HOST:PORT of the node's Event Socket as its own daemon reaches it (loopback on the node)."""
    state: str = Field(default="active", max_length=10)
    standby: bool = False
    """A standby hosts no tenant until a failed node's tenants are re-homed to it."""
    max_sessions: int = 0
    """The node's FreeSWITCH channel cap (0: sized for the box); placement keeps under it."""
    heartbeat_at: float | None = None
    """Unix seconds of the node's daemon's last sign of life."""
    deployed_generation: int = 0
    """The configuration generation the node's FreeSWITCH was last brought to."""
    live_calls: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    """Calls in progress on the node at its last heartbeat (inbound channels: a queue call and
    its agent's leg count once). Call rows are written when a call ends, so only the node knows."""
    manage_address: str | None = Field(default=None, max_length=255)
    """HOST:PORT of the node's management service (metrics, recordings to peers), as its daemon
    last announced it; None when it serves none."""

"""Tenants arriving on a node (a move, a failover): their agents keep their ACD status.

mod_callcenter keeps an agent's status (Available, On Break, ...) in the node's own memory and
database, so a tenant's agents would start Logged Out on their new node. Their last status is
in the fleet's database (agent_event rows, written by every node's daemon): once the node runs
the tenant's configuration, each agent that was not Logged Out is set to it again. The seats
stay registered at the edge throughout; nothing is asked of the agent.
"""

from __future__ import annotations

from sqlalchemy import select

from ccctl.config.spec import sip_domain
from ccctl.db import session_scope
from ccctl.model import AgentEvent, Seat, Tenant

STATUSES = ("Available", "Available (On Demand)", "On Break")


def last_statuses(services, tenant: str) -> dict[str, str]:
    """{extension: status} of the tenant's seats, as last reported by any node."""
    with session_scope(services.engine) as session:
        row = session.execute(select(Tenant.id, Tenant.domain).where(Tenant.name == tenant)).first()
        if row is None:
            return {}
        seats = set(session.execute(select(Seat.extension).where(Seat.tenant_id == row.id)).scalars())
        events = session.execute(
            select(AgentEvent.agent, AgentEvent.value)
            .where(AgentEvent.tenant == tenant, AgentEvent.kind == "status")
            .order_by(AgentEvent.at, AgentEvent.id)
        ).all()
    last: dict[str, str] = {}
    for agent, value in events:
        if agent in seats:
            last[agent] = value
    return last


def restore(services, tenants: list[str], api) -> list[str]:
    """Set the ACD status of the agents of TENANTS (just arrived) to their last one, through
    API (an Event Socket api call on this node). Returns the commands run."""
    ran = []
    with session_scope(services.engine) as session:
        domains = dict(session.execute(select(Tenant.name, Tenant.domain).where(Tenant.name.in_(tenants))).all())
    for tenant in tenants:
        for ext, status in sorted(last_statuses(services, tenant).items()):
            if status in STATUSES:
                command = (
                    f"callcenter_config agent set status {ext}@{sip_domain(tenant, domains.get(tenant))} '{status}'"
                )
                api(command)
                ran.append(command)
    return ran

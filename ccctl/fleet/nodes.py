"""The nodes of a fleet: rows in `node`, changed outside the configuration write path (a node
added or drained renders nothing by itself; moving tenants onto it does, through the write path)."""

from __future__ import annotations

import ipaddress
import re
import time

from sqlalchemy import func, select, update
from sqlmodel import Session

from ccctl.app import Services
from ccctl.db import session_scope
from ccctl.deploy import generation as gen
from ccctl.errors import Conflict, InvalidInput, NotFound
from ccctl.model import Node, Setting, Tenant
from ccctl.model.node import NODE_STATES

NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,62}")
FIELDS = ("name", "state", "standby", "sip_address", "trunk_address", "esl_address", "max_sessions", "heartbeat_at")


def check_address(what: str, value: str) -> str:
    """HOST:PORT with HOST an IP address ([v6]:port for IPv6): what the edge and the nodes dial."""
    m = re.fullmatch(r"\[?([0-9A-Fa-f:.]+)\]?:(\d{1,5})", value or "")
    try:
        ok = m is not None and 1 <= int(m.group(2)) <= 65535 and ipaddress.ip_address(m.group(1)) is not None
    except ValueError:
        ok = False
    if not ok:
        raise InvalidInput(f"{what} {value!r}: expected IP:PORT, like 192.0.2.11:5060")
    return value


def _row(session: Session, name: str) -> Node:
    node = session.execute(select(Node).where(Node.name == name)).scalar_one_or_none()
    if node is None:
        raise NotFound(f"no node {name} (ccctl node list shows the nodes)")
    return node


def _as_dict(node: Node, tenants: list[str]) -> dict:
    return {
        **{f: getattr(node, f) for f in FIELDS},
        "tenants": tenants,
        "deployed_generation": node.deployed_generation,
    }


def _homed(session: Session, name: str) -> list[str]:
    return list(session.execute(select(Tenant.name).where(Tenant.home_node == name).order_by(Tenant.name)).scalars())


def add_node(
    services: Services,
    name: str,
    *,
    sip_address: str,
    trunk_address: str,
    esl_address: str = "127.0.0.1:8021",
    standby: bool = False,
    max_sessions: int = 0,
) -> dict:
    if not NAME.fullmatch(name or ""):
        raise InvalidInput(f"node name {name!r}: lowercase letters, digits, '-' or '_' (at most 63)")
    for what, value in (("SIP address", sip_address), ("trunk address", trunk_address), ("ESL address", esl_address)):
        check_address(what, value)
    if max_sessions < 0:
        raise InvalidInput(f"max sessions {max_sessions}: 0 (sized for the box) or more")
    with session_scope(services.engine) as session:
        if session.execute(select(Node.id).where(Node.name == name)).first():
            raise Conflict(f"node {name} exists already")
        node = Node(
            name=name,
            sip_address=sip_address,
            trunk_address=trunk_address,
            esl_address=esl_address,
            standby=standby,
            max_sessions=max_sessions,
        )
        session.add(node)
        session.flush()
        gen.announce(session)
        return _as_dict(node, [])


def list_nodes(services: Services) -> list[dict]:
    with session_scope(services.engine) as session:
        counts = dict(
            session.execute(
                select(Tenant.home_node, func.count()).where(Tenant.home_node.is_not(None)).group_by(Tenant.home_node)
            ).all()
        )
        nodes = session.execute(select(Node).order_by(Node.name)).scalars().all()
        return [{**_as_dict(n, []), "tenants": counts.get(n.name, 0)} for n in nodes]


def show_node(services: Services, name: str) -> dict:
    with session_scope(services.engine) as session:
        return _as_dict(_row(session, name), _homed(session, name))


def set_state(services: Services, name: str, state: str) -> dict:
    """STATE: active, draining or down (see ccctl.model.node)."""
    if state not in NODE_STATES:
        raise InvalidInput(f"node state {state!r}: one of {', '.join(NODE_STATES)}")
    with session_scope(services.engine) as session:
        node = _row(session, name)
        node.state = state
        gen.announce(session)
        return _as_dict(node, _homed(session, name))


def drain_node(services: Services, name: str) -> dict:
    """No new tenant goes to NAME; its tenants stay until they are moved (`tenant move`)."""
    return set_state(services, name, "draining")


def remove_node(services: Services, name: str) -> dict:
    with session_scope(services.engine) as session:
        node = _row(session, name)
        homed = _homed(session, name)
        if homed:
            shown = ", ".join(homed[:5]) + (f" and {len(homed) - 5} more" if len(homed) > 5 else "")
            raise Conflict(f"node {name} still hosts {shown}: move them first (ccctl tenant move TENANT --to NODE)")
        out = _as_dict(node, [])
        session.delete(node)
        gen.announce(session)
        return out


def heartbeat(
    services: Services,
    name: str,
    generation: int | None = None,
    *,
    live_calls: int | None = None,
    manage_address: str | None = None,
) -> None:
    """The node's daemon is alive (and, with GENERATION, its FreeSWITCH runs that; with
    LIVE_CALLS, that many calls are up on it; MANAGE_ADDRESS, where its management service is)."""
    values: dict = {"heartbeat_at": time.time()}
    if generation is not None:
        values["deployed_generation"] = generation
    if live_calls is not None:
        values["live_calls"] = live_calls
    if manage_address is not None:
        values["manage_address"] = manage_address or None
    with session_scope(services.engine) as session:
        session.execute(update(Node).where(Node.name == name).values(**values))


def is_fleet(session: Session) -> bool:
    """True once the database has nodes: from then on every tenant has a home node."""
    return session.execute(select(Node.id).limit(1)).first() is not None


def set_edge(services: Services, address: str) -> str:
    """The edge's SIP address as the nodes reach it: where calls to seats go, and the one source
    the nodes take carriers' calls from. Every node renders it at the next generation."""
    from ccctl.fleet.scope import EDGE

    check_address("edge address", address)
    with session_scope(services.engine) as session:
        generation = gen.lock(session)  # a configuration change: under the write lock, first
        row = session.get(Setting, EDGE)
        if row is None:
            session.add(Setting(key=EDGE, value=address))
        else:
            row.value = address
        gen.bump(session, generation)
    return address


def edge(services: Services) -> str | None:
    from ccctl.fleet.scope import edge_address

    with session_scope(services.engine) as session:
        return edge_address(session)

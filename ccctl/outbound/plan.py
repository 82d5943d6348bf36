"""The dialer's database side: which campaigns run, which of their contacts are due now
(never one on the do-not-call list, never one outside its calling window), and what an
attempt leaves behind (contact state, retry time, call row)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update

from ccctl.config.spec import sip_domain
from ccctl.db import session_scope
from ccctl.model import Campaign, Contact, Dnc, Queue, Tenant
from ccctl.model.owner import owned
from ccctl.outbound.schedule import Window, after_attempt


@dataclass(frozen=True)
class TenantRef:
    """What ccctl.render.names needs of a tenant to name its FreeSWITCH objects."""

    name: str
    sip_domain: str


@dataclass(frozen=True)
class Running:
    """A running (or paused: its calls up still finish) campaign with what dialing it needs."""

    campaign: Campaign
    tenant: TenantRef
    language: str
    call_limit: int
    wrapup: float
    window: Window


def running(engine) -> list[Running]:
    with session_scope(engine) as session:
        tenants = {t.name: t for t in session.scalars(select(Tenant))}
        out = []
        for c in session.scalars(select(Campaign).where(Campaign.state == "running").order_by(Campaign.id)):
            t = tenants.get(c.tenant)
            if t is None:
                continue
            q = session.scalars(select(Queue).where(Queue.tenant_id == t.id, Queue.name == c.queue)).first()
            out.append(
                Running(
                    c,
                    TenantRef(t.name, sip_domain(t.name, t.domain)),
                    t.language,
                    t.call_limit,
                    float(q.wrapup if q else 0),
                    Window.of(c.window_start, c.window_end, c.days),
                )
            )
        return out


def due(engine, r: Running, now: float, limit: int, state: str = "pending") -> list[Contact]:
    """Up to LIMIT contacts in STATE whose time has come, now in their window and not on the
    do-not-call list; they are marked 'dialing' in the same transaction. Contacts met outside
    their window are put off to when it opens; listed ones become 'dnc' for good."""
    if limit <= 0:
        return []
    c = r.campaign
    picked: list[Contact] = []
    with session_scope(engine) as session:
        rows = session.scalars(
            select(Contact)
            .where(Contact.campaign_id == c.id, Contact.state == state, Contact.next_at <= now)
            .order_by(Contact.next_at, Contact.id)
            .limit(limit * 4 + 20)
        ).all()
        listed = set(
            session.scalars(select(Dnc.number).where(owned(Dnc, c.tenant), Dnc.number.in_([k.number for k in rows])))
        )
        for k in rows:
            if k.number in listed:
                k.state = "dnc"
            elif not r.window.open_at(now, k.timezone):
                k.next_at = r.window.next_open(now, k.timezone)
            elif len(picked) < limit:
                k.state = "dialing"
                k.attempts += 1
                picked.append(k)
    return picked


def offer(engine, r: Running, agent: str, now: float) -> Contact | None:
    """Preview: the next due contact, offered to AGENT."""
    with session_scope(engine) as session:
        mine = session.scalars(
            select(Contact).where(
                Contact.campaign_id == r.campaign.id, Contact.agent == agent, Contact.state.in_(("offered", "accepted"))
            )
        ).first()
        if mine is not None:
            return None
    found = due(engine, r, now, 1)
    if not found:
        return None
    with session_scope(engine) as session:
        k = session.get(Contact, found[0].id)
        k.state, k.agent, k.attempts, k.next_at = "offered", agent, k.attempts - 1, now
        return k


def expire_offers(engine, campaign_id: int, older_than: float) -> int:
    """Offers nobody accepted in time go back to the list."""
    with session_scope(engine) as session:
        res = session.execute(
            update(Contact)
            .where(Contact.campaign_id == campaign_id, Contact.state == "offered", Contact.next_at < older_than)
            .values(state="pending", agent=None)
        )
        return res.rowcount or 0


def accepted(engine, campaign_id: int, limit: int) -> list[Contact]:
    if limit <= 0:
        return []
    with session_scope(engine) as session:
        rows = session.scalars(
            select(Contact)
            .where(Contact.campaign_id == campaign_id, Contact.state == "accepted")
            .order_by(Contact.id)
            .limit(limit)
        ).all()
        for k in rows:
            k.state = "dialing"
            k.attempts += 1
        return rows


def finish(engine, c: Campaign, contact_id: int, disposition: str, call_uuid: str, now: float) -> str:
    """After an attempt: the contact's next state and time by the campaign's retry rules."""
    with session_scope(engine) as session:
        k = session.get(Contact, contact_id)
        if k is None:
            return "gone"
        nxt = after_attempt(k.attempts, disposition, c.retries, c.max_attempts, now)
        k.state, k.next_at, k.last_disposition, k.last_call = nxt.state, nxt.next_at, disposition, call_uuid
        if nxt.state == "pending":
            k.agent = None
        return nxt.state

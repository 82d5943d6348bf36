"""Campaigns: define, fill with contacts, start, pause, stop, report. Every function takes
the services (their `.engine` and `.settings`) first, like the rest of the library; the CLI is
a thin layer over these.

A campaign's definition is configuration: adding, changing and removing one goes through the
one write path (ccctl.config.write: the configuration lock, a generation), and what it names
(its queue, trunk and target) is checked by the one validation (ccctl.config.validate), which
in turn refuses removing a queue a campaign still uses. Its state, contacts and attempts are
operational data, written without the lock (the dialer changes them every tick)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from ccctl.db import session_scope
from ccctl.errors import Conflict, InvalidInput, NotFound
from ccctl.model import Campaign, Contact
from ccctl.model.owner import owned
from ccctl.outbound import contacts as contact_files
from ccctl.outbound.definitions import EDITABLE, Imported, _find, _store_contacts, _tenant, stored

TRANSITIONS = {
    "running": ("draft", "paused", "stopped", "done"),
    "paused": ("running",),
    "stopped": ("draft", "running", "paused"),
}
"""target state -> the states it may come from. A stopped campaign can run again: its
contacts keep their attempts."""


def _campaign(session, tenant: str, name: str) -> Campaign:
    c = _find(session, tenant, name)
    if c is None:
        raise NotFound(f"no campaign {name!r} in tenant {tenant!r}")
    return c


def _given(options: dict) -> dict:
    given = {k: v for k, v in options.items() if v is not None}
    unknown = set(given) - set(EDITABLE)
    if unknown:
        raise InvalidInput(f"unknown campaign field(s): {', '.join(sorted(unknown))}")
    return given


def _listed(session, tenant: str, name: str, given: dict):
    """TENANT as it is inside the lock, listing the campaign NAME with the fields GIVEN: the
    same change as a site file listing it (from_site writes it, after the one validation)."""
    from ccctl.config import part, store
    from ccctl.config import spec as s
    from ccctl.config.write import Edit

    # none of its seats and numbers: a campaign names neither collection's items but by its
    # target, which the write looks up (config/part.py, validate.Unread)
    only = part.just("campaigns")
    found = store.load_tenants(session, [tenant], with_secrets=True, only=only)
    if not found:
        raise NotFound(f"no tenant {tenant!r}")
    # Constructed, not validated: _check (from_site) keeps its own rules and messages for
    # these fields (`--days all`, say, which the site file's stricter schema does not take).
    if isinstance(given.get("retries"), dict):  # the spec's shape: [max, back-off] pairs as tuples
        given = {**given, "retries": {k: tuple(v) if isinstance(v, list) else v for k, v in given["retries"].items()}}
    item = s.Campaign.model_construct(name=name, **given)
    return Edit([found[0].model_copy(update={"campaigns": [item]})], only={tenant: only})


def add(services, tenant: str, name: str, **options) -> dict:
    """A new campaign in state draft. OPTIONS: fields of Campaign (None means the default)."""
    from ccctl.config.write import change

    given = _given(options)

    def plan(session):
        if _find(session, tenant, name) is not None:
            raise Conflict(f"campaign {name!r} already exists in tenant {tenant!r}")
        return _listed(session, tenant, name, given)

    change(services, plan)
    return show(services, tenant, name)


def update(services, tenant: str, name: str, **options) -> dict:
    from ccctl.config.write import change

    given = _given(options)

    def plan(session):
        _campaign(session, tenant, name)
        return _listed(session, tenant, name, given)

    change(services, plan)
    return show(services, tenant, name)


def as_dict(c: Campaign) -> dict:
    return {k: getattr(c, k) for k in ("tenant", "name", "state", *EDITABLE)}


def set_state(services, tenant: str, name: str, state: str) -> dict:
    with session_scope(services.engine) as session:
        c = _campaign(session, tenant, name)
        if c.state != state:
            if c.state not in TRANSITIONS[state]:
                raise Conflict(f"campaign {name!r} is {c.state}: cannot go to {state}")
            c.state = state
            if state == "running":
                # Contacts left mid-attempt by a stop or a crash are dialable again.
                for contact in session.scalars(
                    select(Contact).where(Contact.campaign_id == c.id, Contact.state.in_(("dialing", "offered")))
                ):
                    contact.state, contact.agent = "pending", None
        return as_dict(c)


def remove(services, tenant: str, name: str) -> None:
    """Delete a campaign that is not running, with its contacts (a definition change: under
    the configuration lock, with a generation)."""
    from ccctl.config.write import Edit, change

    def plan(session):
        c = _campaign(session, tenant, name)
        if c.state == "running":
            raise Conflict(f"campaign {name!r} is running: stop it first")
        return Edit([], drop_campaigns=[(tenant, name)])

    change(services, plan)


def stored_in(services, tenants: list[str]) -> dict[str, list]:
    """stored(), in a transaction of its own (for `ccctl validate`)."""
    with session_scope(services.engine) as session:
        return stored(session, tenants)


def list_(services, tenant: str | None = None) -> list[dict]:
    with session_scope(services.engine) as session:
        q = select(Campaign).order_by(Campaign.tenant, Campaign.name)
        if tenant:
            q = q.where(owned(Campaign, tenant))
        out = []
        for c in session.scalars(q):
            d = as_dict(c)
            d["contacts"] = session.scalar(select(func.count()).select_from(Contact).where(Contact.campaign_id == c.id))
            out.append(d)
        return out


def show(services, tenant: str, name: str) -> dict:
    with session_scope(services.engine) as session:
        return as_dict(_campaign(session, tenant, name))


def status(services, tenant: str, name: str) -> dict:
    """The campaign's state and its contacts counted by state and by last disposition."""
    with session_scope(services.engine) as session:
        c = _campaign(session, tenant, name)
        by_state = dict(
            session.execute(
                select(Contact.state, func.count()).where(Contact.campaign_id == c.id).group_by(Contact.state)
            ).all()
        )
        by_disp = dict(
            session.execute(
                select(Contact.last_disposition, func.count())
                .where(Contact.campaign_id == c.id, Contact.last_disposition.is_not(None))
                .group_by(Contact.last_disposition)
            ).all()
        )
        attempts = session.scalar(
            select(func.coalesce(func.sum(Contact.attempts), 0)).where(Contact.campaign_id == c.id)
        )
        return {
            "tenant": tenant,
            "name": name,
            "state": c.state,
            "mode": c.mode,
            "contacts": sum(by_state.values()),
            "by_state": by_state,
            "attempts": int(attempts),
            "by_disposition": by_disp,
        }


def contacts(services, tenant: str, name: str, state: str | None = None) -> list[dict]:
    with session_scope(services.engine) as session:
        c = _campaign(session, tenant, name)
        q = select(Contact).where(Contact.campaign_id == c.id).order_by(Contact.id)
        if state:
            q = q.where(Contact.state == state)
        return [
            {
                "id": k.id,
                "number": k.number,
                "name": k.name,
                "timezone": k.timezone,
                "state": k.state,
                "attempts": k.attempts,
                "last_disposition": k.last_disposition,
                "agent": k.agent,
            }
            for k in session.scalars(q)
        ]


def add_contacts(services, tenant: str, name: str, parsed: contact_files.Parsed) -> Imported:
    """Store parsed rows as contacts of the campaign (numbers already in it are left alone;
    numbers on the do-not-call list are stored as 'dnc' and never dialed)."""
    with session_scope(services.engine) as session:
        return _store_contacts(session, _campaign(session, tenant, name), parsed)


def import_file(services, tenant: str, name: str, path: Path) -> Imported:
    with session_scope(services.engine) as session:
        c = _campaign(session, tenant, name)
        tz = _tenant(session, tenant).timezone
        country = c.country
    if not path.is_file():
        raise NotFound(f"{path}: no such file")
    return add_contacts(services, tenant, name, contact_files.parse(path, country, tz))


def accept(services, tenant: str, name: str, number: str, agent: str) -> dict:
    """Preview: the agent takes the contact; the dialer calls it and connects that agent."""
    with session_scope(services.engine) as session:
        c = _campaign(session, tenant, name)
        k = session.scalars(select(Contact).where(Contact.campaign_id == c.id, Contact.number == number)).first()
        if k is None:
            raise NotFound(f"no contact {number!r} in campaign {name!r}")
        if k.state not in ("offered", "pending"):
            raise Conflict(f"contact {number} is {k.state}: nothing to accept")
        if k.state == "offered" and k.agent and k.agent != agent:
            raise Conflict(f"contact {number} is offered to agent {k.agent}")
        k.state, k.agent = "accepted", agent
        return {"campaign": name, "number": number, "agent": agent, "state": k.state}

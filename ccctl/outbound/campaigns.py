"""Campaigns: define, fill with contacts, start, pause, stop, report. Every function takes
the services (their `.engine` and `.settings`) first, like the rest of the library; the CLI is
a thin layer over these.

A campaign's definition is configuration: adding, changing and removing one goes through the
one write path (ccctl.config.write: the configuration lock, a generation), and what it names
(its queue, trunk and target) is checked by the one validation (ccctl.config.validate), which
in turn refuses removing a queue a campaign still uses. Its state, contacts and attempts are
operational data, written without the lock (the dialer changes them every tick)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select

from ccctl.db import session_scope
from ccctl.errors import Conflict, InvalidInput, NotFound
from ccctl.model import Campaign, Contact, Dnc, Tenant, Trunk
from ccctl.model.campaign import KINDS, MODES
from ccctl.outbound import contacts as contact_files
from ccctl.outbound.numbers import country_of_timezone
from ccctl.outbound.schedule import DEFAULT_RETRIES, Window, validate_retries

TRANSITIONS = {
    "running": ("draft", "paused", "stopped", "done"),
    "paused": ("running",),
    "stopped": ("draft", "running", "paused"),
}
"""target state -> the states it may come from. A stopped campaign can run again: its
contacts keep their attempts."""

EDITABLE = ("kind", "queue", "target", "mode", "trunk", "caller_id", "country", "window_start", "window_end",
            "days", "retries", "max_attempts", "max_concurrent", "ring_timeout", "abandon_target")


def _tenant(session, name: str) -> Tenant:
    t = session.scalars(select(Tenant).where(Tenant.name == name)).first()
    if t is None:
        raise NotFound(f"no tenant {name!r}")
    return t


def _find(session, tenant: str, name: str) -> Campaign | None:
    return session.scalars(select(Campaign).where(Campaign.tenant == tenant, Campaign.name == name)).first()


def _campaign(session, tenant: str, name: str) -> Campaign:
    c = _find(session, tenant, name)
    if c is None:
        raise NotFound(f"no campaign {name!r} in tenant {tenant!r}")
    return c


def _check(session, t: Tenant, c: Campaign) -> None:
    """The rules of a campaign's own fields, and its default trunk. What it names must exist:
    ccctl.config.validate checks that, before this runs (in the same locked transaction)."""
    if not c.name or len(c.name) > 63 or not c.name.replace("-", "").replace("_", "").isalnum():
        raise InvalidInput(f"campaign name {c.name!r}: letters, digits, - and _ only (at most 63)")
    if c.mode not in MODES:
        raise InvalidInput(f"mode {c.mode!r}: expected one of {', '.join(MODES)}")
    if c.kind not in KINDS:
        raise InvalidInput(f"kind {c.kind!r}: expected one of {', '.join(KINDS)}")
    if c.kind == "agents":
        if not c.queue:
            raise InvalidInput("a campaign of agents needs --queue")
    elif not c.target:
        raise InvalidInput("a campaign of kind ivr needs --target")
    if c.kind == "ivr" and c.mode == "preview":
        raise InvalidInput("a campaign of kind ivr has no agents to preview: use progressive or predictive")
    trunks = session.scalars(select(Trunk).where(Trunk.tenant_id == t.id).order_by(Trunk.name)).all()
    if c.trunk is None:
        sip = [tr for tr in trunks if tr.type == "sip"]
        if not sip:
            raise InvalidInput(f"tenant {t.name!r} has no SIP trunk to dial out through (add one or give --trunk)")
        c.trunk = sip[0].name
    Window.of(c.window_start, c.window_end, c.days)
    c.retries = validate_retries(c.retries)
    if len(c.country) != 2 or not c.country.isalpha():
        raise InvalidInput(f"country {c.country!r}: expected a two-letter ISO code")
    c.country = c.country.upper()
    for attr, low in (("max_attempts", 1), ("max_concurrent", 1), ("ring_timeout", 5)):
        if getattr(c, attr) < low:
            raise InvalidInput(f"{attr.replace('_', '-')} must be at least {low}")
    if c.max_concurrent > t.call_limit > 0:
        raise InvalidInput(f"max-concurrent {c.max_concurrent} is over the tenant's call limit {t.call_limit}")
    if not 0 < c.abandon_target <= 0.5:
        raise InvalidInput("abandon-target must be between 0 and 0.5 (0.03 is 3%)")
    if c.caller_id and not c.caller_id.lstrip("+").isdigit():
        raise InvalidInput(f"caller id {c.caller_id!r}: digits only (E.164)")


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
                for contact in session.scalars(select(Contact).where(Contact.campaign_id == c.id,
                                                                     Contact.state.in_(("dialing", "offered")))):
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


def drop(session, tenant: str, name: str) -> None:
    """Delete the campaign's row and its contacts (the write path calls this, under the lock)."""
    c = _find(session, tenant, name)
    if c is not None:
        session.execute(Contact.__table__.delete().where(Contact.campaign_id == c.id))
        session.delete(c)


def stored(session, tenants: list[str], *, without=()) -> dict[str, list]:
    """The campaigns of TENANTS as spec Campaigns (what the one validation checks), but those
    in WITHOUT ((tenant, name) pairs being deleted)."""
    from ccctl.config import spec as s

    if not tenants:
        return {}
    gone = set(without)
    out: dict[str, list] = {}
    for c in session.scalars(select(Campaign).where(Campaign.tenant.in_(tenants)).order_by(Campaign.name)):
        if (c.tenant, c.name) not in gone:
            out.setdefault(c.tenant, []).append(
                s.Campaign.model_construct(name=c.name, **{k: getattr(c, k) for k in EDITABLE}))
    return out


def stored_in(services, tenants: list[str]) -> dict[str, list]:
    """stored(), in a transaction of its own (for `ccctl validate`)."""
    with session_scope(services.engine) as session:
        return stored(session, tenants)


def list_(services, tenant: str | None = None) -> list[dict]:
    with session_scope(services.engine) as session:
        q = select(Campaign).order_by(Campaign.tenant, Campaign.name)
        if tenant:
            q = q.where(Campaign.tenant == tenant)
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
        by_state = dict(session.execute(select(Contact.state, func.count()).where(Contact.campaign_id == c.id)
                                        .group_by(Contact.state)).all())
        by_disp = dict(session.execute(select(Contact.last_disposition, func.count())
                                       .where(Contact.campaign_id == c.id, Contact.last_disposition.is_not(None))
                                       .group_by(Contact.last_disposition)).all())
        attempts = session.scalar(select(func.coalesce(func.sum(Contact.attempts), 0)).where(Contact.campaign_id == c.id))
        return {"tenant": tenant, "name": name, "state": c.state, "mode": c.mode,
                "contacts": sum(by_state.values()), "by_state": by_state, "attempts": int(attempts),
                "by_disposition": by_disp}


def contacts(services, tenant: str, name: str, state: str | None = None) -> list[dict]:
    with session_scope(services.engine) as session:
        c = _campaign(session, tenant, name)
        q = select(Contact).where(Contact.campaign_id == c.id).order_by(Contact.id)
        if state:
            q = q.where(Contact.state == state)
        return [{"id": k.id, "number": k.number, "name": k.name, "timezone": k.timezone, "state": k.state,
                 "attempts": k.attempts, "last_disposition": k.last_disposition, "agent": k.agent}
                for k in session.scalars(q)]


@dataclass
class Imported:
    imported: int
    duplicates: int
    dnc: int
    errors: list[tuple[int, str]]

    def as_dict(self) -> dict:
        return {"imported": self.imported, "already_in_campaign": self.duplicates, "dnc": self.dnc,
                "errors": [{"line": line, "error": e} for line, e in self.errors]}


def add_contacts(services, tenant: str, name: str, parsed: contact_files.Parsed) -> Imported:
    """Store parsed rows as contacts of the campaign (numbers already in it are left alone;
    numbers on the do-not-call list are stored as 'dnc' and never dialed)."""
    with session_scope(services.engine) as session:
        return _store_contacts(session, _campaign(session, tenant, name), parsed)


def _store_contacts(session, c: Campaign, parsed: contact_files.Parsed) -> Imported:
    have = set(session.scalars(select(Contact.number).where(Contact.campaign_id == c.id)))
    dnc = set(session.scalars(select(Dnc.number).where(Dnc.tenant == c.tenant)))
    n = dups = blocked = 0
    for r in parsed.rows:
        if r.number in have:
            dups += 1
            continue
        state = "dnc" if r.number in dnc else "pending"
        blocked += state == "dnc"
        session.add(Contact(campaign_id=c.id, number=r.number, name=r.name, timezone=r.timezone,
                            fields=r.fields, state=state))
        n += 1
    return Imported(n, dups, blocked, parsed.errors)


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


# The site file (ccctl apply): campaigns listed in a tenant are added or updated inside the
# apply's own transaction, so a refused campaign refuses the whole apply.

def _contact_file(item, country: str, tz: str) -> contact_files.Parsed | None:
    if item.contacts is None:
        return None
    path = Path(item.contacts)
    if not path.is_file():
        raise InvalidInput(f"campaign {item.name!r}: contacts {path}: no such file")
    return contact_files.parse(path, country, tz)


def from_site(session, t: Tenant, items) -> None:
    """Add or update the campaigns ITEMS (spec Campaigns) of tenant T; their state and
    contacts stay, and campaigns not listed are left alone."""
    for item in items:
        c = session.scalars(select(Campaign).where(Campaign.tenant == t.name, Campaign.name == item.name)).first()
        given = item.definition()
        if c is None:
            c = Campaign(tenant=t.name, name=item.name, created_at=time.time(),
                         country=given.pop("country", None) or country_of_timezone(t.timezone),
                         retries=given.pop("retries", None) or {k: list(v) for k, v in DEFAULT_RETRIES.items()})
            session.add(c)
        for k, v in given.items():
            setattr(c, k, v)
        _check_named(session, t, c)
        session.flush()
        parsed = _contact_file(item, c.country, t.timezone)
        if parsed is not None:
            _store_contacts(session, c, parsed)


def _check_named(session, t: Tenant, c: Campaign) -> None:
    """_check, with the campaign named: an apply may carry several."""
    try:
        _check(session, t, c)
    except InvalidInput as exc:
        raise InvalidInput(f"campaign {t.name}/{c.name}: {exc.message}") from None


def listed_changes(session, tenant: str, items) -> list:
    """What applying a site file's campaign list would add or change (never remove)."""
    from ccctl.config.diff import Change

    out = []
    t = session.scalars(select(Tenant).where(Tenant.name == tenant)).first()
    for item in sorted(items, key=lambda i: i.name):
        c = None if t is None else session.scalars(
            select(Campaign).where(Campaign.tenant == tenant, Campaign.name == item.name)).first()
        if c is None:
            out.append(Change("add", "campaign", tenant, item.name))
            continue
        fields = [k for k, v in item.definition().items() if _stored(k, v) != getattr(c, k)]
        if _new_contacts(session, c, item, t.timezone):
            fields.append("contacts")
        if fields:
            out.append(Change("change", "campaign", tenant, item.name, tuple(fields)))
    return out


def _stored(field: str, value):
    """VALUE as the campaign row holds it, to compare."""
    if field == "retries":
        return {k: list(v) for k, v in value.items()}
    return value.upper() if field == "country" else value


def _new_contacts(session, c: Campaign, item, tz: str) -> bool:
    parsed = _contact_file(item, c.country, tz)
    if parsed is None:
        return False
    have = set(session.scalars(select(Contact.number).where(Contact.campaign_id == c.id)))
    return any(r.number not in have for r in parsed.rows)

"""A campaign's definition in the database: what the one write path reads and writes for
campaigns (the stored definitions the validation checks, a site file's campaigns added or
updated, a removal with its contacts), under the configuration lock. The operations people
run (add, start, pause, contacts, reports) are in campaigns.py."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from ccctl.errors import InvalidInput, NotFound
from ccctl.model import Campaign, Contact, Dnc, Tenant, Trunk
from ccctl.model.campaign import KINDS, MODES
from ccctl.model.owner import owned
from ccctl.outbound import contacts as contact_files
from ccctl.outbound.numbers import country_of_timezone
from ccctl.outbound.schedule import DEFAULT_RETRIES, Window, validate_retries

EDITABLE = (
    "kind",
    "queue",
    "target",
    "mode",
    "trunk",
    "caller_id",
    "country",
    "window_start",
    "window_end",
    "days",
    "retries",
    "max_attempts",
    "max_concurrent",
    "ring_timeout",
    "abandon_target",
)


def _tenant(session, name: str) -> Tenant:
    t = session.scalars(select(Tenant).where(Tenant.name == name)).first()
    if t is None:
        raise NotFound(f"no tenant {name!r}")
    return t


def _find(session, tenant: str, name: str) -> Campaign | None:
    return session.scalars(select(Campaign).where(owned(Campaign, tenant), Campaign.name == name)).first()


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
                s.Campaign.model_construct(name=c.name, **{k: getattr(c, k) for k in EDITABLE})
            )
    return out


@dataclass
class Imported:
    imported: int
    duplicates: int
    dnc: int
    errors: list[tuple[int, str]]

    def as_dict(self) -> dict:
        return {
            "imported": self.imported,
            "already_in_campaign": self.duplicates,
            "dnc": self.dnc,
            "errors": [{"line": line, "error": e} for line, e in self.errors],
        }


def _store_contacts(session, c: Campaign, parsed: contact_files.Parsed) -> Imported:
    have = set(session.scalars(select(Contact.number).where(Contact.campaign_id == c.id)))
    dnc = set(session.scalars(select(Dnc.number).where(owned(Dnc, c.tenant))))
    n = dups = blocked = 0
    for r in parsed.rows:
        if r.number in have:
            dups += 1
            continue
        state = "dnc" if r.number in dnc else "pending"
        blocked += state == "dnc"
        session.add(
            Contact(campaign_id=c.id, number=r.number, name=r.name, timezone=r.timezone, fields=r.fields, state=state)
        )
        n += 1
    return Imported(n, dups, blocked, parsed.errors)


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
        c = session.scalars(select(Campaign).where(owned(Campaign, t.name), Campaign.name == item.name)).first()
        given = item.definition()
        if c is None:
            c = Campaign(
                tenant=t.name,
                name=item.name,
                created_at=time.time(),
                country=given.pop("country", None) or country_of_timezone(t.timezone),
                retries=given.pop("retries", None) or {k: list(v) for k, v in DEFAULT_RETRIES.items()},
            )
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
        c = (
            None
            if t is None
            else session.scalars(select(Campaign).where(owned(Campaign, tenant), Campaign.name == item.name)).first()
        )
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

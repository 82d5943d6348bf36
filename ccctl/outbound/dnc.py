"""The tenant's do-not-call list: numbers the dialer never dials, whatever campaign they are in."""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import select

from ccctl.db import session_scope
from ccctl.errors import NotFound
from ccctl.model import Contact, Dnc, Tenant
from ccctl.model.campaign import Campaign
from ccctl.model.owner import owned
from ccctl.outbound import contacts as contact_files
from ccctl.outbound.numbers import country_of_timezone, normalise


def _country(session, tenant: str) -> tuple[str, str]:
    t = session.scalars(select(Tenant).where(Tenant.name == tenant)).first()
    if t is None:
        raise NotFound(f"no tenant {tenant!r}")
    return country_of_timezone(t.timezone), t.timezone


def _block(session, tenant: str, numbers: set[str]) -> None:
    """Contacts of the tenant's campaigns not yet dialed to these numbers become 'dnc'."""
    ids = select(Campaign.id).where(owned(Campaign, tenant))
    for k in session.scalars(
        select(Contact).where(
            Contact.campaign_id.in_(ids),
            Contact.number.in_(numbers),
            Contact.state.in_(("pending", "offered", "accepted")),
        )
    ):
        k.state = "dnc"


def add(services, tenant: str, numbers: list[str], note: str | None = None) -> list[str]:
    """Add NUMBERS (as dialled in the tenant's country, or E.164); returns the E.164 forms added."""
    with session_scope(services.engine) as session:
        country, _ = _country(session, tenant)
        e164 = {normalise(n, country) for n in numbers}
        have = set(session.scalars(select(Dnc.number).where(owned(Dnc, tenant), Dnc.number.in_(e164))))
        now = time.time()
        for n in sorted(e164 - have):
            session.add(Dnc(tenant=tenant, number=n, note=note, added_at=now))
        _block(session, tenant, e164)
        return sorted(e164 - have)


def remove(services, tenant: str, numbers: list[str]) -> list[str]:
    with session_scope(services.engine) as session:
        country, _ = _country(session, tenant)
        e164 = {normalise(n, country) for n in numbers}
        rows = session.scalars(select(Dnc).where(owned(Dnc, tenant), Dnc.number.in_(e164))).all()
        if not rows:
            raise NotFound(f"none of {', '.join(sorted(e164))} is on the do-not-call list of {tenant!r}")
        for r in rows:
            session.delete(r)
        # Contacts blocked while the number was listed stay blocked: re-import to dial them.
        return sorted(r.number for r in rows)


def local_time(ts: float, tz: str) -> str:
    """TS as ISO 8601 in the tenant's time zone, to the second (2026-12-06T10:19:26+01:00)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    return datetime.fromtimestamp(ts, ZoneInfo(tz)).isoformat(timespec="seconds")


def list_(services, tenant: str) -> list[dict]:
    """The list, numbers in order; added_at in the tenant's local time (ISO 8601)."""
    with session_scope(services.engine) as session:
        _, tz = _country(session, tenant)
        return [
            {"number": r.number, "note": r.note, "added_at": local_time(r.added_at, tz)}
            for r in session.scalars(select(Dnc).where(owned(Dnc, tenant)).order_by(Dnc.number))
        ]


def import_file(services, tenant: str, path: Path, note: str | None = None) -> dict:
    if not path.is_file():
        raise NotFound(f"{path}: no such file")
    with session_scope(services.engine) as session:
        country, tz = _country(session, tenant)
    parsed = contact_files.parse(path, country, tz)
    added = add(services, tenant, [r.number for r in parsed.rows], note) if parsed.rows else []
    return {
        "added": len(added),
        "already_listed": len(parsed.rows) - len(added),
        "errors": [{"line": line, "error": e} for line, e in parsed.errors],
    }

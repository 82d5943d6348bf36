"""A tenant's operational data when the tenant goes (its web accounts and API tokens too): what keeps it (legal hold, recordings and
call rows inside retention: removal is refused unless the provider archives or purges them),
and the removal itself, by the tenant's identity (`tenant.uid`), in the write path's
transaction; its files (recordings folder, event log, spooled webhooks) after the commit.

Operational rows are written by tenant name and keyed by the identity of the tenant that held
the name when they were written (ccctl.model.base.tenant_uid): a tenant created later with the
same name starts empty, and rows no current tenant owns are swept when a tenant takes the name.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

from sqlalchemy import delete, func, or_, select, update
from sqlmodel import Session

from ccctl import model as m

DAY = 86400.0
TABLES = (m.Call, m.AgentEvent, m.CallRollup, m.Recording, m.AuditEntry, m.CallbackRequest, m.Dnc)
"""Keyed by tenant_uid (campaigns too; their contacts go with them)."""


def blockers(session: Session, name: str, now: float | None = None) -> list[str]:
    """Why NAME's data must not simply go: empty when nothing is kept."""
    now = time.time() if now is None else now
    row = session.scalars(select(m.Tenant).where(m.Tenant.name == name)).first()
    if row is None:
        return []
    pol = session.scalars(select(m.RecordingPolicy).where(m.RecordingPolicy.tenant_id == row.id)).first()
    days = pol.retention_days if pol else 0
    out = []
    if pol and pol.legal_hold:
        out.append("a legal hold")
    R, C = m.Recording, m.Call
    live = [or_(R.tenant_uid == row.uid, R.tenant == name), R.purged_at.is_(None)]
    held = session.scalar(select(func.count()).select_from(R).where(*live, R.held.is_(True)))
    if held:
        out.append(f"{held} recording(s) under hold")
    inside = [] if days <= 0 else [R.started_at >= now - days * DAY]
    recs = session.scalar(select(func.count()).select_from(R).where(*live, *inside))
    if recs:
        out.append(f"{recs} recording(s) inside retention")
    inside = [] if days <= 0 else [C.entered_at >= now - days * DAY]
    calls = session.scalar(
        select(func.count()).select_from(C).where(or_(C.tenant_uid == row.uid, C.tenant == name), *inside)
    )
    if calls:
        out.append(f"{calls} call row(s) inside retention")
    return out


def _mine(model, name: str, uid: str | None):
    """Rows of the tenant NAME of identity UID, and rows of that name no tenant owns."""
    return or_(model.tenant_uid == uid, (model.tenant == name) & model.tenant_uid.is_(None))


def remove_rows(session: Session, name: str) -> None:
    """Delete every operational row of the tenant NAME (by its identity), in the caller's transaction."""
    from ccctl.cti.webhooks import secret_key

    uid = session.scalars(select(m.Tenant.uid).where(m.Tenant.name == name)).first()
    campaigns = select(m.Campaign.id).where(_mine(m.Campaign, name, uid))
    session.execute(delete(m.Contact).where(m.Contact.campaign_id.in_(campaigns)))
    session.execute(delete(m.Campaign).where(_mine(m.Campaign, name, uid)))
    for model in TABLES:
        session.execute(delete(model).where(_mine(model, name, uid)))
    if uid:
        session.execute(delete(m.Setting).where(m.Setting.key == secret_key(uid)))
        # Its web accounts (with their sessions) and API tokens go with it: keyed by the
        # identity they already stopped working; removed, they are not listed or kept either.
        accounts = select(m.Account.id).where(m.Account.tenant_uid == uid)
        session.execute(delete(m.WebSession).where(m.WebSession.account_id.in_(accounts)))
        session.execute(delete(m.Account).where(m.Account.tenant_uid == uid))
        session.execute(delete(m.ApiToken).where(m.ApiToken.tenant_uid == uid))


def orphan_name(name: str) -> str:
    """What rows left under NAME by no tenant are renamed to: not a tenant name (`~`), so no
    tenant ever reads them, and within the column's 63 characters."""
    return name[:55] + "~orphan"


def sweep_name(session: Session, name: str, uid: str) -> None:
    """A new tenant of NAME (identity UID) starts empty: rows left under the name by no tenant
    (written while none held it) are set aside. History (calls, agent events, recordings,
    audit, callbacks) keeps its rows under orphan_name(NAME); what is keyed by the name
    (rollups, which are derived, campaigns with their contacts, do-not-call entries) goes."""
    campaigns = select(m.Campaign.id).where(m.Campaign.tenant == name, m.Campaign.tenant_uid.is_distinct_from(uid))
    session.execute(delete(m.Contact).where(m.Contact.campaign_id.in_(campaigns)))
    for model in (m.Campaign, m.CallRollup, m.Dnc):
        session.execute(delete(model).where(model.tenant == name, model.tenant_uid.is_distinct_from(uid)))
    for model in (m.Call, m.AgentEvent, m.Recording, m.AuditEntry, m.CallbackRequest):
        session.execute(
            update(model)
            .where(model.tenant == name, model.tenant_uid.is_distinct_from(uid))
            .values(tenant=orphan_name(name))
        )


def remove_files(settings, name: str) -> None:
    """After the commit: the removed tenant's recordings folder, event log and spooled webhook
    deliveries, so that a later tenant of the same name inherits none of them."""
    shutil.rmtree(Path(settings.fs_recordings_dir) / name, ignore_errors=True)
    spool = Path(settings.spool_dir)
    for log in (spool / "events").glob(f"{name}.jsonl*"):
        log.unlink(missing_ok=True)
    for job in (spool / "webhooks").glob("*.json"):
        try:
            if json.loads(job.read_text()).get("tenant") == name:
                job.unlink(missing_ok=True)
        except (OSError, ValueError):
            continue


def archive(services, name: str, out: Path) -> dict:
    """Write tenant NAME's recordings (the `ccctl recording export` format) plus every call row
    (calls-all.json, calls-all.csv) and the usage of each month it has calls in (usage.json) to
    OUT, before the removal purges them. Returns the export's figures, calls = every call row."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from ccctl.recordings.export import export
    from ccctl.stats.calls import as_dict, to_csv
    from ccctl.stats.usage import usage

    C = m.Call.__table__
    with services.engine.connect() as conn:
        uid = conn.execute(select(m.Tenant.uid).where(m.Tenant.name == name)).scalar()
        tz = conn.execute(select(m.Tenant.timezone).where(m.Tenant.name == name)).scalar() or "UTC"
        rows = (
            conn.execute(
                select(C)
                .where(or_(C.c.tenant_uid == uid, (C.c.tenant == name) & C.c.tenant_uid.is_(None)))
                .order_by(C.c.entered_at, C.c.uuid)
            )
            .mappings()
            .all()
        )
    months = sorted({datetime.fromtimestamp(r["entered_at"], ZoneInfo(tz)).strftime("%Y-%m") for r in rows})
    calls = [as_dict(r) for r in rows]
    figures = [row for month in months for row in usage(services, month, name)]
    extra = {
        "calls-all.json": json.dumps(calls, indent=1, ensure_ascii=False).encode(),
        "calls-all.csv": to_csv(calls).encode(),
        "usage.json": json.dumps(figures, indent=1, ensure_ascii=False).encode(),
    }
    result = export(services, name, since=None, until=None, out=Path(out), extra=extra)
    return {**result, "calls": len(calls)}

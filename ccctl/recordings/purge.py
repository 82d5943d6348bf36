"""Deleting recordings past their tenant's retention (`ccctl recording purge`, daily by a timer).

Never deleted: a recording under legal hold (its call's or its tenant's), one younger than its
tenant's retention (by the call's start and by the file's own modification time, whichever is
later), one of a tenant with retention 0 (kept forever) or without a policy (a removed tenant's
files wait for a person to decide). Each batch of files is claimed by one UPDATE that re-checks
every one of these rules against the database at that moment, so a hold placed while a purge
runs is honoured; only then are the claimed files unlinked.
"""

from __future__ import annotations

import os
import time
from typing import Callable

from sqlalchemy import and_, bindparam, exists, func, select, update

from ccctl.model import RecordingPolicy, Tenant
from ccctl.model.owner import owned
from ccctl.recordings.index import DAY, R, policies, root, scan

BATCH = 500


def _eligible(now: float):
    """The rules, as one SQL condition on a recording row."""
    policy = (
        select(RecordingPolicy.id)
        .join(Tenant, Tenant.id == RecordingPolicy.tenant_id)
        .where(
            Tenant.name == R.c.tenant,
            RecordingPolicy.legal_hold.is_(False),
            RecordingPolicy.retention_days > 0,
            R.c.started_at < now - RecordingPolicy.retention_days * DAY,
        )
    )
    return and_(R.c.purged_at.is_(None), R.c.held.is_(False), exists(policy))


def _claim(conn, ids: list[int], now: float, stamp: float) -> list[int]:
    stmt = update(R).where(R.c.id.in_(ids), _eligible(now)).values(purged_at=stamp).returning(R.c.id)
    return [r[0] for r in conn.execute(stmt)]


def purge(
    services,
    *,
    tenant: str | None = None,
    dry_run: bool = False,
    now: float | None = None,
    progress: Callable[[int, int], None] | None = None,
    refresh: bool = True,
) -> dict:
    """Delete what is due; with DRY_RUN only count it. PROGRESS(done, total) is called as
    files go. Returns the figures: files and bytes freed (or that would be), files already
    missing, files kept because they were changed recently, files kept under hold."""
    engine, base = services.engine, root(services)
    if refresh:
        scan(services, tenant)
    now = time.time() if now is None else now
    cond = [_eligible(now)] + ([owned(R, tenant)] if tenant else [])
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).where(*cond)).scalar_one()
        pol = policies(conn)
    figures = {
        "dry_run": dry_run,
        "files": 0,
        "bytes": 0,
        "missing": 0,
        "recent": 0,
        "errors": 0,
        "held": _held_past_retention(engine, pol, now, tenant),
        "tenants": {},
    }
    done, last = 0, 0
    while True:
        with engine.connect() as conn:
            rows = conn.execute(
                select(R.c.id, R.c.tenant, R.c.path, R.c.bytes)
                .where(*cond, R.c.id > last)
                .order_by(R.c.id)
                .limit(BATCH)
            ).all()
        if not rows:
            break
        last = rows[-1].id
        due = {}
        for r in rows:
            path = base / r.path
            try:
                st = path.stat()
            except FileNotFoundError:
                due[r.id] = (r, None, 0)
                continue
            # A file changed after the cut-off is younger than the policy, whatever its row says.
            if st.st_mtime >= now - pol[r.tenant][0] * DAY:
                figures["recent"] += 1
                continue
            due[r.id] = (r, path, st.st_size)
        if dry_run:
            claimed = list(due)
        else:
            with engine.begin() as conn:
                claimed = _claim(conn, list(due), now, time.time()) if due else []
        failed = []
        for rid in claimed:
            r, path, size = due[rid]
            if path is None:
                figures["missing"] += 1
                continue
            if not dry_run:
                try:
                    path.unlink()
                except FileNotFoundError:
                    figures["missing"] += 1
                    continue
                except OSError:
                    figures["errors"] += 1
                    failed.append(rid)
                    continue
            figures["files"] += 1
            figures["bytes"] += size
            t = figures["tenants"].setdefault(r.tenant, {"files": 0, "bytes": 0})
            t["files"] += 1
            t["bytes"] += size
        if failed:
            with engine.begin() as conn:
                conn.execute(
                    update(R).where(R.c.id == bindparam("rid")).values(purged_at=None), [{"rid": i} for i in failed]
                )
        done += len(rows)
        if progress:
            progress(min(done, total), total)
    if not dry_run:
        _remove_empty_days(base, figures["tenants"], now)
    return figures


def _held_past_retention(engine, pol: dict, now: float, tenant: str | None) -> int:
    """Recordings past their retention that a hold keeps (call holds and tenant holds)."""
    n = 0
    with engine.connect() as conn:
        for name, (days, tenant_hold) in pol.items():
            if days == 0 or (tenant and name != tenant):
                continue
            q = select(func.count()).where(owned(R, name), R.c.purged_at.is_(None), R.c.started_at < now - days * DAY)
            if not tenant_hold:
                q = q.where(R.c.held.is_(True))
            n += conn.execute(q).scalar_one()
    return n


def _remove_empty_days(base, tenants: dict, now: float) -> None:
    """Day folders left empty go too, when untouched for two days: never the tenant's own
    folder, and never a day FreeSWITCH may still be writing into."""
    for name in tenants:
        try:
            days = list(os.scandir(base / name))
        except FileNotFoundError:
            continue
        for d in days:
            if (
                d.is_dir(follow_symlinks=False)
                and d.name != "voicemail"
                and d.stat(follow_symlinks=False).st_mtime < now - 2 * DAY
            ):
                try:
                    os.rmdir(d.path)
                except OSError:
                    pass

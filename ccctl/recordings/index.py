"""The recordings index: which recording files a tenant has, how big, since when, and which
are under legal hold.

The index is brought up to date by scanning the tenants' recordings folders (what FreeSWITCH
wrote, before the index existed too); the call rows the daemon writes give each file its call's
start time. Voicemail messages (TENANT/voicemail/) belong to their mailboxes and are not indexed.
Every function takes the context (`.settings`, `.engine`) as its first argument.
"""

from __future__ import annotations

import os
import time
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import and_, func, select, update

from ccctl.errors import NotFound
from ccctl.model import AgentEvent, Call, Recording, RecordingPolicy, Tenant
from ccctl.model.owner import owned

R = Recording.__table__
C = Call.__table__
A = AgentEvent.__table__
AUDIO = (".wav", ".flac", ".mp3", ".ogg")
SKIP_DIRS = {"voicemail"}
DAY = 86400.0


def root(services) -> Path:
    return Path(services.settings.fs_recordings_dir)


def _insert(engine):
    if engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


def _files(base: Path, tenant: str):
    """(relative path, size, mtime) of TENANT's recordings under BASE."""
    top = base / tenant
    try:
        days = list(os.scandir(top))
    except FileNotFoundError:
        return
    for day in days:
        if not day.is_dir(follow_symlinks=False) or day.name in SKIP_DIRS:
            continue
        for f in os.scandir(day.path):
            if f.is_file(follow_symlinks=False) and f.name.endswith(AUDIO):
                st = f.stat(follow_symlinks=False)
                yield f"{tenant}/{day.name}/{f.name}", st.st_size, st.st_mtime


def tenants_on_disk(services) -> list[str]:
    try:
        return sorted(d.name for d in os.scandir(root(services)) if d.is_dir(follow_symlinks=False))
    except FileNotFoundError:
        return []


def scan(services, tenant: str | None = None) -> dict:
    """Index the files of TENANT (all tenants' folders when None) that the index does not know,
    and correct the sizes of those it does (a recording still growing when last seen).
    Returns {"added": n, "updated": n}."""
    engine, base = services.engine, root(services)
    added = updated = 0
    for name in [tenant] if tenant else tenants_on_disk(services):
        with engine.connect() as conn:
            known = {
                p: (i, b)
                for i, p, b in conn.execute(
                    select(R.c.id, R.c.path, R.c.bytes).where(owned(R, name), R.c.purged_at.is_(None))
                )
            }
        new, changed = [], []
        for path, size, mtime in _files(base, name):
            row = known.get(path)
            if row is None:
                stem = path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
                new.append(
                    {
                        "tenant": name,
                        "path": path,
                        "call_uuid": stem[:64],
                        "started_at": mtime,
                        "bytes": size,
                        "held": False,
                        "masked": False,
                        # the node whose disk holds it: recording export elsewhere fetches it from there
                        "node": services.settings.node,
                    }
                )
            elif row[1] != size:
                changed.append({"rid": row[0], "size": size})
        with engine.begin() as conn:
            for i in range(0, len(new), 2000):
                batch = new[i : i + 2000]
                # The call's own start when a call row knows it (the file's mtime is its end).
                starts = dict(
                    conn.execute(
                        select(C.c.uuid, C.c.entered_at).where(C.c.uuid.in_([r["call_uuid"] for r in batch]))
                    ).all()
                )
                masked = set(
                    conn.execute(
                        select(A.c.value).where(
                            A.c.tenant == name, A.c.kind == "mask", A.c.value.in_([r["call_uuid"] for r in batch])
                        )
                    ).scalars()
                )
                for r in batch:
                    r["started_at"] = starts.get(r["call_uuid"], r["started_at"])
                    r["masked"] = r["call_uuid"] in masked
                # A purged path written again (same uuid, new file) takes over its old row.
                stmt = _insert(engine)(R)
                conn.execute(
                    stmt.on_conflict_do_update(
                        index_elements=["path"],
                        set_={
                            "started_at": stmt.excluded.started_at,
                            "bytes": stmt.excluded.bytes,
                            "purged_at": None,
                            "masked": stmt.excluded.masked,
                        },
                    ),
                    batch,
                )
            if changed:
                from sqlalchemy import bindparam

                conn.execute(update(R).where(R.c.id == bindparam("rid")).values(bytes=bindparam("size")), changed)
        added += len(new)
        updated += len(changed)
    return {"added": added, "updated": updated}


def policies(conn) -> dict[str, tuple[int, bool]]:
    """{tenant: (retention_days, legal_hold)} of every tenant with a recording policy."""
    rows = conn.execute(
        select(Tenant.name, RecordingPolicy.retention_days, RecordingPolicy.legal_hold).join(
            RecordingPolicy, RecordingPolicy.tenant_id == Tenant.id
        )
    )
    return {n: (d, bool(h)) for n, d, h in rows}


def iso(ts: float | None) -> str | None:
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def _status(row, policy: tuple[int, bool] | None, now: float) -> tuple[str, str | None]:
    """(status, purge_after): held, kept (no retention), due (past retention) or kept until a date."""
    if row["purged_at"] is not None:
        return "purged", None
    if row["held"]:
        return "held", None
    if policy is None:
        return "no-policy", None
    days, tenant_hold = policy
    if tenant_hold:
        return "tenant-hold", None
    if days == 0:
        return "kept", None
    after = row["started_at"] + days * DAY
    return ("due" if after <= now else "kept"), iso(after)


def as_dict(row, policy, root_dir: Path, now: float) -> dict:
    status, after = _status(row, policy, now)
    return {
        "tenant": row["tenant"],
        "call": row["call_uuid"],
        "started": iso(row["started_at"]),
        "bytes": row["bytes"],
        "status": status,
        "purge_after": after,
        "held": bool(row["held"]),
        "masked": bool(row["masked"]),
        "hold_reason": row["hold_reason"],
        "purged": iso(row["purged_at"]),
        "path": row["path"],
        "file": str(root_dir / row["path"]),
        "node": row["node"],
    }


def list_recordings(
    services,
    *,
    tenant: str | None = None,
    since: float | None = None,
    until: float | None = None,
    held: bool | None = None,
    purged: bool = False,
    limit: int | None = 1000,
    refresh: bool = True,
) -> list[dict]:
    """Recordings, oldest first. REFRESH scans the folders first, so new files are listed."""
    if refresh:
        scan(services, tenant)
    cond = [] if purged else [R.c.purged_at.is_(None)]
    if tenant:
        cond.append(owned(R, tenant))
    if since is not None:
        cond.append(R.c.started_at >= since)
    if until is not None:
        cond.append(R.c.started_at < until)
    if held is not None:
        cond.append(R.c.held == held)
    stmt = select(R).where(and_(True, *cond)).order_by(R.c.started_at, R.c.id)
    if limit:
        stmt = stmt.limit(limit)
    now = time.time()
    with services.engine.connect() as conn:
        pol = policies(conn)
        return [as_dict(r, pol.get(r["tenant"]), root(services), now) for r in conn.execute(stmt).mappings()]


def _call_rows(conn, tenant: str, call: str):
    return conn.execute(select(R).where(owned(R, tenant), R.c.call_uuid == call).order_by(R.c.id)).mappings().all()


def show(services, tenant: str, call: str) -> list[dict]:
    """The recordings of one call of TENANT (a call recorded in parts has several)."""
    with services.engine.connect() as conn:
        rows = _call_rows(conn, tenant, call)
    if not rows:
        scan(services, tenant)
        with services.engine.connect() as conn:
            rows = _call_rows(conn, tenant, call)
    if not rows:
        raise NotFound(f"no recording of call {call} in tenant {tenant}")
    with services.engine.connect() as conn:
        pol = policies(conn).get(tenant)
    return [as_dict(r, pol, root(services), time.time()) for r in rows]


def set_hold(services, tenant: str, call: str, held: bool, reason: str | None = None) -> dict:
    """Put one call's recordings under legal hold (or release them). The purge re-checks the
    hold in the same statement that claims a file, so a hold placed during a purge holds."""
    show(services, tenant, call)  # NotFound when there is none, after a scan
    with services.engine.begin() as conn:
        n = conn.execute(
            update(R)
            .where(owned(R, tenant), R.c.call_uuid == call, R.c.purged_at.is_(None))
            .values(held=held, hold_reason=(reason if held else None))
        ).rowcount
    return {"tenant": tenant, "call": call, "held": held, "recordings": n}


def usage(services, tenant: str | None = None, *, refresh: bool = True) -> list[dict]:
    """Per tenant: recordings kept, their bytes, how many are held, the oldest, and how many
    (and bytes) the next purge would delete."""
    if refresh:
        scan(services, tenant)
    now = time.time()
    live = R.c.purged_at.is_(None)
    with services.engine.connect() as conn:
        pol = policies(conn)
        q = (
            select(R.c.tenant, func.count(), func.coalesce(func.sum(R.c.bytes), 0), func.min(R.c.started_at))
            .where(live)
            .group_by(R.c.tenant)
        )
        if tenant:
            q = q.where(owned(R, tenant))
        totals = conn.execute(q).all()
        held = dict(conn.execute(select(R.c.tenant, func.count()).where(live, R.c.held).group_by(R.c.tenant)).all())
        out = []
        for name, files, size, oldest in totals:
            days, tenant_hold = pol.get(name, (0, False))
            due = (0, 0)
            if days and not tenant_hold:
                due = conn.execute(
                    select(func.count(), func.coalesce(func.sum(R.c.bytes), 0)).where(
                        live, owned(R, name), R.c.held.is_(False), R.c.started_at < now - days * DAY
                    )
                ).one()
            out.append(
                {
                    "tenant": name,
                    "files": files,
                    "bytes": int(size),
                    "held": held.get(name, 0),
                    "tenant_hold": tenant_hold,
                    "retention_days": days if name in pol else None,
                    "oldest": iso(oldest),
                    "due_files": due[0],
                    "due_bytes": int(due[1]),
                }
            )
    if tenant and not out:
        out.append(
            {
                "tenant": tenant,
                "files": 0,
                "bytes": 0,
                "held": 0,
                "tenant_hold": pol.get(tenant, (0, False))[1],
                "retention_days": pol.get(tenant, (None,))[0],
                "oldest": None,
                "due_files": 0,
                "due_bytes": 0,
            }
        )
    return out


def stored_bytes(conn, tenant: str, until: float) -> tuple[int, int]:
    """(files, bytes) of TENANT's recordings on the box at UNTIL as the index knows them."""
    files, size = conn.execute(
        select(func.count(), func.coalesce(func.sum(R.c.bytes), 0)).where(
            owned(R, tenant), R.c.started_at < until, (R.c.purged_at.is_(None)) | (R.c.purged_at >= until)
        )
    ).one()
    return files, int(size)

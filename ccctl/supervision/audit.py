"""Writing and reading the audit log (who did what to which call, when, and how it went)."""

from __future__ import annotations

import getpass
import os
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timezone

from ccctl.errors import InvalidInput
from ccctl.model.owner import owned


def current_actor() -> str:
    """The person behind the command: the user who ran sudo, else the OS user."""
    return os.environ.get("SUDO_USER") or getpass.getuser()


@dataclass
class AuditRow:
    at: str
    """ISO 8601, UTC."""
    actor: str
    tenant: str
    action: str
    subject: str | None
    call: str | None
    result: str
    detail: str | None

    def as_dict(self) -> dict:
        return asdict(self)


def record(
    services,
    *,
    tenant: str,
    action: str,
    result: str,
    actor: str | None = None,
    subject: str | None = None,
    call: str | None = None,
    detail: str | None = None,
) -> None:
    """One row, in its own transaction: an action is logged whether the caller's work
    committed or not (a refused attempt is what an auditor looks for first)."""
    from ccctl.db import session_scope
    from ccctl.model.audit import RESULTS, AuditEntry

    if result not in RESULTS:
        raise ValueError(f"audit result {result!r}")
    entry = AuditEntry(
        at=time.time(),
        actor=(actor or current_actor())[:128],
        tenant=tenant[:63],
        action=action,
        subject=subject[:200] if subject else None,
        call=call,
        result=result,
        detail=detail[:1000] if detail else None,
    )
    with session_scope(services.engine) as session:
        session.add(entry)


def parse_since(text: str | None) -> float | None:
    """A date, a date and time (ISO 8601, UTC unless it says otherwise) or a span back from now
    (30m, 12h, 7d) -> Unix seconds."""
    if not text:
        return None
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    if text[-1:] in units and text[:-1].isdigit():
        return time.time() - int(text[:-1]) * units[text[-1]]
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            f"--since {text!r}: a date (2026-11-22), a time (2026-11-22T10:00) or a span (30m, 12h, 7d)"
        ) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.timestamp()


def entries(services, tenant: str | None = None, since: str | None = None, limit: int | None = None) -> list[AuditRow]:
    """Rows oldest first (the newest LIMIT of them when LIMIT is given)."""
    from sqlmodel import select

    from ccctl.db import session_scope
    from ccctl.model.audit import AuditEntry

    start = parse_since(since)
    q = select(AuditEntry)
    if tenant:
        q = q.where(owned(AuditEntry, tenant))
    if start is not None:
        q = q.where(AuditEntry.at >= start)
    q = q.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    if limit:
        q = q.limit(limit)
    with session_scope(services.engine) as session:
        rows = session.exec(q).all()
        out = [
            AuditRow(
                at=datetime.fromtimestamp(r.at, timezone.utc).isoformat(timespec="seconds"),
                actor=r.actor,
                tenant=r.tenant,
                action=r.action,
                subject=r.subject,
                call=r.call,
                result=r.result,
                detail=r.detail,
            )
            for r in rows
        ]
    return out[::-1]

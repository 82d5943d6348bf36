"""The audit log: every supervisor action (listen, whisper, barge, hang-up, three-way,
transfer), every password rotation and every correction of the stuck-agent watchdog, whether
it worked, was refused or failed.

Operational data like call rows: `apply` never touches it, and rows name tenants, seats and
calls by their names so that they outlive the configuration they were made under.
"""

from __future__ import annotations

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from ccctl.model.base import tenant_uid

RESULTS = ("ok", "refused", "failed")


class AuditEntry(SQLModel, table=True):
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_tenant_at", "tenant", "at"), Index("ix_audit_log_at", "at"))

    id: int | None = Field(default=None, primary_key=True)
    at: float
    """Unix seconds (UTC), as call rows keep time."""
    actor: str = Field(max_length=128)
    """Who: the OS user that ran the command, --actor, or 'watchdog'."""
    tenant: str = Field(max_length=63)
    tenant_uid: str | None = tenant_uid()
    action: str = Field(max_length=32)
    """monitor.listen, monitor.whisper, monitor.barge, monitor.hangup, monitor.three-way,
    monitor.transfer, seat.reset-password, watchdog.correct, recording.mask, recording.unmask
    (also written by the daemon for a seat's *4/*5, actor 'seat:EXT'), agent.*."""
    subject: str | None = Field(default=None, max_length=200)
    """What the action was about: the agent's seat, the target of a transfer, the number dialled."""
    call: str | None = Field(default=None, max_length=64)
    """The FreeSWITCH uuid of the call acted on, when there was one."""
    result: str = Field(max_length=8)
    detail: str | None = Field(default=None, max_length=1000)

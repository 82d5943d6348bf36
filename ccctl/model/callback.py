"""Queue callback requests: operational data (never part of a tenant's declarative spec)."""

from __future__ import annotations

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from ccctl.model.base import tenant_uid

STATES = ("waiting", "placed", "done", "failed", "cancelled")
"""waiting: due at next_at; placed: a placeholder member is in the queue; done: the caller
was reached; failed: every attempt failed; cancelled: by `ccctl callback cancel`."""


class CallbackRequest(SQLModel, table=True):
    __tablename__ = "callback_request"
    __table_args__ = (Index("ix_callback_request_state_next", "state", "next_at"),)

    id: int | None = Field(default=None, primary_key=True)
    tenant: str = Field(max_length=63)
    tenant_uid: str | None = tenant_uid()
    queue: str = Field(max_length=63)
    number: str = Field(max_length=64)
    """The caller's number, dialed back (a seat extension directly, anything else by trunk)."""
    call_uuid: str = Field(max_length=64, unique=True)
    """The call on which the caller asked (its call row, disposition 'callback')."""
    since: float
    """When the caller's call was answered: the callback ranks in the queue as if waiting since then."""
    requested_at: float
    state: str = Field(default="waiting", max_length=10)
    attempts: int = 0
    max_attempts: int = 3
    interval: int = 120
    next_at: float
    attempt_uuid: str | None = Field(default=None, max_length=64)
    """The placeholder of the attempt under way (the loopback leg that dials the caller)."""
    agent: str | None = Field(default=None, max_length=63)
    last_cause: str | None = Field(default=None, max_length=64)
    updated_at: float

"""Outbound campaigns: the definition (who dials whom, how and when), its contacts, and the
tenant's do-not-call list.

Contacts and their attempts are operational data: `apply` never reads or deletes them. Rows
refer to the tenant by name, like call rows, so that history outlives configuration.
"""

from __future__ import annotations

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from ccctl.model.base import tenant_uid

MODES = ("preview", "progressive", "predictive")
KINDS = ("agents", "ivr")
"""What an answered call goes to: an agent of the campaign's queue, or an IVR target (the
outbound survey of issue 12 item 4 adds itself as kind 'ivr' with `target`)."""
STATES = ("draft", "running", "paused", "stopped", "done")
CONTACT_STATES = ("pending", "offered", "accepted", "dialing", "done", "failed", "dnc")


class Campaign(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("tenant", "name", name="uq_campaign_tenant_name"),)

    id: int | None = Field(default=None, primary_key=True)
    tenant: str = Field(max_length=63, index=True)
    tenant_uid: str | None = tenant_uid()
    name: str = Field(max_length=63)
    kind: str = Field(default="agents", max_length=16)
    queue: str | None = Field(default=None, max_length=63)
    target: str | None = Field(default=None, max_length=200)
    """For kind 'ivr': the target an answered call is transferred to (ivr:NAME, ...)."""
    mode: str = Field(default="progressive", max_length=12)
    trunk: str | None = Field(default=None, max_length=63)
    caller_id: str | None = Field(default=None, max_length=21)
    country: str = Field(default="US", max_length=2)
    window_start: str = Field(default="09:00", max_length=5)
    window_end: str = Field(default="20:00", max_length=5)
    days: str = Field(default="mon-fri", max_length=40)
    retries: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    """{disposition: [max retries, first back-off in seconds]}; the back-off doubles each time."""
    max_attempts: int = 5
    max_concurrent: int = 10
    ring_timeout: int = 25
    abandon_target: float = 0.03
    state: str = Field(default="draft", max_length=10)
    created_at: float


class Contact(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("campaign_id", "number", name="uq_contact_campaign_number"),
        Index("ix_contact_due", "campaign_id", "state", "next_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", ondelete="CASCADE")
    number: str = Field(max_length=21)
    """E.164."""
    name: str | None = Field(default=None, max_length=200)
    timezone: str = Field(max_length=64)
    fields: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    state: str = Field(default="pending", max_length=8)
    attempts: int = 0
    next_at: float = 0.0
    last_disposition: str | None = Field(default=None, max_length=16)
    last_call: str | None = Field(default=None, max_length=64)
    """uuid of the call row of the last attempt."""
    agent: str | None = Field(default=None, max_length=63)
    """Preview: the agent the contact is offered to or accepted by."""


class Dnc(SQLModel, table=True):
    """A number the tenant must never dial."""

    __table_args__ = (UniqueConstraint("tenant", "number", name="uq_dnc_tenant_number"),)

    id: int | None = Field(default=None, primary_key=True)
    tenant: str = Field(max_length=63)
    tenant_uid: str | None = tenant_uid()
    number: str = Field(max_length=21)
    note: str | None = Field(default=None, max_length=200)
    added_at: float

from __future__ import annotations

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from ccctl.model.base import new_uid


class Tenant(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=63)
    uid: str | None = Field(default_factory=new_uid, max_length=32, unique=True, index=True)
    """The tenant's identity, never reused: operational data (call rows, recordings, campaigns,
    ...) is keyed by it, so a later tenant of the same name starts empty."""
    display_name: str | None = Field(default=None, max_length=200)
    plan: str = Field(max_length=20)
    domain: str | None = Field(default=None, unique=True, max_length=253)
    seat_limit: int
    call_limit: int
    caller_id_name: str | None = Field(default=None, max_length=200)
    caller_id_number: str | None = Field(default=None, max_length=21)
    timezone: str = Field(max_length=64)
    language: str = Field(max_length=8)
    lease_price: float | None = None
    lease_currency: str | None = Field(default=None, max_length=3)
    lease_period: str | None = Field(default=None, max_length=16)
    billing_increment: int | None = None
    billing_minimum: int | None = None
    webhooks: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]"))
    """URLs that receive the tenant's CTI events (screen pop), signed with its own secret."""
    crm_url: str | None = Field(default=None, max_length=2000)
    """The screen pop's link to the customer in the tenant's CRM: {number}, {customer_id}."""
    pause_reasons: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False, server_default="{}"))
    """Break reasons keyed from the phone (*24 + code): {code: name}."""
    default_pause_reason: str | None = Field(default=None, max_length=2)
    dispositions: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False, server_default="{}"))
    """Wrap-up codes keyed from the phone (*9 + code): {code: name}."""
    home_node: str | None = Field(default=None, max_length=63, index=True)
    """The fleet node that serves the tenant (node.name); None on a single box, which serves
    every tenant itself."""
    missed_calls_reason: str | None = Field(default=None, max_length=2)
    require_disposition: bool = False


class RecordingPolicy(SQLModel, table=True):
    __tablename__ = "recording_policy"

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = Field(foreign_key="tenant.id", ondelete="CASCADE", unique=True)
    mode: str = Field(max_length=16)
    format: str = Field(max_length=8)
    retention_days: int
    legal_hold: bool


class Setting(SQLModel, table=True):
    """Box-wide values, the generated secrets among them."""

    key: str = Field(primary_key=True, max_length=64)
    value: str = Field(max_length=4096)

from __future__ import annotations

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from ccctl.model.base import tenant_fk


class Queue(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("tenant_id", "name", name="uq_queue_tenant_name"),)

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = tenant_fk()
    name: str = Field(max_length=63)
    display_name: str | None = Field(default=None, max_length=200)
    skill: str | None = Field(default=None, max_length=63)
    strategy: str = Field(max_length=40)
    moh: str = Field(max_length=63)
    announce: str | None = Field(default=None, max_length=200)
    announce_every: int = 0
    max_wait: int
    overflow: str = Field(max_length=80)
    no_agent_timeout: int
    no_agent_target: str = Field(max_length=80)
    service_level: int
    wrapup: int
    survey: bool = False
    require_disposition: bool = False
    dispositions: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]"))
    """Codes of the tenant's dispositions a call of this queue takes ([]: all)."""
    callback_key: str | None = Field(default=None, max_length=1)
    """None: no callback."""
    callback_attempts: int = 3
    callback_interval: int = 120

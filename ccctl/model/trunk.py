from __future__ import annotations

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from ccctl.model.base import tenant_fk


class Trunk(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("tenant_id", "name", name="uq_trunk_tenant_name"),)

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = tenant_fk()
    name: str = Field(max_length=63)
    type: str = Field(max_length=8)
    host: str | None = Field(default=None, max_length=253)
    port: int = 5060
    transport: str = Field(default="udp", max_length=8)
    username: str | None = Field(default=None, max_length=128)
    password: str | None = Field(default=None, max_length=128)
    register_: bool = False
    """The site file's `register` (a field named register would shadow pydantic's class method)."""
    caller_id: str | None = Field(default=None, max_length=21)
    span_group: int | None = None

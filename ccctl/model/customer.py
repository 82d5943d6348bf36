from __future__ import annotations

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from ccctl.model.base import tenant_fk


class Customer(SQLModel, table=True):
    """Caller number -> who it is, for screen pop and routing."""

    __table_args__ = (UniqueConstraint("tenant_id", "number", name="uq_customer_tenant_number"),)

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = tenant_fk()
    number: str = Field(max_length=21, index=True)
    name: str = Field(max_length=200)
    fields: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))

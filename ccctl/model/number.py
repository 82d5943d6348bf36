from __future__ import annotations

from sqlmodel import Field, SQLModel

from ccctl.model.base import tenant_fk


class Number(SQLModel, table=True):
    """An inbound DID. Unique across the box: one number reaches one tenant."""

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = tenant_fk()
    number: str = Field(unique=True, max_length=21)
    target: str = Field(max_length=80)

from __future__ import annotations

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from ccctl.model.base import tenant_fk


class IvrMenu(SQLModel, table=True):
    __tablename__ = "ivr_menu"
    __table_args__ = (UniqueConstraint("tenant_id", "name", name="uq_ivr_menu_tenant_name"),)

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = tenant_fk()
    name: str = Field(max_length=63)
    display_name: str | None = Field(default=None, max_length=200)
    greeting_text: str | None = Field(default=None, max_length=2000)
    greeting_file: str | None = Field(default=None, max_length=1000)
    greeting_language: str | None = Field(default=None, max_length=8)
    timeout: int
    max_failures: int
    on_failure: str = Field(max_length=80)
    hours: dict | None = Field(default=None, sa_column=Column(JSON))
    holidays: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    closed: str = Field(max_length=80)


class IvrOption(SQLModel, table=True):
    __tablename__ = "ivr_option"
    __table_args__ = (UniqueConstraint("menu_id", "digit", name="uq_ivr_option_menu_digit"),)

    id: int | None = Field(default=None, primary_key=True)
    menu_id: int = Field(foreign_key="ivr_menu.id", ondelete="CASCADE", index=True)
    digit: str = Field(max_length=1)
    target: str = Field(max_length=80)

from __future__ import annotations

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from ccctl.model.base import tenant_fk


class Seat(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("tenant_id", "extension", name="uq_seat_tenant_extension"),)

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = tenant_fk()
    extension: str = Field(max_length=8)
    name: str = Field(max_length=200)
    """Who sits there (the site file's `name`), as phones and the console show it."""
    password: str = Field(max_length=128)
    remote: bool = False
    supervisor: bool = False


class SeatSkill(SQLModel, table=True):
    __tablename__ = "seat_skill"
    __table_args__ = (UniqueConstraint("seat_id", "skill", name="uq_seat_skill_seat_skill"),)

    id: int | None = Field(default=None, primary_key=True)
    seat_id: int = Field(foreign_key="seat.id", ondelete="CASCADE", index=True)
    skill: str = Field(max_length=63)
    level: int

from __future__ import annotations

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel


class VoiceCard(SQLModel, table=True):
    """A voice card of the box with its spans and analog ports (as in the site file's
    `hardware:` section). Position keeps the file's order, which numbers DAHDI's spans."""

    __tablename__ = "voice_card"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=63, unique=True)
    position: int
    profile: str = Field(max_length=40)
    location: str | None = Field(default=None, max_length=64)
    spans: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    ports: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))

"""The recordings index: one row per recording file on the box (operational data).

Filled from the call rows the daemon writes and by scanning the tenants' recordings folders,
so that files made before the index existed are known too. Paths are relative to the
recordings root (settings.fs_recordings_dir): an index restored onto another box still points
at its files. A purged recording keeps its row (with purged_at) so that `recording show`
can say when and why its file went.
"""

from __future__ import annotations

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from ccctl.model.base import tenant_uid


class Recording(SQLModel, table=True):
    __tablename__ = "recording"
    __table_args__ = (Index("ix_recording_tenant_started", "tenant", "started_at"),)

    id: int | None = Field(default=None, primary_key=True)
    tenant: str = Field(max_length=63)
    tenant_uid: str | None = tenant_uid()
    path: str = Field(max_length=1000, unique=True)
    """Relative to the recordings root: TENANT/YYYY-MM-DD/UUID.wav."""
    call_uuid: str | None = Field(default=None, max_length=64, index=True)
    started_at: float
    """Unix seconds: the call's start, or the file's modification time when no call row knows it."""
    bytes: int = 0
    held: bool = False
    """Under legal hold for this call alone (the tenant's own hold is its recording policy)."""
    hold_reason: str | None = Field(default=None, max_length=200)
    purged_at: float | None = None
    masked: bool = False
    """Part of the call was masked (*4 ... *5, `ccctl agent mask`): silence in the file there;
    the spans are the agent rows of kind mask/unmask (ccctl/recordings/masks.py)."""
    node: str | None = Field(default=None, max_length=63)
    """The node whose disk holds the file (CCCTL_NODE of the box that indexed it); in a fleet,
    `recording export` elsewhere fetches it from there (ccctl/recordings/fetch.py)."""

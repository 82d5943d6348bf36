"""What every operation needs, passed in explicitly: settings, database, and the hook that
pushes a committed change to FreeSWITCH."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from sqlalchemy.engine import Engine

from .settings import Settings


@dataclass
class Context:
    settings: Settings
    engine: Engine
    before_commit: list[Callable[["Context", object, list], None]] = field(default_factory=list)
    """Called with (context, session, changes) once a write is flushed and before it commits:
    rendering and the live reload, which can still veto the write by raising."""
    dry_run_checks: list[Callable[["Context", object], None]] = field(default_factory=list)
    """Called with (context, session) on a dry run, after its writes and before they are rolled
    back: what the real write would refuse beyond the database (a greeting file missing)."""
    messages: list[str] = field(default_factory=list)
    """Notes for the person at the terminal (printed on stderr by the CLI)."""

    @classmethod
    def open(cls, settings: Settings | None = None) -> "Context":
        from .db import open_engine

        settings = settings or Settings.from_env()
        return cls(settings=settings, engine=open_engine(settings.db_url))

    def say(self, message: str) -> None:
        self.messages.append(message)

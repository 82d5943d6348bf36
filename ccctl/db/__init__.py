"""Database access: engines, sessions, migrations and the box's generated secrets."""

from .engine import open_engine, session_scope
from .secrets import box_secret

__all__ = ["open_engine", "session_scope", "box_secret"]

"""Database access: engines, sessions, migrations and the box's generated secrets."""

from ccctl.db.secrets import box_secret
from ccctl.db.session import open_engine, session_scope

__all__ = ["open_engine", "session_scope", "box_secret"]

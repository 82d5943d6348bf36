"""The older name of ccctl.app.Services: `Context` is `Services` (kept for code written
against it). New code: `from ccctl import app; services = app.open(settings)`."""

from ccctl.app import Services

Context = Services

__all__ = ["Context", "Services"]

"""Reaching the box's FreeSWITCH from a Context (address from settings, password from the
database), with 'is it up?' as an answer rather than an exception."""

from __future__ import annotations

from ccctl.configuration import esl_password
from ccctl.context import Context
from ccctl.errors import FreeSwitchError
from ccctl.esl import EventSocket


def event_socket(ctx: Context, timeout: float = 5.0, password: str | None = None) -> EventSocket:
    """A connected Event Socket, or FreeSwitchError when FreeSWITCH is not running.
    PASSWORD, when the caller already holds it (inside a write's transaction)."""
    password = password if password is not None else esl_password(ctx)
    return EventSocket(ctx.settings.esl_host, ctx.settings.esl_port, password, timeout).connect()


def try_event_socket(ctx: Context, timeout: float = 3.0, password: str | None = None) -> EventSocket | None:
    try:
        return event_socket(ctx, timeout, password)
    except FreeSwitchError:
        return None

"""Reaching the box's FreeSWITCH from a Context (address from settings, password from the
database), with 'is it up?' as an answer rather than an exception."""

from __future__ import annotations

from .configuration import esl_password
from .context import Context
from .errors import FreeSwitchError
from .esl import EventSocket


def event_socket(ctx: Context, timeout: float = 5.0) -> EventSocket:
    """A connected Event Socket, or FreeSwitchError when FreeSWITCH is not running."""
    return EventSocket(ctx.settings.esl_host, ctx.settings.esl_port, esl_password(ctx), timeout).connect()


def try_event_socket(ctx: Context, timeout: float = 3.0) -> EventSocket | None:
    try:
        return event_socket(ctx, timeout)
    except FreeSwitchError:
        return None

"""Reaching the box's FreeSWITCH from a Services (address from settings, password from the
database), with 'is it up?' as an answer rather than an exception."""

from __future__ import annotations

from ccctl.app import Services
from ccctl.config.gather import esl_password
from ccctl.errors import FreeSwitchError
from ccctl.freeswitch.esl import EventSocket


def event_socket(services: Services, timeout: float = 5.0, password: str | None = None) -> EventSocket:
    """A connected Event Socket, or FreeSwitchError when FreeSWITCH is not running.
    PASSWORD, when the caller already holds it (inside a write's transaction)."""
    password = password if password is not None else esl_password(services)
    return EventSocket(services.settings.esl_host, services.settings.esl_port, password, timeout).connect()


def try_event_socket(services: Services, timeout: float = 3.0, password: str | None = None) -> EventSocket | None:
    try:
        return event_socket(services, timeout, password)
    except FreeSwitchError:
        return None

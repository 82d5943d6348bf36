"""What the console shows of an error: one line, never a traceback (a traceback's local
variables can hold whatever a screen read, secrets included)."""

from __future__ import annotations

import logging
import traceback

from ccctl.errors import CcError

log = logging.getLogger("cctui")


def one_line(exc: BaseException) -> str:
    """EXC as one line: a ccctl error's own message, else only its type (the text of an
    error nobody expected may hold any value; the log has it)."""
    if isinstance(exc, CcError):
        return (exc.message.splitlines() or [exc.id])[0]
    return f"unexpected error ({type(exc).__name__}); details in the log"


def log_unexpected(exc: BaseException) -> None:
    """The traceback of an error no screen expected, for whoever fixes it: frames and lines
    only, no local variables."""
    log.error("unexpected error in the console\n%s", "".join(traceback.format_exception(exc)).rstrip())


def told(exc: BaseException) -> str:
    """The line to show for EXC; an unexpected one's traceback goes to the log first."""
    if not isinstance(exc, CcError):
        log_unexpected(exc)
    return one_line(exc)


class Guarded:
    """A message pump of the console (the app, a screen) that survives an error in one of its
    handlers. Textual stops a pump whose handler raised and exits with a traceback showing every
    frame's local variables, where a tenant read with secrets would print them; here the error
    is one line on screen, its traceback without locals goes to the log, and the console stays
    up. (Mixed in before the Textual class; Textual is pinned to one version.)"""

    async def _dispatch_message(self, message) -> None:
        try:
            await super()._dispatch_message(message)
        except Exception as exc:  # noqa: BLE001 - CancelledError is no Exception: shutdown goes on
            self.app.unexpected_error(exc)

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

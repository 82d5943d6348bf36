"""Typed errors with stable ids; the CLI maps them to exit codes in one place."""

from __future__ import annotations


class CcError(Exception):
    """Base of every error ccctl reports to a user."""

    id = "error"
    exit_code = 1

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InvalidInput(CcError):
    """Input that does not fit the schema, a format or a rule."""

    id = "invalid-input"
    exit_code = 1


class NotFound(CcError):
    id = "not-found"
    exit_code = 3


class Conflict(CcError):
    id = "conflict"
    exit_code = 4


class LimitReached(CcError):
    """A tenant limit (seats, calls) would be exceeded."""

    id = "limit-reached"
    exit_code = 4


class NeedsConfirmation(CcError):
    """A destructive command run without a terminal to ask on and without --yes."""

    id = "needs-confirmation"
    exit_code = 2


class FreeSwitchError(CcError):
    """FreeSWITCH refused a change or could not be reached when it had to be."""

    id = "freeswitch-error"
    exit_code = 1


class FreeSwitchRefused(FreeSwitchError):
    """FreeSWITCH answered a command (api or bgapi) with -ERR. COMMAND is what was sent,
    REASON what FreeSWITCH said after -ERR."""

    def __init__(self, command: str, reason: str):
        super().__init__(f"{command}: {reason or 'error'}")
        self.command = command
        self.reason = reason


class Forbidden(CcError):
    """The signed-in account or token may not do this (another tenant's data, an operation
    above its role). The web service answers 403."""

    id = "forbidden"
    exit_code = 1


class NotSignedIn(CcError):
    """No valid session or token, a wrong password, or a locked account. The web service
    answers 401; the message never says which of these it was."""

    id = "not-signed-in"
    exit_code = 1


EXIT_CODES = {
    0: "ok",
    1: "error (invalid input, validation failed, FreeSWITCH refused)",
    2: "usage (unknown command or option, or --yes missing for a destructive command)",
    3: "not found",
    4: "conflict or limit reached",
}

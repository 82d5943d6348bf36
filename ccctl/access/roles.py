"""The four roles and the one permission rule every front end (API, pages, tokens) asks.

provider-admin: everything. tenant-admin: one tenant's configuration, data and reports.
supervisor: one tenant's live view, data and supervisor actions, optionally limited to some
queues. agent: their own seat's status and calls, and the customers of their tenant (screen pop).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ccctl.errors import Forbidden

PROVIDER_ADMIN, TENANT_ADMIN, SUPERVISOR, AGENT = "provider-admin", "tenant-admin", "supervisor", "agent"
ROLES = (PROVIDER_ADMIN, TENANT_ADMIN, SUPERVISOR, AGENT)
TOKEN_ROLES = (PROVIDER_ADMIN, TENANT_ADMIN, SUPERVISOR)
"""An agent signs in as a person; scripts act for an admin or a supervisor."""

_ALL = frozenset(ROLES)
_STAFF = frozenset((PROVIDER_ADMIN, TENANT_ADMIN, SUPERVISOR))
PERMISSIONS: dict[str, frozenset[str]] = {
    "calls.read": _ALL,
    "calls.wrapup": _ALL,
    "calls.transfer": _ALL,
    "customers.read": _ALL,
    "customers.write": frozenset((PROVIDER_ADMIN, TENANT_ADMIN)),
    "recordings.read": _STAFF,
    "agents.read": _STAFF,
    "agents.status": _ALL,
    "tenant.read": _ALL,
    "wallboard.read": _STAFF,
    "phone": frozenset((AGENT,)),
    "monitor": _STAFF,
}
OWN_SEAT_ONLY = frozenset(("calls.read", "calls.wrapup", "calls.transfer", "agents.status", "phone"))
"""What an agent may do only for their own seat. 'phone' (the seat's SIP secret, for the
page's WebRTC phone) is an agent's own only: nobody else is given it."""


@dataclass(frozen=True)
class Principal:
    """Who is asking: a signed-in account or an API token."""

    login: str
    role: str
    tenant: str | None = None
    """The tenant's current name; None for a provider admin."""
    extension: str | None = None
    queues: tuple[str, ...] = field(default_factory=tuple)

    @property
    def actor(self) -> str:
        """How the audit log names this principal."""
        return f"web:{self.login}"


def check(
    principal: Principal,
    action: str,
    tenant: str,
    *,
    extension: str | None = None,
    queue: str | None = None,
    seat_queues: frozenset[str] | None = None,
) -> None:
    """Forbidden unless PRINCIPAL may do ACTION in TENANT (for the seat EXTENSION, in QUEUE,
    where the operation has one). SEAT_QUEUES: the queues the seat serves (by its skills),
    which a supervisor limited to some queues needs one of to act on that seat. The only place
    roles are decided."""
    if action not in PERMISSIONS:
        raise ValueError(f"unknown action {action!r}")
    if principal.role != PROVIDER_ADMIN and principal.tenant != tenant:
        raise Forbidden(f"{principal.login} may not act in tenant {tenant}")
    if principal.role not in PERMISSIONS[action]:
        raise Forbidden(f"a {principal.role} may not {action.replace('.', ' ')}")
    if principal.role == AGENT and action in OWN_SEAT_ONLY and extension != principal.extension:
        raise Forbidden(f"an agent acts for their own seat only ({principal.extension})")
    if principal.role == SUPERVISOR and principal.queues:
        if queue is not None and queue not in principal.queues:
            raise Forbidden(f"{principal.login} supervises {', '.join(principal.queues)} only")
        if extension is not None and not (seat_queues or frozenset()) & set(principal.queues):
            raise Forbidden(f"seat {extension} serves none of the queues {principal.login} supervises")


def own_extension(principal: Principal) -> str | None:
    """The seat an agent's reads are limited to (None: not limited)."""
    return principal.extension if principal.role == AGENT else None

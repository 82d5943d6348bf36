"""Who is asking, and may they: the only place a request's tenant and role are checked.

A request carries a session cookie (the pages) or `Authorization: Bearer TOKEN` (scripts).
Every route under /api/tenants/{tenant} declares its operation with `allow("calls.read")`;
the dependency asks ccctl.access.roles.check with the path's tenant and seat (or the `agent`
query parameter), so a principal of tenant A gets 403 on anything of tenant B before any
library code runs.
"""

from __future__ import annotations

from fastapi import Depends, Request

from ccctl.access import roles, signin, tokens
from ccctl.access.accounts import seat_queues
from ccctl.access.roles import SUPERVISOR, Principal
from ccctl.errors import NotSignedIn

COOKIE = "ccctl_session"


def services(request: Request):
    return request.app.state.services


def principal(request: Request) -> Principal:
    svc = request.app.state.services
    header = request.headers.get("authorization", "")
    if header[:7].lower() == "bearer ":
        return tokens.authenticate(svc, header[7:].strip())
    cookie = request.cookies.get(COOKIE)
    if cookie:
        return signin.session_principal(svc, cookie)
    raise NotSignedIn("not signed in")


def allow(action: str):
    """A dependency: the principal, once roles.check allows ACTION in the path's tenant."""

    def check(tenant: str, request: Request, who: Principal = Depends(principal)) -> Principal:
        extension = request.path_params.get("extension") or request.query_params.get("agent")
        seats = None
        if who.role == SUPERVISOR and who.queues and extension and who.tenant == tenant:
            seats = seat_queues(request.app.state.services, tenant, extension)
        roles.check(
            who, action, tenant, extension=extension, queue=request.query_params.get("queue"), seat_queues=seats
        )
        return who

    check.__name__ = f"allow_{action.replace('.', '_')}"
    return check

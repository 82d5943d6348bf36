"""API tokens for scripts: `ccctl token create --role tenant-admin --tenant acme`.

A token is `cct_KEY_SECRET`: KEY finds the row, SECRET is kept only as its SHA-256. The whole
token is shown once, when it is made.
"""

from __future__ import annotations

import hmac
import secrets
import time

from sqlalchemy import delete, select

from ccctl.access import passwords
from ccctl.access.accounts import _check_queues, tenant_name, tenant_row
from ccctl.access.roles import PROVIDER_ADMIN, SUPERVISOR, TOKEN_ROLES, Principal
from ccctl.db import session_scope
from ccctl.errors import InvalidInput, NotFound, NotSignedIn
from ccctl.model import ApiToken

PREFIX = "cct_"


def create_token(
    services,
    role: str,
    *,
    tenant: str | None = None,
    name: str | None = None,
    queues: list[str] | None = None,
    days: int | None = None,
) -> dict:
    """A new token; the returned 'token' is the only time its secret is seen."""
    queues = list(queues or [])
    if role not in TOKEN_ROLES:
        raise InvalidInput(f"a token's role is one of {', '.join(TOKEN_ROLES)}")
    if queues and role != SUPERVISOR:
        raise InvalidInput("only a supervisor is limited to queues")
    if days is not None and days < 1:
        raise InvalidInput("--days: at least 1")
    key, secret = secrets.token_hex(6), passwords.new_secret()
    now = time.time()
    with session_scope(services.engine) as session:
        if role == PROVIDER_ADMIN:
            if tenant:
                raise InvalidInput("a provider-admin token belongs to no tenant (leave out --tenant)")
            uid = None
        else:
            if not tenant:
                raise InvalidInput(f"a {role} token belongs to one tenant: give --tenant")
            t = tenant_row(session, tenant)
            _check_queues(session, t, queues)
            uid = t.uid
        session.add(
            ApiToken(
                key=key,
                secret_hash=passwords.digest(secret),
                name=name or f"{role} {tenant or ''}".strip(),
                role=role,
                tenant_uid=uid,
                queues=queues,
                created_at=now,
                expires_at=now + days * 86400 if days else None,
            )
        )
    return {"key": key, "role": role, "tenant": tenant, "token": f"{PREFIX}{key}_{secret}"}


def list_tokens(services) -> list[dict]:
    with session_scope(services.engine) as session:
        rows = session.execute(select(ApiToken).order_by(ApiToken.created_at)).scalars().all()
        return [
            {
                "key": r.key,
                "name": r.name,
                "role": r.role,
                "tenant": tenant_name(session, r.tenant_uid),
                "queues": list(r.queues or []),
                "expires_at": r.expires_at,
            }
            for r in rows
        ]


def revoke_token(services, key: str) -> None:
    with session_scope(services.engine) as session:
        if session.execute(delete(ApiToken).where(ApiToken.key == key)).rowcount == 0:
            raise NotFound(f"token {key} not found")


def authenticate(services, token: str, *, now: float | None = None) -> Principal:
    """The principal TOKEN acts as; NotSignedIn when it is unknown, expired, or its tenant
    is gone."""
    now = now or time.time()
    key, _, secret = token.removeprefix(PREFIX).partition("_")
    with session_scope(services.engine) as session:
        r = session.execute(select(ApiToken).where(ApiToken.key == key)).scalar() if token.startswith(PREFIX) else None
        if r is None or not hmac.compare_digest(r.secret_hash, passwords.digest(secret)):
            raise NotSignedIn("not signed in")
        if r.expires_at is not None and r.expires_at <= now:
            raise NotSignedIn("not signed in")
        name = tenant_name(session, r.tenant_uid)
        if r.tenant_uid and name is None:
            raise NotSignedIn("not signed in")
        return Principal(login=f"token:{r.key}", role=r.role, tenant=name, queues=tuple(r.queues or ()))

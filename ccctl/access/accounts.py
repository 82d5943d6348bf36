"""People who sign in to the web service: `ccctl user add|list|remove|reset-password`.

An agent's login is their seat, EXTENSION@DOMAIN (the tenant's SIP domain, as the phone
registers), with a web password apart from the seat's SIP secret. Other logins are chosen
names. A tenant's accounts are kept under its identity: when the tenant goes, they stop working.
"""

from __future__ import annotations

import re
import time

from sqlalchemy import delete, select

from ccctl.access import passwords
from ccctl.access.roles import AGENT, PROVIDER_ADMIN, ROLES, SUPERVISOR, Principal
from ccctl.config.spec import sip_domain
from ccctl.db import session_scope
from ccctl.errors import Conflict, InvalidInput, NotFound
from ccctl.model import Account, Queue, Seat, Tenant

LOGIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+-]{0,319}")


def tenant_row(session, name: str) -> Tenant:
    t = session.execute(select(Tenant).where(Tenant.name == name)).scalar()
    if t is None:
        raise NotFound(f"tenant {name} not found")
    return t


def tenant_name(session, uid: str | None) -> str | None:
    return session.execute(select(Tenant.name).where(Tenant.uid == uid)).scalar() if uid else None


def _tenant_of_domain(session, domain: str) -> Tenant | None:
    for t in session.execute(select(Tenant)).scalars():
        if sip_domain(t.name, t.domain) == domain.lower():
            return t
    return None


def _check_queues(session, t: Tenant, queues: list[str]) -> None:
    have = set(session.execute(select(Queue.name).where(Queue.tenant_id == t.id)).scalars())
    missing = [q for q in queues if q not in have]
    if missing:
        raise NotFound(f"tenant {t.name} has no queue {', '.join(missing)}")


def _resolve(session, login: str, role: str, tenant: str | None, queues: list[str]) -> tuple[Tenant | None, str | None]:
    """The tenant row and the seat of a new account, checked."""
    if role not in ROLES:
        raise InvalidInput(f"unknown role {role!r}; use {', '.join(ROLES)}")
    if not LOGIN.fullmatch(login):
        raise InvalidInput(f"login {login!r}: letters, digits and . _ @ + - (at most 320)")
    if queues and role != SUPERVISOR:
        raise InvalidInput("only a supervisor is limited to queues")
    if role == PROVIDER_ADMIN:
        if tenant:
            raise InvalidInput("a provider admin belongs to no tenant (leave out --tenant)")
        return None, None
    if role == AGENT:
        extension, at, domain = login.partition("@")
        if not at:
            raise InvalidInput(
                f"an agent signs in with their seat: EXTENSION@DOMAIN (1001@acme.example), not {login!r}"
            )
        t = tenant_row(session, tenant) if tenant else _tenant_of_domain(session, domain)
        if t is None or sip_domain(t.name, t.domain) != domain.lower():
            raise NotFound(f"no tenant has the SIP domain {domain}")
        if session.execute(select(Seat.id).where(Seat.tenant_id == t.id, Seat.extension == extension)).first() is None:
            raise NotFound(f"seat {t.name}/{extension} not found")
        return t, extension
    if not tenant:
        raise InvalidInput(f"a {role} belongs to one tenant: give --tenant")
    t = tenant_row(session, tenant)
    _check_queues(session, t, queues)
    return t, None


def add_user(
    services, login: str, role: str, *, tenant: str | None = None, queues: list[str] | None = None, password: str
) -> dict:
    queues = list(queues or [])
    hashed = passwords.hash_password(password)
    with session_scope(services.engine) as session:
        t, extension = _resolve(session, login, role, tenant, queues)
        if session.execute(select(Account.id).where(Account.login == login)).first():
            raise Conflict(f"user {login} already exists")
        session.add(
            Account(
                login=login,
                role=role,
                tenant_uid=t.uid if t else None,
                extension=extension,
                queues=queues,
                password_hash=hashed,
                created_at=time.time(),
            )
        )
    return {"login": login, "role": role, "tenant": t.name if t else None, "extension": extension, "queues": queues}


def list_users(services, tenant: str | None = None) -> list[dict]:
    with session_scope(services.engine) as session:
        q = select(Account, Tenant.name).outerjoin(Tenant, Tenant.uid == Account.tenant_uid).order_by(Account.login)
        if tenant:
            q = q.where(Account.tenant_uid == tenant_row(session, tenant).uid)
        return [
            {
                "login": a.login,
                "role": a.role,
                "tenant": name if a.tenant_uid else None,
                "extension": a.extension,
                "queues": list(a.queues or []),
                # A tenant removed since: the account no longer signs in.
                "orphaned": bool(a.tenant_uid and name is None),
            }
            for a, name in session.execute(q).all()
        ]


def remove_user(services, login: str) -> None:
    with session_scope(services.engine) as session:
        if session.execute(delete(Account).where(Account.login == login)).rowcount == 0:
            raise NotFound(f"user {login} not found")


def reset_password(services, login: str, password: str) -> None:
    """A new password; the user's web sessions end."""
    from ccctl.model import WebSession

    hashed = passwords.hash_password(password)
    with session_scope(services.engine) as session:
        a = session.execute(select(Account).where(Account.login == login)).scalar()
        if a is None:
            raise NotFound(f"user {login} not found")
        a.password_hash = hashed
        session.execute(delete(WebSession).where(WebSession.account_id == a.id))


def principal_of(session, a: Account) -> Principal | None:
    """Who account A acts as now; None when its tenant is gone."""
    name = tenant_name(session, a.tenant_uid)
    if a.tenant_uid and name is None:
        return None
    return Principal(login=a.login, role=a.role, tenant=name, extension=a.extension, queues=tuple(a.queues or ()))


def seat_queues(services, tenant: str, extension: str) -> frozenset[str]:
    """The queues of TENANT whose skill the seat EXTENSION has (what a supervisor limited to
    queues may act on)."""
    from ccctl.model import SeatSkill

    with session_scope(services.engine) as session:
        t = session.execute(select(Tenant.id).where(Tenant.name == tenant)).scalar()
        if t is None:
            return frozenset()
        skills = set(
            session.execute(
                select(SeatSkill.skill)
                .join(Seat, Seat.id == SeatSkill.seat_id)
                .where(Seat.tenant_id == t, Seat.extension == extension)
            ).scalars()
        )
        return frozenset(
            name
            for name, skill in session.execute(select(Queue.name, Queue.skill).where(Queue.tenant_id == t))
            if (skill or name) in skills
        )

"""Signing in: the password check behind a throttle, and web sessions that expire.

Failed sign-ins are counted in a row per account and per source address. At ACCOUNT_LOCK_AFTER
failures the account is locked for LOCK_SECONDS whatever the password (from any source); a
source that keeps failing (SOURCE_LOCK_AFTER, over any accounts) is refused the same way. Every
failure is logged as one line fail2ban matches (ansible/roles/fail2ban: the ccctl-web jail):

    sign-in failed for LOGIN from ADDRESS (N in a row)

so the firewall bans the source long before the lock matters.
"""

from __future__ import annotations

import logging
import re
import time

from sqlalchemy import delete, select

from ccctl.access import passwords
from ccctl.access.accounts import principal_of
from ccctl.access.roles import Principal
from ccctl.db import session_scope
from ccctl.errors import NotSignedIn
from ccctl.model import Account, SignInThrottle, WebSession

log = logging.getLogger("ccctl.web.signin")
ACCOUNT_LOCK_AFTER = 20
SOURCE_LOCK_AFTER = 100
LOCK_SECONDS = 15 * 60
SESSION_SECONDS = 12 * 3600
"""A shift: an agent signs in once a day."""


def _shown(login: str) -> str:
    """A login as a log line may carry it: what a user typed must not forge another line."""
    return re.sub(r"[^A-Za-z0-9._@+-]", "?", login)[:80] or "?"


def _row(session, key: str, now: float) -> SignInThrottle:
    r = session.get(SignInThrottle, key)
    if r is None:
        r = SignInThrottle(key=key, failures=0, last_at=now)
        session.add(r)
    return r


def sign_in(services, login: str, password: str, source: str, *, now: float | None = None) -> Principal:
    """The principal LOGIN signs in as with PASSWORD from SOURCE (an address); NotSignedIn
    otherwise, with one message for every reason (no such user, wrong password, locked)."""
    now = now or time.time()
    keys = (f"account:{login[:300]}", f"source:{source[:64]}")
    with session_scope(services.engine) as session:
        rows = [session.get(SignInThrottle, k) for k in keys]
        locked = any(r is not None and r.locked_until and r.locked_until > now for r in rows)
        account = session.execute(select(Account).where(Account.login == login)).scalar()
        # The hash is checked even when locked or unknown: the time taken tells nothing.
        ok = passwords.verify(account.password_hash if account else None, password) and not locked
        principal = principal_of(session, account) if ok else None
        if principal is not None:
            session.execute(delete(SignInThrottle).where(SignInThrottle.key.in_(keys)))
            return principal
        counted = []
        for key, limit in zip(keys, (ACCOUNT_LOCK_AFTER, SOURCE_LOCK_AFTER)):
            r = _row(session, key, now)
            if r.locked_until and r.locked_until <= now:
                r.failures, r.locked_until = 0, None  # the lock is over: a new count
            r.failures += 1
            r.last_at = now
            if r.failures >= limit and not (r.locked_until and r.locked_until > now):
                r.locked_until = now + LOCK_SECONDS
                log.warning(
                    "sign-in locked: %s %s for %d s after %d failures in a row",
                    key.split(":", 1)[0],
                    _shown(key.split(":", 1)[1]),
                    LOCK_SECONDS,
                    r.failures,
                )
            counted.append(r.failures)
    log.warning("sign-in failed for %s from %s (%d in a row)", _shown(login), _shown(source), counted[0])
    raise NotSignedIn("wrong login or password, or the account is locked for a while")


def start_session(services, login: str, *, seconds: int = SESSION_SECONDS, now: float | None = None) -> str:
    """A new web session for LOGIN (signed in just now); returns the cookie's value."""
    now = now or time.time()
    secret = passwords.new_secret()
    with session_scope(services.engine) as session:
        account = session.execute(select(Account).where(Account.login == login)).scalar()
        if account is None:
            raise NotSignedIn("not signed in")
        # Old sessions of anyone go when they are found expired; this keeps the table small.
        session.execute(delete(WebSession).where(WebSession.expires_at <= now))
        session.add(
            WebSession(
                secret_hash=passwords.digest(secret), account_id=account.id, created_at=now, expires_at=now + seconds
            )
        )
    return secret


def session_principal(services, cookie: str, *, now: float | None = None) -> Principal:
    now = now or time.time()
    with session_scope(services.engine) as session:
        found = session.execute(
            select(Account)
            .join(WebSession, WebSession.account_id == Account.id)
            .where(WebSession.secret_hash == passwords.digest(cookie), WebSession.expires_at > now)
        ).scalar()
        principal = principal_of(session, found) if found else None
    if principal is None:
        raise NotSignedIn("not signed in (or the session expired)")
    return principal


def end_session(services, cookie: str) -> None:
    with session_scope(services.engine) as session:
        session.execute(delete(WebSession).where(WebSession.secret_hash == passwords.digest(cookie)))

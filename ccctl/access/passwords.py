"""Web passwords hashed with argon2id, and random secrets for generated passwords, tokens and
sessions.

The cost is OWASP's argon2id minimum (19 MiB, 2 passes, 1 lane), not argon2-cffi's default
(64 MiB, 3 passes, 4 lanes): on a small box a shift's worth of agents signing in at once must
not queue behind each other, and the throttle and fail2ban, not the hash alone, stop guessing
online. A hash made with other parameters still verifies (they are in the hash)."""

from __future__ import annotations

import hashlib
import os
import secrets
from concurrent.futures import ThreadPoolExecutor

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from ccctl.errors import InvalidInput

_HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
MIN_LENGTH = 10
_DUMMY = _HASHER.hash("not a password of anyone")
_POOL = ThreadPoolExecutor(max_workers=os.cpu_count() or 1, thread_name_prefix="ccctl-argon2")
"""Hashes run on these threads only, one a core: more would only queue for the CPU, and the
allocator keeps each thread's 19 MiB once freed (200 sign-ins spread over the web service's 40
worker threads grew it by 200 MB; on these few threads, by a few times 19 MiB)."""


def check_strength(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise InvalidInput(f"a web password has at least {MIN_LENGTH} characters")
    if len(password) > 1024:
        raise InvalidInput("a web password has at most 1024 characters")


def hash_password(password: str) -> str:
    check_strength(password)
    return _POOL.submit(_HASHER.hash, password).result()


def verify(stored: str | None, password: str) -> bool:
    """Does PASSWORD match STORED? With STORED None (no such account) the same work is done,
    so the answer's time does not tell which logins exist."""
    try:
        return _POOL.submit(_HASHER.verify, stored or _DUMMY, password).result() and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def new_password() -> str:
    return secrets.token_urlsafe(12)


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    """Tokens and session ids are long random strings: SHA-256 is enough to keep a copy of
    the table from signing anyone in, and fast enough for every request."""
    return hashlib.sha256(secret.encode()).hexdigest()

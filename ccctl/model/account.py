"""Who may use the web service and the API: accounts (people who sign in), API tokens
(scripts), web sessions, and the sign-in throttle.

A tenant's accounts and tokens are keyed by the tenant's identity (tenant.uid), never its name:
a later tenant of the same name does not inherit them.
"""

from __future__ import annotations

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel


class Account(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    login: str = Field(max_length=320, unique=True)
    """An agent's seat (1001@acme.example, the tenant's SIP domain) or a chosen name."""
    role: str = Field(max_length=16)
    tenant_uid: str | None = Field(default=None, max_length=32, index=True)
    """None for a provider admin (every tenant)."""
    extension: str | None = Field(default=None, max_length=8)
    """An agent's seat in the tenant."""
    queues: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]"))
    """A supervisor limited to these queues of the tenant; [] means all of them."""
    password_hash: str = Field(max_length=256)
    """argon2id: the web password, apart from the seat's SIP secret."""
    created_at: float


class ApiToken(SQLModel, table=True):
    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=16, unique=True)
    """The token's public half: finds the row; the secret half is kept only as a hash."""
    secret_hash: str = Field(max_length=64)
    name: str = Field(max_length=200)
    role: str = Field(max_length=16)
    tenant_uid: str | None = Field(default=None, max_length=32, index=True)
    queues: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]"))
    created_at: float
    expires_at: float | None = None


class WebSession(SQLModel, table=True):
    __tablename__ = "web_session"

    id: int | None = Field(default=None, primary_key=True)
    secret_hash: str = Field(max_length=64, unique=True)
    """SHA-256 of the cookie's value: a copy of the table signs nobody in."""
    account_id: int = Field(foreign_key="account.id", ondelete="CASCADE", index=True)
    created_at: float
    expires_at: float


class SignInThrottle(SQLModel, table=True):
    """Failed sign-ins in a row, per account ('account:LOGIN') and per source address
    ('source:ADDRESS'); a success clears the account's and the source's rows."""

    __tablename__ = "signin_throttle"

    key: str = Field(primary_key=True, max_length=400)
    failures: int = 0
    last_at: float
    locked_until: float | None = None

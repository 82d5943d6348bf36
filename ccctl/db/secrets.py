"""Secrets each box generates for itself the first time it needs them; none ship in code."""

from __future__ import annotations

import secrets

from sqlmodel import Session

from ccctl.model import Setting


def generate_password(length: int = 20) -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"
    return "".join(secrets.choice(alphabet) for _ in range(length))


def box_secret(session: Session, key: str) -> str:
    """The box's value for KEY, generated and stored on first use."""
    row = session.get(Setting, key)
    if row is None:
        row = Setting(key=key, value=generate_password(24))
        session.add(row)
        session.flush()
    return row.value

"""Configuration generations: which committed configuration FreeSWITCH runs.

Every committed configuration change bumps `config.generation`. A deploy renders the latest
committed state and, once FreeSWITCH took it, records that generation as `deploy.generation`.
A push FreeSWITCH refused records `deploy.failed` with its reason. `ccctl status` shows all three:
a generation above the deployed one is pending, a failed one needs attention.

The row holding `config.generation` is also the configuration write lock: every writer updates
it first thing in its transaction, which on SQLite takes the database's write lock at once
(the effect of BEGIN IMMEDIATE) and on PostgreSQL locks the row until commit (the effect of
SELECT ... FOR UPDATE). Writers of configuration thus run one after another, each re-reading
what it changes; nobody else (call rows, customers) waits on it beyond one short transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlmodel import Session

from ccctl.model import Setting

CONFIG = "config.generation"
DEPLOYED = "deploy.generation"
FAILED = "deploy.failed"
ERROR = "deploy.error"


def _insert_missing(session: Session, key: str, value: str) -> None:
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    session.execute(insert(Setting).values(key=key, value=value).on_conflict_do_nothing(index_elements=["key"]))


def lock(session: Session) -> int:
    """Take the configuration write lock for SESSION's transaction; the committed generation.
    Must be the first statement of the transaction (on SQLite a read first would make the
    lock upgrade fail at once instead of waiting)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL lock_timeout = '20s'"))
    _insert_missing(session, CONFIG, "0")
    session.execute(text("UPDATE setting SET value = value WHERE key = :k"), {"k": CONFIG})
    return int(session.execute(text("SELECT value FROM setting WHERE key = :k"), {"k": CONFIG}).scalar_one())


def bump(session: Session, generation: int) -> int:
    session.execute(text("UPDATE setting SET value = :v WHERE key = :k"), {"k": CONFIG, "v": str(generation + 1)})
    return generation + 1


def _get(session: Session, key: str) -> str | None:
    row = session.get(Setting, key)
    return row.value if row is not None else None


def _put(session: Session, key: str, value: str) -> None:
    row = session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value=value))
    else:
        row.value = value


@dataclass(frozen=True)
class State:
    generation: int
    """The last committed configuration."""
    deployed: int
    """The configuration FreeSWITCH was last brought to."""
    failed: int | None
    error: str | None

    @property
    def pending(self) -> bool:
        return self.deployed < self.generation

    def as_dict(self) -> dict:
        return {
            "generation": self.generation,
            "deployed": self.deployed,
            "pending": self.pending,
            "failed": self.failed,
            "error": self.error,
        }


def state(session: Session) -> State:
    failed = _get(session, FAILED)
    return State(
        int(_get(session, CONFIG) or 0),
        int(_get(session, DEPLOYED) or 0),
        int(failed) if failed else None,
        _get(session, ERROR) or None,
    )


def current(session: Session) -> int:
    return int(_get(session, CONFIG) or 0)


def mark_deployed(session: Session, generation: int) -> None:
    """FreeSWITCH runs GENERATION now (never moves back: a slower deploy of an older one loses)."""
    if generation >= int(_get(session, DEPLOYED) or 0):
        _put(session, DEPLOYED, str(generation))
    failed = _get(session, FAILED)
    if failed and int(failed) <= generation:
        _put(session, FAILED, "")
        _put(session, ERROR, "")


def mark_failed(session: Session, generation: int, error: str) -> None:
    _put(session, FAILED, str(generation))
    _put(session, ERROR, error[:4000])

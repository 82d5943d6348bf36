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


CHANNEL = "ccctl_generation"
"""The PostgreSQL notification channel a committed generation is announced on: every node's
daemon listens (ccctl/fleet/notify.py) and deploys it within a second, wherever it was written."""


def bump(session: Session, generation: int) -> int:
    session.execute(text("UPDATE setting SET value = :v WHERE key = :k"), {"k": CONFIG, "v": str(generation + 1)})
    announce(session, generation + 1)
    return generation + 1


def announce(session: Session, generation: int | None = None) -> None:
    """Tell the fleet (PostgreSQL only) at commit, and only if the transaction commits (a dry
    run rolls back): GENERATION, or without one a change the edge follows (a node added,
    drained, down or removed)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_notify(:c, :g)"), {"c": CHANNEL, "g": str(generation or "")})


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


def _keys(node: str | None) -> tuple[str, str, str]:
    """Where the deployed and failed generations are kept: the box's keys, or a fleet node's own
    (every node brings its own FreeSWITCH to the one committed generation)."""
    if node is None:
        return DEPLOYED, FAILED, ERROR
    return f"{DEPLOYED}@{node}", f"{FAILED}@{node}", f"{ERROR}@{node}"


def state(session: Session, node: str | None = None) -> State:
    deployed, failed_key, error = _keys(node)
    failed = _get(session, failed_key)
    return State(
        int(_get(session, CONFIG) or 0),
        int(_get(session, deployed) or 0),
        int(failed) if failed else None,
        _get(session, error) or None,
    )


def current(session: Session) -> int:
    return int(_get(session, CONFIG) or 0)


def mark_deployed(session: Session, generation: int, node: str | None = None) -> None:
    """FreeSWITCH runs GENERATION now (never moves back: a slower deploy of an older one loses)."""
    deployed, failed_key, error = _keys(node)
    if generation >= int(_get(session, deployed) or 0):
        _put(session, deployed, str(generation))
        if node is not None:  # what `ccctl node list` shows
            session.execute(
                text("UPDATE node SET deployed_generation = :g WHERE name = :n"), {"g": generation, "n": node}
            )
    failed = _get(session, failed_key)
    if failed and int(failed) <= generation:
        _put(session, failed_key, "")
        _put(session, error, "")


def mark_failed(session: Session, generation: int, error: str, node: str | None = None) -> None:
    _, failed_key, error_key = _keys(node)
    _put(session, failed_key, str(generation))
    _put(session, error_key, error[:4000])

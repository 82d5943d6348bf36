"""Engines for SQLite (the box) and PostgreSQL (a fleet), migrated on first use."""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError
from sqlmodel import Session, create_engine

from ccctl.errors import CcError


def _sqlite_pragmas(dbapi_conn, _record):
    cur = dbapi_conn.cursor()
    # WAL lets the daemon read while the CLI writes; the busy timeout stops "database is locked".
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=5000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def _shown(url) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "the database URL"


def open_engine(url: str, *, migrate: bool = True) -> Engine:
    """An engine for URL, with the schema brought up to date unless migrate=False.
    Every way of failing (a malformed URL, an unknown kind of database, a server that does not
    answer) is one CcError naming the database, never a driver's traceback."""
    try:
        return _open_engine(url, migrate=migrate)
    except CcError:
        raise
    except (ArgumentError, NoSuchModuleError, ValueError) as exc:
        raise CcError(
            f"CCCTL_DB={_shown(url)}: not a database path or URL this box can use "
            f"(a file path, sqlite:///PATH or postgresql+psycopg://USER@HOST/DB): {exc}"
        ) from None
    except ImportError as exc:
        raise CcError(f"CCCTL_DB={_shown(url)}: the database driver is not installed ({exc.name})") from None
    except (SQLAlchemyError, OSError) as exc:
        raise unreachable(url, exc) from None


def unreachable(url: str, exc: Exception) -> CcError:
    """EXC (a driver's or SQLAlchemy's error reaching URL) as one line naming the database,
    its password hidden, even where the driver repeats it."""
    reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    reason = reason[0] if reason else type(exc).__name__
    try:
        password = make_url(url).password
    except Exception:
        password = None
    if password:
        reason = reason.replace(str(password), "***")
    return CcError(f"cannot open database {_shown(url)}: {reason}")


def _open_engine(url: str, *, migrate: bool) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            path = Path(parsed.database)
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                # The database holds the box's secrets (SIP and Event Socket passwords): owner only.
                # SQLite gives its -wal and -shm files the same mode.
                os.close(os.open(path, os.O_CREAT | os.O_RDWR, 0o600))
            except OSError as exc:
                raise CcError(f"cannot create database {path}: {exc}") from None
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        # A server that does not answer is an error within seconds, not a hang.
        args = {"connect_timeout": 5} if parsed.get_backend_name() == "postgresql" else {}
        engine = create_engine(url, pool_pre_ping=True, connect_args=args)
    if migrate:
        from ccctl.db.migrate import upgrade

        upgrade(engine)
    return engine


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One transaction: committed when the block ends, rolled back on any error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise

"""`ccctl backup` and `ccctl restore`: the whole database (configuration, secrets, call rows,
recordings index, ...) in one archive that any database ccctl runs on can read back.

The archive is a gzipped tar: backup.json (format, schema revision, row counts and SHA-256 of
each table), one JSON-lines file per table (columns by name, rows in key order) and, when
asked, the recordings folder under recordings/. JSON rows are what make it database-agnostic:
a backup of PostgreSQL restores onto SQLite and back.

Online and consistent while calls run: on SQLite the backup API copies the database in one
step (one read snapshot) to a temporary file, which is then read at leisure; on PostgreSQL every
table is read in one REPEATABLE READ, read-only transaction (one snapshot). Writers never wait.

Restore builds the schema at the archive's revision, loads the rows in foreign-key order in one
transaction, then migrates to this ccctl's newest schema: a backup of an older box restores on a
newer one. It refuses a database holding anything but the generated box settings (a fresh box
has only those) unless forced, and then replaces everything.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import sqlite3
import tarfile
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ccctl import __version__
from ccctl.errors import CcError, Conflict, InvalidInput

FORMAT = "ccctl-backup/1"
VERSION_TABLE = "alembic_version"
FRESH_TABLES = {"setting"}
"""Tables a fresh box already fills (its generated secrets): a restore replaces them freely."""
BATCH = 5000


def _tables(conn) -> list[sa.Table]:
    """The database's own tables (reflected: whatever migrations made them), parents first."""
    md = sa.MetaData()
    md.reflect(bind=conn)
    return [t for t in md.sorted_tables if t.name != VERSION_TABLE]


def _revision(conn) -> str | None:
    try:
        return conn.execute(sa.text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()
    except sa.exc.SQLAlchemyError:
        return None


@contextmanager
def snapshot(engine: Engine) -> Iterator[sa.Connection]:
    """A connection that sees one consistent state of ENGINE's database for as long as it lasts."""
    if engine.dialect.name == "sqlite":
        fd, tmp = tempfile.mkstemp(prefix="ccctl-backup-", suffix=".db")
        os.close(fd)
        try:
            raw = engine.raw_connection()
            try:
                dest = sqlite3.connect(tmp)
                with dest:
                    raw.driver_connection.backup(dest)  # pages=-1: all of it in one step
                dest.close()
            finally:
                raw.close()
            copy = sa.create_engine(f"sqlite:///{tmp}")
            try:
                with copy.connect() as conn:
                    yield conn
            finally:
                copy.dispose()
        finally:
            os.unlink(tmp)
        return
    with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(sa.text("SET TRANSACTION READ ONLY"))
        yield conn
        conn.rollback()


def _jsonable(value):
    if isinstance(value, (bytes, bytearray, memoryview)):
        raise CcError("binary column values are not supported in backups")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = len(data), int(time.time()), 0o600
    tar.addfile(info, io.BytesIO(data))


def backup(engine: Engine, out: Path, *, recordings_dir: Path | None = None,
           progress: Callable[[int, int], None] | None = None) -> dict:
    """Write the database (and RECORDINGS_DIR when given) to the archive OUT. Returns its summary."""
    out = Path(out)
    if out.exists():
        raise InvalidInput(f"{out} exists; choose a new file name")
    if not out.parent.is_dir():
        raise InvalidInput(f"{out.parent}: no such folder")
    tmp = out.with_name(out.name + ".part")
    started = time.time()
    meta = {"format": FORMAT, "ccctl": __version__, "created": started, "dialect": engine.dialect.name,
            "tables": {}, "recordings": None}
    # The archive holds every secret of the box: owner only, from the first byte.
    fd = os.open(tmp, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz", compresslevel=6) as tar:
            with snapshot(engine) as conn:
                meta["revision"] = _revision(conn)
                if meta["revision"] is None:
                    raise CcError("the database has no schema yet: nothing to back up")
                for table in _tables(conn):
                    buf = io.BytesIO()
                    n = 0
                    key = list(table.primary_key.columns) or list(table.columns)
                    for row in conn.execute(sa.select(table).order_by(*key)).mappings():
                        buf.write(json.dumps({k: _jsonable(v) for k, v in row.items()}, ensure_ascii=False,
                                             separators=(",", ":")).encode() + b"\n")
                        n += 1
                    data = buf.getvalue()
                    meta["tables"][table.name] = {"rows": n, "sha256": hashlib.sha256(data).hexdigest()}
                    _add_bytes(tar, f"tables/{table.name}.jsonl", data)
            meta["snapshot_s"] = round(time.time() - started, 3)
            if recordings_dir is not None:
                meta["recordings"] = _add_recordings(tar, Path(recordings_dir), progress)
            _add_bytes(tar, "backup.json", json.dumps(meta, indent=1).encode())
        tmp.replace(out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return {"file": str(out), "revision": meta["revision"], "tables": len(meta["tables"]),
            "rows": sum(t["rows"] for t in meta["tables"].values()), "recordings": meta["recordings"],
            "bytes": out.stat().st_size, "seconds": round(time.time() - started, 3)}


def _add_recordings(tar, base: Path, progress) -> dict:
    files = sorted(p for p in base.rglob("*") if p.is_file()) if base.is_dir() else []
    total = 0
    for i, p in enumerate(files):
        tar.add(str(p), arcname="recordings/" + p.relative_to(base).as_posix(), recursive=False)
        total += p.stat().st_size
        if progress:
            progress(i + 1, len(files))
    return {"files": len(files), "bytes": total}


def read_meta(path: Path) -> dict:
    try:
        with tarfile.open(path, "r:gz") as tar:
            meta = json.load(tar.extractfile("backup.json"))
    except (tarfile.TarError, KeyError, OSError, ValueError, TypeError) as exc:
        raise InvalidInput(f"{path}: not a ccctl backup ({exc})") from None
    if meta.get("format") != FORMAT:
        raise InvalidInput(f"{path}: backup format {meta.get('format')!r}; this ccctl reads {FORMAT}")
    return meta


def _holds_data(conn) -> list[str]:
    """Tables of CONN's database with rows, other than what a fresh box has."""
    return [t.name for t in _tables(conn) if t.name not in FRESH_TABLES
            and conn.execute(sa.select(sa.func.count()).select_from(t)).scalar()]


def restore(engine: Engine, path: Path, *, force: bool = False, recordings_dir: Path | None = None,
            progress: Callable[[int, int], None] | None = None) -> dict:
    """Load the archive PATH into ENGINE's database (opened without migrating), and its
    recordings into RECORDINGS_DIR when given and present. Returns what was restored."""
    from ccctl.db.migrate import head_revision, upgrade

    path = Path(path)
    meta = read_meta(path)
    started = time.time()
    with engine.connect() as conn:
        current = _revision(conn)
        busy = _holds_data(conn) if current else []
    if busy and not force:
        raise Conflict(f"the database already holds data ({', '.join(busy[:4])}{', ...' if len(busy) > 4 else ''}); "
                       "restore onto an empty one, or add --force to replace everything in it")
    if current and current != meta["revision"]:
        if busy or current != head_revision():
            raise Conflict(f"the database is at schema {current}, the backup at {meta['revision']}: "
                           "restore into a new, empty database")
        _drop_all(engine)
        current = None
    if current is None:
        try:
            upgrade(engine, meta["revision"])
        except CcError:
            raise
        except Exception as exc:
            raise Conflict(f"the backup's schema {meta['revision']} is unknown to this ccctl "
                           f"({__version__}; made by ccctl {meta.get('ccctl')}): restore with that version or newer "
                           f"({type(exc).__name__})") from None
    with tarfile.open(path, "r:gz") as tar, engine.begin() as conn:
        tables = _tables(conn)
        for table in reversed(tables):
            conn.execute(table.delete())
        for table in tables:
            info = meta["tables"].get(table.name)
            if not info:
                continue
            data = tar.extractfile(f"tables/{table.name}.jsonl").read()
            if hashlib.sha256(data).hexdigest() != info["sha256"]:
                raise InvalidInput(f"{path}: table {table.name} is damaged (checksum differs)")
            rows = [json.loads(line) for line in data.splitlines() if line]
            for i in range(0, len(rows), BATCH):
                conn.execute(table.insert(), rows[i:i + BATCH])
        if engine.dialect.name == "postgresql":
            _reset_sequences(conn, tables)
    upgrade(engine)
    restored = None
    if recordings_dir is not None and meta.get("recordings"):
        restored = _extract_recordings(path, Path(recordings_dir), progress)
    return {"file": str(path), "revision": meta["revision"], "tables": len(meta["tables"]),
            "rows": sum(t["rows"] for t in meta["tables"].values()), "recordings": restored,
            "seconds": round(time.time() - started, 3)}


def _drop_all(engine: Engine) -> None:
    """An empty database at another schema revision: start it over (nothing in it to lose)."""
    with engine.begin() as conn:
        md = sa.MetaData()
        md.reflect(bind=conn)
        md.drop_all(bind=conn)


def _reset_sequences(conn, tables) -> None:
    """Rows came with their ids: each id sequence continues after the highest."""
    for t in tables:
        for col in t.primary_key.columns:
            seq = conn.execute(sa.text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": t.name, "c": col.name}).scalar()
            if seq:
                conn.execute(sa.text(f"SELECT setval('{seq}', COALESCE((SELECT MAX({col.name}) FROM \"{t.name}\"), 0) + 1, false)"))


def _extract_recordings(path: Path, base: Path, progress) -> dict:
    base.mkdir(parents=True, exist_ok=True)
    n = total = 0
    with tarfile.open(path, "r:gz") as tar:
        members = [m for m in tar.getmembers() if m.name.startswith("recordings/") and m.isfile()]
        for i, m in enumerate(members):
            rel = Path(m.name).relative_to("recordings")
            if ".." in rel.parts or rel.is_absolute():
                raise InvalidInput(f"{path}: unsafe path {m.name}")
            dest = base / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            with tar.extractfile(m) as src, open(dest, "wb") as f:
                while chunk := src.read(1 << 20):
                    f.write(chunk)
            os.utime(dest, (m.mtime, m.mtime))
            n += 1
            total += m.size
            if progress:
                progress(i + 1, len(members))
    return {"files": n, "bytes": total}

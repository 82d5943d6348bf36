"""`ccctl backup` and `ccctl restore`: the whole database (configuration, secrets, call rows,
recordings index, ...) in one archive that any database ccctl runs on can read back.

The archive is a gzipped tar: backup.json (format, schema revision, row counts and SHA-256 of
each table), one JSON-lines file per table (columns by name, rows in key order) and, when
asked, the recordings folder under recordings/. JSON rows are what make it database-agnostic:
a backup of PostgreSQL restores onto SQLite and back.

Online and consistent while calls run: on SQLite the backup API copies the database in one
step (one read snapshot) to a temporary file, which is then read at leisure; on PostgreSQL every
table is read in one REPEATABLE READ, read-only transaction (one snapshot). Writers never wait.

Restore checks the whole archive first (checksums, paths), then restores it into a new
database (a scratch SQLite file: the archive's schema, its rows, the migrations to this ccctl's
schema: a backup of an older box restores on a newer one) and checks its configuration there
against the rules of `apply`; its recordings are unpacked into a new folder. Only then is the
box's database replaced, in one transaction, with the new recordings folder swapped in inside
it: on any error the box is as it was. It refuses a database holding anything but the
generated box settings (a fresh box has only those) unless forced, and then replaces
everything.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
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


def backup(
    engine: Engine, out: Path, *, recordings_dir: Path | None = None, progress: Callable[[int, int], None] | None = None
) -> dict:
    """Write the database (and RECORDINGS_DIR when given) to the archive OUT. Returns its summary."""
    out = Path(out)
    if out.exists():
        raise InvalidInput(f"{out} exists; choose a new file name")
    if not out.parent.is_dir():
        raise InvalidInput(f"{out.parent}: no such folder")
    tmp = out.with_name(out.name + ".part")
    started = time.time()
    meta = {
        "format": FORMAT,
        "ccctl": __version__,
        "created": started,
        "dialect": engine.dialect.name,
        "tables": {},
        "recordings": None,
    }
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
                        buf.write(
                            json.dumps(
                                {k: _jsonable(v) for k, v in row.items()}, ensure_ascii=False, separators=(",", ":")
                            ).encode()
                            + b"\n"
                        )
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
    return {
        "file": str(out),
        "revision": meta["revision"],
        "tables": len(meta["tables"]),
        "rows": sum(t["rows"] for t in meta["tables"].values()),
        "recordings": meta["recordings"],
        "bytes": out.stat().st_size,
        "seconds": round(time.time() - started, 3),
    }


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
    except FileNotFoundError:
        raise InvalidInput(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InvalidInput(f"{path}: not a regular file") from None
    except (tarfile.TarError, KeyError, OSError, ValueError, TypeError) as exc:
        raise InvalidInput(f"{path}: not a ccctl backup ({exc})") from None
    if meta.get("format") != FORMAT:
        raise InvalidInput(f"{path}: backup format {meta.get('format')!r}; this ccctl reads {FORMAT}")
    return meta


def _holds_data(conn) -> list[str]:
    """Tables of CONN's database with rows, other than what a fresh box has."""
    return [
        t.name
        for t in _tables(conn)
        if t.name not in FRESH_TABLES and conn.execute(sa.select(sa.func.count()).select_from(t)).scalar()
    ]


def _check_archive(path: Path, meta: dict) -> None:
    """The whole archive, before anything is touched: every table file present with its
    checksum, every line JSON, every recording a plain file at a safe path."""
    try:
        with tarfile.open(path, "r:gz") as tar:
            members = {m.name: m for m in tar.getmembers()}
            for name, info in meta.get("tables", {}).items():
                m = members.get(f"tables/{name}.jsonl")
                if m is None or not m.isfile():
                    raise InvalidInput(f"{path}: table {name} is missing from the archive")
                data = tar.extractfile(m).read()
                if hashlib.sha256(data).hexdigest() != info.get("sha256"):
                    raise InvalidInput(f"{path}: table {name} is damaged (checksum differs)")
                for line in data.splitlines():
                    if line and not isinstance(json.loads(line), dict):
                        raise InvalidInput(f"{path}: table {name} is damaged (a row is not an object)")
            for m in members.values():
                if not m.name.startswith("recordings/"):
                    continue
                rel = Path(m.name).relative_to("recordings")
                if ".." in rel.parts or rel.is_absolute() or m.name.startswith("/") or not (m.isfile() or m.isdir()):
                    raise InvalidInput(f"{path}: unsafe path {m.name}")
    except CcError:
        raise
    except (tarfile.TarError, OSError, ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"{path}: damaged archive ({exc})") from None


def _check_config(scratch: Engine, path: Path, webhook_hosts=()) -> None:
    """The restored configuration (in the scratch database, at this ccctl's schema) against the
    same rules as `apply`: the spec and the one validation, every problem at once."""
    from pydantic import ValidationError

    from ccctl.config import spec as s
    from ccctl.config import store
    from ccctl.config.load import validation_message
    from ccctl.config.validate import check_site, check_webhooks
    from ccctl.db.session import session_scope
    from ccctl.outbound.campaigns import stored

    with session_scope(scratch) as session:
        tenants = store.load_tenants(session, with_secrets=True)
        checked = []
        for t in tenants:
            try:
                checked.append(s.Tenant.model_validate(t.model_dump()))
            except ValidationError as exc:
                raise InvalidInput(validation_message(exc, f"{path}: tenant {t.name}")) from None
        campaigns = stored(session, [t.name for t in checked])
    errors = [
        p
        for p in check_site(checked, campaigns=campaigns) + check_webhooks(checked, webhook_hosts)
        if p.severity == "error"
    ]
    if errors:
        raise InvalidInput(
            f"{path}: the backup's configuration is refused:\n" + "\n".join(f"  {e.describe()}" for e in errors)
        )


def _load(engine: Engine, path: Path, meta: dict, *, replace: bool = False) -> None:
    """Build the schema at the archive's revision when the database has none, load the rows in
    one transaction (replacing what is there when REPLACE), then migrate to the newest schema."""
    from ccctl.db.migrate import upgrade

    with engine.connect() as conn:
        current = _revision(conn)
    if current is None:
        try:
            upgrade(engine, meta["revision"])
        except CcError:
            raise
        except Exception as exc:
            raise Conflict(
                f"the backup's schema {meta['revision']} is unknown to this ccctl "
                f"({__version__}; made by ccctl {meta.get('ccctl')}): restore with that version or newer "
                f"({type(exc).__name__})"
            ) from None
    with tarfile.open(path, "r:gz") as tar, engine.begin() as conn:
        tables = _tables(conn)
        if replace:
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
                conn.execute(table.insert(), rows[i : i + BATCH])
        if engine.dialect.name == "postgresql":
            _reset_sequences(conn, tables)
    upgrade(engine)


def restore(
    engine: Engine,
    path: Path,
    *,
    force: bool = False,
    recordings_dir: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
    webhook_hosts=(),
) -> dict:
    """Load the archive PATH into ENGINE's database (opened without migrating), and its
    recordings into RECORDINGS_DIR when given and present. Returns what was restored.

    All or nothing: the whole archive is checked first (checksums, paths); it is restored into
    a new database (a scratch SQLite file: the archive's schema, its rows, the migrations to this
    ccctl's schema) and its configuration checked there against the rules of `apply`; its
    recordings are unpacked into a new folder beside RECORDINGS_DIR. Only then is ENGINE's
    database replaced, in one transaction, and the new folder swapped in for the old one inside
    it. On any error the box is as it was."""
    from ccctl.db.migrate import head_revision

    path = Path(path)
    meta = read_meta(path)
    started = time.time()
    _check_archive(path, meta)
    head = head_revision()
    with engine.connect() as conn:
        current = _revision(conn)
        busy = _holds_data(conn) if current else []
    if busy and not force:
        raise Conflict(
            f"the database already holds data ({', '.join(busy[:4])}{', ...' if len(busy) > 4 else ''}); "
            "restore onto an empty one, or add --force to replace everything in it"
        )
    if busy and current != head:
        raise Conflict(
            f"the database is at schema {current}, this ccctl's is {head}: "
            "`ccctl db upgrade` first, or restore into a new, empty database"
        )
    with tempfile.TemporaryDirectory(prefix="ccctl-restore-") as tmp:
        scratch = sa.create_engine(f"sqlite:///{tmp}/restore.db")
        staged = None
        try:
            _load(scratch, path, meta)
            _check_config(scratch, path, webhook_hosts)
            if recordings_dir is not None and meta.get("recordings"):
                staged = _extract_recordings(path, Path(recordings_dir), progress)
            made_schema = current != head
            if made_schema:
                _drop_all(engine)  # empty (checked above), at another schema or none: nothing to lose
                try:
                    from ccctl.db.migrate import upgrade

                    upgrade(engine)
                except BaseException:
                    _drop_all(engine)
                    raise
            try:
                _replace(scratch, engine, staged[0] if staged else None, Path(recordings_dir or "."))
            except BaseException as exc:
                if made_schema:
                    _drop_all(engine)  # as it was: without the schema made for the restore
                if isinstance(exc, sa.exc.IntegrityError):
                    why = str(exc.orig).splitlines()[0] if exc.orig else type(exc).__name__
                    raise InvalidInput(
                        f"{path}: the database refuses a row of the backup ({why}); nothing restored"
                    ) from None
                raise
        except BaseException:
            if staged:
                shutil.rmtree(staged[0], ignore_errors=True)
            raise
        finally:
            scratch.dispose()
    return {
        "file": str(path),
        "revision": meta["revision"],
        "tables": len(meta["tables"]),
        "rows": sum(t["rows"] for t in meta["tables"].values()),
        "recordings": staged[1] if staged else None,
        "seconds": round(time.time() - started, 3),
    }


def _replace(scratch: Engine, engine: Engine, stage: Path | None, base: Path) -> None:
    """ENGINE's rows replaced by SCRATCH's (both at this ccctl's schema) in one transaction; the
    staged recordings folder swapped in for BASE inside it (and back if the commit fails)."""
    swapped = None
    try:
        with scratch.connect() as src, engine.begin() as conn:
            tables = _tables(conn)
            theirs = {t.name: t for t in _tables(src)}
            for table in reversed(tables):
                conn.execute(table.delete())
            for table in tables:
                other = theirs.get(table.name)
                if other is None:
                    continue
                cols = [c.name for c in other.columns if c.name in table.columns]
                batch = []
                for row in src.execute(sa.select(*[other.c[c] for c in cols])).mappings():
                    batch.append(dict(row))
                    if len(batch) == BATCH:
                        conn.execute(table.insert(), batch)
                        batch = []
                if batch:
                    conn.execute(table.insert(), batch)
            if engine.dialect.name == "postgresql":
                _reset_sequences(conn, tables)
            if stage is not None:
                swapped = _swap_in(stage, base)
    except BaseException:
        if swapped is not None:
            _swap_back(swapped, base)
        raise
    if swapped is not None:
        shutil.rmtree(swapped, ignore_errors=True)


def _swap_in(stage: Path, base: Path) -> Path:
    """STAGE becomes BASE (two renames in one folder); the old BASE is kept aside, returned."""
    aside = Path(tempfile.mkdtemp(prefix=f".{base.name}.before-restore-", dir=base.parent))
    if base.exists():
        st = base.stat()
        os.chmod(stage, st.st_mode & 0o7777)
        if os.geteuid() == 0:
            os.chown(stage, st.st_uid, st.st_gid)
        os.replace(base, aside / base.name)
    else:
        os.chmod(stage, 0o750)
    try:
        os.replace(stage, base)
    except BaseException:
        _swap_back(aside, base)
        raise
    return aside


def _swap_back(aside: Path, base: Path) -> None:
    """Undo _swap_in: the old BASE back in its place."""
    old = aside / base.name
    if old.exists():
        if base.exists():
            shutil.rmtree(base, ignore_errors=True)
        os.replace(old, base)
    shutil.rmtree(aside, ignore_errors=True)


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
                conn.execute(
                    sa.text(
                        f"SELECT setval('{seq}', COALESCE((SELECT MAX({col.name}) FROM \"{t.name}\"), 0) + 1, false)"
                    )
                )


def _extract_recordings(path: Path, base: Path, progress) -> tuple[Path, dict]:
    """The archive's recordings unpacked into a new folder beside BASE: (that folder, summary)."""
    base.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{base.name}.restore-", dir=base.parent))
    n = total = 0
    try:
        with tarfile.open(path, "r:gz") as tar:
            members = [m for m in tar.getmembers() if m.name.startswith("recordings/") and m.isfile()]
            for i, m in enumerate(members):
                rel = Path(m.name).relative_to("recordings")
                if ".." in rel.parts or rel.is_absolute():
                    raise InvalidInput(f"{path}: unsafe path {m.name}")
                dest = stage / rel
                dest.parent.mkdir(parents=True, exist_ok=True)
                with tar.extractfile(m) as src, open(dest, "wb") as f:
                    while chunk := src.read(1 << 20):
                        f.write(chunk)
                os.utime(dest, (m.mtime, m.mtime))
                n += 1
                total += m.size
                if progress:
                    progress(i + 1, len(members))
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    return stage, {"files": n, "bytes": total}

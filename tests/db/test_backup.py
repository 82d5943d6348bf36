"""Backup and restore across SQLite and PostgreSQL: the same rendered tree byte for byte after
a restore into a new database, one consistent moment while writers run, and a restore that
refuses a database holding data unless forced."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from ccctl import app
from ccctl.app import Services
from ccctl.box import backup
from ccctl.config import gather
from ccctl.config import spec as s
from ccctl.config.load import load_site
from ccctl.config.write import apply_tenants
from ccctl.daemon.store import write_rows
from ccctl.db import open_engine
from ccctl.errors import Conflict, InvalidInput
from ccctl.recordings import index
from ccctl.settings import Settings
from ccctl.testing.postgres import new_database
from ccctl.testing.rows import call, status


def _ctx(url, tmp_path) -> Services:
    return app.open(Settings(db=url, fs_recordings_dir=tmp_path / "rec", fs_deploy="off"))


@pytest.fixture
def source(db_url, tmp_path, example):
    c = _ctx(db_url, tmp_path)
    apply_tenants(c, load_site(str(example)).tenants)
    write_rows(
        c.engine,
        [call(f"c{i}", "acme", "inbound", 1_795_000_000.0 + i, 30.5) for i in range(50)],
        [status("acme", "1001", "Available", 1_795_000_000.0)],
    )
    folder = tmp_path / "rec" / "acme" / "2026-11-22"
    folder.mkdir(parents=True)
    (folder / "c1.wav").write_bytes(b"RIFF" + b"\0" * 100)
    index.scan(c)
    yield c
    c.engine.dispose()


def _targets(tmp_path, request) -> list[tuple[str, str]]:
    out = [("sqlite", f"sqlite:///{tmp_path}/restored.db")]
    try:
        out.append(("postgres", new_database(request.getfixturevalue("postgres_url"))))
    except pytest.skip.Exception:
        pass
    return out


def test_restore_into_a_new_database_renders_the_same_tree(source, tmp_path, request):
    tree = gather.render_files(source)
    archive = tmp_path / "box.ccbackup"
    r = backup.backup(source.engine, archive, recordings_dir=tmp_path / "rec")
    assert r["rows"] > 50 and r["recordings"] == {"files": 1, "bytes": 104}
    assert oct(archive.stat().st_mode & 0o777) == "0o600"  # it holds the box's secrets
    for name, url in _targets(tmp_path, request):
        engine = open_engine(url, migrate=False)
        got = backup.restore(engine, archive, recordings_dir=tmp_path / f"rec-{name}")
        assert got["rows"] == r["rows"]
        restored = Services(
            settings=source.settings.with_(db=url, fs_recordings_dir=tmp_path / f"rec-{name}"), engine=engine
        )
        again = gather.render_files(restored)
        assert sorted(again) == sorted(tree), name
        assert [k for k in tree if tree[k] != again[k]] == [], name
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM call")).scalar() == 50
        assert (tmp_path / f"rec-{name}" / "acme" / "2026-11-22" / "c1.wav").read_bytes() == b"RIFF" + b"\0" * 100
        assert index.list_recordings(restored, tenant="acme", refresh=False)[0]["call"] == "c1"
        # New rows get new ids after a restore (PostgreSQL's sequences continue after the rows).
        write_rows(engine, [call("after", "acme", "inbound", 1_795_100_000.0, 1)], [])
        apply_tenants(restored, [s.Tenant(name="newcomer", seats=[s.Seat(extension="1001", name="N")])])
        # And back: a backup of the restored database is the same data.
        back = tmp_path / f"back-{name}.ccbackup"
        # (a call row, its rollup rows, a tenant, its policy and its seat more)
        assert backup.backup(engine, back)["rows"] >= r["rows"] + 5
        engine.dispose()


def test_restore_refuses_a_database_with_data_unless_forced(source, tmp_path):
    archive = tmp_path / "b.ccbackup"
    backup.backup(source.engine, archive)
    apply_tenants(source, [s.Tenant(name="extra")])
    with pytest.raises(Conflict):
        backup.restore(source.engine, archive)
    backup.restore(source.engine, archive, force=True)
    with source.engine.connect() as conn:
        assert "extra" not in conn.execute(sa.text("SELECT name FROM tenant")).scalars().all()


def test_a_damaged_or_foreign_file_is_refused(source, tmp_path):
    bad = tmp_path / "x.tar.gz"
    bad.write_bytes(b"not an archive")
    with pytest.raises(InvalidInput):
        backup.restore(open_engine(f"sqlite:///{tmp_path}/n.db", migrate=False), bad)
    with pytest.raises(InvalidInput):
        backup.backup(source.engine, bad)  # never overwrites a file


def test_one_consistent_moment_while_writers_run(source, tmp_path):
    """A writer stores a call row and an agent row in each transaction: a backup taken while it
    runs holds as many of one as of the other."""
    stop = threading.Event()

    def writer():
        i = 0
        while not stop.is_set():
            write_rows(
                source.engine,
                [call(f"w{i}", "acme", "inbound", 1_795_200_000.0 + i, 1)],
                [status("acme", f"w{i}", "Available", 1_795_200_000.0 + i)],
            )
            i += 1

    t = threading.Thread(target=writer)
    t.start()
    try:
        archives = []
        for n in range(3):
            archives.append(tmp_path / f"live{n}.ccbackup")
            backup.backup(source.engine, archives[-1])
    finally:
        stop.set()
        t.join()
    for a in archives:
        meta = backup.read_meta(a)
        engine = open_engine(f"sqlite:///{tmp_path}/{a.stem}.db", migrate=False)
        backup.restore(engine, a)
        with engine.connect() as conn:
            calls = conn.execute(sa.text("SELECT count(*) FROM call WHERE uuid LIKE 'w%'")).scalar()
            agents = conn.execute(sa.text("SELECT count(*) FROM agent_event WHERE agent LIKE 'w%'")).scalar()
        assert calls == agents and meta["tables"]["call"]["rows"] == 50 + calls
        engine.dispose()


def _rewrite(archive, out, *, extra=(), edit=None):
    """A copy of ARCHIVE with EXTRA (name, bytes) members added and EDIT(table, rows) applied
    to each table file (checksums made to match: a tampered, not a damaged, archive)."""
    import hashlib
    import io
    import json
    import tarfile

    with tarfile.open(archive, "r:gz") as tar:
        files = {m.name: (m, tar.extractfile(m).read()) for m in tar.getmembers() if m.isfile()}
    meta = json.loads(files.pop("backup.json")[1])
    with tarfile.open(out, "w:gz") as tar:

        def add(name, data):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))

        for name, (_m, data) in files.items():
            if name.startswith("tables/") and edit:
                table = name.removeprefix("tables/").removesuffix(".jsonl")
                rows = [json.loads(x) for x in data.splitlines() if x]
                data = b"".join(json.dumps(r).encode() + b"\n" for r in edit(table, rows))
                meta["tables"][table]["sha256"] = hashlib.sha256(data).hexdigest()
            add(name, data)
        for name, data in extra:
            add(name, data)
        add("backup.json", json.dumps(meta).encode())


def _state(engine, folder):
    with engine.connect() as conn:
        tenants = conn.execute(sa.text("SELECT name FROM tenant ORDER BY name")).scalars().all()
        calls = conn.execute(sa.text("SELECT count(*) FROM call")).scalar()
    files = sorted(str(p.relative_to(folder)) for p in folder.rglob("*")) if folder.exists() else []
    return tenants, calls, files


def test_a_restore_that_fails_leaves_the_box_as_it_was(source, tmp_path):
    """An unsafe path at the end of the archive: refused before a row or a file is replaced."""
    archive = tmp_path / "b.ccbackup"
    backup.backup(source.engine, archive, recordings_dir=tmp_path / "rec")
    bad = tmp_path / "bad.ccbackup"
    _rewrite(archive, bad, extra=[("recordings/../../escaped.wav", b"x")])
    apply_tenants(source, [s.Tenant(name="extra")])
    before = _state(source.engine, tmp_path / "rec")
    with pytest.raises(InvalidInput, match="unsafe path"):
        backup.restore(source.engine, bad, force=True, recordings_dir=tmp_path / "rec")
    assert _state(source.engine, tmp_path / "rec") == before
    assert not (tmp_path / "escaped.wav").exists()
    assert [p.name for p in tmp_path.iterdir() if ".restore-" in p.name] == []


def test_a_tampered_configuration_is_refused_like_apply_would(source, tmp_path):
    archive = tmp_path / "b.ccbackup"
    backup.backup(source.engine, archive)

    def tamper(table, rows):
        if table == "seat":
            rows[0]["name"] = "${system(touch /tmp/pwned)}"
        return rows

    bad = tmp_path / "tampered.ccbackup"
    _rewrite(archive, bad, edit=tamper)
    engine = open_engine(f"sqlite:///{tmp_path}/fresh.db", migrate=False)
    with pytest.raises(InvalidInput, match=r"\$\{"):
        backup.restore(engine, bad)
    with engine.connect() as conn:  # nothing loaded
        assert backup._revision(conn) is None
    with pytest.raises(InvalidInput, match="no such file"):
        backup.restore(engine, tmp_path / "nosuch.tgz")


def test_a_restore_the_database_refuses_at_the_last_step_changes_nothing(source, tmp_path):
    """Everything is restored into a new database and folder first; the box's database is
    replaced in one transaction and its recordings folder swapped in inside it. A row the
    database refuses there (a seat of no tenant) leaves rows and files exactly as they were."""
    archive = tmp_path / "b.ccbackup"
    backup.backup(source.engine, archive, recordings_dir=tmp_path / "rec")

    def orphan(table, rows):
        if table == "seat":
            rows.append({**rows[0], "id": 99999, "tenant_id": 4242, "extension": "1999"})
        return rows

    bad = tmp_path / "orphan.ccbackup"
    _rewrite(archive, bad, edit=orphan)
    apply_tenants(source, [s.Tenant(name="extra")])
    (tmp_path / "rec" / "acme" / "2026-11-22" / "later.wav").write_bytes(b"RIFF later")
    before = _state(source.engine, tmp_path / "rec")
    with pytest.raises(InvalidInput, match="the database refuses a row of the backup.*nothing restored"):
        backup.restore(source.engine, bad, force=True, recordings_dir=tmp_path / "rec")
    assert _state(source.engine, tmp_path / "rec") == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".rec.")] == []

    # The good archive: the database and the folder are the archive's, nothing left aside.
    r = backup.restore(source.engine, archive, force=True, recordings_dir=tmp_path / "rec")
    assert r["recordings"] == {"files": 1, "bytes": 104}
    tenants, calls, files = _state(source.engine, tmp_path / "rec")
    assert "extra" not in tenants and calls == 50
    assert [f for f in files if f.endswith(".wav")] == ["acme/2026-11-22/c1.wav"]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".rec.")] == []

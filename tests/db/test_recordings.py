"""Recording retention on SQLite and PostgreSQL: files of controlled ages, holds and policies.
Nothing under hold or younger than its tenant's retention is ever removed; a dry run deletes
nothing; the figures say what went."""

from __future__ import annotations

import csv
import json
import os
import tarfile

import pytest

from ccctl import app
from ccctl.config import spec as s
from ccctl.config.write import apply_tenants
from ccctl.daemon.store import write_rows
from ccctl.errors import NotFound
from ccctl.recordings import export, index, purge
from ccctl.settings import Settings

NOW = 1_795_000_000.0  # 2026-11-18
DAY = 86400.0


@pytest.fixture
def ctx(db_url, tmp_path):
    c = app.open(Settings(db=db_url, fs_recordings_dir=tmp_path / "rec", fs_deploy="off"))
    apply_tenants(
        c,
        [
            s.Tenant(name="acme", recording=s.Recording(mode="all", retention_days=30)),
            s.Tenant(name="law", recording=s.Recording(mode="all", retention_days=30, legal_hold=True)),
            s.Tenant(name="keep", recording=s.Recording(mode="all", retention_days=0)),
        ],
    )
    yield c
    c.engine.dispose()


def put(ctx, tenant: str, uuid: str, age_days: float, size: int = 1000) -> str:
    """A recording file AGE_DAYS old (by its modification time), as FreeSWITCH lays them out."""
    day = f"{tenant}/2026-{uuid[:2]}"
    folder = ctx.settings.fs_recordings_dir / day
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{uuid}.wav"
    path.write_bytes(b"R" * size)
    t = NOW - age_days * DAY
    os.utime(path, (t, t))
    return f"{day}/{uuid}.wav"


def exists(ctx, rel: str) -> bool:
    return (ctx.settings.fs_recordings_dir / rel).exists()


def test_purge_keeps_what_is_held_or_young_and_reports_what_it_frees(ctx):
    old = [put(ctx, "acme", f"old{i}", 40, size=1000 + i) for i in range(5)]
    young = put(ctx, "acme", "young1", 29)
    edge = put(ctx, "acme", "edge1", 29.99)
    held = put(ctx, "acme", "held1", 400)
    law = put(ctx, "law", "law1", 400)
    forever = put(ctx, "keep", "keep1", 4000)
    orphan = put(ctx, "gone", "gone1", 4000)  # a removed tenant: no policy, never purged

    assert index.scan(ctx)["added"] == 11
    index.set_hold(ctx, "acme", "held1", True, reason="case 42")

    dry = purge.purge(ctx, dry_run=True, now=NOW)
    assert (dry["files"], dry["bytes"]) == (5, sum(1000 + i for i in range(5)))
    assert dry["held"] == 2  # held1 (call hold) and law1 (tenant hold)
    assert all(exists(ctx, p) for p in old)  # a dry run deletes nothing

    done = purge.purge(ctx, now=NOW)
    assert (done["files"], done["bytes"]) == (dry["files"], dry["bytes"])
    assert done["tenants"] == {"acme": {"files": 5, "bytes": 5010}}
    assert not any(exists(ctx, p) for p in old)
    for kept in (young, edge, held, law, forever, orphan):
        assert exists(ctx, kept), kept
    # A second run finds nothing left to do.
    again = purge.purge(ctx, now=NOW)
    assert (again["files"], again["bytes"]) == (0, 0)
    shown = index.show(ctx, "acme", "old0")[0]
    assert shown["status"] == "purged" and shown["purged"]


def test_release_lets_the_next_purge_delete_it(ctx):
    p = put(ctx, "acme", "held2", 100)
    index.scan(ctx)
    index.set_hold(ctx, "acme", "held2", True)
    assert purge.purge(ctx, now=NOW)["files"] == 0 and exists(ctx, p)
    assert index.show(ctx, "acme", "held2")[0]["status"] == "held"
    index.set_hold(ctx, "acme", "held2", False)
    assert purge.purge(ctx, now=NOW)["files"] == 1 and not exists(ctx, p)


def test_the_call_start_decides_and_a_recently_changed_file_is_young(ctx):
    # The call row says the call began 50 days ago: its file, though written then too, is due.
    p1 = put(ctx, "acme", "c1", 50)
    # The call row says 50 days, but the file was changed yesterday: kept.
    p2 = put(ctx, "acme", "c2", 1)
    rows = [_call("c1", NOW - 50 * DAY), _call("c2", NOW - 50 * DAY)]
    write_rows(ctx.engine, rows, [])
    index.scan(ctx, "acme")
    r = purge.purge(ctx, now=NOW)
    assert r["files"] == 1 and r["recent"] == 1
    assert not exists(ctx, p1) and exists(ctx, p2)


def test_a_hold_on_an_unknown_call_is_refused(ctx):
    with pytest.raises(NotFound):
        index.set_hold(ctx, "acme", "nosuch", True)


def test_usage_and_list(ctx):
    put(ctx, "acme", "u1", 40, size=100)
    put(ctx, "acme", "u2", 10, size=200)
    put(ctx, "law", "u3", 40, size=300)
    usage = {u["tenant"]: u for u in index.usage(ctx)}
    assert usage["acme"]["files"] == 2 and usage["acme"]["bytes"] == 300
    assert usage["law"]["tenant_hold"] is True and usage["law"]["due_files"] == 0
    listed = index.list_recordings(ctx, tenant="acme")
    assert [r["call"] for r in listed] == ["u1", "u2"]


def test_export_a_tenants_recordings_with_their_call_rows(ctx, tmp_path):
    put(ctx, "acme", "e1", 3, size=111)
    put(ctx, "acme", "e2", 1, size=222)
    put(ctx, "law", "e3", 1, size=333)  # another tenant's: never in acme's export
    write_rows(ctx.engine, [_call("e1", NOW - 3 * DAY), _call("e2", NOW - 1 * DAY)], [])
    out = tmp_path / "acme.tar"
    r = export.export(ctx, "acme", since=NOW - 10 * DAY, until=None, out=out)
    assert (r["files"], r["bytes"]) == (2, 333)
    with tarfile.open(out) as tar:
        names = sorted(tar.getnames())
        manifest = json.load(tar.extractfile("manifest.json"))
        calls = list(csv.DictReader(tar.extractfile("calls.csv").read().decode().splitlines()))
    assert names == ["calls.csv", "manifest.json", "recordings/2026-e1/e1.wav", "recordings/2026-e2/e2.wav"]
    assert [m["call"] for m in manifest["recordings"]] == ["e1", "e2"]
    assert sorted(c["uuid"] for c in calls) == ["e1", "e2"]
    # A directory works too, and SINCE cuts.
    d = tmp_path / "out"
    r = export.export(ctx, "acme", since=NOW - 2 * DAY, until=None, out=d)
    assert r["files"] == 1 and (d / "recordings/2026-e2/e2.wav").stat().st_size == 222


def _call(uuid: str, at: float) -> dict:
    return {
        "uuid": uuid,
        "tenant": "acme",
        "direction": "inbound",
        "caller_number": "4915112345678",
        "caller_name": None,
        "called_number": "4000",
        "did": "4000",
        "ivr_path": None,
        "ivr_digits": None,
        "queue": None,
        "agent": "1001",
        "entered_at": at,
        "ivr_left_at": None,
        "queued_at": None,
        "offered_at": None,
        "answered_at": at + 2,
        "ended_at": at + 62,
        "wait_s": None,
        "talk_s": 60.0,
        "wrapup_s": 0.0,
        "sla_target": None,
        "disposition": "answered",
        "hangup_cause": "NORMAL_CLEARING",
        "hangup_side": "caller",
        "recording": None,
        "node": "local",
        "source": "events",
    }

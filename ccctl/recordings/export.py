"""A tenant's recordings to download (`ccctl recording export`): a tar file or a folder with
the files under recordings/, a manifest.json (each recording with its size and SHA-256, and
the call rows) and the same call rows as calls.csv, for a spreadsheet."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Callable

from sqlalchemy import select

from ccctl.errors import CcError, InvalidInput
from ccctl.model import Call
from ccctl.model.owner import owned
from ccctl.recordings.index import list_recordings, root
from ccctl.stats.calls import as_dict as call_dict
from ccctl.stats.calls import to_csv

C = Call.__table__
TAR_SUFFIXES = (".tar", ".tar.gz", ".tgz")


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def export(
    services,
    tenant: str,
    *,
    since: float | None,
    until: float | None,
    out: Path,
    progress: Callable[[int, int], None] | None = None,
    extra: dict[str, bytes] | None = None,
) -> dict:
    """Write TENANT's recordings of calls started in [SINCE, UNTIL) to OUT (a .tar, .tar.gz or
    .tgz file, else a folder). Purged and missing files are left out. EXTRA: more files to add
    (name -> content; a removed tenant's archive). Returns the figures."""
    out = Path(out)
    as_tar = out.name.endswith(TAR_SUFFIXES)
    if as_tar and out.exists():
        raise InvalidInput(f"{out} exists; choose a new file name")
    if not as_tar and out.exists() and any(out.iterdir()):
        raise InvalidInput(f"{out} is a folder that is not empty; choose a new or empty one")
    listed = list_recordings(services, tenant=tenant, since=since, until=until, limit=None)
    # staged beside the output (the same disk it needs room on anyway), not in a small /tmp
    staging = tempfile.TemporaryDirectory(prefix=".ccctl-export-", dir=out.parent if out.parent.is_dir() else None)
    with staging:
        sources, unreachable = _sources(services, listed, Path(staging.name))
        recs = [r for r in listed if r["path"] in sources]
        figures = _write(services, tenant, since, until, out, as_tar, recs, sources, progress, extra)
    if unreachable:
        figures["unreachable"] = unreachable
    return figures


def _sources(services, listed: list[dict], staging: Path) -> tuple[dict[str, Path], list[dict]]:
    """{path: the file to read} of the recordings LISTED: on this machine's disk (or the shared
    storage mounted there), else fetched from the node that holds it into STAGING. Also the
    recordings no node could give (node down, file gone), with why."""
    from ccctl.recordings import fetch

    sources: dict[str, Path] = {}
    unreachable: list[dict] = []
    peers = None
    for r in listed:
        local = root(services) / r["path"]
        if local.is_file():
            sources[r["path"]] = local
            continue
        node = r.get("node")
        if node is None or node == services.settings.node:
            continue  # purged or missing here: left out, as on a single box
        peers = fetch.addresses(services) if peers is None else peers
        if node not in peers:
            unreachable.append({"path": r["path"], "node": node, "why": "the node announces no management address"})
            continue
        dest = staging / r["path"]
        try:
            fetch.fetch(services, peers[node], r["path"], dest)
        except CcError as exc:
            unreachable.append({"path": r["path"], "node": node, "why": exc.message})
            continue
        sources[r["path"]] = dest
    return sources, unreachable


def _write(services, tenant, since, until, out: Path, as_tar: bool, recs, sources, progress, extra) -> dict:
    uuids = sorted({r["call"] for r in recs if r["call"]})
    calls = []
    with services.engine.connect() as conn:
        for i in range(0, len(uuids), 500):
            calls += [
                call_dict(c)
                for c in conn.execute(select(C).where(owned(C, tenant), C.c.uuid.in_(uuids[i : i + 500]))).mappings()
            ]
    calls.sort(key=lambda c: (c["entered_at"], c["uuid"]))
    entries = []
    for r in recs:
        name = "recordings/" + r["path"].split("/", 1)[1]
        entries.append(
            {
                "file": name,
                "call": r["call"],
                "started": r["started"],
                "bytes": r["bytes"],
                "held": r["held"],
                "sha256": None,
                "_src": sources[r["path"]],
            }
        )
    total = 0
    if as_tar:
        mode = "w:gz" if out.name.endswith((".gz", ".tgz")) else "w"
        if not out.parent.is_dir():
            raise InvalidInput(f"{out.parent}: no such folder")
        tmp = out.with_name(out.name + ".part")
        with tarfile.open(tmp, mode) as tar:
            for i, e in enumerate(entries):
                e["sha256"] = _sha256(e["_src"])
                info = tar.gettarinfo(str(e["_src"]), arcname=e["file"])
                info.uid = info.gid = 0
                info.uname = info.gname = ""
                with open(e["_src"], "rb") as f:
                    tar.addfile(info, f)
                e["bytes"] = info.size
                total += info.size
                if progress:
                    progress(i + 1, len(entries))
            for name, data in {**_meta(tenant, since, until, entries, calls), **(extra or {})}.items():
                info = tarfile.TarInfo(name)
                info.size, info.mtime, info.mode = len(data), int(time.time()), 0o644
                tar.addfile(info, io.BytesIO(data))
        tmp.replace(out)
    else:
        for i, e in enumerate(entries):
            dest = out / e["file"]
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(e["_src"], dest)
            e["sha256"] = _sha256(dest)
            e["bytes"] = dest.stat().st_size
            total += e["bytes"]
            if progress:
                progress(i + 1, len(entries))
        out.mkdir(parents=True, exist_ok=True)
        for name, data in {**_meta(tenant, since, until, entries, calls), **(extra or {})}.items():
            (out / name).write_bytes(data)
    return {"tenant": tenant, "out": str(out), "files": len(entries), "bytes": total, "calls": len(calls)}


def _meta(tenant, since, until, entries, calls) -> dict[str, bytes]:
    from ccctl.recordings.index import iso

    manifest = {
        "tenant": tenant,
        "since": iso(since),
        "until": iso(until),
        "recordings": [{k: v for k, v in e.items() if not k.startswith("_")} for e in entries],
        "calls": calls,
    }
    return {
        "manifest.json": json.dumps(manifest, indent=1, ensure_ascii=False).encode(),
        "calls.csv": to_csv(calls).encode(),
    }

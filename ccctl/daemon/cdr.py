"""Reconciliation from FreeSWITCH's own CDR (mod_json_cdr: one `<uuid>.cdr.json` per channel,
written at hangup whether or not anyone listens on the Event Socket).

The CDR directory holds only what is not yet reconciled: once a file's call is in the
database (from live events or from the file), the file moves to `done/<YYYY-MM-DD>/`. So
after any gap (daemon killed, FreeSWITCH restarted, database busy) a pass over the top
directory finds exactly the calls that may be missing, and the unique call uuid makes
inserting them idempotent.
"""

from __future__ import annotations

import json
import logging
import os
import time
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy.engine import Engine

from ccctl.daemon.assemble import Directory, call_row
from ccctl.daemon.store import known_calls

log = logging.getLogger("ccctl.daemon")
SUFFIX = ".cdr.json"


def cdr_variables(doc: dict) -> dict[str, str]:
    """A mod_json_cdr document -> the variables call_row() takes."""
    v = {k: str(val) for k, val in (doc.get("variables") or {}).items()}
    flows = doc.get("callflow") or []
    if isinstance(flows, dict):
        flows = [flows]
    # The callflow list is newest first; the caller profile of the first one is the original call.
    profile = (flows[-1].get("caller_profile") if flows else None) or {}
    v.setdefault("caller_id_number", profile.get("caller_id_number", ""))
    v.setdefault("caller_id_name", profile.get("caller_id_name", ""))
    v.setdefault("destination_number", profile.get("destination_number", ""))
    v.setdefault("uuid", (doc.get("channel_data") or {}).get("uuid") or v.get("uuid", ""))
    return v


def read_cdr(path: Path) -> dict | None:
    """The document, or None while FreeSWITCH is still writing it (not valid JSON yet)."""
    try:
        return json.loads(path.read_text(errors="replace"))
    except (OSError, ValueError):
        return None


def _done_dir(root: Path, mtime: float) -> Path:
    return root / "done" / datetime.fromtimestamp(mtime, timezone.utc).strftime("%Y-%m-%d")


def reconcile(
    engine: Engine,
    cdr_dir: Path,
    directory: Directory,
    node: str,
    *,
    write,
    grace: float = 5.0,
    now: float | None = None,
) -> dict[str, int]:
    """One pass over CDR_DIR: calls missing from the database are written (WRITE(rows), the
    same batched path as live rows), then every file older than GRACE seconds whose call is
    stored (or that is no call at all) moves to done/. A failed write raises and leaves every
    file where it is, for the next pass. Returns counts."""
    now = time.time() if now is None else now
    counts = {"files": 0, "inserted": 0, "moved": 0}
    try:
        entries = [e for e in os.scandir(cdr_dir) if e.name.endswith(SUFFIX) and e.is_file()]
    except FileNotFoundError:
        return counts
    ready = []
    for e in entries:
        mtime = e.stat().st_mtime
        if now - mtime < grace:
            continue
        doc = read_cdr(Path(e.path))
        if doc is None:
            continue
        ready.append((Path(e.path), mtime, doc))
    counts["files"] = len(ready)
    if not ready:
        return counts
    rows = {}
    for _path, _, doc in ready:
        row = call_row(cdr_variables(doc), None, directory, node, "cdr")
        if row and row["uuid"]:
            rows[row["uuid"]] = row
    stored = known_calls(engine, rows) if rows else set()
    missing = [r for u, r in rows.items() if u not in stored]
    if missing:
        write(missing)
        log.warning("reconciled %d call(s) from FreeSWITCH's CDR that the event stream did not deliver", len(missing))
    counts["inserted"] = len(missing)
    for path, mtime, _ in ready:
        dest = _done_dir(cdr_dir, mtime)
        dest.mkdir(parents=True, exist_ok=True)
        try:
            os.replace(path, dest / path.name)
            counts["moved"] += 1
        except OSError as exc:
            log.error("cannot move %s to %s: %s", path, dest, exc)
    return counts

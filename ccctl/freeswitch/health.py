"""What the logs-and-health screen shows: FreeSWITCH's state and registrations, its recent
errors, the disk the recordings use, and the last configuration changes (rendered trees)."""

from __future__ import annotations

import os
import shutil
import time
from collections import deque
from pathlib import Path

from ccctl.app import Services

LOG_FILES = ("freeswitch.log",)


def recent_errors(log_dir: Path, limit: int = 50) -> list[str]:
    """The last LIMIT [ERR]/[CRIT] lines of FreeSWITCH's log (it says what it refused and why)."""
    out: deque[str] = deque(maxlen=limit)
    for name in LOG_FILES:
        path = Path(log_dir) / name
        try:
            with path.open(errors="replace") as f:
                f.seek(max(0, path.stat().st_size - 2_000_000))  # the tail is what matters
                for line in f:
                    if "[ERR]" in line or "[CRIT]" in line or "[ALERT]" in line:
                        out.append(line.rstrip())
        except OSError:
            continue
    return list(out)


def disk_use(directory: Path) -> dict:
    """Bytes and files under DIRECTORY, and the room left on its file system."""
    total = files = 0
    for dirpath, _, names in os.walk(directory):
        for n in names:
            try:
                total += os.lstat(os.path.join(dirpath, n)).st_size
                files += 1
            except OSError:
                pass
    # Not made yet (no recording so far): the room is that of the file system it will be on.
    where = Path(directory)
    while not where.exists() and where != where.parent:
        where = where.parent
    try:
        du = shutil.disk_usage(where)
        free, size = du.free, du.total
    except OSError:
        free = size = None
    return {
        "path": str(directory),
        "exists": Path(directory).exists(),
        "bytes": total,
        "files": files,
        "free_bytes": free,
        "fs_bytes": size,
    }


def config_changes(conf_dir: Path, limit: int = 5) -> list[dict]:
    """The last configuration trees installed for FreeSWITCH (one per applied change), newest first."""
    from ccctl.deploy.tree_store import TreeStore

    store = TreeStore(conf_dir)
    try:
        gens = [p for p in store.trees.iterdir() if p.is_dir()]
    except OSError:
        return []
    current = os.path.realpath(store.link) if store.link.is_symlink() else None
    gens.sort(key=lambda p: p.stat().st_mtime, reverse=True)
    return [
        {
            "generation": p.name,
            "time": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(p.stat().st_mtime)),
            "current": str(p.resolve()) == current,
        }
        for p in gens[:limit]
    ]


def health(services: Services) -> dict:
    from ccctl.freeswitch.status import box_status

    s = services.settings
    return {
        "status": box_status(services),
        "errors": recent_errors(s.fs_log_dir),
        "recordings": disk_use(s.fs_recordings_dir),
        "changes": config_changes(s.fs_conf_dir),
    }

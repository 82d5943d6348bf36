"""Recordings on the box: the folders FreeSWITCH writes into, and the recordings it failed to write.

FreeSWITCH makes a recording's folder itself, with its bundled APR's mkdir -p
(fspr_dir_make_recursive). That is safe for the last level only: when the day folder is
missing, every call tries mkdir and a loser's EEXIST counts as success. When a level above it is
missing too, the function creates that level and then the day folder with a plain mkdir, whose
EEXIST is an error; two calls doing so at once lose one recording (uri-failure). So ccctl makes
every folder above the per-day one before FreeSWITCH is told about a tenant, and the per-day
folder is the only one a call ever creates.
"""

from __future__ import annotations

import os
from pathlib import Path

from ccctl.config import spec as s
from ccctl.render import names

FOLDER_MODE = 0o750


def tenant_folders(root: Path, t: s.Tenant) -> list[Path]:
    """Folders that must exist before T's first call: its own and its voicemail's."""
    base = root / t.name
    return [base, base / "voicemail"]


def prepare_folders(root: Path, tenants: list[s.Tenant]) -> list[Path]:
    """Create the missing folders of TENANTS under ROOT, owned like ROOT (FreeSWITCH's user
    when ccctl runs as root). Returns what was created. Existing folders are left as they are."""
    made = []
    st = None
    for t in tenants:
        for d in tenant_folders(root, t):
            if d.is_dir():
                continue
            if st is None:
                root.mkdir(parents=True, exist_ok=True)
                st = root.stat()
            d.mkdir(mode=FOLDER_MODE, exist_ok=True)
            if os.geteuid() == 0 and (st.st_uid, st.st_gid) != (0, 0):
                os.chown(d, st.st_uid, st.st_gid)
            made.append(d)
    return made


def failure_counts(esl, tenants: list[s.Tenant]) -> dict[str, int]:
    """Recordings FreeSWITCH failed to write, per tenant, since the box was installed (mod_db
    keeps them across restarts; the render's hangup hook writes one row per failed call)."""
    out = {}
    for t in tenants:
        reply = esl.api(f"db count/{names.RECORDING_FAILURES_REALM}{t.name}", check=False).strip()
        out[t.name] = int(reply) if reply.isdigit() else 0
    return out


def failed_calls(esl, tenant: str) -> list[str]:
    """The uuids of TENANT's calls whose recording failed."""
    reply = esl.api(f"db list/{names.RECORDING_FAILURES_REALM}{tenant}", check=False).strip()
    return [] if not reply or reply.startswith("-") else [u for u in reply.split(",") if u]

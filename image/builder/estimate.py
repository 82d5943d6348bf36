"""How big the root filesystem will be, known before bootstrapping, so that a disk_size too
small for it is refused at once rather than after ten minutes of building.

The last build's measured size (build/build-summary.json) when it was built from the same
inputs (kernel, extra packages, engine); otherwise a constant measured on the default image
(no engine) plus the extra packages and the engine's files. Meant as a floor: a disk it lets
through may still be refused by the disk stage, which measures the real tree.
"""

from __future__ import annotations

import json
from pathlib import Path

from .engine import Engine
from .settings import ImageSettings

MB = 1000**2
# The default image's root filesystem without the engine (Debian 12, kernel, ccctl's venv,
# prompts): 1,014 MB measured (the disk stage's count), rounded down.
ROOTFS_BASE = 950 * MB
PER_EXTRA_PACKAGE = 1 * MB
# A prefix's binaries and modules shrink when the build strips them (debug information).
STRIPPED_SHARE = 0.25


def inputs(s: ImageSettings, eng: Engine) -> str:
    return json.dumps(
        {
            "kernel": s.kernel,
            "extra_packages": sorted(s.extra_packages),
            "engine": eng.describe(),
            "fingerprint": eng.fingerprint,
        },
        sort_keys=True,
    )


def _prefix_bytes(prefix: Path, mod_dir: Path) -> int:
    total = 0
    for p in [
        prefix / "bin" / "freeswitch",
        prefix / "bin" / "fs_cli",
        *(prefix / "lib").glob("*.so*"),
        *mod_dir.glob("*.so"),
    ]:
        if p.is_file() and not p.is_symlink():
            total += p.stat().st_size
    return total


def rootfs_bytes(s: ImageSettings, eng: Engine) -> tuple[int, str]:
    """(estimated size of the root filesystem, how it was estimated)."""
    summary = s.output_dir / "build-summary.json"
    try:
        notes = json.loads(summary.read_text()).get("notes", {})
        if notes.get("rootfs_inputs") == inputs(s, eng) and notes.get("rootfs_bytes"):
            return int(notes["rootfs_bytes"]), "measured by the last build"
    except (OSError, ValueError, AttributeError):
        pass
    size = ROOTFS_BASE + PER_EXTRA_PACKAGE * len(s.extra_packages)
    if eng.kind == "prefix":
        size += int(_prefix_bytes(Path(eng.source), Path(eng.mod_dir)) * STRIPPED_SHARE)
    return size, "estimated"

"""What every made or uploaded sound file needs: the tool that makes it, and a write that
never leaves half a file where FreeSWITCH could play it."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from ccctl.errors import CcError


def need_tool(tool: str) -> str:
    path = shutil.which(tool)
    if not path:
        raise CcError(f"{tool} is not installed (apt-get install {'espeak-ng' if tool == 'espeak-ng' else tool})")
    return path


def atomic_write(dest: Path, produce) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix=".wav", dir=dest.parent)
    os.close(fd)
    try:
        produce(Path(tmp))
        os.chmod(tmp, 0o644)
        os.replace(tmp, dest)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)

"""One build context handed to every stage: settings, paths, the engine source, the log."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console

from .engine import Engine
from .errors import BuildError
from .settings import REPO, ImageSettings


@dataclass
class BuildContext:
    settings: ImageSettings
    engine: Engine
    console: Console
    out: Path
    """build/: finished artifacts only, each renamed into place when complete."""
    work: Path
    """build/.work: everything in progress; removed when the build ends, however it ends."""
    cache: Path
    """build/cache: the bootstrap tarball and wheels, reused by the next run."""
    repo: Path = REPO
    artifacts: dict[str, Path] = field(default_factory=dict)
    """name -> finished file in work/, renamed into out/ by the last step."""
    notes: dict[str, str] = field(default_factory=dict)

    @property
    def rootfs(self) -> Path:
        return self.work / "rootfs"

    @property
    def log(self) -> Path:
        """Written in the work directory while building: the log of the last good build stays
        in build/ until this build succeeds (then build/build.log), or is kept beside it as
        build/build.failed.log if this one fails or is interrupted."""
        return self.work / "build.log"

    @property
    def final_log(self) -> Path:
        return self.out / "build.log"

    @property
    def failed_log(self) -> Path:
        return self.out / "build.failed.log"

    def run(self, *cmd, env: dict | None = None, input: str | None = None, cwd: Path | None = None) -> str:
        """Run a host command, its output to build/build.log; a failure is one line plus the log's tail."""
        cmd = [str(c) for c in cmd]
        started = time.monotonic()
        with open(self.log, "a") as log:
            log.write(f"\n$ {shlex.join(cmd)}\n")
            log.flush()
            r = subprocess.run(
                cmd,
                env={**os.environ, **(env or {})},
                input=input,
                text=True,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                cwd=cwd,
            )
            log.write(r.stdout)
            log.write(f"[exit {r.returncode} after {time.monotonic() - started:.1f}s]\n")
        if r.returncode != 0:
            tail = "\n".join(r.stdout.strip().splitlines()[-15:])
            raise BuildError(f"{Path(cmd[0]).name} failed (exit {r.returncode}); see {self.failed_log}\n{tail}")
        return r.stdout

    def reset_work(self) -> None:
        if self.work.exists():
            shutil.rmtree(self.work)
        self.work.mkdir(parents=True)

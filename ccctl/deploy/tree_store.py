"""The FreeSWITCH configuration directory as a symlink to one of several rendered trees.

`<conf_dir>` -> `<conf_dir>.trees/<generation>`. Installing a tree writes a new generation
beside the old ones and replaces the symlink with one rename(2), so FreeSWITCH (which reads
the tree on reloadxml and at start) never sees a half-written tree, and the previous tree
stays on disk to go back to.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

from ccctl.errors import InvalidInput
from ccctl.render.tree import freeswitch_gid, make_private_dir, write_files

KEEP = 5


class TreeStore:
    def __init__(self, conf_dir: Path):
        self.link = Path(conf_dir)
        self.trees = self.link.with_name(self.link.name + ".trees")

    def _ours(self) -> bool:
        """A symlink into our generations whose target is gone (a failed first install)."""
        return self.link.is_symlink() and Path(os.readlink(self.link)).parent == self.trees

    def current(self) -> Path | None:
        if self.link.is_symlink():
            target = self.link.resolve()
            return target if target.is_dir() else None
        return self.link if self.link.is_dir() else None

    def read(self) -> dict[str, bytes]:
        """The files of the tree in use (empty when there is none)."""
        cur = self.current()
        if cur is None:
            return {}
        return {str(p.relative_to(cur)): p.read_bytes() for p in sorted(cur.rglob("*")) if p.is_file()}

    def _adopt_plain_directory(self) -> None:
        """A box may start with a real directory there (a package's sample config): keep it
        as a generation instead of deleting it."""
        if self.link.is_dir() and not self.link.is_symlink():
            self.trees.mkdir(parents=True, exist_ok=True)
            dest = self.trees / "original"
            if dest.exists():
                dest = self.trees / f"original-{int(time.time())}"
            os.rename(self.link, dest)
            self._point_to(dest)

    def _point_to(self, target: Path) -> None:
        tmp = self.link.with_name(f".{self.link.name}.link-{os.getpid()}")
        if tmp.is_symlink() or tmp.exists():
            tmp.unlink()
        os.symlink(target, tmp)
        os.replace(tmp, self.link)

    def install(self, files: dict[str, bytes]) -> tuple[Path, Path | None]:
        """Write FILES as a new generation and switch to it; returns (new, previous)."""
        if (self.link.exists() or self.link.is_symlink()) and not self.link.is_dir() and not self._ours():
            # Never replace a file someone pointed CCCTL_FS_CONF_DIR at by mistake.
            raise InvalidInput(
                f"CCCTL_FS_CONF_DIR={self.link}: exists and is not a directory; "
                "name the FreeSWITCH configuration directory"
            )
        self._adopt_plain_directory()
        previous = self.current()
        make_private_dir(self.trees, freeswitch_gid())
        gen = self.trees / f"{time.strftime('%Y%m%d-%H%M%S')}-{time.time_ns() % 10**9:09d}"
        staging = self.trees / f".{gen.name}.partial"
        try:
            write_files(files, staging)
            os.rename(staging, gen)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        self._point_to(gen)
        return gen, previous

    def restore(self, previous: Path | None, failed: Path) -> None:
        if previous is not None:
            self._point_to(previous)
        elif self.link.is_symlink():
            self.link.unlink()
        shutil.rmtree(failed, ignore_errors=True)

    def prune(self, keep: int = KEEP) -> None:
        cur = self.current()
        gens = sorted(
            p
            for p in self.trees.iterdir()
            if p.is_dir() and not p.name.startswith(".") and not p.name.startswith("original")
        )
        for old in gens[:-keep]:
            if old != cur:
                shutil.rmtree(old, ignore_errors=True)

"""The host tools each stage calls: checked before anything is written."""

from __future__ import annotations

import shutil
from pathlib import Path

from .errors import BuildError

TOOLS = [
    "mmdebstrap",
    "tar",
    "chroot",
    "mkfs.ext4",
    "mkfs.vfat",
    "mmd",
    "mcopy",
    "sfdisk",
    "dd",
    "grub-mkimage",
    "qemu-img",
    "ansible-playbook",
    "ssh-keygen",
    "ldd",
    "strip",
    "readelf",
]
DIRS = {"/usr/lib/grub/i386-pc": "grub-pc-bin", "/usr/lib/grub/x86_64-efi": "grub-efi-amd64-bin"}


def check() -> None:
    for tool in TOOLS:
        if shutil.which(tool) is None:
            raise BuildError(f"missing host tool: {tool} (scripts/image-deps installs the build's tools)")
    for d, pkg in DIRS.items():
        if not Path(d).is_dir():
            raise BuildError(f"missing host tool: {d} (package {pkg}; scripts/image-deps installs it)")

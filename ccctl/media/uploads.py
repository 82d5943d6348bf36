"""Each tenant's own sound files (greetings it uploads), in a folder only it can name.

A greeting `file` is a name inside `<sounds_dir>/ccctl/media/<tenant>/`, never a path: a
tenant can play only what was put in its folder with `ccctl media add`, which converts the
upload to what the engine plays (8 kHz mono 16-bit WAV). Every name is checked again after
symlinks are resolved, so a link in the folder cannot reach another tenant's recordings.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import wave
from dataclasses import dataclass
from pathlib import Path

from ccctl.errors import CcError, Conflict, InvalidInput, NotFound
from ccctl.media.files import atomic_write, need_tool

MEDIA_DIR = "ccctl/media"
"""Below FreeSWITCH's sounds_dir, one folder per tenant."""
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}\.wav")


@dataclass(frozen=True)
class MediaFile:
    tenant: str
    name: str
    seconds: float
    bytes: int
    used_by: list[str]

    def as_dict(self) -> dict:
        return {
            "tenant": self.tenant,
            "name": self.name,
            "seconds": self.seconds,
            "bytes": self.bytes,
            "used_by": self.used_by,
        }


def folder(sounds_dir: Path, tenant: str) -> Path:
    return Path(sounds_dir) / MEDIA_DIR / tenant


def ref(tenant: str, name: str) -> str:
    """How the rendered tree names the file (FreeSWITCH expands sounds_dir)."""
    return "$${sounds_dir}/" + f"{MEDIA_DIR}/{tenant}/{name}"


def resolve(sounds_dir: Path, tenant: str, name: str) -> Path:
    """The file NAME of TENANT's folder; refused unless it is a file inside that folder once
    every symlink is followed."""
    base = folder(sounds_dir, tenant)
    if not _NAME.fullmatch(name):
        raise InvalidInput(f"{tenant}: media {name!r}: a media file name is like welcome.wav (no folders)")
    path = (base / name).resolve()
    if not path.is_relative_to(base.resolve()):
        raise InvalidInput(f"{tenant}: media {name} is outside the tenant's media folder")
    if not path.is_file():
        raise InvalidInput(
            f"{tenant}: greeting file {name} does not exist (add it with: ccctl media add {tenant} FILE)"
        )
    return path


def _users(tenant, name: str) -> list[str]:
    return sorted(f"ivr {i.name}" for i in tenant.ivrs if i.greeting.file == name)


def _describe(path: Path) -> tuple[float, int]:
    size = path.stat().st_size
    try:
        with wave.open(str(path)) as w:
            return round(w.getnframes() / float(w.getframerate() or 1), 2), size
    except (wave.Error, EOFError, OSError):
        return 0.0, size


def list_media(sounds_dir: Path, tenant) -> list[MediaFile]:
    base = folder(sounds_dir, tenant.name)
    if not base.is_dir():
        return []
    out = []
    for p in sorted(base.iterdir()):
        if _NAME.fullmatch(p.name) and p.is_file() and not p.is_symlink():
            seconds, size = _describe(p)
            out.append(MediaFile(tenant.name, p.name, seconds, size, _users(tenant, p.name)))
    return out


def media_name(source: Path, name: str | None) -> str:
    if name is None:
        name = re.sub(r"[^A-Za-z0-9_.-]+", "-", source.stem).strip("-.") or "media"
        name = name[:95] + ".wav"
    elif not name.endswith(".wav"):
        name += ".wav"
    if not _NAME.fullmatch(name):
        raise InvalidInput(f"{name!r}: a media name is 1-100 letters, digits, '.', '-' or '_' ending in .wav")
    return name


def add_media(sounds_dir: Path, tenant, source: Path, name: str | None = None, *, replace: bool = False) -> MediaFile:
    """Convert SOURCE (any format sox reads) into TENANT's folder as NAME."""
    source = Path(source)
    if not source.is_file():
        raise NotFound(f"{source}: no such file")
    name = media_name(source, name)
    dest = folder(sounds_dir, tenant.name) / name
    if (dest.exists() or dest.is_symlink()) and not replace:
        raise Conflict(f"media {tenant.name}/{name} already exists (--replace to overwrite it)")
    sox = need_tool("sox")

    def produce(out: Path) -> None:
        r = subprocess.run(
            [sox, "-V1", str(source), "-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer", str(out)],
            capture_output=True,
            text=True,
            timeout=300,
        )
        if r.returncode != 0:
            reason = (r.stderr.strip().splitlines() or ["not a sound file sox can read"])[-1]
            raise InvalidInput(f"{source}: cannot convert: {reason.removeprefix('sox FAIL formats: ')}")

    try:
        if dest.is_symlink():
            dest.unlink()
        atomic_write(dest, produce)
    except OSError as exc:
        raise CcError(f"cannot write {dest}: {exc.strerror}") from None
    seconds, size = _describe(dest)
    return MediaFile(tenant.name, name, seconds, size, _users(tenant, name))


def remove_media(sounds_dir: Path, tenant, name: str) -> None:
    path = folder(sounds_dir, tenant.name) / name
    if not _NAME.fullmatch(name) or not (path.is_file() or path.is_symlink()):
        raise NotFound(f"media {tenant.name}/{name} not found")
    users = _users(tenant, name)
    if users:
        raise Conflict(f"media {tenant.name}/{name} is the greeting of {', '.join(users)}; change that first")
    path.unlink()


def remove_folder(sounds_dir: Path, tenant: str) -> None:
    """A removed tenant's uploads go with it: a new tenant of the same name must not inherit them."""
    shutil.rmtree(folder(sounds_dir, tenant), ignore_errors=True)

"""The image build's settings: one file (image/image.toml) plus environment overrides.

One dataclass (ImageSettings) names each setting, its type, default and documentation; the
settings file, the environment, `--help` and `--print-config` all come from it.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from .errors import BuildError

REPO = Path(__file__).resolve().parents[2]
DEFAULT_FILE = REPO / "image" / "image.toml"
ENV_PREFIX = "CC_IMAGE_"
# The FreeSWITCH sources keep the names integrators already use for them.
BARE_ENV = {
    "freeswitch_debs": "FREESWITCH_DEBS",
    "signalwire_token": "SIGNALWIRE_TOKEN",
    "freeswitch_prefix": "FREESWITCH_PREFIX",
}
MIN_DISK = 2 * 1024**3
DAHDI_MODES = ("modules", "dkms", "none")


def _setting(default, doc: str):
    return field(default=default, metadata={"doc": doc})


@dataclass(frozen=True)
class ImageSettings:
    name: str = _setting("callcenter", "Base name of the artifacts: build/NAME.raw, NAME.qcow2, NAME.box.")
    hostname: str = _setting("callcenter", "Host name of the box.")
    suite: str = _setting("bookworm", "Debian suite to bootstrap (the appliance is Debian 12: bookworm).")
    mirror: str = _setting("http://deb.debian.org/debian", "Debian mirror the build installs packages from.")
    security_mirror: str = _setting(
        "http://deb.debian.org/debian-security",
        "Debian security mirror (empty: none; the box then misses security updates).",
    )
    kernel: str = _setting(
        "linux-image-amd64", "Kernel package (linux-image-amd64 drives real hardware and voice cards)."
    )
    disk_size: str = _setting(
        "4G", "Size of the raw disk (e.g. 4G, 3500M); at least 2G and room for the root filesystem."
    )
    extra_packages: tuple[str, ...] = _setting(
        (), "More Debian packages to install (list; from the environment: space separated)."
    )
    admin_user: str = _setting("admin", "Login of the administrator (SSH key only, sudo).")
    admin_ssh_key: str = _setting(
        "", "Public key file for the administrator; empty: a key pair is generated into build/keys/."
    )
    timezone: str = _setting("UTC", "Time zone of the box.")
    locale: str = _setting("en_US.UTF-8", "Locale of the box.")
    freeswitch_debs: str = _setting(
        "", "FreeSWITCH source 1: a directory of .deb packages, used as a local apt source."
    )
    signalwire_token: str = _setting("", "FreeSWITCH source 2: a SignalWire token for the vendor's apt repository.")
    freeswitch_prefix: str = _setting(
        "", "FreeSWITCH source 3: an installed FreeSWITCH prefix to bundle (e.g. /opt/freeswitch)."
    )
    dahdi: str = _setting(
        "modules",
        "Voice-card drivers: modules (DAHDI built for the image's kernel, then the compilers and headers "
        "removed), dkms (kept: a new kernel rebuilds them, ~200 MB more), none.",
    )
    output: str = _setting("build", "Directory the artifacts are written to (relative: to the repository).")

    @property
    def disk_bytes(self) -> int:
        return parse_size(self.disk_size)

    @property
    def output_dir(self) -> Path:
        p = Path(self.output)
        return p if p.is_absolute() else REPO / p

    @classmethod
    def documentation(cls) -> dict[str, str]:
        """Each setting's one-line documentation, for --help."""
        return {f.name: f.metadata["doc"] for f in fields(cls)}

    def as_dict(self, redact: bool = True) -> dict:
        d = asdict(self)
        d["extra_packages"] = list(self.extra_packages)
        if redact and d["signalwire_token"]:
            d["signalwire_token"] = "(set)"
        return d


def parse_size(text: str) -> int:
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([KMGT]?)i?B?\s*", str(text), re.I)
    if not m:
        raise BuildError(f"setting disk_size: {text!r} is not a size (e.g. 4G, 3500M)")
    mult = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4}[m.group(2).upper()]
    return int(float(m.group(1)) * mult)


def _from_env(name: str, env) -> str | None:
    if name in BARE_ENV and env.get(BARE_ENV[name]):
        return env[BARE_ENV[name]]
    return env.get(ENV_PREFIX + name.upper())


def load(path: Path | None = None, env=None) -> ImageSettings:
    """Settings from PATH (default image/image.toml), then the environment on top, validated."""
    env = os.environ if env is None else env
    path = Path(path) if path else DEFAULT_FILE
    try:
        raw = tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise BuildError(f"settings file {path}: not found") from None
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise BuildError(f"settings file {path}: {exc}") from None
    unknown = sorted(set(raw) - {f.name for f in fields(ImageSettings)})
    if unknown:
        raise BuildError(f"settings file {path}: unknown setting {unknown[0]!r}")
    values = {}
    for f in fields(ImageSettings):
        value = _from_env(f.name, env)
        if value is None:
            value = raw.get(f.name, f.default)
        if f.name == "extra_packages":
            if isinstance(value, str):
                value = value.replace(",", " ").split()
            if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
                raise BuildError("setting extra_packages: must be a list of package names")
            value = tuple(value)
        elif not isinstance(value, str):
            raise BuildError(f"setting {f.name}: must be a string, got {value!r}")
        values[f.name] = value
    settings = ImageSettings(**values)
    validate(settings)
    return settings


def validate(s: ImageSettings) -> None:
    """Reject what would fail later in the build, naming the setting."""
    label = r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?"
    if not re.fullmatch(label, s.hostname):
        raise BuildError(f"setting hostname: {s.hostname!r} is not a valid host name (a-z, 0-9, -)")
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", s.name):
        raise BuildError(f"setting name: {s.name!r} is not a plain file name")
    if not re.fullmatch(r"[a-z_][a-z0-9_-]{0,31}", s.admin_user) or s.admin_user == "root":
        raise BuildError(f"setting admin_user: {s.admin_user!r} is not a valid login (and not root)")
    if not re.fullmatch(r"https?://[^\s]+", s.mirror):
        raise BuildError(f"setting mirror: {s.mirror!r} is not an http(s) URL")
    if s.security_mirror and not re.fullmatch(r"https?://[^\s]+", s.security_mirror):
        raise BuildError(f"setting security_mirror: {s.security_mirror!r} is not an http(s) URL")
    if s.suite != "bookworm":
        raise BuildError(f"setting suite: {s.suite!r}: the appliance is built on Debian 12 (bookworm)")
    if s.dahdi not in DAHDI_MODES:
        raise BuildError(f"setting dahdi: {s.dahdi!r} is not one of {', '.join(DAHDI_MODES)}")
    if s.disk_bytes < MIN_DISK:
        raise BuildError(f"setting disk_size: {s.disk_size} is too small (at least 2G)")
    for p in s.extra_packages + (s.kernel,):
        if not re.fullmatch(r"[a-z0-9][a-z0-9+.-]+", p):
            raise BuildError(f"setting extra_packages: {p!r} is not a Debian package name")
    if not Path(f"/usr/share/zoneinfo/{s.timezone}").is_file():
        raise BuildError(f"setting timezone: {s.timezone!r} is not a known time zone")
    if not re.fullmatch(r"[a-z]{2,3}_[A-Z]{2}\.UTF-8", s.locale):
        raise BuildError(f"setting locale: {s.locale!r} is not a UTF-8 locale like en_US.UTF-8")
    if s.admin_ssh_key:
        key = Path(s.admin_ssh_key)
        try:
            text = key.read_text().strip()
        except OSError as exc:
            raise BuildError(f"setting admin_ssh_key: cannot read {key}: {exc.strerror}") from None
        if not re.match(r"(ssh-(ed25519|rsa)|ecdsa-sha2-nistp\d+) [A-Za-z0-9+/=]+", text):
            raise BuildError(f"setting admin_ssh_key: {key} is not an SSH public key")

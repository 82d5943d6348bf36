"""One settings object: where the database and FreeSWITCH live, and how to reach it.

Values come from the environment (CCCTL_*) so that a box, a test and a provider's script
can each point ccctl somewhere else without a config file.
"""

from __future__ import annotations

import ipaddress
import os
import re
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from ccctl.errors import InvalidInput

FS_DEPLOY_VALUES = ("auto", "off")
_PORTS = ("esl_port", "sip_internal_port", "sip_external_port", "rtp_start", "rtp_end")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _default_db_path() -> Path:
    if os.geteuid() == 0:
        return Path("/var/lib/ccctl/ccctl.db")
    from platformdirs import user_data_dir

    return Path(user_data_dir("ccctl")) / "ccctl.db"


@dataclass(frozen=True)
class Settings:
    """Where things are. Paths default to the Debian package layout of FreeSWITCH."""

    db: str = field(default_factory=lambda: str(_default_db_path()))
    fs_conf_dir: Path = Path("/etc/freeswitch")
    fs_sounds_dir: Path = Path("/usr/share/freeswitch/sounds")
    fs_recordings_dir: Path = Path("/var/lib/freeswitch/recordings")
    fs_cdr_dir: Path = Path("/var/log/freeswitch/json_cdr")
    """Where FreeSWITCH writes its own CDR (mod_json_cdr), which the daemon reconciles from."""
    spool_dir: Path = Path("/var/spool/ccctl")
    """The daemon's event logs and webhook deliveries waiting to be sent."""
    esl_host: str = "127.0.0.1"
    esl_port: int = 8021
    sip_ip: str = "127.0.0.1"
    sip_internal_port: int = 5060
    sip_external_port: int = 5080
    rtp_start: int = 16384
    rtp_end: int = 32768
    node: str = "local"
    max_sessions: int = 0
    """FreeSWITCH's cap on channels at once (a call is two). 0: sized for the box (see session_limits)."""
    sessions_per_second: int = 0
    """FreeSWITCH's cap on new channels a second. 0: sized for the box. The per-tenant call caps
    are the real limit; this only stops a flood from starving calls already up."""
    watchdog_interval: int = 10
    """Seconds between the daemon's stuck-agent checks (0: no watchdog)."""
    watchdog_unregistered: int = 120
    """Seconds an Available agent may stay unregistered before the watchdog logs it out."""
    fs_deploy: str = "auto"
    """auto: every write renders the tree into fs_conf_dir and reloads FreeSWITCH; off: database only."""

    ENV_PREFIX = "CCCTL_"

    def __post_init__(self):
        def bad(name: str, why: str):
            raise InvalidInput(f"{self.ENV_PREFIX}{name.upper()}={getattr(self, name)}: {why}")

        if not is_loopback(self.esl_host):
            # The Event Socket controls everything on the box: never on a network interface.
            bad("esl_host", "the Event Socket listens on loopback only (127.0.0.1, ::1 or localhost)")
        for name in _PORTS:
            value = getattr(self, name)
            if not isinstance(value, int) or not 1 <= value <= 65535:
                bad(name, "a port is a number from 1 to 65535")
        if self.rtp_start >= self.rtp_end:
            bad("rtp_start", f"must be below CCCTL_RTP_END ({self.rtp_end})")
        try:
            ipaddress.ip_address(self.sip_ip)
        except ValueError:
            bad("sip_ip", "an IPv4 or IPv6 address, like 192.0.2.10")
        if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,62}", self.node):
            bad("node", "a node name is lowercase letters, digits, '-' or '_'")
        if self.fs_deploy not in FS_DEPLOY_VALUES:
            bad("fs_deploy", f"one of {', '.join(FS_DEPLOY_VALUES)}")
        if not str(self.db).strip():
            bad("db", "a database path or URL")

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> "Settings":
        env = os.environ if env is None else env
        values = {}
        for f in fields(cls):
            raw = env.get(cls.ENV_PREFIX + f.name.upper())
            if raw is None:
                continue
            if f.type in ("int", int):
                try:
                    values[f.name] = int(raw)
                except ValueError:
                    raise InvalidInput(f"{cls.ENV_PREFIX}{f.name.upper()}={raw}: not a number") from None
            elif f.type in ("Path", Path):
                values[f.name] = Path(raw)
            else:
                values[f.name] = raw
        return cls(**values)

    def with_(self, **changes) -> "Settings":
        return replace(self, **changes)

    @property
    def db_url(self) -> str:
        if "://" in self.db:
            return self.db
        return f"sqlite:///{self.db}"

    def session_limits(self) -> tuple[int, int]:
        """(max-sessions, sessions-per-second): the settings, or sized for this box's cores.

        One core carries about 120 new channels a second of this call path (bench/calls), so
        the rate cap sits above that; every channel needs an RTP and an RTCP port."""
        cores = os.cpu_count() or 1
        ports = max((self.rtp_end - self.rtp_start) // 2, 1)
        return (self.max_sessions or min(1000 * cores, ports), self.sessions_per_second or 200 * cores)

    def as_dict(self) -> dict:
        return {f.name: str(getattr(self, f.name)) if isinstance(getattr(self, f.name), Path)
                else getattr(self, f.name) for f in fields(self)}

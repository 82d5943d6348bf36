"""One settings object: where the database and FreeSWITCH live, and how to reach it.

Values come from the environment (CCCTL_*) so that a box, a test and a provider's script
can each point ccctl somewhere else without a config file. Only `Settings.from_env()` reads
the environment: `Settings(db=...)` is exactly what it is given, over the defaults (a test
never picks up a CCCTL_ variable of the shell that runs it). Every field is documented by
its description; the README's settings table is made from them (`settings_table()`).
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from ccctl.errors import InvalidInput

FS_DEPLOY_VALUES = ("auto", "off")
_PORTS = ("esl_port", "sip_internal_port", "sip_external_port", "sip_wss_port", "rtp_start", "rtp_end", "web_port")
ENV_PREFIX = "CCCTL_"
CHANNELS_PER_CORE = 250
"""FreeSWITCH's channels at once per core by default (measured: see Settings.session_limits)."""
NEW_CHANNELS_PER_CORE = 100
"""FreeSWITCH's new channels a second per core by default."""


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _host_port(value: str) -> tuple[str, int] | None:
    """('192.0.2.1', 9464) of '192.0.2.1:9464' (or '[::1]:9464'), None when it is not IP:PORT."""
    m = re.fullmatch(r"\[?([0-9A-Fa-f:.]+)\]?:(\d{1,5})", value)
    if m is None or not 1 <= int(m.group(2)) <= 65535:
        return None
    try:
        ipaddress.ip_address(m.group(1))
    except ValueError:
        return None
    return m.group(1), int(m.group(2))


def default_db_path() -> Path:
    if os.geteuid() == 0:
        return Path("/var/lib/ccctl/ccctl.db")
    from platformdirs import user_data_dir

    return Path(user_data_dir("ccctl")) / "ccctl.db"


def env_name(field: str) -> str:
    return ENV_PREFIX + field.upper()


class Environment(PydanticBaseSettingsSource):
    """The CCCTL_NAME variables of ENV (os.environ when None), one per field, as given."""

    def __init__(self, settings_cls: type[BaseSettings], env: Mapping[str, str] | None = None):
        super().__init__(settings_cls)
        self.env = os.environ if env is None else env

    def get_field_value(self, field, field_name: str) -> tuple[Any, str, bool]:
        return self.env.get(env_name(field_name)), field_name, False

    def __call__(self) -> dict[str, Any]:
        values = {}
        for name, field in self.settings_cls.model_fields.items():
            raw, _, _ = self.get_field_value(field, name)
            if raw is not None:
                values[name] = raw
        return values


class Settings(BaseSettings):
    """Where things are. Paths default to the Debian package layout of FreeSWITCH."""

    model_config = SettingsConfigDict(frozen=True, extra="forbid", validate_default=False, env_prefix=ENV_PREFIX)

    ENV_PREFIX: ClassVar[str] = ENV_PREFIX

    db: str = Field(
        default_factory=lambda: str(default_db_path()),
        description="The database: a SQLite file path or an SQLAlchemy URL (postgresql+psycopg://user:pw@127.0.0.1/ccctl). Default: /var/lib/ccctl/ccctl.db as root, else the user's data folder.",
    )
    fs_conf_dir: Path = Field(
        Path("/etc/freeswitch"),
        description="The FreeSWITCH configuration tree ccctl renders; a directory (or not there yet): ccctl never replaces a file there.",
    )
    fs_sounds_dir: Path = Field(
        Path("/usr/share/freeswitch/sounds"), description="Where generated prompts and music on hold go."
    )
    fs_recordings_dir: Path = Field(
        Path("/var/lib/freeswitch/recordings"),
        description="Where FreeSWITCH writes call recordings (one folder per tenant).",
    )
    fs_cdr_dir: Path = Field(
        Path("/var/log/freeswitch/json_cdr"),
        description="Where FreeSWITCH writes its own CDR (mod_json_cdr), which the daemon reconciles from.",
    )
    fs_log_dir: Path = Field(
        Path("/var/log/freeswitch"), description="FreeSWITCH's log folder, whose recent errors the health screen shows."
    )
    spool_dir: Path = Field(
        Path("/var/spool/ccctl"), description="The daemon's event logs and webhook deliveries waiting to be sent."
    )
    esl_host: str = Field(
        "127.0.0.1",
        description="The Event Socket's address: loopback only (127.0.0.1, ::1 or localhost), anything else is refused.",
    )
    esl_port: int = Field(8021, description="The Event Socket's port.")
    sip_ip: str = Field("127.0.0.1", description="The address FreeSWITCH's SIP profiles listen on.")
    sip_internal_port: int = Field(5060, description="The SIP port seats register on (the internal profile).")
    sip_external_port: int = Field(5080, description="The SIP port of trunks (the external profile).")
    sip_wss_port: int = Field(
        7443,
        description="The SIP over secure WebSocket port of the internal profile: the agent page's WebRTC phone registers there.",
    )
    rtp_start: int = Field(16384, description="The first RTP port.")
    rtp_end: int = Field(32768, description="The last RTP port.")
    node: str = Field(
        "local",
        description="This box's name in call rows (lowercase letters, digits, '-' or '_'); in a fleet, the node (ccctl node list) whose tenants it renders and serves.",
    )
    max_sessions: int = Field(
        0,
        description="FreeSWITCH's cap on channels at once (a call is two). 0: sized for the box, 250 a core (the measured ceiling), never more than RTP port pairs.",
    )
    sessions_per_second: int = Field(
        0,
        description="FreeSWITCH's cap on new channels a second. 0: sized for the box, 100 a core (the measured ceiling). The per-tenant call caps share out what is below; this stops a burst from slowing every call already up.",
    )
    watchdog_interval: int = Field(10, description="Seconds between the daemon's stuck-agent checks (0: no watchdog).")
    watchdog_unregistered: int = Field(
        120, description="Seconds an Available agent may stay unregistered before the watchdog logs it out."
    )
    manage_address: str = Field(
        "127.0.0.1:9464",
        description="HOST:PORT where the daemon serves its management endpoints over HTTP: Prometheus metrics (/metrics) and, in a fleet, this node's recording files to peers that sign with the fleet's key (/recording). Loopback by default; a node of a fleet sets its management network's address so peers can fetch recordings. Empty: none.",
    )
    fs_deploy: str = Field(
        "auto",
        description="auto: every write renders the tree into fs_conf_dir and reloads FreeSWITCH; off: database only.",
    )
    root: Path = Field(
        Path("/"),
        description="The file system the first-boot setup (cctui's wizard) changes: host name, admin SSH keys, time zone, the setup-complete marker. / on a box; a scratch folder elsewhere.",
    )
    admin_user: str = Field(
        "admin",
        description="The administrator who logs in over SSH (the image's base__admin_user): the wizard's SSH key goes to its ~/.ssh/authorized_keys.",
    )
    sysfs_root: Path = Field(
        Path("/sys"),
        description="The sysfs `ccctl hardware detect` reads the PCI and USB buses from (a rescue system or a test points elsewhere).",
    )
    dahdi_dir: Path = Field(
        Path("/etc/dahdi"),
        description="Where `ccctl hardware apply` writes DAHDI's system.conf, assigned-spans.conf and span-types.conf.",
    )
    modules_load_dir: Path = Field(
        Path("/etc/modules-load.d"),
        description="Where `ccctl hardware apply` writes ccctl-dahdi.conf, the voice cards' kernel modules loaded at boot.",
    )
    proc_dahdi: Path = Field(
        Path("/proc/dahdi"),
        description="DAHDI's per-span status files `ccctl hardware status` reads (a test points elsewhere).",
    )
    hardware_dir: Path | None = Field(
        None,
        description="The voice-card profiles folder. Unset: hardware/profiles beside the package, else /usr/share/ccctl/hardware/profiles.",
    )
    webhook_allow_hosts: str = Field(
        "",
        description="Hosts (comma-separated) tenants' webhooks may reach although they are this box, loopback or link-local; unset: none.",
    )
    web_host: str = Field("0.0.0.0", description="The address the web service (`ccctl web serve`) listens on.")
    web_port: int = Field(443, description="The web service's HTTPS port.")
    web_cert: Path = Field(
        Path("/var/lib/freeswitch/certs/wss.pem"),
        description="The web service's certificate: one PEM file with the key and the certificate (first boot makes this one for FreeSWITCH's WSS too).",
    )
    debug: bool = Field(
        False, description="On (1, true): an unexpected error shows its Python traceback instead of one line."
    )

    def __init__(self, **values: Any):
        try:
            super().__init__(**values)
        except ValidationError as exc:
            raise _one_line(exc, values) from None

    @classmethod
    def settings_customise_sources(
        cls, settings_cls, init_settings, env_settings, dotenv_settings, file_secret_settings
    ):
        return (init_settings,)  # the environment only through from_env()

    @field_validator("hardware_dir", mode="before")
    @classmethod
    def _unset_when_empty(cls, v):
        return None if v == "" else v

    @field_validator("debug", mode="before")
    @classmethod
    def _switch(cls, v):
        if isinstance(v, str):
            return v.strip().lower() not in ("", "0", "false", "no", "off")
        return v

    @model_validator(mode="after")
    def _check(self):
        def bad(name: str, why: str):
            raise InvalidInput(f"{env_name(name)}={getattr(self, name)}: {why}")

        if not is_loopback(self.esl_host):
            # The Event Socket controls everything on the box: never on a network interface.
            bad("esl_host", "the Event Socket listens on loopback only (127.0.0.1, ::1 or localhost)")
        for name in _PORTS:
            value = getattr(self, name)
            if not isinstance(value, int) or not 1 <= value <= 65535:
                bad(name, "a port is a number from 1 to 65535")
        if self.rtp_start >= self.rtp_end:
            bad("rtp_start", f"must be below {env_name('rtp_end')} ({self.rtp_end})")
        try:
            ipaddress.ip_address(self.sip_ip)
        except ValueError:
            bad("sip_ip", "an IPv4 or IPv6 address, like 192.0.2.10")
        if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,62}", self.node):
            bad("node", "a node name is lowercase letters, digits, '-' or '_'")
        if self.manage_address and not _host_port(self.manage_address):
            bad("manage_address", "IP:PORT like 127.0.0.1:9464 ([::1]:9464 for IPv6), or empty for none")
        if self.fs_deploy not in FS_DEPLOY_VALUES:
            bad("fs_deploy", f"one of {', '.join(FS_DEPLOY_VALUES)}")
        if not str(self.db).strip():
            bad("db", "a database path or URL")
        return self

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """The CCCTL_* variables of ENV (default: the process environment) over the defaults."""
        return cls(**Environment(cls, env)())

    def with_(self, **changes) -> Settings:
        """A copy with CHANGES, checked as the original was."""
        return type(self)(**{**{name: getattr(self, name) for name in type(self).model_fields}, **changes})

    @property
    def webhook_hosts(self) -> tuple[str, ...]:
        return tuple(h.strip() for h in self.webhook_allow_hosts.split(",") if h.strip())

    @property
    def db_url(self) -> str:
        if "://" in self.db:
            return self.db
        return f"sqlite:///{self.db}"

    @property
    def manage_endpoint(self) -> tuple[str, int] | None:
        """(host, port) of the daemon's management service, None when it has none."""
        return _host_port(self.manage_address) if self.manage_address else None

    def session_limits(self) -> tuple[int, int]:
        """(max-sessions, sessions-per-second): the settings, or the ceilings measured per core.

        bench/calls.py --climb on 2 cores (its load generators beside FreeSWITCH): 200 new calls
        a second and 500 concurrent echo channels before INVITE -> 200 p95 passed 2 s (600:
        4.4 s for every caller). Capped there, a call past the ceiling is refused at once
        instead of slowing every call up; the tenants' call caps share out what is below.
        Every channel needs an RTP and an RTCP port."""
        cores = os.cpu_count() or 1
        ports = max((self.rtp_end - self.rtp_start) // 2, 1)
        return (
            self.max_sessions or min(CHANNELS_PER_CORE * cores, ports),
            self.sessions_per_second or NEW_CHANNELS_PER_CORE * cores,
        )

    def as_dict(self) -> dict:
        return {
            name: str(value) if isinstance(value, Path) else value
            for name, value in ((n, getattr(self, n)) for n in type(self).model_fields)
        }


_KIND_WORDS = {
    "int_parsing": "not a number",
    "int_from_float": "not a whole number",
    "bool_parsing": "not a yes/no value (1, 0, true, false)",
    "extra_forbidden": "not a setting",
}


def _one_line(exc: ValidationError, values: Mapping[str, Any]) -> InvalidInput:
    """Pydantic's report of a value of the wrong kind -> one line naming the variable."""
    err = exc.errors()[0]
    name = str(err["loc"][0]) if err["loc"] else "?"
    raw = values.get(name, err.get("input"))
    why = _KIND_WORDS.get(err["type"]) or str(err.get("ctx", {}).get("error") or err["msg"])
    return InvalidInput(f"{env_name(name)}={raw}: {why}")


def settings_table() -> str:
    """The README's settings table: every field of Settings, its variable, default and meaning."""
    lines = ["| Variable | Default | Meaning |", "|---|---|---|"]
    for name, field in Settings.model_fields.items():
        if field.default_factory is not None:
            default = "(see meaning)"
        elif field.default is None:
            default = "(unset)"
        else:
            default = f"`{str(field.default).lower() if isinstance(field.default, bool) else field.default}`"
        lines.append(f"| `{env_name(name)}` | {default} | {(field.description or '').replace('|', '/')} |")
    return "\n".join(lines)

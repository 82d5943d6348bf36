"""freeswitch.xml and the configuration every box has, whatever its tenants."""

from __future__ import annotations

from pathlib import Path

from ccctl.media.prompts import MOH_DIR
from ccctl.render.xml import configuration, el, include, param, params, preprocess
from ccctl.settings import Settings

MODULES = (
    "mod_console",
    "mod_logfile",
    "mod_event_socket",
    "mod_sofia",
    "mod_loopback",
    "mod_commands",
    "mod_dptools",
    "mod_db",
    "mod_hash",
    "mod_expr",
    "mod_dialplan_xml",
    "mod_callcenter",
    "mod_sndfile",
    "mod_native_file",
    "mod_local_stream",
    "mod_tone_stream",
    "mod_say_en",
    "mod_json_cdr",
)
"""Loaded in this order. Nothing optional: every module here is in FreeSWITCH's default build
plus mod_callcenter, so a box never logs a missing-module error at start."""


def freeswitch_xml() -> bytes:
    root = el(
        "document",
        {"type": "freeswitch/xml"},
        preprocess("include", "vars.xml"),
        el(
            "section",
            {"name": "configuration", "description": "Modules"},
            preprocess("include", "autoload_configs/*.xml"),
        ),
        el(
            "section",
            {"name": "dialplan", "description": "Per-tenant contexts"},
            preprocess("include", "dialplan/*.xml"),
        ),
        el(
            "section",
            {"name": "directory", "description": "One domain per tenant"},
            preprocess("include", "directory/*.xml"),
        ),
    )
    return root


CHANNEL_DEFAULTS = {
    # Every bridge in the tree wants both; as globals they cost no dialplan action per call
    # (a channel variable that is not set falls back to the global of the same name).
    "hangup_after_bridge": "true",
    "continue_on_fail": "true",
    # Seats and agents' legs carry the tenant and queue for reporting.
    "export_vars": "ccctl_tenant",
    "cc_export_vars": "ccctl_tenant,ccctl_queue",
    # Each recording is written by its call's own media thread. FreeSWITCH's default hands the
    # audio to a writer thread per recording through a buffer with no bound
    # (switch_ivr_async.c); on a busy box those low-priority threads fall behind, the backlog
    # held about 100 MB, and 751 of 8,431 recordings of a one-hour soak lost up to 56 s of
    # their end when the call hung up. Written inline: none truncated, 155 fewer threads, RSS
    # 267 MB instead of 346 MB at minute 10 (bench/soak.py). A write goes to the page cache;
    # a recordings folder on a store that can stall (NFS) would stall that call's audio.
    "RECORD_USE_THREAD": "false",
}
"""Channel variables every call has. No value may contain `${`: FreeSWITCH stores a global's
`${` as `%{` (switch_core_set_variable), so hooks that expand at hangup are set per call."""


def vars_xml(settings: Settings) -> object:
    values = {
        "ccctl_node": settings.node,
        "ccctl_sip_ip": settings.sip_ip,
        "internal_sip_port": str(settings.sip_internal_port),
        "external_sip_port": str(settings.sip_external_port),
        "internal_wss_port": str(settings.sip_wss_port),
        "global_codec_prefs": "PCMU,PCMA",
        "outbound_codec_prefs": "PCMU,PCMA",
        "console_loglevel": "info",
        "use_profile": "internal",
        **CHANNEL_DEFAULTS,
    }
    return include(*[preprocess("set", f"{k}={v}") for k, v in values.items()])


def modules_conf(extra: tuple[str, ...] = ()) -> object:
    """EXTRA: modules only some boxes load (mod_freetdm, with voice cards)."""
    return configuration(
        "modules.conf", "Modules", el("modules", None, [el("load", module=m) for m in MODULES + extra])
    )


def switch_conf(settings: Settings) -> object:
    max_sessions, per_second = settings.session_limits()
    return configuration(
        "switch.conf",
        "Core",
        params(
            "settings",
            {
                "colorize-console": "false",
                "max-sessions": str(max_sessions),
                "sessions-per-second": str(per_second),
                "loglevel": "info",
                "rtp-start-port": str(settings.rtp_start),
                "rtp-end-port": str(settings.rtp_end),
                "dump-cores": "no",
                "rtp-enable-zrtp": "false",
            },
        ),
    )


def console_conf() -> object:
    return configuration(
        "console.conf",
        "Console",
        el("mappings", None, el("map", name="all", value="console,debug,info,notice,warning,err,crit,alert")),
        params("settings", {"colorize": "false", "loglevel": "$${console_loglevel}"}),
    )


def logfile_conf() -> object:
    return configuration(
        "logfile.conf",
        "Log file",
        params("settings", {"rotate-on-hup": "true"}),
        el(
            "profiles",
            None,
            el(
                "profile",
                {"name": "default"},
                params(
                    "settings",
                    {"logfile": "$${log_dir}/freeswitch.log", "rollover": "10485760", "maximum-rotate": "10"},
                ),
                el("mappings", None, el("map", name="all", value="debug,info,notice,warning,err,crit,alert")),
            ),
        ),
    )


def event_socket_conf(settings: Settings, password: str) -> object:
    # Loopback only, whatever else the box listens on: the Event Socket controls everything.
    return configuration(
        "event_socket.conf",
        "Event Socket",
        params(
            "settings",
            {
                "nat-map": "false",
                "listen-ip": settings.esl_host,
                "listen-port": str(settings.esl_port),
                "password": password,
                "apply-inbound-acl": "loopback.auto",
                "stop-on-bind-error": "true",
            },
        ),
    )


EDGE_ACL = "ccctl-edge"


def acl_conf(edge: str | None = None) -> object:
    lists = [
        el(
            "list",
            {"name": "ccctl-loopback", "default": "deny"},
            el("node", type="allow", cidr="127.0.0.0/8"),
            el("node", type="allow", cidr="::1/128"),
        )
    ]
    if edge:  # a fleet node: the one address carriers' calls may come from
        host = edge.rsplit(":", 1)[0].strip("[]")
        bits = 128 if ":" in host else 32
        lists.append(el("list", {"name": EDGE_ACL, "default": "deny"}, el("node", type="allow", cidr=f"{host}/{bits}")))
    return configuration("acl.conf", "Network lists", el("network-lists", None, *lists))


def db_conf() -> object:
    return configuration("db.conf", "mod_db", params("settings", {}))


def hash_conf() -> object:
    return configuration("hash.conf", "mod_hash", el("remotes", None))


def local_stream_conf(moh: list[str]) -> object:
    return configuration(
        "local_stream.conf",
        "Music on hold",
        *[
            el(
                "directory",
                {"name": name, "path": f"$${{sounds_dir}}/{MOH_DIR}/{name}"},
                param("rate", "8000"),
                param("shuffle", "true"),
                param("channels", "1"),
                param("interval", "20"),
                param("timer-name", "soft"),
            )
            for name in moh
        ],
    )


def _posix_tz(zone: str) -> str:
    """The POSIX TZ rule at the end of a TZif file: what FreeSWITCH's timezones.conf wants."""
    for base in ("/usr/share/zoneinfo", "/usr/lib/python3/dist-packages/tzdata/zoneinfo"):
        p = Path(base) / zone
        if p.is_file():
            data = p.read_bytes()
            tail = data.rstrip(b"\n").rsplit(b"\n", 1)
            if len(tail) == 2 and data.startswith(b"TZif"):
                return tail[1].decode("ascii")
    import zoneinfo  # noqa: F401  (tzdata from PyPI as the last resort)
    from importlib import resources

    try:
        data = resources.files("tzdata.zoneinfo").joinpath(*zone.split("/")).read_bytes()
        return data.rstrip(b"\n").rsplit(b"\n", 1)[1].decode("ascii")
    except Exception:
        return "UTC0"


def timezones_conf(zones: list[str]) -> object:
    return configuration(
        "timezones.conf",
        "Time zones of tenants (business hours are evaluated in them)",
        el("timezones", None, [el("zone", name=z, value=_posix_tz(z)) for z in zones]),
    )


def json_cdr_conf(settings: Settings) -> object:
    # FreeSWITCH's own record of every call, on disk: what the daemon reconciles from after
    # a gap. Plain JSON values, caller legs only (agent legs are part of their caller's row).
    return configuration(
        "json_cdr.conf",
        "CDR files",
        params(
            "settings",
            {
                "log-dir": str(settings.fs_cdr_dir),
                "log-b-leg": "false",
                "prefix-a-leg": "false",
                "encode-values": "false",
                "rotate": "false",
            },
        ),
    )

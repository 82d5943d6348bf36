"""The Kamailio edge: its configuration file, and what it reads from the fleet's PostgreSQL.

Kamailio reads ccctl's own rows through views, so nothing is copied and nothing drifts:
  edge_subscriber  one row per seat of a homed tenant: username, domain, HA1 (and HA1b) of
                   EXTENSION:DOMAIN:PASSWORD, what auth_db checks a REGISTER against;
  edge_dispatcher  two dispatcher sets per node that is not down: 2*id its seats' side
                   (FreeSWITCH's internal profile), 2*id+1 its carriers' side (external);
  edge_route       the htable `routes`: did:NUMBER -> the carriers' set of the tenant's node,
                   dom:DOMAIN -> its seats' set; tdid:NUMBER and tdom:DOMAIN -> the tenant's
                   name, cap:TENANT -> its call cap (call_limit, when not 0): the edge counts
                   each tenant's calls in a dialog profile and refuses one over its cap with
                   486, whichever node serves the tenant (the fleet-wide cap).
`location` (usrloc) and `version` are Kamailio's own tables, made here from its schema.
The views repeat one rule of the site schema in SQL: a tenant's SIP domain is its `domain`,
else NAME.cc.local (ccctl.config.spec.sip_domain); tests/fleet checks them against it.

A change reaches Kamailio when the edge's follower (`ccctl edge follow`) hears a generation
announced (ccctl/fleet/notify.py) and reloads the routes and the dispatcher sets.
"""

from __future__ import annotations

import logging
import re
import subprocess
import threading
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url

from ccctl.errors import CcError, InvalidInput

log = logging.getLogger("ccctl.fleet")
KAMAILIO_VERSION = "5.6"
MODULE_DIR = "/usr/lib/x86_64-linux-gnu/kamailio/modules"
_DOMAIN = "COALESCE(t.domain, t.name || '.cc.local')"

_KAMAILIO_TABLES = [
    """CREATE TABLE IF NOT EXISTS version (
    id SERIAL PRIMARY KEY NOT NULL,
    table_name VARCHAR(32) NOT NULL,
    table_version INTEGER DEFAULT 0 NOT NULL,
    CONSTRAINT version_table_name_idx UNIQUE (table_name))""",
    """CREATE TABLE IF NOT EXISTS location (
    id SERIAL PRIMARY KEY NOT NULL,
    ruid VARCHAR(64) DEFAULT '' NOT NULL,
    username VARCHAR(64) DEFAULT '' NOT NULL,
    domain VARCHAR(64) DEFAULT NULL,
    contact VARCHAR(512) DEFAULT '' NOT NULL,
    received VARCHAR(128) DEFAULT NULL,
    path VARCHAR(512) DEFAULT NULL,
    expires TIMESTAMP WITHOUT TIME ZONE DEFAULT '2030-05-28 21:32:15' NOT NULL,
    q REAL DEFAULT 1.0 NOT NULL,
    callid VARCHAR(255) DEFAULT 'Default-Call-ID' NOT NULL,
    cseq INTEGER DEFAULT 1 NOT NULL,
    last_modified TIMESTAMP WITHOUT TIME ZONE DEFAULT '2000-01-01 00:00:01' NOT NULL,
    flags INTEGER DEFAULT 0 NOT NULL,
    cflags INTEGER DEFAULT 0 NOT NULL,
    user_agent VARCHAR(255) DEFAULT '' NOT NULL,
    socket VARCHAR(64) DEFAULT NULL,
    methods INTEGER DEFAULT NULL,
    instance VARCHAR(255) DEFAULT NULL,
    reg_id INTEGER DEFAULT 0 NOT NULL,
    server_id INTEGER DEFAULT 0 NOT NULL,
    connection_id INTEGER DEFAULT 0 NOT NULL,
    keepalive INTEGER DEFAULT 0 NOT NULL,
    partition INTEGER DEFAULT 0 NOT NULL,
    CONSTRAINT location_ruid_idx UNIQUE (ruid))""",
    "CREATE INDEX IF NOT EXISTS location_account_contact_idx ON location (username, domain, contact)",
    "CREATE INDEX IF NOT EXISTS location_expires_idx ON location (expires)",
]

_VIEWS = {
    "edge_subscriber": f"""SELECT s.id, s.extension AS username, {_DOMAIN} AS domain,
    md5(s.extension || ':' || {_DOMAIN} || ':' || s.password) AS ha1,
    md5(s.extension || '@' || {_DOMAIN} || ':' || {_DOMAIN} || ':' || s.password) AS ha1b
    FROM seat s JOIN tenant t ON t.id = s.tenant_id WHERE t.home_node IS NOT NULL""",
    "edge_dispatcher": """SELECT id * 2 AS id, id * 2 AS setid, 'sip:' || sip_address AS destination,
    0 AS flags, 0 AS priority, ''::varchar AS attrs, name AS description FROM node WHERE state <> 'down'
    UNION ALL SELECT id * 2 + 1, id * 2 + 1, 'sip:' || trunk_address, 0, 0, '', name
    FROM node WHERE state <> 'down'""",
    "edge_route": f"""SELECT 'dom:' || {_DOMAIN} AS key_name, 0 AS key_type, 1 AS value_type,
    (n.id * 2)::varchar AS key_value, 0 AS expires FROM tenant t JOIN node n ON n.name = t.home_node
    UNION ALL SELECT 'did:' || x.number, 0, 1, (n.id * 2 + 1)::varchar, 0
    FROM number x JOIN tenant t ON t.id = x.tenant_id JOIN node n ON n.name = t.home_node
    UNION ALL SELECT 'tdom:' || {_DOMAIN}, 0, 0, t.name, 0 FROM tenant t WHERE t.home_node IS NOT NULL
    UNION ALL SELECT 'tdid:' || x.number, 0, 0, t.name, 0
    FROM number x JOIN tenant t ON t.id = x.tenant_id WHERE t.home_node IS NOT NULL
    UNION ALL SELECT 'cap:' || t.name, 0, 1, t.call_limit::varchar, 0
    FROM tenant t WHERE t.home_node IS NOT NULL AND t.call_limit > 0""",
}
# htable's value_type: 1 an integer (the dispatcher sets, the caps), 0 a string (tenant names).
_VERSIONS = {"version": 1, "location": 9, "edge_subscriber": 7, "edge_dispatcher": 4, "edge_route": 2}
"""The table versions Kamailio 5.6's modules check before they start."""


def setup_schema(engine: Engine) -> None:
    """Make (or bring up to date) what Kamailio reads: idempotent, PostgreSQL only."""
    if engine.dialect.name != "postgresql":
        raise InvalidInput("the edge needs the fleet's PostgreSQL database (CCCTL_DB=postgresql+psycopg://...)")
    with engine.begin() as conn:
        for ddl in _KAMAILIO_TABLES:
            conn.execute(text(ddl))
        for name, select in _VIEWS.items():
            conn.execute(text(f"CREATE OR REPLACE VIEW {name} AS {select}"))
        for name, version in _VERSIONS.items():
            conn.execute(
                text(
                    "INSERT INTO version (table_name, table_version) VALUES (:n, :v) "
                    "ON CONFLICT (table_name) DO UPDATE SET table_version = :v"
                ),
                {"n": name, "v": version},
            )


# --- the configuration file ---------------------------------------------------------------


@dataclass(frozen=True)
class EdgeConfig:
    listen: str
    """IP:PORT Kamailio listens on (UDP): the one address phones and carriers know."""
    db_url: str
    """The fleet's database (SQLAlchemy URL); Kamailio gets it as postgres://..."""
    ctl_socket: Path = Path("/run/kamailio/kamailio_ctl")
    aliases: tuple[str, ...] = ()
    children: int = 4
    debug: int = 2
    log_stderr: bool = False
    module_dir: str = MODULE_DIR
    pike_density: int = 400
    """Requests a source may send per sampling unit before it is banned: a flood's limit, high
    enough for an office of a hundred phones behind one address registering within a second
    (two requests each, twice over) and a carrier's trunk at 60 calls a second (INVITE, ACK,
    BYE)."""
    pike_unit: int = 2
    ban_seconds: int = 300
    auth_window: int = 600
    account_failures: int = 10
    """Failed authentications for one account from one address (in auth_window) before that
    account is refused from it."""
    address_failures: int = 30
    """Failed authentications from one address, across accounts, before it is banned."""
    ping_interval: int = 5
    max_expires: int = 3600
    dialog_ka_interval: int = 30
    """Seconds between the edge's in-dialog OPTIONS to a call's node (a dead node's calls end)."""


_SAFE = re.compile(r"[^\"\n\r\\]*")


def kamailio_db_url(url: str) -> str:
    u = make_url(url)
    if u.get_backend_name() != "postgresql":
        raise InvalidInput("the edge needs the fleet's PostgreSQL database (CCCTL_DB=postgresql+psycopg://...)")
    auth = f"{u.username}:{u.password}@" if u.password else (f"{u.username}@" if u.username else "")
    return f"postgres://{auth}{u.host or '127.0.0.1'}:{u.port or 5432}/{u.database}"


@lru_cache(maxsize=None)
def _environment():
    import jinja2

    # A configuration file, not markup: no escaping; every value is checked before (render_cfg).
    return jinja2.Environment(
        loader=jinja2.PackageLoader("ccctl.fleet", "templates"),
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )


def render_cfg(cfg: EdgeConfig) -> str:
    """kamailio.cfg for CFG (it holds the database password: write it 0640, root:kamailio)."""
    from ccctl.fleet.nodes import check_address

    check_address("edge listen address", cfg.listen)
    db_url = kamailio_db_url(cfg.db_url)
    for value in (db_url, str(cfg.ctl_socket), cfg.module_dir, *cfg.aliases):
        if not _SAFE.fullmatch(value):
            raise InvalidInput(f"{value!r} cannot go into kamailio.cfg (quotes, backslashes or line breaks)")
    host = cfg.listen.rsplit(":", 1)[0]
    return (
        _environment()
        .get_template("kamailio.cfg.j2")
        .render(**{**cfg.__dict__, "db_url": db_url, "listen_host": host, "version": KAMAILIO_VERSION})
    )


# --- following the fleet ------------------------------------------------------------------


def reload(ctl_socket: Path, kamcmd: str = "kamcmd") -> None:
    """Kamailio re-reads the routes and the dispatcher sets (after a move, a new number or node)."""
    for command in (["htable.reload", "routes"], ["dispatcher.reload"]):
        for attempt in range(10):
            done = subprocess.run(
                [kamcmd, "-s", f"unix:{ctl_socket}", *command], capture_output=True, text=True, timeout=10
            )
            # kamcmd exits 0 on an RPC fault too, printing "error: CODE - REASON": the dispatcher
            # refuses a reload within 5 s of the last ("Ongoing reload"), and this one must
            # still run after it, or the newest rows are never read.
            if done.returncode == 0 and not done.stdout.lstrip().startswith("error:"):
                break
            time.sleep(0.2 * (attempt + 1))
        else:
            raise CcError(f"kamcmd {' '.join(command)}: {(done.stderr or done.stdout).strip() or done.returncode}")


def follow(db_url: str, ctl_socket: Path, stop: threading.Event, kamcmd: str = "kamcmd"):
    """Reload Kamailio at every generation announced; returns the running listener."""
    from ccctl.fleet.notify import GenerationListener

    def reloaded(generation: int | None) -> None:
        reload(ctl_socket, kamcmd)
        log.info("kamailio reloaded its routes and dispatcher sets (generation %s)", generation or "-")

    listener = GenerationListener(db_url, reloaded, stop=stop)
    listener.start()
    return listener

"""A single box joining a fleet (`ccctl fleet join DSN --node NAME`), in one command.

Checks first, each refusing with nothing done: the box is a single box (SQLite, no nodes), it
has no voice cards (hardware of one machine; the fleet has no place for them yet), the fleet's
database answers, its schema revision is this box's (an older or newer one is refused with
both named: ccctl never migrates a fleet from a joining box), the node name and the box's
tenant names, identities, numbers, domains and web logins are free there.

Then one PostgreSQL transaction, under the configuration lock: a node row for this box, every
row of the box (carry.py) homed on it, the tenants' webhook secrets, this box's Event Socket
password as the node's own, and a new generation announced. Before the commit the node's
FreeSWITCH tree is rendered from the fleet's rows and compared with the one the box renders:
when they are the same (no edge yet, the node's name the box's CCCTL_NODE) the generation is
recorded as deployed on the node, so its daemon finds nothing to do and FreeSWITCH is never
touched; otherwise the daemon pushes the difference (a reload, never a restart).

Last, the box's settings file (/etc/default/ccctl.local, sourced after /etc/default/ccctl by
the `ccctl` wrapper every unit runs) gets CCCTL_DB and CCCTL_NODE, and the daemon is restarted
to come up as the node's (fleet/member.py). Calls in progress are FreeSWITCH's and stay up; the
daemon's CDR reconciliation at start writes the rows of calls that ended meanwhile.
The SQLite database stays as it was: the box's state at the moment it joined.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Callable

from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlmodel import Session

from ccctl.app import Services
from ccctl.errors import CcError, Conflict, InvalidInput
from ccctl.model import Account, Node, Number, Setting, Tenant, VoiceCard

SETTINGS_FILE = Path("/etc/default/ccctl.local")
"""Local overrides of ccctl's settings on a box (the first boot writes CCCTL_SIP_IP there)."""


def shown(url: str) -> str:
    """URL as it may be printed: never its password."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "the fleet's database"


def scrub(message: str, url: str) -> str:
    """MESSAGE without URL's password, whatever a driver put in it."""
    try:
        password = make_url(url).password
    except Exception:
        password = None
    message = message.replace(url, shown(url))
    return message.replace(password, "***") if password else message


def open_fleet(url: str) -> Engine:
    """An engine on the fleet's database, asked once that it answers; never migrated here."""
    from ccctl.db import open_engine

    try:
        if make_url(url).get_backend_name() != "postgresql":
            raise InvalidInput(f"{shown(url)}: a fleet's database is PostgreSQL (postgresql+psycopg://USER:PW@HOST/DB)")
    except InvalidInput:
        raise
    except Exception:
        raise InvalidInput("the fleet's database: not a URL (postgresql+psycopg://USER:PW@HOST/DB)") from None
    try:
        engine = open_engine(url, migrate=False)
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return engine
    except CcError as exc:
        raise CcError(scrub(exc.message, url)) from None
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        reason = reason[0] if reason else type(exc).__name__
        raise CcError(f"cannot reach the fleet's database {shown(url)}: {scrub(reason, url)}") from None


def _revision(engine: Engine) -> str | None:
    from ccctl.db.migrate import current_revision

    return current_revision(engine)


def check_revisions(box: Engine, fleet: Engine) -> str:
    """The schema revision both databases are at; Conflict naming both when they differ."""
    mine, theirs = _revision(box), _revision(fleet)
    if theirs is None:
        raise Conflict(
            f"the fleet's database has no ccctl schema (this box is at revision {mine}): "
            "make it with `ccctl db upgrade` there (CCCTL_DB=its URL), from the same ccctl version"
        )
    if theirs != mine:
        raise Conflict(
            f"the fleet's database is at schema revision {theirs}, this box at {mine}: "
            "run the same ccctl version on both (and `ccctl db upgrade`) before joining"
        )
    return mine


def _taken(fleet: Session, column, values: list, what: str) -> None:
    values = [v for v in values if v is not None]
    if not values:
        return
    found = sorted(fleet.execute(select(column).where(column.in_(values))).scalars())
    if found:
        shown_ = ", ".join(str(v) for v in found[:5]) + (f" and {len(found) - 5} more" if len(found) > 5 else "")
        raise Conflict(f"{what} {shown_} already in the fleet: rename or remove it on one side before joining")


def _box_rows(box: Engine):
    with Session(box) as s:
        tenants = s.execute(select(Tenant.name, Tenant.uid, Tenant.domain)).all()
        numbers = list(s.execute(select(Number.number)).scalars())
        uids = [t.uid for t in tenants]
        logins = list(s.execute(select(Account.login).where(Account.tenant_uid.in_(uids))).scalars())
        cards = s.execute(select(func.count()).select_from(VoiceCard)).scalar_one()
        nodes = s.execute(select(func.count()).select_from(Node)).scalar_one()
        secrets = dict(s.execute(select(Setting.key, Setting.value)).all())
    return tenants, numbers, logins, cards, nodes, secrets


def join(
    services: Services,
    fleet_url: str,
    node: str,
    *,
    address: str | None = None,
    settings_file: Path | None = SETTINGS_FILE,
    restart: Callable[[], None] | None = None,
) -> dict:
    """Join this box (SERVICES: its SQLite) to the fleet at FLEET_URL as node NODE; see above.
    ADDRESS: the IP the edge reaches this box at (default CCCTL_SIP_IP). SETTINGS_FILE None:
    the settings are left to the caller; RESTART: brings the daemon up in node mode."""
    from ccctl.config.gather import ESL_PASSWORD, render_input_from
    from ccctl.cti.webhooks import secret_key
    from ccctl.deploy import generation as gen
    from ccctl.fleet import carry
    from ccctl.fleet.nodes import NAME, check_address
    from ccctl.fleet.scope import direct_key, edge_address
    from ccctl.render import render_tree

    settings = services.settings
    if not NAME.fullmatch(node or ""):
        raise InvalidInput(f"node name {node!r}: lowercase letters, digits, '-' or '_' (at most 63)")
    host = address or settings.sip_ip
    sip = check_address("node address", f"{host}:{settings.sip_internal_port}")
    trunk = check_address("node address", f"{host}:{settings.sip_external_port}")
    if "'" in fleet_url or "\n" in fleet_url:
        raise InvalidInput("the fleet's database URL cannot hold quotes or line breaks (it goes into a settings file)")
    if services.engine.dialect.name != "sqlite":
        raise Conflict("this box is in a fleet already (its database is not its own SQLite)")
    tenants, numbers, logins, cards, nodes, box_settings = _box_rows(services.engine)
    if nodes:
        raise Conflict("this box's database has nodes: it is part of a fleet already")
    if cards:
        raise Conflict(f"this box has {cards} voice card(s): a fleet node serves SIP only, remove them first")
    fleet = open_fleet(fleet_url)
    staged = None
    try:
        revision = check_revisions(services.engine, fleet)
        with Session(services.engine) as box_session:
            box_tree = render_tree(render_input_from(box_session, settings))
        as_node = settings.with_(db=fleet_url, node=node)
        # Written beside the settings file before the commit: a folder it cannot be written to
        # refuses the join while nothing is done yet; renamed into place after the commit.
        staged = _stage_settings(settings_file, fleet_url, node) if settings_file else None
        with Session(fleet) as session, services.engine.connect() as box:
            generation = gen.lock(session)
            if session.execute(select(Node.id).where(Node.name == node)).first():
                raise Conflict(f"node {node} exists already in the fleet (ccctl node list there)")
            _taken(session, Tenant.name, [t.name for t in tenants], "tenant")
            _taken(session, Tenant.uid, [t.uid for t in tenants], "tenant identity")
            _taken(session, Tenant.domain, [t.domain for t in tenants], "SIP domain")
            _taken(session, Number.number, numbers, "number")
            _taken(session, Account.login, logins, "web login")
            session.add(
                Node(name=node, sip_address=sip, trunk_address=trunk, esl_address=f"127.0.0.1:{settings.esl_port}")
            )
            session.flush()
            carried = carry.carry(box, session.connection(), node)
            keys = {f"{ESL_PASSWORD}@{node}": box_settings.get(ESL_PASSWORD)}
            if edge_address(session) is not None:
                # Behind the edge the node's SIP profiles change, and FreeSWITCH restarts a
                # profile to take that, ending its calls: the box keeps taking SIP itself
                # until `ccctl fleet cutover` (scope.direct_key).
                keys[direct_key(node)] = "1"
            keys.update({secret_key(t.uid): box_settings.get(secret_key(t.uid)) for t in tenants})
            for key, value in keys.items():
                if value is not None:
                    session.merge(Setting(key=key, value=value))
            session.flush()
            direct = direct_key(node) in keys
            generation = gen.bump(session, generation)
            node_tree = render_tree(render_input_from(session, as_node))
            changed = sorted(k for k in box_tree.keys() | node_tree.keys() if box_tree.get(k) != node_tree.get(k))
            if not changed:
                gen.mark_deployed(session, generation, node)
            session.commit()
    except IntegrityError as exc:
        _unstage(staged)
        constraint = getattr(getattr(exc.orig, "diag", None), "constraint_name", None) or "a unique key"
        raise Conflict(f"the fleet already holds a row this box has ({constraint}): nothing was joined") from None
    except SQLAlchemyError as exc:
        _unstage(staged)
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        raise CcError(
            f"the fleet's database {shown(fleet_url)}: {scrub(reason[0] if reason else '', fleet_url)}"
        ) from None
    except BaseException:
        _unstage(staged)
        raise
    finally:
        fleet.dispose()
    if staged is not None:
        os.replace(staged, settings_file)
    if restart is not None:
        restart()
    return {
        "node": node,
        "revision": revision,
        "generation": generation,
        "tenants": sorted(t.name for t in tenants),
        "rows": carried.rows,
        "left_on_box": carried.left,
        "tree_unchanged": not changed,
        "tree_changes": changed,
        "direct": direct,
        "settings_file": str(settings_file) if settings_file else None,
        "database": shown(fleet_url),
    }


def _unstage(staged: Path | None) -> None:
    if staged is not None:
        staged.unlink(missing_ok=True)


_LINE = re.compile(r"^\s*(?:export\s+)?(CCCTL_DB|CCCTL_NODE)=")


def settings_text(current: str, fleet_url: str, node: str) -> str:
    """CURRENT (a settings file's text) with CCCTL_DB and CCCTL_NODE set for the fleet; every
    other line kept. Values single-quoted: the file is sourced by sh."""
    kept = [line for line in current.splitlines() if not _LINE.match(line)]
    return "\n".join([*kept, f"CCCTL_DB='{fleet_url}'", f"CCCTL_NODE='{node}'"]) + "\n"


def _stage_settings(path: Path, fleet_url: str, node: str) -> Path:
    """The new settings file, written (owner only: it holds the database's password) beside PATH."""
    try:
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(settings_text(current, fleet_url, node))
        os.chmod(tmp, 0o600)
        return Path(tmp)
    except OSError as exc:
        raise CcError(f"{path}: {exc.strerror or exc}: nothing was joined") from None


def cutover(services: Services, node: str) -> dict:
    """Put NODE, a box that joined the fleet, behind the edge: it renders as every node does
    (seats reached through the edge, carriers taken from the edge only, no registrations of its
    own). Its SIP profiles restart when its daemon deploys this: calls up on it end. Run it at a
    quiet time, once its phones register with the edge."""
    from ccctl.db import session_scope
    from ccctl.deploy import generation as gen
    from ccctl.errors import NotFound
    from ccctl.fleet.scope import direct_key

    with session_scope(services.engine) as session:
        generation = gen.lock(session)
        if session.execute(select(Node.id).where(Node.name == node)).first() is None:
            raise NotFound(f"no node {node} (ccctl node list shows the nodes)")
        row = session.get(Setting, direct_key(node))
        if row is None:
            raise Conflict(f"node {node} is behind the edge already")
        session.delete(row)
        generation = gen.bump(session, generation)
    return {"node": node, "generation": generation}

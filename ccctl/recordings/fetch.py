"""Recording files across a fleet: each stays on the node that made it (the index names the node),
and a machine exporting a tenant's recordings fetches the others' files from their nodes.

The mechanism: every node's daemon already runs a small HTTP service for Prometheus on its
management address (ccctl/daemon/manage.py; CCCTL_MANAGE_ADDRESS, written into the node's row
with each heartbeat), and every machine of the fleet already shares one secret store, the
fleet's database. So a peer asks `GET /recording?path=P&expires=T&sig=S`, S being an HMAC-SHA256
of (P, T) under a key kept in the database (made on first use): only a machine that can read
the fleet's database (which holds every password anyway) can sign, a signature is good for one
file and a few minutes, and the node serves only a file its index says is its own and not
purged. Nothing to install or distribute (no SSH keys between nodes, no rsync daemon), and it
works the same for a node's shell and an admin's. The management network carries the bytes in
the clear: keep it private, or put the recordings on shared storage (README).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import shutil
import time
import urllib.parse
import urllib.request
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ccctl.db import session_scope
from ccctl.errors import CcError, InvalidInput, NotFound
from ccctl.model import Node, Recording, Setting

KEY = "fleet.recording_key"
LIFETIME = 300.0
"""Seconds a signed request stays good (the clocks of a fleet's machines agree far better)."""


class Forbidden(CcError):
    """A request for a recording that is not signed with the fleet's key, or too old."""

    id = "forbidden"


def fleet_key(services) -> bytes:
    """The fleet's signing key, made (once, by whichever machine asks first) when missing."""
    for _ in range(2):
        with session_scope(services.engine) as session:
            row = session.get(Setting, KEY)
            if row is not None:
                return bytes.fromhex(row.value)
        try:
            with session_scope(services.engine) as session:
                session.add(Setting(key=KEY, value=secrets.token_hex(32)))
        except IntegrityError:
            pass  # another machine made it at the same moment: read theirs
    raise CcError("the fleet's recording key could not be made")


def sign(key: bytes, path: str, expires: int) -> str:
    return hmac.new(key, f"{path}\n{expires}".encode(), hashlib.sha256).hexdigest()


def local_file(services, path: str, expires: str, sig: str, now: float | None = None) -> Path:
    """The file a signed request for PATH names, checked: the signature, its age, and that this
    node's index holds the path as its own and not purged."""
    now = time.time() if now is None else now
    try:
        until = int(expires)
    except ValueError:
        raise Forbidden("bad expiry") from None
    if not hmac.compare_digest(sign(fleet_key(services), path, until), sig or ""):
        raise Forbidden("bad signature")
    if until < now:
        raise Forbidden("expired")
    with session_scope(services.engine) as session:
        node = session.execute(
            select(Recording.node).where(Recording.path == path, Recording.purged_at.is_(None))
        ).first()
    if node is None or node[0] not in (None, services.settings.node):
        raise NotFound("no such recording here")
    base = Path(services.settings.fs_recordings_dir).resolve()
    file = (base / path).resolve()
    if base not in file.parents or not file.is_file():
        raise NotFound("no such recording here")
    return file


def addresses(services) -> dict[str, str]:
    """{node: its management address}, of the nodes that announced one."""
    with session_scope(services.engine) as session:
        rows = session.execute(select(Node.name, Node.manage_address).where(Node.manage_address.is_not(None)))
        return {name: addr for name, addr in rows}


def fetch(services, address: str, path: str, dest: Path, timeout: float = 30.0) -> int:
    """Copy PATH (relative to the recordings root) from the node serving at ADDRESS into DEST;
    the bytes copied. CcError when the node does not give it."""
    if "/" not in path or path.startswith("/") or ".." in path.split("/"):
        raise InvalidInput(f"{path!r} is not a recording's path")
    expires = int(time.time() + LIFETIME)
    query = urllib.parse.urlencode({"path": path, "expires": expires, "sig": sign(fleet_key(services), path, expires)})
    url = f"http://{address}/recording?{query}"
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    try:
        with urllib.request.urlopen(url, timeout=timeout) as reply, open(part, "wb") as out:
            shutil.copyfileobj(reply, out, 1 << 20)
    except OSError as exc:  # URLError and HTTPError are OSErrors; the URL (signature) is never shown
        part.unlink(missing_ok=True)
        why = getattr(exc, "code", None) or getattr(exc, "reason", None) or exc.__class__.__name__
        raise CcError(f"recording {path} from {address}: {why}") from None
    part.replace(dest)
    return dest.stat().st_size

"""Deploying committed configuration: render the latest generation and push it, one deployer
at a time, outside the database's write lock.

A file lock beside the FreeSWITCH configuration directory keeps two deployers from swapping
trees under each other. A writer waits for it only a short, bounded time: when another deploy
(a long render, a hung Event Socket) holds it, the writer's change is committed and left
pending; the deployer holding the lock picks it up before letting go (it loops until the
deployed generation is the latest), and `ccctl deploy` pushes whatever is still pending.
"""

from __future__ import annotations

import fcntl
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from ccctl.db import session_scope
from ccctl.deploy import generation as gen
from ccctl.errors import CcError

LOCK_WAIT = 2.0
"""Seconds a writer waits for another deploy before leaving its own change pending."""


@dataclass
class Outcome:
    generation: int | None = None
    """The generation FreeSWITCH now runs (None: the deploy did not run)."""
    commands: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    pending: bool = False


def _lock_path(settings) -> Path:
    conf = Path(settings.fs_conf_dir)
    return conf.with_name(conf.name + ".lock")


def _acquire(path: Path, wait: float) -> int | None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    except OSError as exc:
        raise CcError(
            f"cannot write the configuration to CCCTL_FS_CONF_DIR={path.with_suffix('')}: {exc.strerror or exc}"
        ) from None
    deadline = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return fd
        except BlockingIOError:
            if time.monotonic() >= deadline:
                os.close(fd)
                return None
            time.sleep(0.05)


def deploy_latest(services, *, wait: float = LOCK_WAIT) -> Outcome:
    """Bring FreeSWITCH to the latest committed generation. Raises what the push raised
    (FreeSwitchError when FreeSWITCH refused), after recording the failed generation."""
    from ccctl.config.gather import render_input_from
    from ccctl.deploy.push import push_input
    from ccctl.fleet.scope import scope

    out = Outcome()
    with session_scope(services.engine) as session:
        where = scope(session, services.settings)
    if not where.deploys:
        out.pending = True
        out.notes.append(
            f"this machine is no node of the fleet (CCCTL_NODE={services.settings.node}): "
            "the nodes deploy the change (`ccctl node list` shows the generation each runs)"
        )
        return out
    node = where.node
    fd = _acquire(_lock_path(services.settings), wait)
    if fd is None:
        with session_scope(services.engine) as session:
            latest = gen.current(session)
        out.pending = True
        out.notes.append(
            f"generation {latest} committed; another deploy is running and pushes it "
            "(`ccctl status` shows it, `ccctl deploy` pushes it by hand)"
        )
        return out
    try:
        while True:
            target = None
            try:
                with session_scope(services.engine) as session:
                    target = gen.current(session)
                    inp = render_input_from(session, services.settings)
                out.commands += push_input(services, inp, out.notes)
            except Exception as exc:
                if target is None:
                    raise
                with session_scope(services.engine) as session:
                    gen.mark_failed(session, target, getattr(exc, "message", None) or str(exc), node)
                raise
            with session_scope(services.engine) as session:
                gen.mark_deployed(session, target, node)
                latest = gen.current(session)
            out.generation = target
            if latest <= target:
                return out
    finally:
        os.close(fd)


def commit_generation(services) -> int:
    """A new configuration generation for a database changed outside the write path (a
    restore replaced every row): taken under the configuration lock like any write, so
    `ccctl status` shows it pending until a deploy brings FreeSWITCH to it."""
    with session_scope(services.engine) as session:
        return gen.bump(session, gen.lock(session))

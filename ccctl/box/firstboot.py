"""The box's first boot, ccctl's part (`python -m ccctl.box.firstboot --local-env FILE`, run by the
image's ccctl-firstboot program): the database and its schema, the Event Socket password
(made on first use, stored in the database), the box's SIP address, the FreeSWITCH tree and
its prompts. `ccctl engine install` calls `prepare` when it adds the engine to a box that has
no tree yet.

Under emulation or on a small box, importing the database and rendering code takes longer than
bringing the network up, so the unit does not wait for the network: the imports and the
database come first, then the address is awaited."""

from __future__ import annotations

import argparse
import socket
import time
from pathlib import Path

from ccctl.app import Services
from ccctl.errors import CcError

DEPLOY_WAIT = 120.0
"""Seconds first boot waits for a deploy already running (none, normally) to let go."""


def prepare(services: Services) -> str:
    from sqlalchemy import text

    from ccctl.db import session_scope
    from ccctl.deploy.run import deploy_latest

    # Under the deploy lock, recording the generation FreeSWITCH starts on, like every write's
    # deploy; waiting long: FreeSWITCH must not start without a tree.
    outcome = deploy_latest(services, wait=DEPLOY_WAIT)
    if outcome.pending:
        raise CcError(
            f"another deploy held {services.settings.fs_conf_dir} for {DEPLOY_WAIT:.0f} s; "
            "run `ccctl deploy` when it is done"
        )
    with session_scope(services.engine) as session:
        # Read directly: importing alembic to ask takes seconds on a small box.
        revision = session.execute(text("SELECT version_num FROM alembic_version")).scalar()
    return f"database at revision {revision}; tree in {services.settings.fs_conf_dir} (generation {outcome.generation})"


def route_address(timeout: float = 90) -> str:
    """The address the default route leaves from, once there is one (a UDP socket's connect
    sends no packet); 127.0.0.1 if none comes within TIMEOUT."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.connect(("192.0.2.1", 9))
                ip = s.getsockname()[0]
            if ip and ip != "0.0.0.0":
                return ip
        except OSError:
            pass
        if time.monotonic() > deadline:
            return "127.0.0.1"
        time.sleep(0.5)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m ccctl.box.firstboot", description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--local-env",
        type=Path,
        required=True,
        help="Where to write the box's CCCTL_SIP_IP (sourced by the ccctl wrapper).",
    )
    args = ap.parse_args(argv)
    from ccctl.db import open_engine  # the slow imports, while the network comes up
    from ccctl.deploy import push, run  # noqa: F401
    from ccctl.settings import Settings

    settings = Settings.from_env()
    engine = open_engine(settings.db_url)  # the database and its schema
    ip = route_address()
    args.local_env.write_text(f"CCCTL_SIP_IP={ip}\n")
    args.local_env.chmod(0o644)
    print(prepare(Services(settings=settings.with_(sip_ip=ip), engine=engine)))  # noqa: T201 (the unit's journal)


if __name__ == "__main__":
    main()

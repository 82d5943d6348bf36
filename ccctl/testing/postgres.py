"""A private PostgreSQL cluster on 127.0.0.1 for tests and bench/, and new empty databases on it."""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pg_bin() -> str | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return os.path.dirname(found[-1]) if found else None


class NoPostgres(Exception):
    """Why no private PostgreSQL cluster can run here."""


@contextlib.contextmanager
def private_cluster(host: str = "127.0.0.1", allow: str | None = None):
    """A private PostgreSQL cluster on HOST (default 127.0.0.1) for as long as the block runs:
    its URL (the 'postgres' database). ALLOW: a CIDR whose clients may log in with the
    password too (a fleet test's namespaces). Raises NoPostgres with the reason when there is none."""
    bindir = _pg_bin()
    if not bindir:
        raise NoPostgres("no PostgreSQL server binaries (apt-get install postgresql)")
    as_user: list[str] = []
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            raise NoPostgres("running as root without a 'postgres' user") from None
        as_user = ["runuser", "-u", "postgres", "--"]
    data = tempfile.mkdtemp(prefix="ccctl-pg-")
    if as_user:
        shutil.chown(data, "postgres", "postgres")
    port = _free_port()
    password = os.urandom(12).hex()
    pwfile = os.path.join(data, "..", os.path.basename(data) + ".pw")
    with open(pwfile, "w") as f:
        f.write(password)
    os.chmod(pwfile, 0o644)
    subprocess.run(
        [
            *as_user,
            f"{bindir}/initdb",
            "-D",
            data,
            "-U",
            "ccctl",
            "--pwfile",
            pwfile,
            "-A",
            "scram-sha-256",
            "-E",
            "UTF8",
            "--locale",
            "C.UTF-8",
        ],
        check=True,
        capture_output=True,
    )
    os.remove(pwfile)
    if allow:
        with open(os.path.join(data, "pg_hba.conf"), "a") as f:
            f.write(f"host all all {allow} scram-sha-256\n")
    log = os.path.join(data, "server.log")
    subprocess.run(
        [
            *as_user,
            f"{bindir}/pg_ctl",
            "-D",
            data,
            "-l",
            log,
            "-w",
            "-o",
            f"-c listen_addresses={host} -c port={port} -c unix_socket_directories={data} -c fsync=off",
            "start",
        ],
        check=True,
        capture_output=True,
    )
    try:
        yield f"postgresql+psycopg://ccctl:{password}@{host}:{port}/postgres"
    finally:
        subprocess.run([*as_user, f"{bindir}/pg_ctl", "-D", data, "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(data, ignore_errors=True)


def new_database(base: str) -> str:
    """The URL of a new, empty database on the server of BASE."""
    import sqlalchemy as sa

    name = f"t_{os.urandom(4).hex()}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(sa.text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return base.rsplit("/", 1)[0] + "/" + name

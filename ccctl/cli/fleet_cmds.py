"""`ccctl fleet ...`: this box and the fleet (ccctl.fleet.join)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Optional

import typer

from ccctl.cli import output
from ccctl.cli.common import JSON, ErrorMappingGroup, open_services

app = typer.Typer(
    cls=ErrorMappingGroup,
    no_args_is_help=True,
    help="This box and a fleet of nodes behind a Kamailio edge, on one PostgreSQL.",
)


def _restart_daemon() -> None:
    """The daemon comes back as the node's; FreeSWITCH is left running (its calls stay up)."""
    if Path("/run/systemd/system").is_dir() and shutil.which("systemctl"):
        subprocess.run(["systemctl", "try-restart", "ccctl-daemon.service"], check=False, timeout=60)


@app.command("join")
def join(
    ctx: typer.Context,
    dsn: str = typer.Argument(
        ...,
        metavar="DSN",
        help="The fleet's database: postgresql+psycopg://USER:PASSWORD@HOST/DB (its password is never printed).",
    ),
    node: str = typer.Option(..., "--node", metavar="NAME", help="This box's name in the fleet (a free node name)."),
    address: Optional[str] = typer.Option(
        None, "--address", metavar="IP", help="The IP the edge reaches this box at (default: CCCTL_SIP_IP)."
    ),
    settings_file: Path = typer.Option(
        Path("/etc/default/ccctl.local"),
        "--settings-file",
        metavar="PATH",
        help="The settings file that gets CCCTL_DB and CCCTL_NODE (made owner-only: it holds the password).",
    ),
    restart: bool = typer.Option(
        True,
        "--restart/--no-restart",
        help="Restart ccctl-daemon as the node's (systemd); FreeSWITCH is never restarted.",
    ),
    as_json: bool = JSON,
):
    """Join this single box to a fleet, bringing its tenants (identities kept), seats, queues,
    configuration, call rows, recordings index, audit and usage rows into the fleet's
    PostgreSQL in one transaction, homed on node NAME; then point this box's settings and
    daemon at the fleet. Calls in progress stay up. Refused with nothing done (exit 4) when the
    fleet's schema revision differs from this box's, the node name or a tenant name, number,
    domain or login is taken there; exit 1 when the fleet's database cannot be reached."""
    from ccctl.fleet import join as joining

    row = joining.join(
        open_services(ctx),
        dsn,
        node,
        address=address,
        settings_file=settings_file,
        restart=_restart_daemon if restart else None,
    )
    if as_json:
        output.emit(row, True)
        return
    tree = (
        "FreeSWITCH's tree is unchanged"
        if row["tree_unchanged"]
        else f"{len(row['tree_changes'])} file(s) of FreeSWITCH's tree change (its daemon pushes them)"
    )
    direct = f"; it takes its SIP itself until `ccctl fleet cutover {node}`" if row["direct"] else ""
    output.message(
        f"joined the fleet at {row['database']} as node {node} with {len(row['tenants'])} tenant(s); {tree}{direct}"
    )


@app.command("cutover")
def cutover(
    ctx: typer.Context,
    node: str = typer.Argument(..., metavar="NODE", help="A box that joined the fleet (ccctl fleet join)."),
    as_json: bool = JSON,
):
    """Put a box that joined the fleet behind the edge. Until then it takes its SIP itself (its
    phones registered with it): joining changes nothing FreeSWITCH runs. Its SIP profiles
    restart when it takes this, ending calls up on it: run it at a quiet time, once its phones
    register with the edge. Exits 3 for an unknown node, 4 when it is behind the edge already."""
    from ccctl.fleet import join as joining

    row = joining.cutover(open_services(ctx), node)
    output.emit(row, True) if as_json else output.message(
        f"node {node} goes behind the edge (generation {row['generation']})"
    )

"""`ccctl node ...`: the FreeSWITCH nodes of a fleet (ccctl.fleet.nodes)."""

from __future__ import annotations

import typer

from ccctl.cli import output
from ccctl.cli.common import JSON, ErrorMappingGroup, open_services

app = typer.Typer(
    cls=ErrorMappingGroup,
    no_args_is_help=True,
    help="The FreeSWITCH nodes of a fleet behind the Kamailio edge, on one PostgreSQL. "
    "Every tenant has a home node that renders and serves it (ccctl tenant move). "
    "A single box has no nodes.",
)
NAME = typer.Argument(..., metavar="NODE", help="The node's name (its CCCTL_NODE).")
COLUMNS = ["name", "state", "standby", "tenants", "sip_address", "trunk_address", "max_sessions", "heartbeat_at"]


@app.command("add")
def add(
    ctx: typer.Context,
    name: str = NAME,
    sip: str = typer.Option(
        ..., "--sip", metavar="IP:PORT", help="Where the edge sends seats' calls (internal profile)."
    ),
    trunk: str = typer.Option(
        ..., "--trunk", metavar="IP:PORT", help="Where the edge sends carriers' calls (external profile)."
    ),
    esl: str = typer.Option(
        "127.0.0.1:8021", "--esl", metavar="IP:PORT", help="The node's Event Socket, as its own daemon reaches it."
    ),
    standby: bool = typer.Option(False, "--standby", help="Host no tenant until a failed node's tenants come to it."),
    max_sessions: int = typer.Option(
        0,
        "--max-sessions",
        metavar="N",
        help="The node's channel cap (0: sized for the box); placement keeps under it.",
    ),
    as_json: bool = JSON,
):
    """Add a node. Exits 4 when the name is taken."""
    from ccctl.fleet import nodes

    row = nodes.add_node(
        open_services(ctx),
        name,
        sip_address=sip,
        trunk_address=trunk,
        esl_address=esl,
        standby=standby,
        max_sessions=max_sessions,
    )
    output.emit(row, as_json) if as_json else output.message(f"added node {name}")


@app.command("list")
def list_(ctx: typer.Context, as_json: bool = JSON):
    """List the nodes with their state and how many tenants each hosts."""
    from ccctl.fleet import nodes

    output.emit(nodes.list_nodes(open_services(ctx)), as_json, columns=COLUMNS, keep=("name", "state"))


@app.command("show")
def show(ctx: typer.Context, name: str = NAME, as_json: bool = JSON):
    """Show a node and the tenants it hosts."""
    from ccctl.fleet import nodes

    output.emit(nodes.show_node(open_services(ctx), name), as_json)


@app.command("drain")
def drain(ctx: typer.Context, name: str = NAME, as_json: bool = JSON):
    """Take no new tenant on NODE; its tenants stay until moved (ccctl tenant move)."""
    from ccctl.fleet import nodes

    row = nodes.drain_node(open_services(ctx), name)
    output.emit(row, as_json) if as_json else output.message(f"node {name} is draining")


@app.command("activate")
def activate(ctx: typer.Context, name: str = NAME, as_json: bool = JSON):
    """Make NODE active again (after a drain, or once a node marked down is back): it takes
    tenants again; its former tenants stay where failover put them until moved."""
    from ccctl.fleet import nodes

    row = nodes.set_state(open_services(ctx), name, "active")
    output.emit(row, as_json) if as_json else output.message(f"node {name} is active")


@app.command("remove")
def remove(ctx: typer.Context, name: str = NAME, as_json: bool = JSON):
    """Remove a node that hosts no tenant (exits 4 while it still hosts one)."""
    from ccctl.fleet import nodes

    row = nodes.remove_node(open_services(ctx), name)
    output.emit(row, as_json) if as_json else output.message(f"removed node {name}")

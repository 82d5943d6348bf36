"""`ccctl edge ...`: the fleet's Kamailio edge (ccctl.fleet.edge)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ccctl.cli import output
from ccctl.cli.common import JSON, ErrorMappingGroup, open_services, settings_of

app = typer.Typer(
    cls=ErrorMappingGroup,
    no_args_is_help=True,
    help="The fleet's SIP edge (Kamailio): where seats register and carriers send calls, "
    "routing each call to its tenant's home node.",
)
CTL = typer.Option(
    Path("/run/kamailio/kamailio_ctl"), "--ctl", metavar="PATH", help="Kamailio's control socket (kamcmd)."
)


@app.command("address")
def address(
    ctx: typer.Context,
    value: Optional[str] = typer.Argument(None, metavar="IP:PORT", help="Set it (a new generation for every node)."),
    as_json: bool = JSON,
):
    """Show or set the edge's SIP address as the nodes reach it."""
    from ccctl.fleet import nodes

    c = open_services(ctx)
    shown = nodes.set_edge(c, value) if value else nodes.edge(c)
    output.emit({"edge": shown}, as_json) if as_json else output.line(shown or "(none)")


@app.command("setup")
def setup(ctx: typer.Context):
    """Make what Kamailio reads in the fleet's database: its location table and the views of
    seats' HA1 hashes, dispatcher sets and routes (idempotent)."""
    from ccctl.fleet import edge

    edge.setup_schema(open_services(ctx).engine)
    output.message("edge tables and views are ready")


@app.command("render")
def render(
    ctx: typer.Context,
    listen: str = typer.Option(..., "--listen", metavar="IP:PORT", help="The edge's SIP address (UDP)."),
    ctl: Path = CTL,
    out: Optional[Path] = typer.Option(None, "--out", "-o", metavar="FILE", help="Write here (0640), not stdout."),
):
    """Print (or write) kamailio.cfg for this fleet's database."""
    import os

    from ccctl.fleet import edge

    text = edge.render_cfg(edge.EdgeConfig(listen=listen, db_url=settings_of(ctx).db_url, ctl_socket=ctl))
    if out is None:
        output.line(text.rstrip("\n"))
        return
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o640)
    with open(fd, "w", encoding="utf-8") as f:
        f.write(text)
    output.message(f"wrote {out}")


@app.command("follow")
def follow(ctx: typer.Context, ctl: Path = CTL):
    """Reload Kamailio's routes and dispatcher sets whenever the fleet changes (runs until stopped)."""
    import logging
    import signal
    import sys
    import threading

    from ccctl.fleet import edge

    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(levelname)s %(message)s")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    edge.follow(settings_of(ctx).db_url, ctl, stop)
    try:
        stop.wait()
    except KeyboardInterrupt:
        stop.set()

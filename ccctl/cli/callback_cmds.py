"""`ccctl callback ...`: queue callback requests (callers who pressed the queue's callback key)."""

from __future__ import annotations

from typing import Optional

import typer

from ccctl.cli import output
from ccctl.cli.common import JSON, ErrorMappingGroup, open_services

app = typer.Typer(
    cls=ErrorMappingGroup,
    no_args_is_help=True,
    help="Queue callbacks: callers who pressed the queue's callback key keep their place "
    "and are called back when an agent is free (the daemon places and retries them).",
)
COLUMNS = [
    "id",
    "tenant",
    "queue",
    "number",
    "state",
    "attempts",
    "max_attempts",
    "requested",
    "next",
    "agent",
    "last_cause",
]


@app.command("list")
def list_(
    ctx: typer.Context,
    tenant: Optional[str] = typer.Option(None, "--tenant", metavar="TENANT", help="Only this tenant's."),
    queue: Optional[str] = typer.Option(None, "--queue", metavar="QUEUE", help="Only this queue's."),
    state: Optional[str] = typer.Option(
        None, "--state", metavar="STATE", help="open (waiting or placed), waiting, placed, done, failed or cancelled."
    ),
    as_json: bool = JSON,
):
    """List callback requests, oldest first."""
    from ccctl.callbacks import requests

    rows = requests.list_requests(open_services(ctx), tenant=tenant, state=state, queue=queue)
    output.emit(rows, as_json, columns=COLUMNS, keep=("id", "tenant"))


@app.command("cancel")
def cancel(
    ctx: typer.Context,
    request: int = typer.Argument(..., metavar="ID", help="The request's id (see list)."),
    as_json: bool = JSON,
):
    """Cancel a waiting or placed callback; a placeholder already in its queue leaves it."""
    from ccctl.callbacks import requests
    from ccctl.freeswitch.connect import try_event_socket

    c = open_services(ctx)

    def hangup(command: str) -> None:
        sock = try_event_socket(c)
        if sock is not None:
            with sock:
                sock.api(command, check=False)

    row = requests.cancel(c, request, hangup=hangup)
    if as_json:
        output.emit_json(row)
    else:
        output.message(f"cancelled callback {request} ({row['tenant']}/{row['queue']}, {row['number']})")

"""`ccctl deploy`: push the latest committed configuration to FreeSWITCH by hand (after a
failed or pending generation, or with CCCTL_FS_DEPLOY=off on writes)."""

from __future__ import annotations

import typer

from ccctl.cli import output
from ccctl.cli.common import JSON, open_services


def deploy(
    ctx: typer.Context,
    wait: float = typer.Option(
        30.0, "--wait", metavar="SECONDS", help="How long to wait for a deploy another process is running."
    ),
    as_json: bool = JSON,
):
    """Render the latest committed configuration and bring FreeSWITCH to it (reloading only
    what changed). Exits 1 with FreeSWITCH's reason when it refuses; `ccctl status` shows the
    generation FreeSWITCH runs."""
    from ccctl.deploy.run import deploy_latest
    from ccctl.errors import Conflict

    outcome = deploy_latest(open_services(ctx), wait=wait)
    if outcome.pending:
        raise Conflict(f"another deploy is still running after {wait:g} s; try again")
    if as_json:
        output.emit_json({"generation": outcome.generation, "commands": outcome.commands, "messages": outcome.notes})
    else:
        for cmd in outcome.commands:
            output.line(cmd)
        for note in outcome.notes:
            output.message(note)
        output.message(f"FreeSWITCH runs configuration generation {outcome.generation}")

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
    generation FreeSWITCH runs. With FreeSWITCH not running, the tree is installed for it to
    start on, and the deploy says so (it claims nothing FreeSWITCH has not loaded)."""
    from ccctl.deploy.run import deploy_latest
    from ccctl.errors import Conflict
    from ccctl.freeswitch.connect import try_event_socket

    c = open_services(ctx)
    outcome = deploy_latest(c, wait=wait)
    if outcome.pending:
        raise Conflict(f"another deploy is still running after {wait:g} s; try again")
    esl = try_event_socket(c, timeout=3)
    if esl is not None:
        esl.close()
    if as_json:
        output.emit_json(
            {
                "generation": outcome.generation,
                "freeswitch": "up" if esl is not None else "down",
                "commands": outcome.commands,
                "messages": outcome.notes,
            }
        )
        return
    for cmd in outcome.commands:
        output.line(cmd)
    for note in outcome.notes:
        output.message(note)
    if esl is not None:
        output.message(f"FreeSWITCH runs configuration generation {outcome.generation}")
    elif not any(n.startswith("FreeSWITCH is not running") for n in outcome.notes):
        output.message(
            f"FreeSWITCH is not running: configuration generation {outcome.generation} is installed in "
            f"{c.settings.fs_conf_dir} and will be used when it starts"
        )

"""`ccctl engine install|status`: FreeSWITCH on this box.

Only typer is imported at start-up; the library parts load when a command runs."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

app = typer.Typer(
    help="The FreeSWITCH engine: whether it is installed and running, and adding it to a box built without it.",
    no_args_is_help=True,
)

JSON = typer.Option(False, "--json", help="Print machine-readable JSON on stdout.")


@app.command("install")
def install(
    ctx: typer.Context,
    debs: Optional[Path] = typer.Option(
        None,
        "--debs",
        metavar="DIR",
        help="A directory of .deb packages (the engine and its modules), "
        "used as a local apt source: no network needed.",
    ),
    token: Optional[str] = typer.Option(
        None,
        "--token",
        metavar="T",
        envvar="SIGNALWIRE_TOKEN",
        show_envvar=True,
        help="A SignalWire token for the vendor's apt repository "
        "(stored in an apt credentials file, mode 0600; never printed).",
    ),
    suite: str = typer.Option("bookworm", "--suite", help="The Debian suite of the vendor's repository."),
    as_json: bool = JSON,
):
    """Install FreeSWITCH from --debs DIR or the vendor's repository (--token T), then start it
    on the tree ccctl renders (the unit enabled, the tree rendered if the box has none).
    Needs root. Bad input changes nothing; a failed apt run removes the source it added."""
    from ccctl.cli import output
    from ccctl.cli.common import open_services
    from ccctl.freeswitch.install import run as engine
    from ccctl.freeswitch.install.status import status

    plan = engine.plan(debs, token)  # bad input: one line, nothing written
    engine.require_root()
    context = open_services(ctx)
    engine.install(context, plan, suite=suite, progress=output.message)
    output.emit(status(context), as_json)


@app.command("status")
def status_(ctx: typer.Context, as_json: bool = JSON):
    """Whether FreeSWITCH is installed (and from where), its unit's state, and whether its
    Event Socket answers. Exit 0 when it answers, 1 otherwise (the status is printed either way)."""
    from ccctl.cli import output
    from ccctl.cli.common import open_services
    from ccctl.errors import FreeSwitchError
    from ccctl.freeswitch.install.status import status

    data = status(open_services(ctx))
    output.emit(data, as_json)
    if not data["installed"]:
        raise FreeSwitchError("FreeSWITCH is not installed (ccctl engine install --debs DIR | --token T)")
    if data["event_socket"] != "up":
        raise FreeSwitchError(
            f"FreeSWITCH's Event Socket does not answer (unit {data['service']}; journalctl -u freeswitch)"
        )

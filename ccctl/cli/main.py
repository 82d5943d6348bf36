"""Entry point: `ccctl NOUN VERB`."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ccctl import __version__
from ccctl.cli import (
    backup_cmds,
    callback_cmds,
    campaign,
    customer_cmds,
    daemon_cmds,
    db_cmds,
    deploy_cmds,
    edge_cmds,
    engine_cmds,
    fleet_cmds,
    hardware,
    live,
    media_cmds,
    monitor_cmds,
    node_cmds,
    recording_cmds,
    report_cmds,
    seat_cmds,
    site_cmds,
    tenant,
    tui_cmd,
    user_cmds,
    web_cmds,
)
from ccctl.cli.common import ErrorMappingGroup
from ccctl.cli.nouns import NOUNS, noun_app
from ccctl.errors import EXIT_CODES, NotFound

EPILOG = (
    "\b\nExit codes:\n"
    + "\n".join(f"  {code}  {meaning}" for code, meaning in EXIT_CODES.items())
    + (
        "\n\n\b\nEnvironment: CCCTL_DB (database path or URL), CCCTL_FS_CONF_DIR, CCCTL_FS_SOUNDS_DIR,\n"
        "CCCTL_FS_RECORDINGS_DIR, CCCTL_ESL_HOST (loopback only), CCCTL_ESL_PORT, CCCTL_SIP_IP,\n"
        "CCCTL_FS_DEPLOY (auto or off). Shell completion: ccctl --install-completion."
    )
)

app = typer.Typer(
    cls=ErrorMappingGroup,
    help="Control plane of the call-center appliance: tenants, seats, queues, IVRs, numbers, "
    "trunks and the FreeSWITCH configuration rendered from them.",
    epilog=EPILOG,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _version(value: bool):
    if value:
        typer.echo(__version__)
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    db: Optional[str] = typer.Option(
        None, "--db", metavar="PATH|URL", help="Database path or URL (default: $CCCTL_DB)."
    ),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version."),
):
    ctx.obj = {**(ctx.obj or {}), "db": db}
    if ctx.invoked_subcommand != "db":
        from ccctl.settings import Settings, default_db_path

        given = db or Settings.from_env().db
        _refuse_missing_folder(None if given == str(default_db_path()) else given)


def _refuse_missing_folder(db: str | None) -> None:
    """A database path in a folder that does not exist is a typo, not a new box: creating a
    database is explicit (`ccctl db upgrade`)."""
    if not db or not db.strip():
        return
    path = db.removeprefix("sqlite:///") if db.startswith("sqlite:///") else (None if "://" in db else db)
    if path and path != ":memory:" and not Path(path).parent.is_dir():
        raise NotFound(
            f"database {path}: no such folder {Path(path).parent} (`ccctl --db PATH db upgrade` creates a new database)"
        )


app.add_typer(tenant.app, name="tenant")
for noun in NOUNS:
    app.add_typer(seat_cmds.extend(noun_app(noun)) if noun == "seat" else noun_app(noun), name=noun)
app.add_typer(recording_cmds.app, name="recording")
app.add_typer(report_cmds.app, name="report")
app.command("backup")(backup_cmds.backup)
app.command("restore")(backup_cmds.restore)
app.add_typer(customer_cmds.app, name="customer")
app.add_typer(media_cmds.app, name="media")
app.add_typer(callback_cmds.app, name="callback")
app.add_typer(live.agent_app, name="agent")
app.add_typer(db_cmds.app, name="db")
app.add_typer(hardware.app, name="hardware")
app.add_typer(engine_cmds.app, name="engine")
app.command("status")(live.status)
app.command("apply")(site_cmds.apply)
app.command("deploy")(deploy_cmds.deploy)
app.command("export")(site_cmds.export)
app.command("validate")(site_cmds.validate)
app.command("render")(site_cmds.render)
app.command("daemon")(daemon_cmds.daemon)
app.command("tui")(tui_cmd.tui)
app.command("stats")(daemon_cmds.stats)
app.add_typer(daemon_cmds.calls_app, name="calls")
app.command("staffing")(daemon_cmds.staffing)
app.add_typer(daemon_cmds.events_app, name="events")
app.add_typer(monitor_cmds.monitor_app, name="monitor")
app.add_typer(monitor_cmds.audit_app, name="audit")
app.add_typer(campaign.app, name="campaign")
app.add_typer(campaign.dnc_app, name="dnc")
app.add_typer(user_cmds.user_app, name="user")
app.add_typer(user_cmds.token_app, name="token")
app.add_typer(web_cmds.app, name="web")
app.add_typer(node_cmds.app, name="node")
app.add_typer(edge_cmds.app, name="edge")
app.add_typer(fleet_cmds.app, name="fleet")


def _only(argv: list[str]) -> typer.Typer:
    """APP with just the group or command ARGV names: typer turns every group and command into
    click objects on each run (a seventh of a second for all of them), and a run uses one.
    The whole APP for anything else (no command, root --help, a name it does not know,
    shell completion), so that every message stays the same."""
    import copy
    import os

    if any(k.startswith("_") and k.endswith("_COMPLETE") for k in os.environ):
        return app
    words = iter(argv)
    for word in words:
        if word == "--db":
            next(words, None)
        elif word.startswith("--db="):
            continue
        elif word.startswith("-"):
            return app  # --help, --version, completion options, or a mistake: the whole app says
        else:
            groups = [g for g in app.registered_groups if g.name == word]
            commands = [c for c in app.registered_commands if c.name == word]
            if not groups and not commands:
                return app
            only = copy.copy(app)
            only.registered_groups, only.registered_commands = groups, commands
            return only
    return app


def run() -> None:
    import sys

    _only(sys.argv[1:])()

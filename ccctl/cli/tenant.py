"""`ccctl tenant ...` and `ccctl recording set` (a tenant's recording policy; the other
recording commands are in recording_cmds.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ccctl.cli import common, complete, output
from ccctl.cli.common import (
    DRY_RUN,
    JSON,
    YES,
    ErrorMappingGroup,
    FieldsHelpCommand,
    confirm,
    open_services,
    parse_assignments,
    report,
)

app = typer.Typer(
    cls=ErrorMappingGroup, help="Manage tenants (one SIP domain and dialplan context each).", no_args_is_help=True
)
recording_app = typer.Typer(
    cls=ErrorMappingGroup, help="Show or change a tenant's recording policy.", no_args_is_help=True
)

NAME = typer.Argument(..., metavar="TENANT", help="The tenant's name.", autocompletion=complete.tenants)
COLUMNS = ["name", "domain", "plan", "seats", "calls", "queues", "recording", "display_name"]
"""The table's columns (JSON has every field, numbers as numbers)."""


def _summary(t) -> dict:
    return {
        "name": t.name,
        "display_name": t.display_name,
        "plan": t.plan,
        "domain": t.sip_domain,
        "seats": len(t.seats),
        "seat_limit": t.seat_limit,
        "call_limit": t.call_limit,
        "queues": len(t.queues),
        "ivrs": len(t.ivrs),
        "numbers": len(t.numbers),
        "recording": t.recording.mode,
    }


def _typed(model_name: str, pairs):
    from ccctl.config import entities
    from ccctl.config import spec as s

    return entities.typed_fields(getattr(s, model_name), parse_assignments(pairs))


@app.command("add", cls=FieldsHelpCommand, epilog="fields:tenant")
def add(
    ctx: typer.Context,
    name: str = typer.Argument(..., metavar="NAME", help="The new tenant's name."),
    fields: Optional[list[str]] = typer.Argument(None, metavar="KEY=VALUE"),
    dry_run: bool = DRY_RUN,
    as_json: bool = JSON,
):
    """Add a tenant."""
    from ccctl.config import entities

    c = open_services(ctx)
    report(entities.add_tenant(c, name, _typed("Tenant", fields), dry_run=dry_run), as_json, c)


@app.command("list")
def list_(ctx: typer.Context, as_json: bool = JSON):
    """List tenants with their seats in use and their limits."""
    from ccctl.config import entities

    rows = [_summary(t) for t in entities.list_tenants(open_services(ctx))]
    if not as_json:
        rows = [{**r, "seats": f"{r['seats']}/{r['seat_limit']}", "calls": r["call_limit"] or "no cap"} for r in rows]
    output.emit(rows, as_json, columns=COLUMNS, keep=("name", "domain"))


@app.command("show")
def show(ctx: typer.Context, name: str = NAME, as_json: bool = JSON):
    """Show a tenant's settings (its seats, queues, ... have their own commands)."""
    from ccctl.config import entities
    from ccctl.config import spec as s

    t = entities.get_tenant(open_services(ctx), name)
    # Customers and campaigns are operational data with their own commands: not reported here
    # (an empty list would say the tenant has none).
    data = t.model_dump(mode="json", exclude=set(s.COLLECTIONS) | {"customers", "campaigns"})
    data.update({k: len(getattr(t, k)) for k in s.COLLECTIONS})
    output.emit(data, as_json)


@app.command("set", cls=FieldsHelpCommand, epilog="fields:tenant")
def set_(
    ctx: typer.Context,
    name: str = NAME,
    fields: list[str] = typer.Argument(..., metavar="KEY=VALUE"),
    dry_run: bool = DRY_RUN,
    as_json: bool = JSON,
):
    """Change a tenant's settings."""
    from ccctl.config import entities

    c = open_services(ctx)
    report(entities.set_tenant(c, name, _typed("Tenant", fields), dry_run=dry_run), as_json, c)


@app.command("remove")
def remove(
    ctx: typer.Context,
    name: str = NAME,
    dry_run: bool = DRY_RUN,
    yes: bool = YES,
    as_json: bool = JSON,
    archive: Optional[Path] = typer.Option(
        None,
        "--archive",
        metavar="FILE",
        help="Write the tenant's recordings, call rows and usage to FILE "
        "(.tar, .tar.gz, .tgz or a new folder), then purge them.",
    ),
    purge: bool = typer.Option(
        False,
        "--purge",
        help="Delete the tenant's recordings and call rows too (asks to type the tenant's name; --yes in a script).",
    ),
):
    """Remove a tenant and everything in it: seats, queues, IVRs, numbers, trunks, customers
    and uploaded media, and its operational data (calls, recordings, campaigns, ...). Refused
    while it keeps a legal hold, or recordings or call rows inside retention, unless --archive
    FILE or --purge says what happens to them. Asks first on a terminal; needs --yes in a script."""
    from ccctl.config import entities
    from ccctl.errors import CcError, InvalidInput

    if archive and purge:
        raise InvalidInput("--archive and --purge: choose one")
    c = open_services(ctx)
    t = entities.get_tenant(c, name)
    if not dry_run:
        question = (
            f"Remove tenant {name} with its {len(t.seats)} seat(s), {len(t.queues)} queue(s) and "
            f"{len(t.numbers)} number(s)?"
        )
        if purge and not yes and common.on_terminal():
            typed = typer.prompt(
                f"{question.rstrip('?')}, and delete its recordings and call rows? Type the tenant's name to confirm",
                default="",
                show_default=False,
                err=True,
            )
            if typed != name:
                raise CcError("nothing changed")
        else:
            confirm(question, yes)
    if archive and not dry_run:
        from ccctl.config.tenant_data import archive as write_archive

        figures = write_archive(c, name, archive)
        output.message(
            f"archived {figures['files']} recording(s) and {figures['calls']} call row(s) to {figures['out']}"
        )
    report(entities.remove_tenant(c, name, dry_run=dry_run, purge=purge or bool(archive)), as_json, c)


@app.command("move")
def move(
    ctx: typer.Context,
    name: str = NAME,
    to: str = typer.Option(..., "--to", metavar="NODE", help="The node to serve the tenant from now on."),
    dry_run: bool = DRY_RUN,
    as_json: bool = JSON,
):
    """Make NODE the tenant's home node: its configuration leaves the old node and the edge
    routes its next calls to NODE. Exits 3 for an unknown node, 4 when NODE is draining, down
    or has no room for the tenant's call cap."""
    from ccctl.fleet.moves import move_tenant

    c = open_services(ctx)
    report(move_tenant(c, name, to, dry_run=dry_run), as_json, c)


@recording_app.command("set", cls=FieldsHelpCommand, epilog="fields:recording")
def recording_set(
    ctx: typer.Context,
    tenant: str = NAME,
    fields: list[str] = typer.Argument(..., metavar="KEY=VALUE"),
    dry_run: bool = DRY_RUN,
    as_json: bool = JSON,
):
    """Change TENANT's recording policy (mode, format, retention_days, legal_hold)."""
    from ccctl.config import entities

    c = open_services(ctx)
    changes = {f"recording.{k}": v for k, v in _typed("Recording", fields).items()}
    report(entities.set_tenant(c, tenant, changes, dry_run=dry_run), as_json, c)

"""`ccctl NOUN add|list|show|set|remove` for every resource inside a tenant, built once."""

from __future__ import annotations

from typing import Optional

import typer

from .. import resources
from ..site import spec as s
from . import output
from .common import DRY_RUN, JSON, ErrorMappingGroup, open_context, parse_assignments, report
from .fields_help import fields_help

COLUMNS = {
    "seat": ["tenant", "extension", "name", "skills", "remote"],
    "queue": ["tenant", "name", "strategy", "skill", "max_wait", "overflow", "service_level", "wrapup"],
    "ivr": ["tenant", "name", "options", "hours", "closed", "on_failure"],
    "number": ["tenant", "number", "target"],
    "trunk": ["tenant", "name", "type", "host", "port", "transport", "register", "span_group"],
    "customer": ["tenant", "number", "name", "fields"],
}


def _row(tenant: str, item: s.Spec) -> dict:
    return {"tenant": tenant, **item.model_dump(mode="json", exclude={"password"})}


def noun_app(noun: str) -> typer.Typer:
    n = resources.NOUNS[noun]
    key_help = f"The {noun}'s {n.key}."
    app = typer.Typer(cls=ErrorMappingGroup, help=f"Manage {n.collection} of a tenant.", no_args_is_help=True)
    epilog = fields_help(n.spec, skip=(n.key,))

    @app.command("add", epilog=epilog)
    def add(ctx: typer.Context, tenant: str, key: str = typer.Argument(..., help=key_help),
            fields: Optional[list[str]] = typer.Argument(None, metavar="[KEY=VALUE]..."),
            dry_run: bool = DRY_RUN, as_json: bool = JSON):
        """Add a {noun} to TENANT."""
        c = open_context(ctx)
        report(resources.add_item(c, noun, tenant, key, parse_assignments(fields), dry_run=dry_run), as_json, c)

    @app.command("list")
    def list_(ctx: typer.Context, tenant: Optional[str] = typer.Argument(None, help="Only this tenant."),
              as_json: bool = JSON):
        """List {noun}s (of every tenant, or of TENANT)."""
        rows = [_row(t, item) for t, item in resources.list_items(open_context(ctx), noun, tenant)]
        output.emit(rows, as_json, columns=COLUMNS[noun])

    @app.command("show")
    def show(ctx: typer.Context, tenant: str, key: str = typer.Argument(..., help=key_help), as_json: bool = JSON):
        """Show one {noun}."""
        output.emit(_row(tenant, resources.get_item(open_context(ctx), noun, tenant, key)), as_json)

    @app.command("set", epilog=epilog)
    def set_(ctx: typer.Context, tenant: str, key: str = typer.Argument(..., help=key_help),
             fields: list[str] = typer.Argument(..., metavar="KEY=VALUE..."),
             dry_run: bool = DRY_RUN, as_json: bool = JSON):
        """Change fields of a {noun}."""
        c = open_context(ctx)
        report(resources.set_item(c, noun, tenant, key, parse_assignments(fields), dry_run=dry_run), as_json, c)

    @app.command("remove")
    def remove(ctx: typer.Context, tenant: str, key: str = typer.Argument(..., help=key_help),
               dry_run: bool = DRY_RUN, as_json: bool = JSON):
        """Remove a {noun}."""
        c = open_context(ctx)
        report(resources.remove_item(c, noun, tenant, key, dry_run=dry_run), as_json, c)

    for cmd in app.registered_commands:
        cmd.callback.__doc__ = cmd.callback.__doc__.format(noun=noun)
    return app

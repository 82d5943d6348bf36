"""`ccctl tenant ...` and `ccctl recording ...` (a tenant's recording policy)."""

from __future__ import annotations

from typing import Optional

import typer

from .. import resources
from ..site import spec as s
from . import output
from .common import DRY_RUN, JSON, ErrorMappingGroup, open_context, parse_assignments, report
from .fields_help import fields_help

app = typer.Typer(cls=ErrorMappingGroup, help="Manage tenants (one SIP domain and dialplan context each).",
                  no_args_is_help=True)
recording_app = typer.Typer(cls=ErrorMappingGroup, help="Show or change a tenant's recording policy.",
                            no_args_is_help=True)

_COLLECTIONS = tuple(s.COLLECTIONS)


def _summary(t: s.Tenant) -> dict:
    return {
        "name": t.name, "display_name": t.display_name, "plan": t.plan, "domain": t.sip_domain,
        "seats": f"{len(t.seats)}/{t.seat_limit}", "call_limit": t.call_limit,
        "queues": len(t.queues), "ivrs": len(t.ivrs), "numbers": len(t.numbers),
        "recording": t.recording.mode,
    }


@app.command("add", epilog=fields_help(s.Tenant, skip=("name",) + _COLLECTIONS))
def add(ctx: typer.Context, name: str, fields: Optional[list[str]] = typer.Argument(None, metavar="[KEY=VALUE]..."),
        dry_run: bool = DRY_RUN, as_json: bool = JSON):
    """Add a tenant."""
    c = open_context(ctx)
    report(resources.add_tenant(c, name, parse_assignments(fields), dry_run=dry_run), as_json, c)


@app.command("list")
def list_(ctx: typer.Context, as_json: bool = JSON):
    """List tenants with their usage of seats and their limits."""
    tenants = resources.list_tenants(open_context(ctx))
    if as_json:
        output.emit_json([_summary(t) for t in tenants])
    else:
        output.emit([_summary(t) for t in tenants], False, columns=list(_summary(s.Tenant(name="x"))))


@app.command("show")
def show(ctx: typer.Context, name: str, as_json: bool = JSON):
    """Show a tenant's settings (its seats, queues, ... have their own commands)."""
    t = resources.get_tenant(open_context(ctx), name)
    data = t.model_dump(mode="json", exclude=set(_COLLECTIONS))
    data.update({k: len(getattr(t, k)) for k in _COLLECTIONS} if not as_json else {})
    output.emit(data, as_json)


@app.command("set", epilog=fields_help(s.Tenant, skip=("name",) + _COLLECTIONS))
def set_(ctx: typer.Context, name: str, fields: list[str] = typer.Argument(..., metavar="KEY=VALUE..."),
         dry_run: bool = DRY_RUN, as_json: bool = JSON):
    """Change a tenant's settings."""
    c = open_context(ctx)
    report(resources.set_tenant(c, name, parse_assignments(fields), dry_run=dry_run), as_json, c)


@app.command("remove")
def remove(ctx: typer.Context, name: str, dry_run: bool = DRY_RUN, as_json: bool = JSON):
    """Remove a tenant and everything in it."""
    c = open_context(ctx)
    report(resources.remove_tenant(c, name, dry_run=dry_run), as_json, c)


@recording_app.command("show")
def recording_show(ctx: typer.Context, tenant: str, as_json: bool = JSON):
    """Show TENANT's recording policy."""
    output.emit(resources.get_tenant(open_context(ctx), tenant).recording.model_dump(mode="json"), as_json)


@recording_app.command("set", epilog=fields_help(s.Recording))
def recording_set(ctx: typer.Context, tenant: str, fields: list[str] = typer.Argument(..., metavar="KEY=VALUE..."),
                  dry_run: bool = DRY_RUN, as_json: bool = JSON):
    """Change TENANT's recording policy (mode, format, retention_days, legal_hold)."""
    c = open_context(ctx)
    changes = {f"recording.{k}": v for k, v in parse_assignments(fields).items()}
    report(resources.set_tenant(c, tenant, changes, dry_run=dry_run), as_json, c)

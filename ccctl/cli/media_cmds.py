"""`ccctl media ...`: a tenant's own sound files (IVR greetings)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ccctl.cli import complete, output
from ccctl.cli.common import JSON, ErrorMappingGroup, open_services

app = typer.Typer(
    cls=ErrorMappingGroup,
    no_args_is_help=True,
    help="A tenant's own sound files: upload a greeting, list and remove them. An IVR "
    "plays one with greeting.file=NAME; a tenant can name only its own files.",
)
TENANT = typer.Argument(..., metavar="TENANT", help="The tenant's name.", autocompletion=complete.tenants)


def _tenant(ctx, name):
    from ccctl.config import entities

    c = open_services(ctx)
    return c, entities.get_tenant(c, name)


@app.command("add")
def add(
    ctx: typer.Context,
    tenant: str = TENANT,
    file: Path = typer.Argument(..., metavar="FILE", help="A sound file (WAV, FLAC, MP3, ... anything sox reads)."),
    name: Optional[str] = typer.Option(
        None, "--name", metavar="NAME", help="Name it this (default: from FILE, ending .wav)."
    ),
    replace: bool = typer.Option(False, "--replace", help="Overwrite a file of the same name."),
    as_json: bool = JSON,
):
    """Upload FILE into TENANT's media folder, converted to what calls play (8 kHz mono WAV)."""
    from ccctl.media import uploads

    c, t = _tenant(ctx, tenant)
    m = uploads.add_media(c.settings.fs_sounds_dir, t, file, name, replace=replace)
    if as_json:
        output.emit_json(m.as_dict())
    else:
        output.message(
            f"added {tenant}/{m.name} ({m.seconds} s); use it with: ccctl ivr set {tenant} IVR greeting.file={m.name}"
        )


@app.command("list")
def list_(ctx: typer.Context, tenant: str = TENANT, as_json: bool = JSON):
    """List TENANT's media files and which IVRs play them."""
    from ccctl.media import uploads

    c, t = _tenant(ctx, tenant)
    rows = [m.as_dict() for m in uploads.list_media(c.settings.fs_sounds_dir, t)]
    output.emit(rows, as_json, columns=["tenant", "name", "seconds", "bytes", "used_by"], keep=("tenant", "name"))


@app.command("remove")
def remove(
    ctx: typer.Context,
    tenant: str = TENANT,
    name: str = typer.Argument(..., metavar="NAME", help="The file's name.", autocompletion=complete.media),
    as_json: bool = JSON,
):
    """Remove one of TENANT's media files (refused while an IVR plays it)."""
    from ccctl.media import uploads

    c, t = _tenant(ctx, tenant)
    uploads.remove_media(c.settings.fs_sounds_dir, t, name)
    if as_json:
        output.emit_json({"tenant": tenant, "removed": name})
    else:
        output.message(f"removed {tenant}/{name}")

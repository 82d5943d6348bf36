"""Whole-site commands: apply, export, validate, render."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ccctl.cli import complete, output
from ccctl.cli.common import DRY_RUN, JSON, YES, confirm, open_services, report, settings_of


def apply(
    ctx: typer.Context,
    file: str = typer.Option(
        ..., "-f", "--file", metavar="FILE", help="A site YAML file, a directory of them, or - for stdin."
    ),
    dry_run: bool = DRY_RUN,
    prune: bool = typer.Option(
        False,
        "--prune",
        help="Also remove tenants the file does not mention (asks first on a terminal; needs --yes in a script).",
    ),
    yes: bool = YES,
    as_json: bool = JSON,
):
    """Make the database match a site description. Each tenant in the file is taken whole:
    what it leaves out of a tenant is removed from that tenant. A second apply of the same
    file changes nothing."""
    from ccctl.config.load import load_site
    from ccctl.config.write import apply_tenants
    from ccctl.errors import InvalidInput

    site = load_site(file)
    if prune and not site.tenants:
        raise InvalidInput(
            f"{file}: names no tenant; with --prune that would remove every tenant "
            "(remove tenants one by one with ccctl tenant remove)"
        )
    c = open_services(ctx)
    if prune and not dry_run:
        preview = apply_tenants(c, site.tenants, prune=True, dry_run=True, hardware=site.hardware)
        gone = [ch.tenant for ch in preview.changes if ch.kind == "tenant" and ch.op == "remove"]
        if gone:
            confirm(f"--prune removes tenant(s) {', '.join(gone)} and everything in them. Continue?", yes)
    result = apply_tenants(c, site.tenants, prune=prune, dry_run=dry_run, hardware=site.hardware)
    if not dry_run and any(ch.kind == "card" for ch in result.changes):
        result.messages.append("voice cards changed: `ccctl hardware apply` writes /etc/dahdi")
    report(result, as_json, c)


def export(
    ctx: typer.Context,
    out: Optional[Path] = typer.Option(
        None, "-o", "--output", metavar="FILE", help="Write to this file instead of stdout."
    ),
    tenant: Optional[list[str]] = typer.Option(
        None,
        "--tenant",
        "-t",
        help="Only this tenant (repeat for more).",
        metavar="TENANT",
        autocompletion=complete.tenants,
    ),
    as_json: bool = JSON,
):
    """Write the current state as site YAML (the same format `apply` reads; --json gives the
    same structure as JSON). Seat passwords are not exported; customers are operational data and
    travel with `ccctl customer export`."""
    import json

    from ccctl.config import entities
    from ccctl.config.export import export_yaml, site_data
    from ccctl.errors import NotFound

    c = open_services(ctx)
    tenants = entities.list_tenants(c, with_secrets=True)  # trunk passwords are part of the file
    hardware = None if tenant else _hardware(c)
    if tenant:
        missing = sorted(set(tenant) - {t.name for t in tenants})
        if missing:
            raise NotFound(f"tenant {missing[0]} not found")
        tenants = [t for t in tenants if t.name in tenant]
    text = (
        export_yaml(tenants, hardware)
        if not as_json
        else json.dumps(site_data(tenants, hardware), ensure_ascii=False, indent=2) + "\n"
    )
    if out:
        out.write_text(text, encoding="utf-8")
        output.message(f"wrote {out}")
    else:
        output.line(text.rstrip("\n"))


def validate(
    ctx: typer.Context,
    file: Optional[str] = typer.Option(
        None, "-f", "--file", metavar="FILE", help="Check this site file instead of the database."
    ),
    strict: bool = typer.Option(False, "--strict", help="Fail on warnings too."),
    as_json: bool = JSON,
):
    """Report dangling targets, duplicate extensions or numbers, routing loops, queues no
    seat can serve and trunks without credentials, one line per problem naming the object.
    Exits 1 when there is an error (or a warning, with --strict)."""
    from ccctl.config import entities
    from ccctl.config.load import load_site
    from ccctl.config.validate import check_media, check_site, check_webhooks

    campaigns = None
    if file:
        site = load_site(file)
        tenants, hardware = site.tenants, site.hardware
    else:
        from ccctl.outbound.campaigns import stored_in

        c = open_services(ctx)
        # Secrets read, never shown: a trunk's credentials are checked, not printed.
        tenants, hardware = entities.list_tenants(c, with_secrets=True), _hardware(c)
        campaigns = stored_in(c, [t.name for t in tenants])
    sounds = settings_of(ctx).fs_sounds_dir if file else c.settings.fs_sounds_dir
    problems = (
        check_site(tenants, campaigns=campaigns)
        + _hardware_problems(tenants, hardware)
        + check_media(tenants, sounds)
        + check_webhooks(tenants, settings_of(ctx).webhook_hosts)
    )
    if as_json:
        output.emit_json(
            [{"severity": p.severity, "tenant": p.tenant, "object": p.obj, "message": p.message} for p in problems]
        )
    else:
        for p in problems:
            output.line(str(p))
        if not problems:
            output.message(f"ok: {len(tenants)} tenant(s), no problems")
    failing = [p for p in problems if p.severity == "error" or strict]
    if failing:
        raise typer.Exit(1)


def render(
    ctx: typer.Context,
    out: Path = typer.Option(..., "--out", "-o", metavar="DIR", help="Directory to write the tree into."),
    force: bool = typer.Option(False, "--force", help="Replace OUT if it is not empty."),
    recordings: Optional[Path] = typer.Option(
        None,
        "--recordings",
        metavar="DIR",
        help="The recordings folder of the FreeSWITCH that runs the tree (its recordings_dir; "
        "default: CCCTL_FS_RECORDINGS_DIR): the tenants' folders are made in it.",
    ),
):
    """Write the complete FreeSWITCH configuration tree (freeswitch.xml and everything it
    includes) for the current database. The same database always gives the same bytes. The
    tenants' recordings folders are made as a deploy makes them: a call creates only the day's
    folder, so no two calls race to create a tenant's."""
    from ccctl.config import gather
    from ccctl.errors import CcError, InvalidInput
    from ccctl.recordings.folders import prepare_folders
    from ccctl.render import render_tree, write_tree

    c = open_services(ctx)
    inp = gather.render_input(c)
    files = render_tree(inp)
    root = recordings or c.settings.fs_recordings_dir
    try:
        prepare_folders(Path(root), inp.tenants)
    except OSError as exc:
        raise CcError(f"cannot prepare the recordings folders in {root}: {exc.strerror or exc}") from None
    try:
        write_tree(files, out, force=force)
    except FileExistsError as exc:
        raise InvalidInput(str(exc)) from None
    output.message(f"wrote {len(files)} files to {out}; recordings folders ready in {root}")


def _hardware(c):
    from ccctl.hardware.api import get_hardware

    return get_hardware(c)


def _hardware_problems(tenants, hardware) -> list:
    """The voice cards' problems, including span groups the tenants' tdm trunks share."""
    from ccctl.hardware.check import check_hardware
    from ccctl.hardware.spec import Hardware

    trunks = [(t.name, tr.name, tr.span_group) for t in tenants for tr in t.trunks if tr.type == "tdm"]
    return check_hardware(hardware or Hardware(), trunks)

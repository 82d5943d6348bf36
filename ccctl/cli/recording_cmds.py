"""`ccctl recording ...`: a tenant's recording policy (tenant.py) and its recordings: list,
show, legal hold, storage used, purge past retention, export for download."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ccctl.cli import complete, output
from ccctl.cli.common import DRY_RUN, JSON, YES, confirm, open_services, report
from ccctl.cli.progress import bar
from ccctl.cli.tenant import NAME
from ccctl.cli.tenant import recording_app as app

app.info.help = (
    "A tenant's recording policy and its recordings: list, show, legal hold, storage, purge past retention, export."
)

TENANT_OPT = typer.Option(None, "--tenant", metavar="TENANT", help="Only this tenant.", autocompletion=complete.tenants)
CALL = typer.Argument(None, metavar="CALL", help="A call's id (its uuid); left out, the whole tenant.")
SINCE = typer.Option(
    None, "--since", metavar="TIME", help="Calls started at or after (ISO date/time, UTC, or Unix seconds)."
)
UNTIL = typer.Option(None, "--until", metavar="TIME", help="Calls started before.")
LIST_COLUMNS = ["started", "tenant", "call", "bytes", "status", "masked", "purge_after", "path"]
USAGE_COLUMNS = ["tenant", "files", "size", "held", "tenant_hold", "retention_days", "oldest", "due_files", "due_size"]


def human(n: int) -> str:
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if size < 1024 or unit == "TiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return str(n)


def _time(value, name):
    from ccctl.stats.calls import parse_time

    return parse_time(value, name)


@app.command("show")
def show(ctx: typer.Context, tenant: str = NAME, call: Optional[str] = CALL, as_json: bool = JSON):
    """Show TENANT's recording policy, or with CALL that call's recordings (file, size, status,
    when it is due for purge)."""
    c = open_services(ctx)
    if call is None:
        from ccctl.config import entities

        output.emit(entities.get_tenant(c, tenant).recording.model_dump(mode="json"), as_json)
        return
    from ccctl.recordings import index

    rows = index.show(c, tenant, call)
    output.emit(rows if as_json or len(rows) > 1 else rows[0], as_json, columns=LIST_COLUMNS, keep=("call", "path"))


@app.command("list")
def list_(
    ctx: typer.Context,
    tenant: Optional[str] = TENANT_OPT,
    since: Optional[str] = SINCE,
    until: Optional[str] = UNTIL,
    held: bool = typer.Option(False, "--held", help="Only recordings under a call's legal hold."),
    purged: bool = typer.Option(False, "--purged", help="Include purged recordings (their rows stay)."),
    limit: int = typer.Option(1000, "--limit", min=0, help="At most this many (0: all)."),
    as_json: bool = JSON,
):
    """List recordings, oldest first (the folders are scanned first, so every file is known)."""
    from ccctl.recordings import index
    from ccctl.stats.calls import require_tenant

    c = open_services(ctx)
    if tenant:
        require_tenant(c, tenant)  # an unknown tenant: exit 3, not an empty list
    rows = index.list_recordings(
        c,
        tenant=tenant,
        since=_time(since, "--since"),
        until=_time(until, "--until"),
        held=True if held else None,
        purged=purged,
        limit=limit or None,
    )
    output.emit(rows, as_json, columns=LIST_COLUMNS, keep=("started", "call"))


@app.command("masks")
def masks(
    ctx: typer.Context,
    tenant: str = NAME,
    call: Optional[str] = CALL,
    since: Optional[str] = SINCE,
    until: Optional[str] = UNTIL,
    as_json: bool = JSON,
):
    """The masked spans of TENANT's recordings (*4 ... *5 from a seat's phone, `ccctl agent
    mask`): call, seat, start and end (UTC), seconds. A mask never resumed ends with its call."""
    from ccctl.recordings import masks as m
    from ccctl.stats.calls import require_tenant

    c = open_services(ctx)
    require_tenant(c, tenant)
    with c.engine.connect() as conn:
        rows = m.spans(conn, tenant, since=_time(since, "--since"), until=_time(until, "--until"), call=call)
    output.emit(m.as_rows(rows), as_json, columns=["start", "end", "seconds", "call", "seat"], keep=("call",))


def _hold(ctx, tenant, call, held: bool, reason, dry_run, as_json):
    c = open_services(ctx)
    if call is None:
        from ccctl.config import entities

        report(entities.set_tenant(c, tenant, {"recording.legal_hold": held}, dry_run=dry_run), as_json, c)
        return
    from ccctl.recordings import index

    if dry_run:
        output.emit(index.show(c, tenant, call), as_json, columns=LIST_COLUMNS)
        output.message("dry run: nothing changed")
        return
    output.emit(index.set_hold(c, tenant, call, held, reason), as_json)


@app.command("hold")
def hold(
    ctx: typer.Context,
    tenant: str = NAME,
    call: Optional[str] = CALL,
    reason: Optional[str] = typer.Option(None, "--reason", metavar="TEXT", help="Why (a case number)."),
    dry_run: bool = DRY_RUN,
    as_json: bool = JSON,
):
    """Put CALL's recordings (or every recording of TENANT) under legal hold: no purge deletes
    them, whatever their age, until released."""
    _hold(ctx, tenant, call, True, reason, dry_run, as_json)


@app.command("release")
def release(
    ctx: typer.Context, tenant: str = NAME, call: Optional[str] = CALL, dry_run: bool = DRY_RUN, as_json: bool = JSON
):
    """Lift the legal hold of CALL (or of TENANT): its recordings follow the retention again."""
    _hold(ctx, tenant, call, False, None, dry_run, as_json)


@app.command("usage")
def usage(ctx: typer.Context, tenant: Optional[str] = TENANT_OPT, as_json: bool = JSON):
    """Storage per tenant: files, bytes, held, oldest, and what the next purge would free."""
    from ccctl.recordings import index

    rows = index.usage(open_services(ctx), tenant)
    if not as_json:
        rows = [{**r, "size": human(r["bytes"]), "due_size": human(r["due_bytes"])} for r in rows]
    output.emit(rows, as_json, columns=USAGE_COLUMNS, keep=("tenant",))


@app.command("purge")
def purge(
    ctx: typer.Context,
    tenant: Optional[str] = TENANT_OPT,
    dry_run: bool = DRY_RUN,
    yes: bool = YES,
    as_json: bool = JSON,
):
    """Delete recordings past their tenant's retention_days. Never one under legal hold (the
    call's or the tenant's), one younger than the retention, or one of a tenant that keeps them
    forever (retention_days 0). Asks first on a terminal; needs --yes in a script (the box's
    daily timer runs it so)."""
    from ccctl.recordings import purge

    c = open_services(ctx)
    if not dry_run and not yes:
        due = purge.purge(c, tenant=tenant, dry_run=True)
        if not due["files"]:
            return _purged(due, as_json)
        confirm(f"Delete {due['files']} recording(s), {human(due['bytes'])}?", yes)
    with bar("purging", as_json) as progress:
        figures = purge.purge(c, tenant=tenant, dry_run=dry_run, progress=progress)
    _purged(figures, as_json)


def _purged(f: dict, as_json: bool) -> None:
    if as_json:
        output.emit_json(f)
        return
    verb = "would free" if f["dry_run"] else "freed"
    output.line(f"{f['files']} file(s), {human(f['bytes'])} {verb}")
    for name, t in sorted(f["tenants"].items()):
        output.line(f"  {name}: {t['files']} file(s), {human(t['bytes'])}")
    for key, words in (
        ("held", "kept under legal hold"),
        ("recent", "kept: changed within the retention"),
        ("missing", "already gone from disk"),
        ("errors", "could not be deleted"),
    ):
        if f[key]:
            output.message(f"{f[key]} past retention {words}")


@app.command("export")
def export(
    ctx: typer.Context,
    tenant: str = typer.Option(..., "--tenant", metavar="TENANT", help="The tenant.", autocompletion=complete.tenants),
    since: str = typer.Option(..., "--since", metavar="TIME", help="Calls started at or after (ISO date/time, UTC)."),
    until: Optional[str] = UNTIL,
    out: Path = typer.Option(
        ..., "--out", metavar="FILE.tar|DIR", help="A new .tar/.tar.gz file, or a new or empty folder."
    ),
    as_json: bool = JSON,
):
    """Copy TENANT's recordings for download, with manifest.json (each file's size and SHA-256,
    the call rows) and calls.csv. In a fleet, run it on any machine: files on other nodes are
    fetched from those nodes' daemons (their management address); a file no node gives (node
    down) is left out and named on stderr ("unreachable" in --json)."""
    from ccctl.recordings import export
    from ccctl.stats.calls import require_tenant

    c = open_services(ctx)
    require_tenant(c, tenant)  # an unknown tenant: exit 3, before anything is written
    with bar("exporting", as_json) as progress:
        r = export.export(
            c, tenant, since=_time(since, "--since"), until=_time(until, "--until"), out=out, progress=progress
        )
    if as_json:
        output.emit_json(r)
    else:
        output.line(f"{r['files']} recording(s), {human(r['bytes'])}, {r['calls']} call row(s) -> {r['out']}")
    for miss in r.get("unreachable", []):
        output.message(f"left out {miss['path']} (on node {miss['node']}): {miss['why']}")


@app.command("scan")
def scan(ctx: typer.Context, tenant: Optional[str] = TENANT_OPT, as_json: bool = JSON):
    """Bring the recordings index up to date with the folders (every other command does this
    first; here for scripts and after copying recordings in by hand)."""
    from ccctl.recordings import index

    output.emit(index.scan(open_services(ctx), tenant), as_json)

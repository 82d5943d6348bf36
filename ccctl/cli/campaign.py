"""`ccctl campaign ...` and `ccctl dnc ...`: outbound campaigns, their contacts, and the
tenant's do-not-call list. Thin over ccctl.outbound; the daemon does the dialing."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ccctl.cli import complete, output
from ccctl.cli.common import FILE_OPTION, JSON, YES, ErrorMappingGroup, confirm, one_file, open_services

app = typer.Typer(
    cls=ErrorMappingGroup,
    no_args_is_help=True,
    help="Outbound campaigns: contacts from CSV/XLSX or past calls, preview, progressive or "
    "predictive dialing by the daemon (`ccctl daemon`), retries, calling windows.",
)
dnc_app = typer.Typer(
    cls=ErrorMappingGroup, no_args_is_help=True, help="The tenant's do-not-call list: numbers no campaign ever dials."
)

TENANT = typer.Argument(..., metavar="TENANT", help="The tenant's name.", autocompletion=complete.tenants)
NAME = typer.Argument(..., metavar="CAMPAIGN", help="The campaign's name.")
NUMBERS = typer.Argument(..., metavar="NUMBER...", help="Numbers as dialled in the tenant's country, or E.164.")


def _report_import(result: dict, as_json: bool) -> None:
    if as_json:
        output.emit_json(result)
        return
    for e in result["errors"]:
        output.message(f"line {e['line']}: {e['error']}")
    parts = [f"{v} {k.replace('_', ' ')}" for k, v in result.items() if k != "errors" and v]
    output.message(", ".join(parts) or "nothing imported")
    if result["errors"]:
        output.message(f"{len(result['errors'])} row(s) skipped")


@app.command("add")
def add(
    ctx: typer.Context,
    tenant: str = TENANT,
    name: str = NAME,
    queue: Optional[str] = typer.Option(None, help="The queue whose agents take the answered calls."),
    mode: str = typer.Option(
        "progressive",
        help="preview (the agent accepts each contact first), "
        "progressive (one call per free agent) or predictive (paced by answer rate).",
    ),
    kind: str = typer.Option("agents", help="agents (answered calls go to the queue) or ivr (to --target)."),
    target: Optional[str] = typer.Option(None, help="For kind ivr: where answered calls go (ivr:NAME, ...)."),
    trunk: Optional[str] = typer.Option(
        None, help="The tenant's trunk to dial through (default: its first SIP trunk)."
    ),
    caller_id: Optional[str] = typer.Option(None, "--caller-id", help="The number callees see (E.164)."),
    country: Optional[str] = typer.Option(
        None, help="ISO country numbers are read in (default: the tenant's time zone's)."
    ),
    window: str = typer.Option("09:00-20:00", help="Calling hours HH:MM-HH:MM in each contact's own time zone."),
    days: str = typer.Option("mon-fri", help="Calling days: mon-fri, mon,wed,sat or all."),
    retries: str = typer.Option(
        "",
        metavar="DISP=MAX/SECONDS,...",
        help="Retries per disposition (busy, no_answer, machine, failed, abandoned) with "
        "their first back-off, doubling each time, over the defaults "
        "busy=3/300,no_answer=3/1800,machine=1/3600,failed=2/600,abandoned=1/600.",
    ),
    max_attempts: int = typer.Option(5, "--max-attempts", help="Attempts per contact at most."),
    max_concurrent: int = typer.Option(10, "--max-concurrent", help="Calls of this campaign up at once at most."),
    ring_timeout: int = typer.Option(25, "--ring-timeout", help="Seconds a call rings before it counts as no answer."),
    abandon_target: float = typer.Option(0.03, "--abandon-target", help="Predictive: abandon rate to stay under."),
    contacts: Optional[Path] = typer.Option(None, "--contacts", help="A CSV or XLSX file to import at once."),
    from_calls: Optional[str] = typer.Option(
        None,
        "--from-calls",
        metavar="SELECTION",
        help="Contacts from past calls: queue=X,since=yesterday|today|Nd|DATE,abandoned,not-reached,not-surveyed.",
    ),
    abandoned_today: bool = typer.Option(
        False, "--abandoned-today", help="Contacts: every caller who abandoned today and was not reached since."
    ),
    as_json: bool = JSON,
):
    """Define a campaign (state draft); start it with `ccctl campaign start`."""
    from ccctl.outbound import campaigns, return_visits, schedule

    start, sep, end = window.partition("-")
    if not sep:
        from ccctl.errors import InvalidInput

        raise InvalidInput(f"window {window!r}: expected HH:MM-HH:MM")
    selection = return_visits.parse(from_calls) if from_calls else None
    if abandoned_today:
        selection = return_visits.Selection(
            since="today", abandoned=True, not_reached=True, queue=selection.queue if selection else None
        )
    c = open_services(ctx)
    data = campaigns.add(
        c,
        tenant,
        name,
        queue=queue,
        mode=mode,
        kind=kind,
        target=target,
        trunk=trunk,
        caller_id=caller_id,
        country=country,
        window_start=start,
        window_end=end,
        days=days,
        retries=schedule.parse_retries(retries),
        max_attempts=max_attempts,
        max_concurrent=max_concurrent,
        ring_timeout=ring_timeout,
        abandon_target=abandon_target,
    )
    result = None
    try:
        if contacts is not None:
            result = campaigns.import_file(c, tenant, name, contacts).as_dict()
        elif selection is not None:
            result = campaigns.add_contacts(
                c, tenant, name, return_visits.build(c, tenant, selection, data["country"])
            ).as_dict()
    except Exception:
        campaigns.remove(c, tenant, name)  # nothing half-made: the campaign goes with its contacts
        raise
    if as_json:
        output.emit_json({**data, "import": result})
        return
    output.message(f"campaign {tenant}/{name} added ({data['mode']}, queue {data['queue'] or data['target']})")
    if result is not None:
        _report_import(result, False)


@app.command("import")
def import_(
    ctx: typer.Context,
    tenant: str = TENANT,
    name: str = NAME,
    path: Optional[str] = typer.Argument(
        None,
        metavar="FILE",
        help="CSV or XLSX: a number (or phone) column, "
        "optional name and timezone; other columns go to the agent with the call (or -f FILE).",
    ),
    file: Optional[str] = FILE_OPTION,
    as_json: bool = JSON,
):
    """Add contacts from a file. Bad rows are reported by line number; the rest are imported."""
    from ccctl.outbound import campaigns

    path = Path(one_file(path, file))
    _report_import(campaigns.import_file(open_services(ctx), tenant, name, path).as_dict(), as_json)


def _state(state: str, doc: str):
    def command(ctx: typer.Context, tenant: str = TENANT, name: str = NAME, as_json: bool = JSON):
        from ccctl.outbound import campaigns

        data = campaigns.set_state(open_services(ctx), tenant, name, state)
        output.emit_json(data) if as_json else output.message(f"campaign {tenant}/{name}: {data['state']}")

    command.__doc__ = doc
    return command


app.command("start")(_state("running", "Start (or resume) dialing; the daemon dials within a second."))
app.command("pause")(_state("paused", "Stop starting calls; calls up continue. `start` resumes."))
app.command("stop")(_state("stopped", "Stop the campaign; its contacts keep their attempts."))


@app.command("accept")
def accept(
    ctx: typer.Context,
    tenant: str = TENANT,
    name: str = NAME,
    number: str = typer.Argument(..., metavar="NUMBER", help="The contact's number (E.164)."),
    agent: str = typer.Option(..., "--agent", help="The agent's extension."),
    as_json: bool = JSON,
):
    """Preview: the agent accepts the contact offered; the daemon dials it and connects them."""
    from ccctl.outbound import campaigns

    data = campaigns.accept(open_services(ctx), tenant, name, number, agent)
    output.emit_json(data) if as_json else output.message(f"{number}: accepted by {agent}, dialing")


@app.command("status")
def status(ctx: typer.Context, tenant: str = TENANT, name: str = NAME, as_json: bool = JSON):
    """State, contacts by state and by last disposition, attempts so far."""
    from ccctl.outbound import campaigns

    data = campaigns.status(open_services(ctx), tenant, name)
    if as_json:
        output.emit_json(data)
        return
    flat = {k: v for k, v in data.items() if not isinstance(v, dict)}
    flat.update({f"contacts {k}": v for k, v in sorted(data["by_state"].items())})
    flat.update({f"last {k}": v for k, v in sorted(data["by_disposition"].items())})
    output.emit_record(flat)


@app.command("list")
def list_(
    ctx: typer.Context,
    tenant: Optional[str] = typer.Argument(
        None, metavar="TENANT", help="Only this tenant.", autocompletion=complete.tenants
    ),
    as_json: bool = JSON,
):
    """Every campaign with its state, mode and number of contacts."""
    from ccctl.outbound import campaigns

    output.emit(
        campaigns.list_(open_services(ctx), tenant),
        as_json,
        columns=["tenant", "name", "state", "mode", "kind", "queue", "contacts", "max_concurrent"],
        keep=("tenant", "name"),
    )


@app.command("show")
def show(
    ctx: typer.Context,
    tenant: str = TENANT,
    name: str = NAME,
    contacts: bool = typer.Option(False, "--contacts", help="List the contacts instead."),
    state: Optional[str] = typer.Option(None, help="With --contacts: only contacts in this state."),
    as_json: bool = JSON,
):
    """The campaign's definition (or its contacts)."""
    from ccctl.outbound import campaigns

    c = open_services(ctx)
    if contacts:
        output.emit(
            campaigns.contacts(c, tenant, name, state),
            as_json,
            columns=["id", "number", "name", "timezone", "state", "attempts", "last_disposition", "agent"],
            keep=("number",),
        )
    else:
        output.emit(campaigns.show(c, tenant, name), as_json)


@app.command("remove")
def remove(ctx: typer.Context, tenant: str = TENANT, name: str = NAME, yes: bool = YES):
    """Delete a campaign that is not running, with its contacts (call rows stay)."""
    from ccctl.outbound import campaigns

    confirm(f"Delete campaign {tenant}/{name} and its contacts?", yes)
    campaigns.remove(open_services(ctx), tenant, name)
    output.message(f"campaign {tenant}/{name} removed")


@dnc_app.command("add")
def dnc_add(
    ctx: typer.Context,
    tenant: str = TENANT,
    numbers: list[str] = NUMBERS,
    note: Optional[str] = typer.Option(None, help="Why (kept with the number)."),
    as_json: bool = JSON,
):
    """Put numbers on the do-not-call list; contacts not yet called are blocked at once."""
    from ccctl.outbound import dnc

    added = dnc.add(open_services(ctx), tenant, numbers, note)
    output.emit_json({"added": added}) if as_json else output.message(f"{len(added)} number(s) added")


@dnc_app.command("remove")
def dnc_remove(ctx: typer.Context, tenant: str = TENANT, numbers: list[str] = NUMBERS, as_json: bool = JSON):
    """Take numbers off the do-not-call list."""
    from ccctl.outbound import dnc

    removed = dnc.remove(open_services(ctx), tenant, numbers)
    output.emit_json({"removed": removed}) if as_json else output.message(f"{len(removed)} number(s) removed")


@dnc_app.command("list")
def dnc_list(ctx: typer.Context, tenant: str = TENANT, as_json: bool = JSON):
    """The tenant's do-not-call list: number, note, when it was added (the tenant's local time, ISO 8601)."""
    from ccctl.outbound import dnc

    output.emit(dnc.list_(open_services(ctx), tenant), as_json, columns=["number", "note", "added_at"])


@dnc_app.command("import")
def dnc_import(
    ctx: typer.Context,
    tenant: str = TENANT,
    path: Optional[str] = typer.Argument(None, metavar="FILE", help="CSV or XLSX with a number column (or -f FILE)."),
    file: Optional[str] = FILE_OPTION,
    note: Optional[str] = typer.Option(None, metavar="TEXT", help="Why (kept with each number)."),
    as_json: bool = JSON,
):
    """Add every number of a file; bad rows reported by line number."""
    from ccctl.outbound import dnc

    path = Path(one_file(path, file))
    _report_import(dnc.import_file(open_services(ctx), tenant, path, note), as_json)

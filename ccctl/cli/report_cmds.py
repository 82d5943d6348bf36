"""`ccctl report ...`: figures a provider bills from."""

from __future__ import annotations

from typing import Optional

import typer

from ccctl.cli import complete, output
from ccctl.cli.common import JSON, ErrorMappingGroup, open_services

app = typer.Typer(cls=ErrorMappingGroup, help="Reports for billing: usage per tenant and month.", no_args_is_help=True)


def _this_month() -> str:
    from datetime import datetime, timezone

    return datetime.now(timezone.utc).strftime("%Y-%m")


@app.command("usage")
def usage(
    ctx: typer.Context,
    tenant: Optional[str] = typer.Option(
        None, "--tenant", metavar="TENANT", help="The tenant.", autocompletion=complete.tenants
    ),
    all_: bool = typer.Option(False, "--all", help="Every tenant of the box, one row each."),
    month: Optional[str] = typer.Option(
        None, "--month", metavar="YYYY-MM", help="The month, in each tenant's time zone (default: this month)."
    ),
    as_json: bool = JSON,
    as_csv: bool = typer.Option(False, "--csv", help="Print CSV (every column) on stdout."),
):
    """Licensed seats, peak of agents logged in at once, calls and minutes in and out (rounded
    as the tenant's billing says), recording storage and the lease price of the month."""
    from ccctl.errors import InvalidInput
    from ccctl.stats import usage as u

    if bool(tenant) == all_:
        raise InvalidInput("give --tenant TENANT or --all")
    rows = u.usage(open_services(ctx), month or _this_month(), None if all_ else tenant)
    if as_csv:
        import csv
        import sys

        w = csv.DictWriter(sys.stdout, fieldnames=list(rows[0]) if rows else u.COLUMNS, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    elif as_json:
        output.emit_json(rows if all_ else rows[0])
    elif all_:
        output.emit(rows, False, columns=u.COLUMNS, keep=("tenant",))
    else:
        output.emit(rows[0], False)

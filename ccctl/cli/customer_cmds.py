"""`ccctl customer add|list|show|remove|import|export`: a tenant's customer records (screen
pop), operational data that `apply` never deletes."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from ccctl.cli import complete, output
from ccctl.cli.common import FILE_OPTION, JSON, ErrorMappingGroup, one_file, open_services, parse_assignments
from ccctl.errors import InvalidInput, NotFound

app = typer.Typer(
    cls=ErrorMappingGroup,
    help="Manage a tenant's customer records (caller number -> name, "
    "for screen pop). Not part of `apply`: an apply never deletes them.",
    no_args_is_help=True,
)
TENANT = typer.Argument(..., metavar="TENANT", help="The tenant's name.", autocompletion=complete.tenants)
NUMBER = typer.Argument(..., metavar="NUMBER", help="The customer's phone number.")
FORMAT = typer.Option(None, "--format", metavar="csv|json", help="File format (default: from the file name, else csv).")
COLUMNS = ["number", "name", "fields"]


def _fmt(fmt: str | None, path: str | None) -> str:
    from ccctl.errors import InvalidInput

    fmt = fmt or ("json" if path and path.endswith(".json") else "csv")
    if fmt not in ("csv", "json"):
        raise InvalidInput(f"--format {fmt}: csv or json")
    return fmt


@app.command("add")
def add(
    ctx: typer.Context,
    tenant: str = TENANT,
    number: str = NUMBER,
    name: str = typer.Argument(..., metavar="NAME", help="Who it is."),
    fields: Optional[list[str]] = typer.Argument(None, metavar="KEY=VALUE", help="Further fields (tier=gold)."),
    as_json: bool = JSON,
):
    """Add a customer record."""
    from ccctl.cti import customers

    c = customers.parse({"number": number, "name": name, "fields": parse_assignments(fields)}, f"customer {number}")
    customers.add_customer(open_services(ctx), tenant, c)
    output.message(f"+ customer {tenant}/{number}")


@app.command("list")
def list_(ctx: typer.Context, tenant: str = TENANT, as_json: bool = JSON):
    """List TENANT's customers."""
    from ccctl.cti import customers

    rows = [c.model_dump(mode="json") for c in customers.list_customers(open_services(ctx), tenant)]
    output.emit(rows, as_json, columns=COLUMNS, keep=("number",))


@app.command("show")
def show(ctx: typer.Context, tenant: str = TENANT, number: str = NUMBER, as_json: bool = JSON):
    """Show one customer record."""
    from ccctl.cti import customers

    output.emit(customers.get_customer(open_services(ctx), tenant, number).model_dump(mode="json"), as_json)


@app.command("remove")
def remove(ctx: typer.Context, tenant: str = TENANT, number: str = NUMBER):
    """Remove one customer record."""
    from ccctl.cti import customers

    customers.remove_customer(open_services(ctx), tenant, number)
    output.message(f"- customer {tenant}/{number}")


@app.command("import")
def import_(
    ctx: typer.Context,
    tenant: str = TENANT,
    path: Optional[str] = typer.Argument(
        None, metavar="FILE", help="CSV (number,name,...) or JSON list; - for stdin (or -f FILE)."
    ),
    file: Optional[str] = FILE_OPTION,
    fmt: Optional[str] = FORMAT,
    as_json: bool = JSON,
):
    """Add or update customers from a file (records not in it are kept)."""
    from ccctl.cti import customers

    file = one_file(path, file)
    try:
        text = sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InvalidInput(f"{file}: not UTF-8 text (a CSV or JSON file)") from None
    except IsADirectoryError:
        raise InvalidInput(f"{file}: not a regular file") from None
    except FileNotFoundError:
        raise NotFound(f"{file}: no such file") from None
    result = customers.import_customers(open_services(ctx), tenant, customers.read_file(text, _fmt(fmt, file), file))
    if as_json:
        output.emit_json(result)
    else:
        output.message(
            f"{tenant}: {result['added']} added, {result['changed']} changed, {result['unchanged']} unchanged"
        )


@app.command("export")
def export(
    ctx: typer.Context,
    tenant: str = TENANT,
    out: Optional[Path] = typer.Option(None, "-o", "--output", metavar="FILE", help="Write here instead of stdout."),
    fmt: Optional[str] = FORMAT,
):
    """Write TENANT's customers as CSV or JSON (what import reads)."""
    from ccctl.cti import customers

    text = customers.write_file(
        customers.list_customers(open_services(ctx), tenant), _fmt(fmt, str(out) if out else None)
    )
    if out:
        out.write_text(text, encoding="utf-8")
        output.message(f"wrote {out}")
    else:
        sys.stdout.write(text)

"""`ccctl seat credentials` and `ccctl seat reset-password`: the only commands that print a
seat's password (added to the generic `seat` noun)."""

from __future__ import annotations

from typing import Optional

import typer

from ccctl.cli import complete, output
from ccctl.cli.common import JSON, open_services

TENANT = typer.Argument(..., metavar="TENANT", help="The tenant's name.", autocompletion=complete.tenants)
EXTENSION = typer.Argument(
    ..., metavar="EXTENSION", help="The seat's extension.", autocompletion=complete.keys_of("seat")
)


def _print(creds, as_json: bool, qr: bool) -> None:
    if as_json:
        output.emit_json(creds.as_dict())
        return
    output.emit(creds.as_dict(), False)
    if qr:
        from ccctl.config.credentials import qr_text

        output.line(qr_text(creds.provisioning()))


def credentials(
    ctx: typer.Context,
    tenant: str = TENANT,
    extension: str = EXTENSION,
    as_json: bool = JSON,
    qr: bool = typer.Option(False, "--qr", help="Also draw a QR code holding the account (JSON) for a phone to scan."),
):
    """Print what a phone needs to register as this seat: SIP user, password, domain, server
    address and ports."""
    from ccctl.config.credentials import credentials as get

    _print(get(open_services(ctx), tenant, extension), as_json, qr)


def reset_password(
    ctx: typer.Context,
    tenant: str = TENANT,
    extension: str = EXTENSION,
    actor: Optional[str] = typer.Option(
        None, "--actor", metavar="NAME", help="Who to write in the audit log (default: the OS user)."
    ),
    as_json: bool = JSON,
    qr: bool = typer.Option(False, "--qr", help="Also draw the new account as a QR code."),
):
    """Give the seat a new generated password, live: FreeSWITCH gets it at once, the phone is
    asked to register again and the old password stops working. Prints the new credentials."""
    from ccctl.config.credentials import reset_password as reset

    _print(reset(open_services(ctx), tenant, extension, actor=actor), as_json, qr)


def extend(app: typer.Typer) -> typer.Typer:
    app.command("credentials")(credentials)
    app.command("reset-password")(reset_password)
    return app

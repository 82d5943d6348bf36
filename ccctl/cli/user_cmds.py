"""`ccctl user add|list|remove|reset-password` (people who sign in to the web service) and
`ccctl token create|list|revoke` (API tokens for scripts)."""

from __future__ import annotations

import sys
from typing import Optional

import typer

from ccctl.cli import complete, output
from ccctl.cli.common import JSON, ErrorMappingGroup, open_services

user_app = typer.Typer(
    cls=ErrorMappingGroup,
    help="Web accounts: provider-admin, tenant-admin, supervisor (optionally limited to queues), and "
    "agents, who sign in with their seat (1001@acme.example) and a web password apart from the SIP secret.",
    no_args_is_help=True,
)
token_app = typer.Typer(
    cls=ErrorMappingGroup,
    help="API tokens for scripts (Authorization: Bearer TOKEN). A token is shown once, when it is made; "
    "only its hash is kept.",
    no_args_is_help=True,
)
LOGIN = typer.Argument(..., metavar="LOGIN", help="An agent's seat (1001@acme.example) or a chosen name.")
ROLE = typer.Option(..., "--role", metavar="ROLE", help="provider-admin, tenant-admin, supervisor or agent.")
TENANT = typer.Option(
    None, "--tenant", metavar="TENANT", help="The tenant (not for a provider admin).", autocompletion=complete.tenants
)
QUEUES = typer.Option(None, "--queue", metavar="QUEUE", help="A supervisor limited to this queue (repeatable).")
PASSWORD_STDIN = typer.Option(
    False,
    "--password-stdin",
    help="Read the password from the first line of stdin (else one is generated and shown once).",
)


def _password(from_stdin: bool) -> tuple[str, bool]:
    """(password, generated)."""
    from ccctl.access import passwords

    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n"), False
    return passwords.new_password(), True


@user_app.command("add")
def user_add(
    ctx: typer.Context,
    login: str = LOGIN,
    role: str = ROLE,
    tenant: Optional[str] = TENANT,
    queue: Optional[list[str]] = QUEUES,
    password_stdin: bool = PASSWORD_STDIN,
    as_json: bool = JSON,
):
    """Add a web account. An agent's tenant comes from the seat's domain."""
    from ccctl.access import accounts

    password, generated = _password(password_stdin)
    row = accounts.add_user(open_services(ctx), login, role, tenant=tenant, queues=queue, password=password)
    if generated:
        row["password"] = password
    if as_json:
        output.emit_json(row)
        return
    output.message(f"+ user {login} ({role}{' of ' + row['tenant'] if row['tenant'] else ''})")
    if generated:
        output.message("its password (shown this once):")
        output.line(password)


@user_app.command("list")
def user_list(ctx: typer.Context, tenant: Optional[str] = TENANT, as_json: bool = JSON):
    """List web accounts (of TENANT)."""
    from ccctl.access import accounts

    rows = accounts.list_users(open_services(ctx), tenant)
    output.emit(rows, as_json, columns=["login", "role", "tenant", "extension", "queues", "orphaned"], keep=("login",))


@user_app.command("remove")
def user_remove(ctx: typer.Context, login: str = LOGIN):
    """Remove a web account; its sessions end."""
    from ccctl.access import accounts

    accounts.remove_user(open_services(ctx), login)
    output.message(f"- user {login}")


@user_app.command("reset-password")
def user_reset_password(
    ctx: typer.Context, login: str = LOGIN, password_stdin: bool = PASSWORD_STDIN, as_json: bool = JSON
):
    """Give a web account a new password; its sessions end."""
    from ccctl.access import accounts

    password, generated = _password(password_stdin)
    accounts.reset_password(open_services(ctx), login, password)
    if as_json:
        output.emit_json({"login": login, **({"password": password} if generated else {})})
        return
    output.message(f"~ user {login}: new password")
    if generated:
        output.line(password)


@token_app.command("create")
def token_create(
    ctx: typer.Context,
    role: str = typer.Option(..., "--role", metavar="ROLE", help="provider-admin, tenant-admin or supervisor."),
    tenant: Optional[str] = TENANT,
    queue: Optional[list[str]] = QUEUES,
    name: Optional[str] = typer.Option(None, "--name", help="What the token is for."),
    days: Optional[int] = typer.Option(None, "--days", help="Valid this many days (default: until revoked)."),
    as_json: bool = JSON,
):
    """Make an API token and print it (the only time it is shown)."""
    from ccctl.access import tokens

    row = tokens.create_token(open_services(ctx), role, tenant=tenant, name=name, queues=queue, days=days)
    if as_json:
        output.emit_json(row)
        return
    output.message(f"+ token {row['key']} ({role}{' of ' + tenant if tenant else ''}); shown this once:")
    output.line(row["token"])


@token_app.command("list")
def token_list(ctx: typer.Context, as_json: bool = JSON):
    """List API tokens (their keys, never their secrets)."""
    from ccctl.access import tokens

    output.emit(
        tokens.list_tokens(open_services(ctx)),
        as_json,
        columns=["key", "name", "role", "tenant", "queues", "expires_at"],
    )


@token_app.command("revoke")
def token_revoke(ctx: typer.Context, key: str = typer.Argument(..., help="The token's key (see token list).")):
    """Revoke an API token at once."""
    from ccctl.access import tokens

    tokens.revoke_token(open_services(ctx), key)
    output.message(f"- token {key}")

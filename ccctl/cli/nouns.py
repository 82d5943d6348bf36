"""`ccctl NOUN add|list|show|set|remove` for every resource inside a tenant, built once."""

from __future__ import annotations

from typing import Optional

import typer

from ccctl.cli import complete, output
from ccctl.cli.common import (
    DRY_RUN,
    JSON,
    ErrorMappingGroup,
    FieldsHelpCommand,
    open_services,
    parse_assignments,
    report,
)

# noun: (its key, how people write it, plural). The schema (site/spec.py COLLECTIONS) is the
# definition; this copy lets the CLI start without importing it (tests keep the two equal).
NOUNS = {
    "seat": ("extension", "seat", "seats"),
    "queue": ("name", "queue", "queues"),
    "ivr": ("name", "IVR", "IVRs"),
    "number": ("number", "number", "numbers"),
    "trunk": ("name", "trunk", "trunks"),
}

COLUMNS = {
    "seat": ["tenant", "extension", "name", "skills", "remote", "supervisor"],
    "queue": ["tenant", "name", "strategy", "skill", "max_wait", "overflow", "service_level", "wrapup"],
    "ivr": ["tenant", "name", "options", "hours", "closed", "on_failure"],
    "number": ["tenant", "number", "target"],
    "trunk": ["tenant", "name", "type", "host", "port", "transport", "register", "span_group"],
}

TENANT = typer.Argument(..., metavar="TENANT", help="The tenant's name.", autocompletion=complete.tenants)


def _article(word: str) -> str:
    return ("an " if word[0] in "aeiouAEIOU" else "a ") + word


def _row(tenant: str, item) -> dict:
    return {"tenant": tenant, **item.model_dump(mode="json", exclude={"password"})}


def noun_app(noun: str) -> typer.Typer:
    key, word, plural = NOUNS[noun]
    key_arg = typer.Argument(
        ..., metavar=key.upper(), help=f"The {word}'s {key}.", autocompletion=complete.keys_of(noun)
    )
    app = typer.Typer(cls=ErrorMappingGroup, help=f"Manage a tenant's {plural}.", no_args_is_help=True)
    fields = f"fields:{noun}"

    def typed(pairs):
        from ccctl.config import entities

        return entities.typed_fields(entities.NOUNS[noun].spec, parse_assignments(pairs))

    @app.command("add", cls=FieldsHelpCommand, epilog=fields, help=f"Add {_article(word)} to TENANT.")
    def add(
        ctx: typer.Context,
        tenant: str = TENANT,
        key: str = key_arg,
        fields: Optional[list[str]] = typer.Argument(None, metavar="KEY=VALUE"),
        dry_run: bool = DRY_RUN,
        as_json: bool = JSON,
    ):
        from ccctl.config import entities

        c = open_services(ctx)
        report(entities.add_item(c, noun, tenant, key, typed(fields), dry_run=dry_run), as_json, c)

    @app.command("list", help=f"List the {plural} of every tenant, or of TENANT.")
    def list_(
        ctx: typer.Context,
        tenant: Optional[str] = typer.Argument(
            None, metavar="TENANT", help="Only this tenant.", autocompletion=complete.tenants
        ),
        as_json: bool = JSON,
    ):
        from ccctl.config import entities

        rows = [_row(t, item) for t, item in entities.list_items(open_services(ctx), noun, tenant)]
        output.emit(rows, as_json, columns=COLUMNS[noun], keep=("tenant", key))

    @app.command("show", help=f"Show one {word}.")
    def show(ctx: typer.Context, tenant: str = TENANT, key: str = key_arg, as_json: bool = JSON):
        from ccctl.config import entities

        output.emit(_row(tenant, entities.get_item(open_services(ctx), noun, tenant, key)), as_json)

    @app.command("set", cls=FieldsHelpCommand, epilog=fields, help=f"Change fields of {_article(word)}.")
    def set_(
        ctx: typer.Context,
        tenant: str = TENANT,
        key: str = key_arg,
        fields: list[str] = typer.Argument(..., metavar="KEY=VALUE"),
        dry_run: bool = DRY_RUN,
        as_json: bool = JSON,
    ):
        from ccctl.config import entities

        c = open_services(ctx)
        report(entities.set_item(c, noun, tenant, key, typed(fields), dry_run=dry_run), as_json, c)

    @app.command("remove", help=f"Remove {_article(word)} (refused while something still routes to it).")
    def remove(
        ctx: typer.Context, tenant: str = TENANT, key: str = key_arg, dry_run: bool = DRY_RUN, as_json: bool = JSON
    ):
        from ccctl.config import entities

        c = open_services(ctx)
        report(entities.remove_item(c, noun, tenant, key, dry_run=dry_run), as_json, c)

    return app

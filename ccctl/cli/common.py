"""What every command shares: opening the context, KEY=VALUE arguments, the --json flag,
and mapping ccctl's typed errors to exit codes."""

from __future__ import annotations

import typer
from typer.core import TyperGroup

from ..context import Context
from ..errors import CcError, InvalidInput
from ..service import Result
from ..settings import Settings
from ..site import yamlio
from . import output

JSON = typer.Option(False, "--json", help="Print machine-readable JSON on stdout.")
DRY_RUN = typer.Option(False, "--dry-run", help="Show what would change and change nothing.")


class ErrorMappingGroup(TyperGroup):
    """Turns a CcError raised anywhere below into a one-line message and its exit code."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except CcError as exc:
            output.error(str(exc))
            raise typer.Exit(exc.exit_code) from None


def open_context(ctx: typer.Context) -> Context:
    obj = ctx.find_root().obj or {}
    if "context" not in obj:
        settings = Settings.from_env()
        if obj.get("db"):
            settings = settings.with_(db=obj["db"])
        context = Context.open(settings)
        if settings.fs_deploy != "off":
            from ..deploy import install_hook

            install_hook(context)
        obj["context"] = context
        ctx.find_root().obj = obj
    return obj["context"]


def parse_assignments(pairs: list[str] | None) -> dict:
    """KEY=VALUE pairs; VALUE is read as YAML, so skills={sales: 5} and remote=true work."""
    out = {}
    for pair in pairs or []:
        key, sep, raw = pair.partition("=")
        if not sep or not key:
            raise InvalidInput(f"{pair!r}: expected KEY=VALUE")
        value = yamlio.parse(raw, f"value of {key}") if raw.strip() else None
        out[key.strip()] = value
    return out


def report(result: Result, as_json: bool, ctx: Context | None = None) -> None:
    if as_json:
        output.emit_json(result.as_dict())
    else:
        for change in result.changes:
            output.out.print(str(change), highlight=False, markup=False)
        if not result.changes:
            output.message("no changes")
        elif result.dry_run:
            output.message(f"dry run: {len(result.changes)} change(s) not applied")
    for w in result.warnings:
        output.message(str(w))
    if ctx is not None:
        for m in ctx.messages:
            output.message(m)

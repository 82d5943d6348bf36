"""What every command shares: opening the context, KEY=VALUE arguments, the --json flag,
confirmation of destructive commands, and mapping every error to one line and its exit code.

Nothing heavy is imported here (no database, schema or rendering code): `ccctl --version`,
`--help` and shell completion start in a fraction of the time a command that works does.
"""

from __future__ import annotations

import sys

import typer
from typer._click.exceptions import UsageError
from typer.core import TyperCommand, TyperGroup

from ccctl.cli import output
from ccctl.errors import CcError, InvalidInput, NeedsConfirmation


def _no_python_types() -> None:
    """Typer labels each argument and option with its Python type (<str>, <list[str]>) and a
    number's bounds as `x>=0`; ccctl's help says what a value is in words instead: an option
    that takes a value shows a placeholder (its metavar, else N for a number, else its name:
    `--queue QUEUE`), bounds read `at least 1`, and the usage line names a required argument
    bare and an optional one in brackets (TENANT, [TENANT]), as man pages do."""
    core = typer.core
    param = getattr(core, "_TyperParameter", None)
    if param is None or not hasattr(param, "display_type"):
        return

    def display_type(self, ctx) -> str:
        if getattr(self, "param_type_name", "") != "option":
            return ""
        desc = getattr(self, "type_descriptor", None)
        annotation = getattr(desc, "annotation", None)
        if annotation in (int, float) or getattr(getattr(self, "type", None), "name", "") in ("integer", "float"):
            return "N"
        longs = [o for o in self.opts if o.startswith("--")] or self.opts
        return longs[0].lstrip("-").upper()

    def number_range(self) -> str | None:
        low, high = getattr(self, "min", None), getattr(self, "max", None)
        if low is not None and high is not None:
            return f"{low:g} to {high:g}"
        if low is not None:
            return f"at least {low:g}"
        if high is not None:
            return f"at most {high:g}"
        return None

    param.display_type = display_type
    if hasattr(param, "_get_number_range_help_str"):
        param._get_number_range_help_str = number_range
    for cls in (getattr(core, "TyperOption", None), getattr(core, "TyperArgument", None)):
        if cls is not None and "_get_number_range_help_str" in vars(cls):
            cls._get_number_range_help_str = number_range
    argument = getattr(core, "TyperArgument", None)
    if argument is not None and hasattr(argument, "_usage_display_name"):

        def usage_name(self) -> str:
            name = self.display_name_raw if self.required else f"[{self.display_name_raw}]"
            return name + ("..." if self.nargs != 1 else "")

        argument._usage_display_name = usage_name


_no_python_types()

JSON = typer.Option(False, "--json", help="Print machine-readable JSON on stdout (errors as JSON on stderr).")
DRY_RUN = typer.Option(False, "--dry-run", help="Show what would change and change nothing.")
YES = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation (needed when not on a terminal).")


def _args_ask_json(ctx) -> bool:
    """--json among the words still to parse (the group hands them on and forgets them)."""
    rest = list(getattr(ctx, "_protected_args", None) or []) + list(ctx.args)
    if "--" in rest:
        rest = rest[: rest.index("--")]
    return "--json" in rest or bool(ctx.params.get("as_json"))


def _unexpected(exc: Exception) -> CcError:
    """An error no command anticipated, still as one line (CCCTL_DEBUG=1 shows the traceback)."""
    if isinstance(exc, OSError):
        where = f"{exc.filename}: " if exc.filename else ""
        return CcError(f"{where}{exc.strerror or exc}")
    if type(exc).__module__.startswith("sqlalchemy"):
        return CcError(f"database error: {str(getattr(exc, 'orig', None) or exc).splitlines()[0]}")
    return CcError(f"internal error ({type(exc).__name__}: {exc}); please report it (CCCTL_DEBUG=1 shows where)")


class ErrorMappingGroup(TyperGroup):
    """Turns any error raised below into a one-line message (JSON with --json) and its exit code."""

    def invoke(self, ctx):
        as_json = _args_ask_json(ctx)
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, SystemExit):
            raise
        except KeyboardInterrupt:
            output.error("interrupted")
            raise typer.Exit(130) from None
        except UsageError as exc:
            if not as_json:
                raise
            output.error(exc.format_message(), as_json=True, id="usage", exit_code=exc.exit_code)
            raise typer.Exit(exc.exit_code) from None
        except Exception as exc:
            if not isinstance(exc, CcError) and (getattr(exc, "exit_code", None) is not None or _debugging()):
                raise  # click's own usage errors (exit 2), or a developer asking for the traceback
            err = exc if isinstance(exc, CcError) else _unexpected(exc)
            output.error(err.message, as_json=as_json, id=err.id, exit_code=err.exit_code)
            raise typer.Exit(err.exit_code) from None


class FieldsHelpCommand(TyperCommand):
    """A command whose epilog (the fields a noun takes) is built from the schema only when
    --help is asked for: the schema is the slowest import of all."""

    def format_epilog(self, ctx, formatter):
        if self.epilog and self.epilog.startswith("fields:"):
            from ccctl.cli.fields_help import epilog_for

            text = epilog_for(self.epilog.removeprefix("fields:"))
            saved, self.epilog = self.epilog, text
            try:
                return super().format_epilog(ctx, formatter)
            finally:
                self.epilog = saved
        return super().format_epilog(ctx, formatter)


FILE_OPTION = typer.Option(None, "-f", "--file", metavar="FILE", help="The same as the FILE argument.")
"""Commands that read a file take it either way, `import TENANT FILE` or `import TENANT -f FILE`
(one convention for every import; apply and validate take -f only)."""


def one_file(argument: str | None, option: str | None) -> str:
    """The file named by the FILE argument or by -f FILE: exactly one of them (usage error, exit 2)."""
    if argument and option:
        raise UsageError("give the file once: as FILE or as -f FILE")
    if not (argument or option):
        raise UsageError("missing the file: FILE or -f FILE")
    return argument or option


def open_services(ctx: typer.Context):
    """The command's Services (ccctl.app.open): opened once per command line, deploying
    configuration changes unless CCCTL_FS_DEPLOY=off."""
    obj = ctx.find_root().obj or {}
    if "services" not in obj:
        from ccctl import app

        obj["services"] = app.open(settings_of(ctx))
        ctx.find_root().obj = obj
    return obj["services"]


def _debugging() -> bool:
    """CCCTL_DEBUG, through the one settings object (an environment it refuses: no)."""
    from ccctl.settings import Settings

    try:
        return Settings.from_env().debug
    except CcError:
        return False


def settings_of(ctx: typer.Context):
    from ccctl.settings import Settings

    settings = Settings.from_env()
    db = (ctx.find_root().obj or {}).get("db")
    return settings.with_(db=db) if db else settings


def parse_assignments(pairs: list[str] | None) -> dict[str, str]:
    """KEY=VALUE pairs as written; the schema decides later how each VALUE is read."""
    out = {}
    for pair in pairs or []:
        key, sep, raw = pair.partition("=")
        if not sep or not key.strip():
            raise InvalidInput(f"{pair!r}: expected KEY=VALUE")
        out[key.strip()] = raw
    return out


def on_terminal() -> bool:
    return sys.stdin.isatty() and sys.stderr.isatty()


def confirm(question: str, yes: bool) -> None:
    """Ask before destroying data: on a terminal, a question; in a script, --yes is required."""
    if yes:
        return
    if not on_terminal():
        raise NeedsConfirmation(f"{question.rstrip('?')}: add --yes to confirm (not on a terminal)")
    if not typer.confirm(question, default=False, err=True):
        raise CcError("nothing changed")


def report(result, as_json: bool, ctx=None) -> None:
    if as_json:
        output.emit_json(result.as_dict())
    else:
        for change in result.changes:
            output.line(str(change))
        if not result.changes:
            output.message("no changes")
        elif result.dry_run:
            output.message(f"dry run: {len(result.changes)} change(s) not applied")
    for w in result.warnings:
        output.message(str(w))
    for m in getattr(result, "messages", ()):
        output.message(m)

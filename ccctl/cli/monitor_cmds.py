"""`ccctl monitor ...` (supervisor actions on live calls) and `ccctl audit list`."""

from __future__ import annotations

from typing import Optional

import typer

from ccctl.cli import complete, output
from ccctl.cli.common import JSON, ErrorMappingGroup, open_services

monitor_app = typer.Typer(
    cls=ErrorMappingGroup,
    no_args_is_help=True,
    help=(
        "Supervise live calls of one tenant: listen, whisper, barge, hang up, three-way, transfer. "
        "Everything outside the tenant is refused (exit 4); every attempt goes to the audit log."
    ),
)
audit_app = typer.Typer(
    cls=ErrorMappingGroup,
    no_args_is_help=True,
    help="The audit log: who did what to which call, when, and how it went.",
)

TENANT = typer.Argument(..., metavar="TENANT", help="The tenant's name.", autocompletion=complete.tenants)
SUPERVISOR = typer.Argument(
    ...,
    metavar="SUPERVISOR_EXT",
    help="The supervisor's seat (its phone rings).",
    autocompletion=complete.keys_of("seat"),
)
AGENT = typer.Argument(
    ..., metavar="AGENT_EXT", help="The agent's seat, on a call.", autocompletion=complete.keys_of("seat")
)
CALL = typer.Argument(..., metavar="CALL", help="A call's uuid, or the extension of the agent on it.")
ACTOR = typer.Option(None, "--actor", metavar="NAME", help="Who to write in the audit log (default: the OS user).")


def _show(result, as_json: bool) -> None:
    if as_json:
        output.emit_json(result.as_dict())
    else:
        output.message(
            f"{result.tenant}: {result.detail} (call {result.call}"
            + (f", new leg {result.channel})" if result.channel else ")")
        )


def _eavesdrop(mode: str, doc: str):
    def command(
        ctx: typer.Context,
        tenant: str = TENANT,
        supervisor: str = SUPERVISOR,
        agent: str = AGENT,
        actor: Optional[str] = ACTOR,
        as_json: bool = JSON,
    ):
        from ccctl.supervision import monitor

        _show(getattr(monitor, mode)(open_services(ctx), tenant, supervisor, agent, actor=actor), as_json)

    command.__doc__ = doc
    return command


monitor_app.command("listen")(
    _eavesdrop("listen", "Ring the supervisor's phone into the agent's call to listen, unheard.")
)
monitor_app.command("whisper")(
    _eavesdrop("whisper", "Ring the supervisor's phone into the agent's call; only the agent hears the supervisor.")
)
monitor_app.command("barge")(
    _eavesdrop("barge", "Ring the supervisor's phone into the agent's call; everyone hears the supervisor.")
)


@monitor_app.command("hangup")
def hangup(
    ctx: typer.Context, tenant: str = TENANT, call: str = CALL, actor: Optional[str] = ACTOR, as_json: bool = JSON
):
    """End a call on every leg."""
    from ccctl.supervision import monitor

    _show(monitor.hangup(open_services(ctx), tenant, call, actor=actor), as_json)


@monitor_app.command("three-way")
def three_way(
    ctx: typer.Context,
    tenant: str = TENANT,
    agent: str = AGENT,
    number: str = typer.Argument(..., metavar="NUMBER", help="A seat of the tenant or an outside number."),
    actor: Optional[str] = ACTOR,
    as_json: bool = JSON,
):
    """Call NUMBER and join it to the agent's call: three parties hear each other."""
    from ccctl.supervision import monitor

    _show(monitor.three_way(open_services(ctx), tenant, agent, number, actor=actor), as_json)


@monitor_app.command("transfer")
def transfer(
    ctx: typer.Context,
    tenant: str = TENANT,
    call: str = CALL,
    target: str = typer.Argument(
        ...,
        metavar="TARGET",
        help="A seat, queue or IVR of the tenant (EXT, NAME, seat:EXT, queue:NAME, ivr:NAME) or a number.",
    ),
    attended: bool = typer.Option(
        False, "--attended", help="The agent talks to TARGET first; the call joins it when the agent hangs up."
    ),
    actor: Optional[str] = ACTOR,
    as_json: bool = JSON,
):
    """Move a call to TARGET. Blind by default: given an agent's extension, the party the agent
    talks to moves and the agent's leg ends; given a uuid, that channel moves."""
    from ccctl.supervision import monitor

    _show(monitor.transfer(open_services(ctx), tenant, call, target, attended, actor=actor), as_json)


@audit_app.command("list")
def list_(
    ctx: typer.Context,
    tenant: Optional[str] = typer.Option(
        None, "--tenant", metavar="TENANT", help="Only this tenant.", autocompletion=complete.tenants
    ),
    since: Optional[str] = typer.Option(
        None, "--since", metavar="WHEN", help="From this date or time (UTC), or this far back (30m, 12h, 7d)."
    ),
    limit: Optional[int] = typer.Option(None, "--limit", min=1, metavar="N", help="Only the newest N entries."),
    as_json: bool = JSON,
):
    """Audit entries, oldest first: when, who, tenant, action, subject, call, result, detail."""
    from ccctl.supervision import audit

    rows = [r.as_dict() for r in audit.entries(open_services(ctx), tenant, since, limit)]
    output.emit(
        rows,
        as_json,
        columns=["at", "actor", "tenant", "action", "subject", "call", "result", "detail"],
        keep=("at", "actor", "tenant", "action", "result"),
    )

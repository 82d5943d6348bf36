"""`ccctl agent ...` and `ccctl status`: the live side, over the Event Socket."""

from __future__ import annotations

from typing import Optional

import typer

from ccctl.cli import complete, output
from ccctl.cli.common import JSON, ErrorMappingGroup, open_services

agent_app = typer.Typer(
    cls=ErrorMappingGroup,
    help="Log agents (seats) in and out of the ACD, set them ready or on break.",
    no_args_is_help=True,
)

TENANT = typer.Argument(..., metavar="TENANT", help="The tenant's name.", autocompletion=complete.tenants)
EXTENSION = typer.Argument(
    ..., metavar="EXTENSION", help="The seat's extension.", autocompletion=complete.keys_of("seat")
)


ACTOR = typer.Option(None, "--actor", metavar="NAME", help="Who to write in the audit log (default: the OS user).")


def _action(action: str, doc: str):
    def command(
        ctx: typer.Context,
        tenant: str = TENANT,
        extension: str = EXTENSION,
        actor: Optional[str] = ACTOR,
        as_json: bool = JSON,
    ):
        from ccctl.supervision import agents

        status = agents.set_status(open_services(ctx), tenant, extension, action, actor=actor)
        if as_json:
            output.emit_json({"tenant": tenant, "extension": extension, "status": status})
        else:
            output.message(f"{tenant}/{extension}: {status}")

    command.__doc__ = doc
    return command


agent_app.command("login")(
    _action("login", "Log a seat in: it becomes Available and is offered calls (*22 from the phone).")
)
agent_app.command("logout")(_action("logout", "Log a seat out: no more calls are offered to it (*23)."))
agent_app.command("ready")(_action("ready", "Make a seat Available again after a break (*25)."))


@agent_app.command("break")
def break_(
    ctx: typer.Context,
    tenant: str = TENANT,
    extension: str = EXTENSION,
    reason: Optional[str] = typer.Option(
        None, "--reason", metavar="CODE|NAME", help="One of the tenant's pause_reasons (default: its default reason)."
    ),
    actor: Optional[str] = ACTOR,
    as_json: bool = JSON,
):
    """Put a seat On Break: it keeps its login but is offered no calls (*24 [+ reason code])."""
    from ccctl.supervision import agents

    status = agents.set_status(open_services(ctx), tenant, extension, "break", reason=reason, actor=actor)
    if as_json:
        output.emit_json({"tenant": tenant, "extension": extension, "status": status, "reason": reason})
    else:
        output.message(f"{tenant}/{extension}: {status}" + (f" ({reason})" if reason else ""))


@agent_app.command("wrapup")
def wrapup(
    ctx: typer.Context,
    tenant: str = TENANT,
    extension: str = EXTENSION,
    actor: Optional[str] = ACTOR,
    as_json: bool = JSON,
):
    """End a seat's wrap-up now: it is offered the next call at once (*26)."""
    from ccctl.supervision import agents

    agents.end_wrapup(open_services(ctx), tenant, extension, actor=actor)
    if as_json:
        output.emit_json({"tenant": tenant, "extension": extension, "wrapup": "ended"})
    else:
        output.message(f"{tenant}/{extension}: wrap-up ended")


@agent_app.command("disposition")
def disposition(
    ctx: typer.Context,
    tenant: str = TENANT,
    extension: str = EXTENSION,
    code: str = typer.Argument(..., metavar="CODE", help="One of the tenant's dispositions (code or name)."),
    note: Optional[str] = typer.Option(None, "--note", help="A note kept on the call row with the code."),
    actor: Optional[str] = ACTOR,
    as_json: bool = JSON,
):
    """Give the seat's last call a wrap-up code (*9 + code); the daemon stores it on the call row."""
    from ccctl.supervision import agents

    name = agents.set_disposition(open_services(ctx), tenant, extension, code, note=note, actor=actor)
    if as_json:
        output.emit_json({"tenant": tenant, "extension": extension, "disposition": name})
    else:
        output.message(f"{tenant}/{extension}: wrap-up code {name}")


def _mask(on: bool, doc: str):
    def command(
        ctx: typer.Context,
        tenant: str = TENANT,
        extension: str = EXTENSION,
        actor: Optional[str] = ACTOR,
        as_json: bool = JSON,
    ):
        from ccctl.supervision import masking

        out = masking.set_mask(open_services(ctx), tenant, extension, on, actor=actor)
        if as_json:
            output.emit_json(out)
        else:
            output.message(f"{tenant}/{extension}: recording of call {out['call']} {'masked' if on else 'resumed'}")

    command.__doc__ = doc
    return command


agent_app.command("mask")(
    _mask(
        True,
        "Mask the recording of the seat's call from now (*4 from the phone): the file holds silence "
        "until unmasked; the parties still hear each other. Exit 3 when the seat has no call.",
    )
)
agent_app.command("unmask")(_mask(False, "Resume recording the seat's call after a mask (*5 from the phone)."))


@agent_app.command("list")
def list_(
    ctx: typer.Context,
    tenant: Optional[str] = typer.Argument(
        None, metavar="TENANT", help="Only this tenant.", autocompletion=complete.tenants
    ),
    as_json: bool = JSON,
):
    """Live status and state of every seat as mod_callcenter sees it."""
    from ccctl.supervision import agents

    rows = [a.as_dict() for a in agents.live_states(open_services(ctx), tenant)]
    output.emit(
        rows,
        as_json,
        columns=["tenant", "extension", "name", "status", "state", "calls_answered", "no_answer_count", "wrap_up_time"],
        keep=("tenant", "extension", "status", "state"),
        drop=("no_answer_count", "wrap_up_time", "calls_answered", "name"),
    )


def status(
    ctx: typer.Context,
    fleet: bool = typer.Option(
        False,
        "--fleet",
        help="The whole fleet instead of this box: every node's state (up, draining, down), heartbeat "
        "age, deployed generation against the current one, tenants, calls in progress and today. "
        "Exit 1 when a node is down.",
    ),
    as_json: bool = JSON,
):
    """FreeSWITCH up or down, version, uptime, registrations per tenant, active calls,
    queues with waiting callers and available agents, voice-card spans up (and the others
    with their alarm or signalling state: ccctl hardware status), and recordings that failed (each is
    logged by FreeSWITCH as `ccctl recording-failed call=UUID`). Exit 1 when an installed
    FreeSWITCH is down (with why: its unit's state); 0 on a box without the engine."""
    if fleet:
        return _fleet_status(ctx, as_json)
    from ccctl.freeswitch.status import box_status
    from ccctl.hardware import live as spans_now

    services = open_services(ctx)
    data = box_status(services)
    spans = [r.as_dict() for r in spans_now.read(services)]
    if spans:
        data["spans"] = spans
    if as_json:
        output.emit_json(data)
        if data.get("reason"):
            raise typer.Exit(1)
        return
    cfg = data["configuration"]
    deployed = f"configuration generation {cfg['generation']}"
    if data["freeswitch"] == "down":
        if cfg["deployed"] == cfg["generation"]:
            deployed += ", installed: FreeSWITCH uses it when it starts"
        else:
            deployed += f", {cfg['deployed']} installed (ccctl deploy installs the latest)"
    elif cfg["pending"]:
        deployed += f", FreeSWITCH runs {cfg['deployed']} (pending: ccctl deploy)"
    if cfg["failed"]:
        deployed += f"; generation {cfg['failed']} FAILED: {cfg['error']}"
    if spans:
        bad = [f"{r['name']} {r['dahdi'] if r['dahdi'] != 'ok' else 'signalling ' + r['freetdm']}" for r in spans]
        bad = [b for b, r in zip(bad, spans) if r["dahdi"] != "ok" or r["freetdm"] != "up"]
        deployed += f"\nvoice-card spans: {len(spans) - len(bad)} of {len(spans)} up" + (
            f" ({', '.join(bad)})" if bad else ""
        )
    if data["freeswitch"] == "down":
        if data.get("reason"):
            output.line(f"FreeSWITCH: down ({data['reason']})")
            output.line(deployed)
            raise typer.Exit(1)
        output.line(f"FreeSWITCH: down ({data['tenants']} tenant(s) configured)")
        output.line(deployed)
        return
    output.line(
        f"FreeSWITCH {data['version']}: up {data['uptime_seconds']} s, {data['active_calls']} call(s), "
        f"{data['registrations']} registration(s)"
    )
    output.line(deployed)
    if data["recording_failures"]:
        output.line(f"{data['recording_failures']} recording(s) failed (FreeSWITCH log: ccctl recording-failed)")
    rows = [
        {
            "tenant": t["tenant"],
            "registrations": t["registrations"],
            "channels": t["active_channels"],
            "queue": q["queue"],
            "waiting": q["waiting"],
            "available": q["available_agents"],
            "recordings_failed": t["recording_failures"],
        }
        for t in data["tenants"]
        for q in (t["queues"] or [{"queue": "", "waiting": "", "available_agents": ""}])
    ]
    output.emit(
        rows,
        False,
        columns=["tenant", "registrations", "channels", "queue", "waiting", "available", "recordings_failed"],
        keep=("tenant", "queue"),
    )


def _fleet_status(ctx: typer.Context, as_json: bool) -> None:
    from ccctl.fleet.view import fleet_status

    data = fleet_status(open_services(ctx))
    if as_json:
        output.emit_json(data)
    else:
        rows = [
            {
                **n,
                "heartbeat": "never" if n["heartbeat_age"] is None else f"{n['heartbeat_age']:.0f} s ago",
                "generation": f"{n['deployed_generation']}/{n['generation']}"
                + (f" (FAILED {n['failed_generation']})" if n["failed_generation"] else ""),
                "tenants": ", ".join(n["tenants"]) or "-",
                "calls": "?" if n["calls_in_progress"] is None else n["calls_in_progress"],
            }
            for n in data["nodes"]
        ]
        output.line(f"edge {data['edge'] or '(not set)'}, configuration generation {data['generation']}")
        output.emit_table(
            rows,
            ["name", "state", "role", "address", "heartbeat", "generation", "calls", "calls_today", "tenants"],
            keep=["name", "state"],
        )
    if data["down"]:
        if not as_json:
            output.message(f"node(s) down: {', '.join(data['down'])}")
        raise typer.Exit(1)

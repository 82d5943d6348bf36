"""`ccctl daemon`, `stats`, `calls`, `staffing`, `events`: call records, statistics and CTI."""

from __future__ import annotations

import itertools
import json
import logging
import signal
import sys
import threading
import time
from typing import Optional

import typer

from ccctl.cli import output
from ccctl.cli.common import JSON, ErrorMappingGroup, open_services
from ccctl.errors import InvalidInput

CSV = typer.Option(False, "--csv", help="Print CSV on stdout.")
SINCE = typer.Option(
    None, "--since", help="From this time (ISO 8601, UTC unless it says otherwise; default: 24 h ago)."
)
UNTIL = typer.Option(None, "--until", help="Up to this time (default: now).")


def daemon(
    ctx: typer.Context, log_level: str = typer.Option("info", "--log-level", help="debug, info, warning or error.")
):
    """Run the event daemon: keep the Event Socket connection (reconnecting with backoff),
    write one call row per call and every agent status change, reconcile from FreeSWITCH's
    CDR after any gap, and publish CTI events (webhooks, `ccctl events`). Runs until SIGTERM."""
    from ccctl.daemon.run import run_daemon

    logging.basicConfig(
        level=getattr(logging, log_level.upper(), logging.INFO),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(message)s",
    )
    # Alembic's INFO lines (its plugins set up to check the schema) would bury the one line
    # that says why the daemon cannot start, such as a fleet database that does not answer.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    context = open_services(ctx)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    run_daemon(context, stop)


def _range(since: str | None, until: str | None) -> tuple[float, float]:
    from ccctl.stats import calls as calls_mod

    end = calls_mod.parse_time(until, "--until") or time.time()
    start = calls_mod.parse_time(since, "--since") or end - 86400
    if start >= end:
        raise InvalidInput("--since must be before --until")
    return start, end


def _emit(rows: list[dict], as_json: bool, as_csv: bool, columns: list[str], keep=(), drop=()) -> None:
    if as_csv:
        import csv

        w = csv.DictWriter(sys.stdout, fieldnames=list(rows[0]) if rows else columns, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    else:
        output.emit(rows, as_json, columns=columns, keep=keep, drop=drop, every="--json or --csv")


STATS_DROP = [
    "callbacks",
    "surveyed",
    "survey_avg",
    "short_abandoned",
    "login_time",
    "occupancy",
    "longest_wait",
    "avg_wait",
    "handled",
    "aht",
    "asa",
    "abandoned",
]
"""Left out first on a narrow terminal: offered, answered, abandon rate and service level stay."""

CALLS_DROP = [
    "hangup_side",
    "ivr_digits",
    "did",
    "direction",
    "talk_s",
    "caller_number",
    "agent",
    "wait_s",
    "queue",
    "tenant",
]
"""Left out first on a narrow terminal; the call id (for `calls show`) is never cut."""


def stats(
    ctx: typer.Context,
    tenant: Optional[str] = typer.Option(None, "--tenant", help="Only this tenant."),
    queue: Optional[str] = typer.Option(None, "--queue", help="Only this queue."),
    agent: Optional[str] = typer.Option(None, "--agent", help="Only this agent (extension)."),
    since: Optional[str] = SINCE,
    until: Optional[str] = UNTIL,
    interval: Optional[str] = typer.Option(
        None, "--interval", help="15m, 1h, 1d or 1mo (UTC); default: the whole range."
    ),
    by: Optional[str] = typer.Option(
        None, "--by", help="Group by tenant, queue or agent (default: the finest filter given, else tenant)."
    ),
    short_abandon: float = typer.Option(
        5.0, "--short-abandon", help="Abandons under this many seconds are counted apart."
    ),
    now: bool = typer.Option(
        False,
        "--now",
        help="Real time instead: callers waiting, longest current wait, agents by state, calls in progress.",
    ),
    breaks: bool = typer.Option(False, "--breaks", help="Time On Break per break reason instead (by tenant or agent)."),
    agents: bool = typer.Option(
        False,
        "--agents",
        help="The agents' day instead: logged-in time, time per break reason, calls per wrap-up code "
        "(named with --tenant) and calls with a masked recording, per interval and group.",
    ),
    as_json: bool = JSON,
    as_csv: bool = CSV,
):
    """Offered, answered, abandoned (short abandons apart), abandon rate, service level, ASA,
    average and longest wait, AHT, calls handled, occupancy and login time, per interval."""
    from ccctl.stats.history import COLUMNS as STATS_COLUMNS
    from ccctl.stats.history import Query, statistics

    context = open_services(ctx)
    if tenant:
        from ccctl.stats.calls import require_tenant

        require_tenant(context, tenant)  # an unknown tenant: exit 3, not an empty report
    if now:
        from ccctl.stats.live import realtime

        data = realtime(context, tenant)
        output.emit(data, as_json or as_csv, columns=list(data[0]) if data else [])
        return
    start, end = _range(since, until)
    group = by or ("agent" if agent else "queue" if queue else "tenant")
    query = Query(start, end, tenant, queue, agent, interval, group, short_abandon)
    if breaks:
        from datetime import datetime, timezone

        from ccctl.stats.history import break_time

        rows = [
            {
                "interval_start": datetime.fromtimestamp(b, timezone.utc).isoformat().replace("+00:00", "Z"),
                group: g,
                "reason": reason or "(none)",
                "seconds": round(seconds, 1),
            }
            for (b, g), reasons in sorted(
                break_time(context.engine, query).items(), key=lambda kv: (kv[0][0], str(kv[0][1]))
            )
            for reason, seconds in sorted(reasons.items())
        ]
        _emit(rows, as_json, as_csv, ["interval_start", group, "reason", "seconds"])
        return
    if agents:
        from ccctl.config.entities import get_tenant
        from ccctl.stats.agent_report import report

        names = get_tenant(context, tenant).dispositions if tenant else {}
        rows = report(context.engine, query, names)
        columns = list(rows[0]) if rows else ["interval_start", group, "login_time", "masked_calls"]
        _emit(rows, as_json, as_csv, columns, keep=("interval_start", group))
        return
    rows = statistics(context.engine, query)
    _emit(
        rows,
        as_json,
        as_csv,
        [STATS_COLUMNS[0], group, *STATS_COLUMNS[1:]],
        keep=(STATS_COLUMNS[0], group),
        drop=STATS_DROP,
    )


calls_app = typer.Typer(
    cls=ErrorMappingGroup, help="Call records: one row per call, written by `ccctl daemon`.", no_args_is_help=True
)


def _filters(tenant, queue, agent, disposition, caller, since, until):
    from ccctl.stats import calls as calls_mod

    start = calls_mod.parse_time(since, "--since")
    end = calls_mod.parse_time(until, "--until")
    return dict(tenant=tenant, queue=queue, agent=agent, disposition=disposition, caller=caller, since=start, until=end)


TENANT = typer.Option(None, "--tenant", help="Only this tenant.")
QUEUE = typer.Option(None, "--queue", help="Only this queue.")
AGENT = typer.Option(None, "--agent", help="Only this agent (extension).")
DISPOSITION = typer.Option(
    None,
    "--disposition",
    help="answered, abandoned, abandoned_ivr, no_agent, timed_out, overflowed, outbound or failed.",
)
CALLER = typer.Option(None, "--caller", help="Only calls from this number.")


@calls_app.command("list")
def calls_list(
    ctx: typer.Context,
    tenant: Optional[str] = TENANT,
    queue: Optional[str] = QUEUE,
    agent: Optional[str] = AGENT,
    disposition: Optional[str] = DISPOSITION,
    caller: Optional[str] = CALLER,
    since: Optional[str] = typer.Option(None, "--since", help="From this time (ISO 8601 or Unix seconds)."),
    until: Optional[str] = typer.Option(None, "--until", help="Before this time."),
    limit: int = typer.Option(1000, "--limit", help="At most this many rows (0: all)."),
    as_json: bool = JSON,
):
    """Calls, oldest first, with filters."""
    from ccctl.stats import calls as calls_mod

    rows = calls_mod.list_calls(
        open_services(ctx).engine,
        **_filters(tenant, queue, agent, disposition, caller, since, until),
        limit=limit or None,
    )
    output.emit(rows, as_json, columns=calls_mod.LIST_COLUMNS, keep=("entered", "uuid"), drop=CALLS_DROP)


@calls_app.command("show")
def calls_show(
    ctx: typer.Context,
    uuid: str = typer.Argument(..., help="The call's id (the caller channel's uuid)."),
    tenant: Optional[str] = TENANT,
    as_json: bool = JSON,
):
    """Every field of one call."""
    from ccctl.stats import calls as calls_mod

    output.emit(calls_mod.get_call(open_services(ctx).engine, uuid, tenant), as_json)


@calls_app.command("export")
def calls_export(
    ctx: typer.Context,
    tenant: Optional[str] = TENANT,
    queue: Optional[str] = QUEUE,
    agent: Optional[str] = AGENT,
    disposition: Optional[str] = DISPOSITION,
    caller: Optional[str] = CALLER,
    since: Optional[str] = typer.Option(None, "--since", help="From this time."),
    until: Optional[str] = typer.Option(None, "--until", help="Before this time."),
    fmt: str = typer.Option("csv", "--format", help="csv or jsonl."),
):
    """Every matching call with every field, as CSV or JSON lines (for billing and reports)."""
    from ccctl.stats import calls as calls_mod

    if fmt not in ("csv", "jsonl"):
        raise InvalidInput(f"--format {fmt!r}: use csv or jsonl")
    rows = calls_mod.list_calls(
        open_services(ctx).engine, **_filters(tenant, queue, agent, disposition, caller, since, until), limit=None
    )
    if fmt == "csv":
        sys.stdout.write(calls_mod.to_csv(rows))
    else:
        for r in rows:
            sys.stdout.write(json.dumps({k: r[k] for k in calls_mod.COLUMNS}, ensure_ascii=False) + "\n")


def _target(value: str) -> tuple[float, float]:
    try:
        pct, secs = value.split("/")
        pct_f, secs_f = float(pct), float(secs)
    except ValueError:
        raise InvalidInput(f"--target {value!r}: write PERCENT/SECONDS, e.g. 80/20") from None
    if not (0 < pct_f < 100) or secs_f < 0:
        raise InvalidInput(f"--target {value!r}: percent between 0 and 100, seconds >= 0")
    return pct_f / 100, secs_f


def staffing(
    calls_per_hour: float = typer.Option(..., "--calls-per-hour", min=0, help="Calls offered per hour."),
    aht: float = typer.Option(..., "--aht", min=1, help="Average handle time (talk + wrap-up), seconds."),
    target: str = typer.Option("80/20", "--target", help="Service level goal: PERCENT/SECONDS."),
    shrinkage: float = typer.Option(
        0.0, "--shrinkage", min=0, max=0.95, help="Fraction of paid time off the phones (0.3 = 30%)."
    ),
    as_json: bool = JSON,
):
    """Agents needed by Erlang C, with service level, ASA and occupancy for each staffing
    level around it."""
    from ccctl.stats import erlang

    goal, secs = _target(target)
    needed, levels = erlang.staffing(calls_per_hour, aht, goal, secs, shrinkage)
    rows = [{**lv.as_dict(), "meets_target": lv.service_level >= goal} for lv in levels]
    if as_json:
        output.emit_json(
            {
                "calls_per_hour": calls_per_hour,
                "aht": aht,
                "target": target,
                "shrinkage": shrinkage,
                "traffic_erlangs": round(calls_per_hour * aht / 3600, 3),
                "agents_needed": needed,
                "staff_needed": erlang.level(calls_per_hour, aht, needed, secs, shrinkage).staff if needed else 0,
                "levels": rows,
            }
        )
        return
    output.message(f"{needed} agent(s) needed for {target}")
    output.emit(rows, False, columns=["agents", "staff", "service_level", "asa", "p_wait", "occupancy", "meets_target"])


events_app = typer.Typer(
    cls=ErrorMappingGroup, help="CTI events (call offered to an agent, call ended) as the daemon publishes them."
)


@events_app.callback(invoke_without_command=True)
def events(
    ctx: typer.Context,
    follow: bool = typer.Option(False, "--follow", "-f", help="Keep printing new events as they come."),
    tenant: Optional[list[str]] = typer.Option(
        None, "--tenant", metavar="TENANT", help="Only this tenant's events (repeatable)."
    ),
    as_json: bool = JSON,
):
    """Print the recent events, and with --follow those that happen next (one JSON object a
    line with --json). A tenant's scripts see only that tenant's events with --tenant."""
    if ctx.invoked_subcommand is not None:
        return
    from ccctl.cti.webhooks import follow as follow_events
    from ccctl.cti.webhooks import recent

    context = open_services(ctx)
    if tenant:
        from ccctl.config.entities import get_tenant

        for t in tenant:
            get_tenant(context, t)
    try:
        past = recent(context.settings.spool_dir, tenant or None)
        if not past and not follow and not as_json:
            output.message("no events yet")
        for e in itertools.chain(past, follow_events(context.settings.spool_dir, tenant or None) if follow else ()):
            if as_json:
                sys.stdout.write(json.dumps(e, ensure_ascii=False) + "\n")
            else:
                sys.stdout.write(" ".join(f"{k}={v}" for k, v in e.items() if v is not None and k != "customer") + "\n")
            sys.stdout.flush()
    except KeyboardInterrupt:
        pass


@events_app.command("secret")
def events_secret(ctx: typer.Context, tenant: str = typer.Argument(..., help="The tenant."), as_json: bool = JSON):
    """The tenant's webhook signing secret (generated by this box on first use). Receivers check
    X-CCCTL-Signature: sha256=HMAC-SHA256(secret, body) in hex."""
    from ccctl.config.entities import get_tenant
    from ccctl.cti.webhooks import tenant_secret

    context = open_services(ctx)
    get_tenant(context, tenant)
    value = tenant_secret(context.engine, tenant)
    output.emit_json({"tenant": tenant, "secret": value}) if as_json else output.line(value)

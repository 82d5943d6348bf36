"""What the box is doing now: FreeSWITCH up or down, registrations, calls, queues."""

from __future__ import annotations

import json
import re
import subprocess
import time
from collections.abc import Callable

from ccctl.app import Services
from ccctl.config.entities import list_tenants
from ccctl.freeswitch.connect import try_event_socket
from ccctl.recordings import folders
from ccctl.render import names
from ccctl.stats import live


def _json(text: str) -> dict:
    try:
        return json.loads(text)
    except ValueError:
        return {}


def configuration_state(services: Services) -> dict:
    """The committed configuration generation, the one FreeSWITCH was brought to, and a
    failed one with FreeSWITCH's reason."""
    from ccctl.db import session_scope
    from ccctl.deploy import generation
    from ccctl.fleet.scope import scope

    with session_scope(services.engine) as session:
        return generation.state(session, scope(session, services.settings).node).as_dict()


UNIT = "freeswitch.service"


def unit_state(unit: str = UNIT) -> str:
    """systemd's word for UNIT: failed, activating (auto-restart), inactive, active ..."""
    try:
        r = subprocess.run(
            ["systemctl", "show", "-p", "ActiveState,SubState", "--value", unit],
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    words = r.stdout.split()
    if not words:
        return "unknown"
    active, sub = words[0], words[1] if len(words) > 1 else ""
    return active if sub in ("", active, "dead") else f"{active} ({sub})"


def down_reason(services: Services, state: Callable[[], str] = unit_state) -> str | None:
    """Why an installed engine does not answer, in one line; None when no engine is installed
    (the engine record, under the settings' root, names no binary there)."""
    from ccctl.freeswitch.install import RECORD, read_record

    rec = read_record(services.settings.root / RECORD.relative_to("/"))
    if rec is None or not (services.settings.root / rec.binary.lstrip("/")).is_file():
        return None
    st = state()
    if st == "active":
        return f"{UNIT} active, its Event Socket does not answer: journalctl -u freeswitch"
    return f"{UNIT} {st}: journalctl -u freeswitch"


def box_status(services: Services, state: Callable[[], str] = unit_state) -> dict:
    """STATE: the unit's state, asked only when an installed engine does not answer."""
    tenants = list_tenants(services)
    config = configuration_state(services)
    esl = try_event_socket(services)
    if esl is None:
        # Nothing runs the configuration: it waits for FreeSWITCH to start on the installed tree.
        config = {**config, "pending": config["generation"] > 0}
        down = {"freeswitch": "down", "tenants": len(tenants), "configuration": config}
        reason = down_reason(services, state)
        if reason is not None:
            down |= {"installed": True, "reason": reason}
        return down
    with esl:
        version = esl.api("version", check=False)
        uptime = esl.api("uptime s", check=False)
        regs = _json(esl.api("show registrations as json", check=False)).get("rows", [])
        calls = _json(esl.api("show calls as json", check=False)).get("row_count", 0)
        channels = _json(esl.api("show channels as json", check=False)).get("rows", [])
        tables = live.queue_tables(esl) if tenants else live.NO_TABLES
        failed = folders.failure_counts(esl, tenants)
    now = time.time()
    m = re.search(r"(\d+\.\d+\.\d+)", version)
    per_tenant = []
    for t in tenants:
        domain = t.sip_domain
        queues = []
        for q in t.queues:
            f = live.queue_figures(t, q, tables, now)
            queues.append({"queue": q.name, "waiting": f["waiting"], "available_agents": f["available_agents"]})
        per_tenant.append(
            {
                "tenant": t.name,
                "registrations": sum(1 for r in regs if r.get("realm") == domain),
                "active_channels": sum(
                    1 for c in channels if names.in_context(t, c) or (c.get("presence_id") or "").endswith("@" + domain)
                ),
                "queues": queues,
                "recording_failures": failed.get(t.name, 0),
            }
        )
    return {
        "freeswitch": "up",
        "version": m.group(1) if m else version.strip(),
        "uptime_seconds": int(uptime) if uptime.strip().isdigit() else None,
        "active_calls": int(calls or 0),
        "active_channels": len(channels),
        "registrations": len(regs),
        "recording_failures": sum(failed.values()),
        "tenants": per_tenant,
        "configuration": config,
    }

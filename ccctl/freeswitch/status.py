"""What the box is doing now: FreeSWITCH up or down, registrations, calls, queues."""

from __future__ import annotations

import json
import re
import time

from ccctl.recordings import folders
from ccctl.app import Services
from ccctl.freeswitch.connect import try_event_socket
from ccctl.config.entities import list_tenants
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

    with session_scope(services.engine) as session:
        return generation.state(session).as_dict()


def box_status(services: Services) -> dict:
    tenants = list_tenants(services)
    config = configuration_state(services)
    esl = try_event_socket(services)
    if esl is None:
        return {"freeswitch": "down", "tenants": len(tenants), "configuration": config}
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
        per_tenant.append({
            "tenant": t.name,
            "registrations": sum(1 for r in regs if r.get("realm") == domain),
            "active_channels": sum(1 for c in channels if c.get("context") == t.name
                                   or (c.get("presence_id") or "").endswith("@" + domain)),
            "queues": queues,
            "recording_failures": failed.get(t.name, 0),
        })
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

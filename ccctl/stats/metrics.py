"""This box's (or node's) figures for Prometheus, with prometheus-client.

Every scrape asks FreeSWITCH and the database at that moment (a custom collector, nothing kept
between scrapes): the live figures come from the same place as `ccctl stats --now`
(stats/live.py), today's service level from the call rows (stats/history.py), recording failures
from FreeSWITCH's own count (recordings/folders.py). A node of a fleet reports its own tenants
only, each series labelled with the node, so one Prometheus can scrape every node.
"""

from __future__ import annotations

import time
from datetime import datetime, timezone

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from ccctl.app import Services

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def _tenants(services: Services):
    from ccctl.config.entities import list_tenants
    from ccctl.db import session_scope
    from ccctl.fleet.scope import scope

    with session_scope(services.engine) as session:
        mine = scope(session, services.settings).tenants
    return [t for t in list_tenants(services) if mine is None or t.name in mine]


def _service_levels(services: Services, tenant: str, now: float) -> dict[str, float]:
    """{queue: share of today's (UTC) offered calls answered within the queue's target}."""
    from ccctl.stats.history import Query, statistics

    day = datetime.fromtimestamp(now, timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    rows = statistics(services.engine, Query(since=day.timestamp(), until=now, tenant=tenant, by="queue"))
    return {r["queue"]: r["service_level"] for r in rows if r["queue"] and r["service_level"] is not None}


class Collector:
    """A prometheus-client collector over SERVICES, asked at each scrape."""

    def __init__(self, services: Services):
        self.services = services

    def collect(self):
        from ccctl.freeswitch.connect import try_event_socket
        from ccctl.recordings import folders
        from ccctl.stats import live

        node = self.services.settings.node
        up = GaugeMetricFamily("ccctl_freeswitch_up", "1 when FreeSWITCH answers on the Event Socket", labels=["node"])
        waiting = GaugeMetricFamily(
            "ccctl_queue_waiting", "Callers waiting in the queue now", labels=["node", "tenant", "queue"]
        )
        longest = GaugeMetricFamily(
            "ccctl_queue_longest_wait_seconds",
            "The longest current wait in the queue",
            labels=["node", "tenant", "queue"],
        )
        agents = GaugeMetricFamily(
            "ccctl_queue_agents",
            "The queue's agents by ACD status and state (mod_callcenter's: Available/Waiting, On Break/Idle, ...)",
            labels=["node", "tenant", "queue", "status", "state"],
        )
        level = GaugeMetricFamily(
            "ccctl_queue_service_level_ratio",
            "Today's (UTC) offered calls answered within the queue's service-level target",
            labels=["node", "tenant", "queue"],
        )
        calls = GaugeMetricFamily("ccctl_calls_in_progress", "Calls up now", labels=["node", "tenant"])
        failures = CounterMetricFamily(
            "ccctl_recording_failures", "Recordings FreeSWITCH failed to write", labels=["node", "tenant"]
        )
        tenants = _tenants(self.services)
        esl = try_event_socket(self.services)
        up.add_metric([node], 0 if esl is None else 1)
        now = time.time()
        if esl is not None:
            with esl:
                tables = live.queue_tables(esl) if tenants else live.NO_TABLES
                rows = live.channels(esl)
                failed = folders.failure_counts(esl, tenants)
            for t in tenants:
                calls.add_metric([node, t.name], live.calls_up(rows, t))
                failures.add_metric([node, t.name], failed.get(t.name, 0))
                for q in t.queues:
                    f = live.queue_figures(t, q, tables, now)
                    waiting.add_metric([node, t.name, q.name], f["waiting"])
                    longest.add_metric([node, t.name, q.name], f["longest_wait"])
                    for key, n in f["agents"].items():
                        status, _, state = key.partition("/")
                        agents.add_metric([node, t.name, q.name, status, state], n)
        for t in tenants:
            for queue, ratio in _service_levels(self.services, t.name, now).items():
                level.add_metric([node, t.name, queue], ratio)
        yield from (up, waiting, longest, agents, level, calls, failures)


def registry(services: Services) -> CollectorRegistry:
    reg = CollectorRegistry(auto_describe=False)
    reg.register(Collector(services))
    return reg


def exposition(reg: CollectorRegistry) -> bytes:
    """The text a scrape gets."""
    return generate_latest(reg)

"""The stuck-agent watchdog: mod_callcenter's idea of an agent against what FreeSWITCH has.

mod_callcenter keeps an agent's state in its own table and changes it on its own events; when
one is lost (a channel torn down during a reload, a crash of the agent's phone mid-offer), the
agent stays "In a queue call" with no call and is never offered one again, or stays Available
with no phone registered and every caller offered to it rings nowhere. Each pass compares:

  * state "In a queue call" or "Receiving" and no channel of the agent, on two passes in a row
    -> state Waiting (Idle when the agent is not Available), so calls are offered again;
  * status Available and the seat not registered for longer than the setting
    -> status Logged Out, so no caller waits on a phone that is gone.

Each correction is logged and written to the audit log (actor "watchdog").
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass

from sqlalchemy import select

log = logging.getLogger("ccctl.supervision.watchdog")

BUSY_STATES = ("In a queue call", "Receiving")
AVAILABLE = ("Available", "Available (On Demand)")


@dataclass
class Correction:
    tenant: str
    agent: str
    """The mod_callcenter agent (extension@domain)."""
    was: str
    now: str
    reason: str

    def describe(self) -> str:
        return f"{self.agent}: {self.was} -> {self.now} ({self.reason})"


def _tenants_by_domain(engine) -> dict[str, str]:
    from ccctl.config.spec import sip_domain
    from ccctl.model import Tenant

    with engine.connect() as conn:
        return {sip_domain(name, domain): name for name, domain in conn.execute(select(Tenant.name, Tenant.domain))}


def _registered(esl) -> set[str]:
    text = esl.api("sofia status profile internal reg", check=False)
    return {ln.split(":", 1)[1].strip() for ln in text.splitlines() if ln.startswith("User:")}


def _registered_at_edge(services) -> set[str] | None:
    """A node behind the fleet's edge: seats register with Kamailio, not with this FreeSWITCH,
    and Kamailio keeps its registrations in the fleet's database only (usrloc db_mode 3), so its
    `location` rows are who is registered. None where this box takes its own registrations (a
    single box, a node that joined and is not cut over to the edge)."""
    from sqlalchemy import text
    from sqlmodel import Session

    from ccctl.fleet.scope import scope

    with Session(services.engine) as session:
        where = scope(session, services.settings)
        if where.node is None or where.edge is None:
            return None
        rows = session.execute(text("SELECT username, domain FROM location WHERE expires > now()")).all()
    return {f"{user}@{domain}" for user, domain in rows}


def _with_channel(esl) -> set[str]:
    """The presence (user@domain) of every channel: an agent's call legs carry theirs."""
    try:
        rows = json.loads(esl.api("show channels as json", check=False)).get("rows") or []
    except ValueError:
        return set()
    return {r["presence_id"] for r in rows if r.get("presence_id")}


class Watchdog:
    def __init__(
        self,
        services,
        *,
        interval: float | None = None,
        unregistered_after: float | None = None,
        stop: threading.Event | None = None,
    ):
        self.services = services
        self.interval = interval if interval is not None else services.settings.watchdog_interval
        self.unregistered_after = (
            unregistered_after if unregistered_after is not None else services.settings.watchdog_unregistered
        )
        self.stop = stop or threading.Event()
        self._busy_seen: set[str] = set()
        self._unregistered_since: dict[str, float] = {}
        self.corrections: list[Correction] = []
        self._thread = threading.Thread(target=self._loop, name="ccctl-watchdog", daemon=True)

    def start(self) -> None:
        if self.interval > 0:
            self._thread.start()

    def _loop(self) -> None:
        failing = False
        while not self.stop.wait(self.interval):
            try:
                self.check_once()
                failing = False
            except Exception as exc:  # FreeSWITCH down, database locked: next pass
                if not failing:
                    log.warning("watchdog pass failed (%s); retrying every %.0f s", exc, self.interval)
                failing = True

    def check_once(self, now: float | None = None) -> list[Correction]:
        from ccctl.freeswitch.connect import event_socket
        from ccctl.supervision.agents import parse_table

        now = time.monotonic() if now is None else now
        domains = _tenants_by_domain(self.services.engine)
        out = []
        with event_socket(self.services) as esl:
            agents = parse_table(esl.api("callcenter_config agent list"))
            registered = _registered_at_edge(self.services)
            if registered is None:
                registered = _registered(esl)
            busy = _with_channel(esl)
            busy_now, unregistered_now = set(), set()
            for a in agents:
                name, status, state = a.get("name", ""), a.get("status", ""), a.get("state", "")
                tenant = domains.get(name.rpartition("@")[2])
                if tenant is None:
                    continue  # not an agent of ours
                if state in BUSY_STATES and name not in busy:
                    busy_now.add(name)
                    if name in self._busy_seen:  # two passes in a row: not a call being set up
                        new = "Waiting" if status in AVAILABLE else "Idle"
                        esl.api(f"callcenter_config agent set state {name} '{new}'")
                        out.append(Correction(tenant, name, f"state {state}", f"state {new}", "no call in progress"))
                        busy_now.discard(name)
                        continue
                if status in AVAILABLE and name not in registered:
                    since = self._unregistered_since.get(name, now)
                    unregistered_now.add(name)
                    if now - since >= self.unregistered_after:
                        esl.api(f"callcenter_config agent set status {name} 'Logged Out'")
                        out.append(
                            Correction(
                                tenant,
                                name,
                                f"status {status}",
                                "status Logged Out",
                                f"not registered for {now - since:.0f} s",
                            )
                        )
                        unregistered_now.discard(name)
                        continue
                    self._unregistered_since[name] = since
            self._busy_seen = busy_now
            self._unregistered_since = {k: v for k, v in self._unregistered_since.items() if k in unregistered_now}
        for c in out:
            self._report(c)
        return out

    def _report(self, c: Correction) -> None:
        from ccctl.supervision import audit

        log.warning("watchdog corrected %s", c.describe())
        self.corrections.append(c)
        try:
            audit.record(
                self.services,
                tenant=c.tenant,
                action="watchdog.correct",
                result="ok",
                actor="watchdog",
                subject=c.agent.partition("@")[0],
                detail=f"{c.was} -> {c.now}: {c.reason}",
            )
        except Exception as exc:  # the correction is made; a locked database only loses its row
            log.error("watchdog could not write the audit log (%s)", exc)

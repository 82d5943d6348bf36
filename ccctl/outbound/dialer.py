"""The dialer the daemon runs: every half second, for each running campaign, ask the pacer how
many calls to start, pick due contacts, originate them through the tenant's trunk over the
Event Socket, follow them by their events, give an answered callee to an agent of the
campaign's queue (or play a message and hang up after 2 s without one), and write every
attempt as a call row.

Two Event Socket connections of its own: one subscribed to the events of its calls, one for
commands. Nothing here blocks on a call: originate is `bgapi`.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
import uuid as uuidlib
from typing import Callable

from ccctl.daemon.assemble import survey_score
from ccctl.daemon.store import write_rows
from ccctl.errors import FreeSwitchError
from ccctl.freeswitch.esl import EventStream
from ccctl.media.prompts import Prompt
from ccctl.outbound import plan
from ccctl.outbound.attempts import Attempt, call_row
from ccctl.outbound.pacing import ABANDON_AFTER_S, Pacer
from ccctl.render import names
from ccctl.supervision.agents import parse_table

log = logging.getLogger("ccctl.outbound")
TICK = 0.5
OFFER_TIMEOUT = 60.0
"""Preview: seconds an agent has to accept an offered contact before it goes back."""
CC = "callcenter::info"
EVENTS = ["CHANNEL_ANSWER", "CHANNEL_BRIDGE", "CHANNEL_HANGUP_COMPLETE", "CUSTOM", CC]
STUCK_AFTER = 15.0
"""Seconds past its ring timeout after which an attempt with no channel event at all (the
originate failed before a channel existed, e.g. an unknown gateway) ends as failed."""
ABANDON_TEXT = {"en": "Sorry, all our agents are busy. We will call you back.", "zh": "抱歉，座席忙，我们稍后回电。"}


def _safe(text: str | None) -> str:
    """A value inside an originate's {vars} or an inline dialplan: no separators or quotes."""
    return "".join(ch for ch in (text or "") if ch not in ",'\"{}[]^|\n\r")[:80]


def agent_counts(table: list[dict[str, str]], exclude: set[str] = frozenset()) -> tuple[int, int, list[str]]:
    """(idle, busy, idle agent names) of a queue's agents as `callcenter_config queue list
    agents` shows them: logged in and Available; Waiting is idle, any other state busy."""
    idle, busy, names = 0, 0, []
    for a in table:
        if not a.get("status", "").startswith("Available") or a.get("name") in exclude:
            continue
        if a.get("state") == "Waiting":
            idle += 1
            names.append(a["name"])
        else:
            busy += 1
    return idle, busy, names


class Dialer:
    def __init__(
        self,
        engine,
        settings,
        password: str,
        *,
        node: str,
        notify: Callable[[dict], None] | None = None,
        clock: Callable[[], float] = time.time,
    ):
        self.engine = engine
        self.settings = settings
        self.password = password
        self.node = node
        self.notify = notify or (lambda event: None)
        self.clock = clock
        self.attempts: dict[str, Attempt] = {}
        self.pacers: dict[int, Pacer] = {}
        self._cmd: EventStream | None = None
        self._prompts: dict[str, str] = {}

    # -- the loop
    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                events = EventStream(self.settings.esl_host, self.settings.esl_port, self.password, EVENTS, timeout=5.0)
                self._cmd = EventStream(self.settings.esl_host, self.settings.esl_port, self.password, [], timeout=5.0)
                self._cmd.settimeout(10.0)
            except FreeSwitchError:
                stop.wait(2.0)
                continue
            try:
                self._loop(events, stop)
            except (ConnectionError, OSError) as exc:
                log.warning("dialer lost the Event Socket (%s); reconnecting", exc)
            finally:
                events.close()
                self._cmd.close()
                self._cmd = None
                self._lost()

    def _loop(self, events: EventStream, stop: threading.Event) -> None:
        events.settimeout(TICK / 5)
        next_step = 0.0
        while not stop.is_set():
            try:
                e = events.next_event()
                if e is not None:
                    self.on_event(e)
            except socket.timeout:
                pass
            if time.monotonic() >= next_step:
                next_step = time.monotonic() + TICK
                try:
                    self.step()
                except (ConnectionError, OSError):
                    raise
                except Exception:
                    log.exception("dialer step failed; trying again")

    def _lost(self) -> None:
        """FreeSWITCH went away: its calls are gone. Each attempt ends as failed (and is retried
        by the rules) rather than staying 'dialing' forever."""
        now = self.clock()
        for a in list(self.attempts.values()):
            self._finish(a, "SWITCH_CONGESTION" if a.answered_at is None else "NORMAL_CLEARING", now)

    def api(self, command: str, *, check: bool = True) -> str:
        if self._cmd is None:
            raise ConnectionError("no Event Socket")
        return self._cmd.api(command, check=check)

    # -- planning
    def step(self) -> None:
        now = self.clock()
        runs = plan.running(self.engine)
        usage: dict[str, int] = {}
        self._abandon_late(now)
        for r in runs:
            c = r.campaign
            pacer = self.pacers.setdefault(c.id, Pacer(c.mode, c.abandon_target))
            pacer.mode, pacer.abandon_target = c.mode, c.abandon_target
            mine = [a for a in self.attempts.values() if a.campaign_id == c.id]
            room = c.max_concurrent - len(mine)
            if r.call_limit > 0:
                if c.tenant not in usage:
                    usage[c.tenant] = self._tenant_calls(c.tenant)
                room = min(room, r.call_limit - usage[c.tenant])
            if room <= 0:
                continue
            table = []  # an IVR campaign has no queue: its callees go to the IVR target
            if c.kind == "agents":
                queue_id = names.queue_id(r.tenant, c.queue)
                table = parse_table(self.api(f"callcenter_config queue list agents {queue_id}", check=False))
            if c.mode == "preview":
                n = self._preview(r, table, now, room)
            else:
                idle, busy, _ = agent_counts(table)
                if c.kind == "ivr":
                    idle, busy = c.max_concurrent, 0  # an IVR takes every call: only the limits pace it
                n = pacer.calls_to_start(
                    now,
                    idle_agents=idle,
                    busy_agents=busy,
                    ringing=sum(a.ringing for a in mine),
                    waiting_answered=sum(a.waiting for a in mine),
                    room=room,
                )
                for k in plan.due(self.engine, r, now, n):
                    self._originate(r, k, now)
            usage[c.tenant] = usage.get(c.tenant, 0) + n

    def _tenant_calls(self, tenant: str) -> int:
        """Calls of the tenant up now: inbound ones counted by the dialplan's limit, plus ours."""
        text = self.api(f"limit_usage hash {names.CALLS_LIMIT_REALM} {tenant}", check=False)
        inbound = int(text) if text.strip().isdigit() else 0
        return inbound + sum(a.tenant == tenant for a in self.attempts.values())

    def _preview(self, r: plan.Running, table: list[dict], now: float, room: int) -> int:
        c = r.campaign
        plan.expire_offers(self.engine, c.id, now - OFFER_TIMEOUT)
        _, _, idle_names = agent_counts(table)
        for name in idle_names:
            ext = name.split("@", 1)[0]
            k = plan.offer(self.engine, r, ext, now)
            if k is not None:
                self.notify(
                    {
                        "type": "campaign.preview",
                        "tenant": c.tenant,
                        "campaign": c.name,
                        "agent": ext,
                        "at": now,
                        "contact": {"number": k.number, "name": k.name, "fields": k.fields},
                    }
                )
        started = 0
        for k in plan.accepted(self.engine, c.id, room):
            self._originate(r, k, now, agent=k.agent)
            started += 1
        return started

    # -- calls
    def _abandon_message(self, language: str) -> str | None:
        if language not in self._prompts:
            from ccctl.media.synth import ensure_media

            p = Prompt(ABANDON_TEXT.get(language, ABANDON_TEXT["en"]), language if language in ABANDON_TEXT else "en")
            try:
                ensure_media(self.settings.fs_sounds_dir, [p], [])
                self._prompts[language] = str(self.settings.fs_sounds_dir / p.name)
            except Exception as exc:  # no espeak-ng: hang up without the message, say so once
                log.warning("cannot make the dialer's abandon message (%s); abandoned callees hear nothing", exc)
                self._prompts[language] = None
        return self._prompts[language]

    def _originate(self, r: plan.Running, k, now: float, agent: str | None = None) -> None:
        c = r.campaign
        u = str(uuidlib.uuid4())
        a = Attempt(
            uuid=u,
            tenant=c.tenant,
            campaign=c.name,
            campaign_id=c.id,
            contact_id=k.id,
            number=k.number,
            name=k.name,
            fields=k.fields or {},
            queue=c.queue,
            caller_id=c.caller_id,
            started=now,
            agent=agent,
        )
        a.extra["message"] = self._abandon_message(r.language)
        a.extra["ivr"] = c.kind == "ivr"  # answered = connected: no agent to wait for
        a.extra["deadline"] = now + c.ring_timeout + STUCK_AFTER
        self.attempts[u] = a
        cid = _safe(c.caller_id) or "0000000000"
        variables = ",".join(
            f"{key}={value}"
            for key, value in (
                ("origination_uuid", u),
                ("ccctl_dialer", "true"),
                ("ccctl_tenant", c.tenant),
                ("ccctl_campaign", _safe(c.name)),
                ("ccctl_direction", "outbound"),
                ("origination_caller_id_number", cid),
                ("origination_caller_id_name", cid),
                ("originate_timeout", str(c.ring_timeout)),
                ("ignore_early_media", "true"),
                ("hangup_after_bridge", "true"),
            )
        )
        # The agent sees the contact, not the campaign's own number: the member's caller id.
        show = f"set_profile_var:caller_id_number={_safe(k.number)},set_profile_var:caller_id_name={_safe(k.name) or _safe(k.number)}"
        if agent is not None:
            then = f"bridge:user/{names.agent_id(r.tenant, _safe(agent))}"
        elif c.kind == "agents":
            then = f"callcenter:{names.queue_id(r.tenant, c.queue)}"
        else:
            then = f"transfer:{names.transfer(r.tenant, c.target)}"
        cmd = (
            f"originate {{{variables}}}sofia/gateway/{names.gateway(r.tenant, c.trunk)}/{k.number} "
            f"'{show},{then}' inline"
        )
        try:
            reply = self._cmd.bgapi(cmd, job_uuid=u)
        except (FreeSwitchError, ConnectionError) as exc:
            log.warning("originate to %s refused: %s", k.number, exc)
            self._finish(a, "FAILED", now)
            return
        log.debug("originate %s -> %s (%s)", u, k.number, reply)

    def _abandon_late(self, now: float) -> None:
        for a in list(self.attempts.values()):
            if a.ringing and now > a.extra.get("deadline", now + 1):
                self._finish(a, "FAILED", now)
                continue
            if a.waiting and now - a.answered_at > ABANDON_AFTER_S and a.agent is None:
                a.abandoned_at = now
                self.pacers.get(a.campaign_id, Pacer("progressive")).measured.answered(True)
                message = a.extra.get("message")
                play = f"playback:{message}," if message else ""
                try:
                    self.api(f"uuid_transfer {a.uuid} '{play}hangup:NORMAL_CLEARING' inline", check=False)
                except (ConnectionError, OSError):
                    raise
                self.notify(
                    {
                        "type": "campaign.abandoned",
                        "tenant": a.tenant,
                        "campaign": a.campaign,
                        "call_id": a.uuid,
                        "at": now,
                        "contact": {"number": a.number, "name": a.name},
                    }
                )

    def on_event(self, e: dict[str, str]) -> None:
        name = e.get("Event-Name")
        now = self.clock()
        if name == "CUSTOM":
            if e.get("Event-Subclass") == CC and e.get("CC-Action") == "bridge-agent-start":
                a = self.attempts.get(e.get("CC-Member-Session-UUID", ""))
                if a is not None and a.bridged_at is None:
                    self._bridged(a, (e.get("CC-Agent") or "").split("@", 1)[0] or None, now)
            return
        a = self.attempts.get(e.get("Unique-ID", ""))
        if a is None:
            return
        if name == "CHANNEL_ANSWER" and a.answered_at is None:
            a.answered_at = now
            self.pacers.get(a.campaign_id, Pacer("progressive")).measured.attempt(True, now - a.started)
            if a.extra.get("ivr"):
                self._bridged(a, None, now)  # the callee is in the campaign's IVR (or survey) now
        elif name == "CHANNEL_BRIDGE" and a.bridged_at is None and a.agent is not None:
            self._bridged(a, a.agent, now)  # preview: straight to the agent who accepted
        elif name == "CHANNEL_HANGUP_COMPLETE":
            # An outbound survey leaves its score on the channel (ccctl/render/survey.py).
            a.extra["survey_score"] = survey_score({"ccctl_survey_score": e.get("variable_ccctl_survey_score", "")})
            self._finish(a, e.get("Hangup-Cause") or e.get("variable_hangup_cause") or "", now)

    def _bridged(self, a: Attempt, agent: str | None, now: float) -> None:
        if a.abandoned_at is not None:
            return
        a.bridged_at, a.agent = now, agent
        self.pacers.get(a.campaign_id, Pacer("progressive")).measured.answered(False)
        self.notify(
            {
                "type": "campaign.connected",
                "tenant": a.tenant,
                "campaign": a.campaign,
                "call_id": a.uuid,
                "at": now,
                "agent": agent,
                "contact": {"number": a.number, "name": a.name, "fields": a.fields},
            }
        )

    def _finish(self, a: Attempt, cause: str, now: float) -> None:
        if self.attempts.pop(a.uuid, None) is None:
            return
        pacer = self.pacers.get(a.campaign_id)
        if pacer is not None:
            if a.answered_at is None:
                pacer.measured.attempt(False)
            if a.bridged_at is not None:
                pacer.measured.handled(now - a.bridged_at)
        row = call_row(a, cause, now, self.node)
        write_rows(self.engine, [row], [])
        from ccctl.db import session_scope
        from ccctl.model import Campaign

        with session_scope(self.engine) as session:
            c = session.get(Campaign, a.campaign_id)
            if c is not None:
                session.expunge(c)
        if c is not None:
            plan.finish(self.engine, c, a.contact_id, row["disposition"], a.uuid, now)
        self.notify(
            {
                "type": "campaign.attempt",
                "tenant": a.tenant,
                "campaign": a.campaign,
                "call_id": a.uuid,
                "at": now,
                "number": a.number,
                "disposition": row["disposition"],
                "agent": row["agent"],
            }
        )

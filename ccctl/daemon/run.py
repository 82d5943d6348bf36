"""`ccctl daemon`: hold the Event Socket, turn events into rows, reconcile from the CDR.

Threads: this one reads events and assembles calls (never touches the database or the
network beyond the Event Socket); the writer stores rows in batches; the reconciler passes
over FreeSWITCH's CDR directory after every (re)connect and every few seconds; the notifier
and webhook sender publish CTI events.
"""

from __future__ import annotations

import logging
import socket
import threading
import time

from sqlalchemy import select
from sqlalchemy.engine import Engine

from ccctl.app import Services
from ccctl.callbacks.worker import CallbackWorker
from ccctl.config.gather import esl_password
from ccctl.config.spec import sip_domain
from ccctl.cti.webhooks import Notifier
from ccctl.daemon.assemble import FILTERS, HEADERS, SMALL, SUBSCRIBE, Assembler, Directory, QueueInfo
from ccctl.daemon.cdr import reconcile
from ccctl.daemon.store import BatchWriter, write_rows
from ccctl.db import session_scope
from ccctl.errors import FreeSwitchError
from ccctl.freeswitch.esl import EventStream, HeaderPicker
from ccctl.hardware import trunks
from ccctl.hardware.store import load_hardware
from ccctl.model import Queue, Tenant
from ccctl.supervision.watchdog import Watchdog

log = logging.getLogger("ccctl.daemon")
BACKOFF_MAX = 2.0
"""Seconds between reconnect attempts at most: FreeSWITCH back up is noticed within ~2 s."""
RECONCILE_EVERY = 5.0
DIRECTORY_EVERY = 30.0


def load_directory(engine: Engine) -> Directory:
    d = Directory()
    with engine.connect() as conn:
        ids = {}
        for tid, name, domain, reasons, missed in conn.execute(
            select(Tenant.id, Tenant.name, Tenant.domain, Tenant.pause_reasons, Tenant.missed_calls_reason)
        ):
            d.tenants_by_domain[sip_domain(name, domain)] = name
            ids[tid] = name
            if missed and (reasons or {}).get(missed):
                d.missed_reasons[name] = reasons[missed]
        for tid, qname, sla, wrapup in conn.execute(
            select(Queue.tenant_id, Queue.name, Queue.service_level, Queue.wrapup)
        ):
            d.queues[(ids[tid], qname)] = QueueInfo(sla, wrapup)
        d.tdm_trunks = trunks.tdm_trunks(conn)
    if d.tdm_trunks:
        # Only a box with tdm trunks needs the voice cards' span groups.
        with session_scope(engine) as session:
            d.span_groups = trunks.span_groups(load_hardware(session))
    return d


class Daemon:
    def __init__(self, services: Services, *, stop: threading.Event | None = None):
        self.services = services
        self.settings = services.settings
        self.engine = services.engine
        self.stop = stop or threading.Event()
        self.connected = threading.Event()
        self.connects = 0
        self.directory = load_directory(self.engine)
        self._directory_at = time.monotonic()
        self.notifier = Notifier(self.engine, self.settings.spool_dir)
        self.writer = BatchWriter(self.engine, on_written=self._written)
        self.assembler = Assembler(self.directory, self.settings.node, refresh=self._refresh_directory)
        self._to_index: set[str] = set()
        self._index_lock = threading.Lock()
        self._reconcile_now = threading.Event()
        self._reconciler = threading.Thread(target=self._reconcile_loop, name="ccctl-cdr", daemon=True)
        self.watchdog = Watchdog(services, stop=self.stop)
        self.callbacks = CallbackWorker(self.engine, self._api)
        self._dialer = threading.Thread(target=self._dial, name="ccctl-dialer", daemon=True)

    def _dial(self) -> None:
        """Outbound campaigns (ccctl.outbound): its own Event Socket connections and loop."""
        from ccctl.outbound.dialer import Dialer

        Dialer(
            self.engine, self.settings, esl_password(self.services), node=self.settings.node, notify=self.notifier.put
        ).run(self.stop)

    def _refresh_directory(self) -> Directory:
        self.directory = load_directory(self.engine)
        self._directory_at = time.monotonic()
        return self.directory

    def _api(self, command: str) -> str:
        from ccctl.freeswitch.connect import event_socket

        with event_socket(self.services) as sock:
            return sock.api(command)

    def _live_calls(self) -> int | None:
        from ccctl.stats.live import node_calls

        return node_calls(self.services) if self.connected.is_set() else None

    def _written(self, rows: list[dict]) -> None:
        self.callbacks.put_rows(rows)
        recorded = {r["tenant"] for r in rows if r.get("recording")}
        if recorded:
            with self._index_lock:
                self._to_index |= recorded
        for r in rows:
            if r["source"] == "events":
                self.notifier.put(
                    {
                        "type": "call.ended",
                        "tenant": r["tenant"],
                        "call_id": r["uuid"],
                        "at": r["ended_at"],
                        "caller_number": r["caller_number"],
                        "queue": r["queue"],
                        "agent": r["agent"],
                        "disposition": r["disposition"],
                        "wait_s": r["wait_s"],
                        "talk_s": r["talk_s"],
                    }
                )

    # -- CDR
    def reconcile_once(self, grace: float = 5.0) -> dict:
        return reconcile(
            self.engine,
            self.settings.fs_cdr_dir,
            self.directory,
            self.settings.node,
            write=self._write_reconciled,
            grace=grace,
        )

    def _write_reconciled(self, rows: list[dict]) -> None:
        write_rows(self.engine, rows, [])
        self.callbacks.put_rows(rows)  # a callback asked for while the daemon was away
        with self._index_lock:
            self._to_index |= {r["tenant"] for r in rows if r.get("recording")}

    def index_recordings(self) -> None:
        """Index the files of tenants whose calls just ended recorded, with this node as theirs:
        in a fleet the index is how `recording export` elsewhere finds the file's node."""
        from ccctl.recordings.index import scan

        with self._index_lock:
            tenants, self._to_index = self._to_index, set()
        for tenant in sorted(tenants):
            scan(self.services, tenant)

    def _reconcile_loop(self) -> None:
        failing = False
        while not self.stop.is_set():
            now = self._reconcile_now.wait(RECONCILE_EVERY)
            self._reconcile_now.clear()
            try:
                # Right after a (re)connect, what ended during the gap is final: no grace.
                self.reconcile_once(grace=0.0 if now else 5.0)
                self.index_recordings()
                if failing:
                    log.warning("CDR reconciliation works again")
                failing = False
            except Exception as exc:
                if not failing:
                    log.error(
                        "CDR reconciliation failed (%s); retrying every %.0f s",
                        str(getattr(exc, "orig", exc)).splitlines()[0],
                        RECONCILE_EVERY,
                    )
                failing = True

    # -- events
    def handle(self, event: dict) -> None:
        for kind, item in self.assembler.feed(event):
            if kind == "call":
                self.writer.put_call(item)
            elif kind == "agent":
                self.writer.put_agent(item)
            else:
                self.notifier.put(item)

    def _connect(self) -> EventStream:
        s = self.settings
        return EventStream(s.esl_host, s.esl_port, esl_password(self.services), SUBSCRIBE, timeout=5.0, filters=FILTERS)

    def run(self) -> None:
        self._reconciler.start()
        # A fleet node follows the committed generation (LISTEN/NOTIFY) and beats its heart.
        from ccctl.fleet import member

        # (in a thread of its own: a fleet database slow to answer never holds the events up)
        threading.Thread(
            target=member.start,
            args=(self.services, self.stop, self.connected.is_set, self._live_calls),
            name="ccctl-fleet-start",
            daemon=True,
        ).start()
        from ccctl.daemon import manage

        self.manage = manage.serve(self.services)
        self.watchdog.start()
        self.callbacks.start()
        self._dialer.start()
        backoff = 0.25
        down_since = None
        try:
            while not self.stop.is_set():
                try:
                    stream = self._connect()
                except FreeSwitchError as exc:
                    if down_since is None:
                        down_since = time.monotonic()
                        log.warning("FreeSWITCH not reachable (%s); retrying", exc)
                    self.stop.wait(backoff)
                    backoff = min(backoff * 2, BACKOFF_MAX)
                    continue
                backoff = 0.25
                self.connects += 1
                log.info(
                    "connected to FreeSWITCH at %s:%s%s",
                    self.settings.esl_host,
                    self.settings.esl_port,
                    f" after {time.monotonic() - down_since:.1f} s" if down_since else "",
                )
                down_since = None
                self.connected.set()
                self._reconcile_now.set()
                try:
                    self._read(stream)
                except (ConnectionError, OSError) as exc:
                    log.warning("lost the Event Socket (%s); reconnecting", exc)
                    down_since = time.monotonic()
                finally:
                    self.connected.clear()
                    stream.close()
        finally:
            self.shutdown()

    def _read(self, stream: EventStream) -> None:
        stream.settimeout(1.0)
        picker = HeaderPicker(HEADERS, SMALL)
        while not self.stop.is_set():
            if time.monotonic() - self._directory_at > DIRECTORY_EVERY:
                self.assembler.directory = self._refresh_directory()
            try:
                event = stream.next_event(picker)
            except socket.timeout:
                continue
            if event is not None:
                self.handle(event)

    def shutdown(self) -> None:
        self.stop.set()
        if getattr(self, "manage", None) is not None:
            self.manage.shutdown()
        self.writer.close()
        self.notifier.close()
        self.callbacks.close()


def run_daemon(services: Services, stop: threading.Event | None = None) -> None:
    Daemon(services, stop=stop).run()

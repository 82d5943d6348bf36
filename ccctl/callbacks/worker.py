"""The daemon's side of queue callbacks: call rows in, callback requests and placements out.

A row of disposition 'callback' becomes a request; a due request gets its placeholder member
put into its queue (an API command over the Event Socket); an attempt's own call row (direction
'callback') settles it: done, retried after the queue's interval, or failed after its last
attempt. One thread, woken by rows and once a second for due requests."""

from __future__ import annotations

import logging
import queue
import threading
import time
from typing import Callable

from sqlalchemy.engine import Engine

from ccctl.callbacks import requests

log = logging.getLogger("ccctl.callbacks.worker")
TICK = 1.0
RETRY_PLACEMENT = 5.0
"""Seconds before a placement FreeSWITCH refused (down, reloading) is tried again; not an attempt."""


class CallbackWorker:
    def __init__(self, engine: Engine, api: Callable[[str], str]):
        """API runs one FreeSWITCH API command and returns its reply (raises when it cannot)."""
        self.engine = engine
        self.api = api
        self.rows: queue.Queue = queue.Queue()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="ccctl-callbacks", daemon=True)

    def start(self) -> "CallbackWorker":
        self.thread.start()
        return self

    def put_rows(self, rows: list[dict]) -> None:
        """Call rows just written (the writer's thread): only the two kinds that matter are queued."""
        for r in rows:
            if r.get("disposition") == "callback" or r.get("direction") == "callback":
                self.rows.put(r)

    def step(self, now: float | None = None) -> None:
        """Take the rows queued so far, then place every due request."""
        now = time.time() if now is None else now
        while True:
            try:
                row = self.rows.get_nowait()
            except queue.Empty:
                break
            if row.get("direction") == "callback":
                req = requests.attempt_ended(self.engine, row, now)
                if req is not None:
                    log.info(
                        "callback %s (%s/%s): attempt %s %s",
                        req.id,
                        req.tenant,
                        req.queue,
                        req.attempts,
                        "reached the caller" if req.state == "done" else f"failed ({req.last_cause}), {req.state}",
                    )
            else:
                req = requests.request_from_call(self.engine, row, now)
                if req is not None:
                    log.info("callback %s requested in %s/%s", req.id, req.tenant, req.queue)
        for req in requests.release_lost(self.engine, now):
            log.warning("callback %s: its placement was lost (FreeSWITCH restarted?); now %s", req.id, req.state)
        for req in requests.due(self.engine, now):
            attempt = requests.new_attempt_uuid()
            try:
                reply = self.api("bgapi " + requests.originate_command(req, now, attempt))
            except Exception as exc:  # FreeSWITCH down or refusing: not an attempt
                log.warning("callback %s: cannot place it (%s); trying again", req.id, exc)
                _postpone(self.engine, req.id, now + RETRY_PLACEMENT)
                continue
            requests.mark_placed(self.engine, req.id, attempt, now)
            log.info(
                "callback %s placed in %s/%s with base score %s (%s)",
                req.id,
                req.tenant,
                req.queue,
                requests.base_score(req, now),
                reply.strip(),
            )

    def _run(self) -> None:
        while not self.stop.is_set():
            try:
                self.step()
            except Exception:
                log.exception("callback step failed")
            self.stop.wait(TICK)

    def close(self) -> None:
        self.stop.set()
        if self.thread.is_alive():
            self.thread.join(5)


def _postpone(engine: Engine, req_id: int, at: float) -> None:
    from ccctl.db import session_scope
    from ccctl.model import CallbackRequest

    with session_scope(engine) as session:
        req = session.get(CallbackRequest, req_id)
        if req is not None and req.state == "waiting":
            req.next_at = at

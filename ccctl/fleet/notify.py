"""A committed generation reaching a node within a second: the write path announces it on
PostgreSQL's `ccctl_generation` channel at commit (ccctl/deploy/generation.py); a node's daemon
listens here and deploys it (ccctl/deploy/run.py: render its own tenants, swap, reload, roll
back if FreeSWITCH refuses). A missed notification costs nothing: every (re)connect and every
heartbeat compares the committed generation with the node's own."""

from __future__ import annotations

import logging
import threading
import time
from typing import Callable

from sqlalchemy.engine import make_url

from ccctl.deploy.generation import CHANNEL

log = logging.getLogger("ccctl.fleet")
HEARTBEAT_EVERY = 5.0
"""Seconds between a node's heartbeats (node.heartbeat_at)."""


def conninfo(url: str) -> str:
    """The libpq connection string of an SQLAlchemy PostgreSQL URL."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class GenerationListener:
    """Calls ON_GENERATION(n) for every generation announced, once right after each (re)connect
    (what was committed while away), and ON_TICK every HEARTBEAT_EVERY seconds."""

    def __init__(
        self,
        url: str,
        on_generation: Callable[[int | None], None],
        on_tick: Callable[[], None] | None = None,
        *,
        stop: threading.Event,
    ):
        self.url = url
        self.on_generation = on_generation
        self.on_tick = on_tick
        self.stop = stop
        self.listening = threading.Event()
        self.thread = threading.Thread(target=self.run, name="ccctl-fleet", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def run(self) -> None:
        import psycopg

        backoff = 0.5
        while not self.stop.is_set():
            try:
                with psycopg.connect(conninfo(self.url), autocommit=True, connect_timeout=5) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self.listening.set()
                    backoff = 0.5
                    self._call(self.on_generation, None)
                    self._serve(conn)
            except psycopg.Error as exc:
                self.listening.clear()
                log.warning("fleet database: %s; listening again in %.1f s", str(exc).splitlines()[0], backoff)
                self.stop.wait(backoff)
                backoff = min(backoff * 2, 5.0)

    def _serve(self, conn) -> None:
        next_tick = 0.0
        while not self.stop.is_set():
            if self.on_tick is not None and time.monotonic() >= next_tick:
                self._call(self.on_tick)
                next_tick = time.monotonic() + HEARTBEAT_EVERY
            for n in conn.notifies(timeout=0.5, stop_after=1):
                self._call(self.on_generation, int(n.payload) if n.payload.isdigit() else None)

    def _call(self, fn, *args) -> None:
        try:
            fn(*args)
        except Exception as exc:  # a refused deploy is recorded by it; the listener lives on
            log.error("fleet: %s", getattr(exc, "message", None) or exc)

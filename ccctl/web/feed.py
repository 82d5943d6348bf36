"""The daemon's CTI events, as `ccctl events --follow` reads them (the per-tenant event logs
in the spool), fanned out to the event streams of the pages.

One thread tails the logs for the whole process (not one per page: 200 agents signed in cost
one reader). A call offered to an agent becomes a screen pop (ccctl.cti.pop) before it is
handed on, so the page draws it at once, while the phone rings.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from dataclasses import dataclass, field

from ccctl.cti import pop
from ccctl.cti.webhooks import follow

log = logging.getLogger("ccctl.web")


@dataclass(eq=False)
class Subscriber:
    tenant: str
    agent: str | None
    """Only events of this seat (an agent's page); None: every event of the tenant."""
    loop: asyncio.AbstractEventLoop
    queue: asyncio.Queue = field(default_factory=lambda: asyncio.Queue(maxsize=1000))

    def wants(self, event: dict) -> bool:
        return event.get("tenant") == self.tenant and (self.agent is None or event.get("agent") == self.agent)


class Feed:
    def __init__(self, services, *, poll: float = 0.05):
        self.services = services
        self.poll = poll
        self._subs: set[Subscriber] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="ccctl-web-feed", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)

    def subscribe(self, tenant: str, agent: str | None) -> Subscriber:
        sub = Subscriber(tenant, agent, asyncio.get_running_loop())
        with self._lock:
            self._subs.add(sub)
        return sub

    def unsubscribe(self, sub: Subscriber) -> None:
        with self._lock:
            self._subs.discard(sub)

    def publish(self, event: dict) -> None:
        with self._lock:
            subs = [s for s in self._subs if s.wants(event)]
        if not subs:
            return
        if event.get("type") == "call.offered":
            event = pop.screen_pop(self.services, event)
        for s in subs:
            s.loop.call_soon_threadsafe(_put, s.queue, event)

    def _run(self) -> None:
        spool = self.services.settings.spool_dir
        while not self._stop.is_set():
            try:
                for event in follow(spool, None, stop=self._stop.is_set, poll=self.poll):
                    try:
                        self.publish(event)
                    except Exception as exc:  # one bad event must not end the stream
                        log.error("cannot pass on %s event: %s", event.get("type"), exc)
            except Exception as exc:
                log.error("event feed: %s", exc)
                self._stop.wait(1.0)


def _put(q: asyncio.Queue, event: dict) -> None:
    if q.full():  # a page that stopped reading loses its oldest events, not the box its memory
        q.get_nowait()
    q.put_nowait(event)

"""Live wallboards for the supervisor page: one ccctl.supervision.wallboard Board per tenant,
fed by its own Event Socket stream (a Follower), started when a page first asks for it and kept
while the service runs. Pages read a snapshot once a second, whatever the event rate: a busy
queue costs one update a second."""

from __future__ import annotations

import threading

from ccctl.supervision.wallboard import Follower, open_board


class Boards:
    def __init__(self, services):
        self.services = services
        self._boards: dict[str, tuple] = {}
        self._lock = threading.Lock()

    def board(self, tenant: str):
        with self._lock:
            found = self._boards.get(tenant)
            if found is None:
                board = open_board(self.services, tenant)
                found = self._boards[tenant] = (board, Follower(self.services, board).start())
            return found[0]

    def stop(self) -> None:
        with self._lock:
            for _, follower in self._boards.values():
                follower.stop()
            self._boards.clear()


def visible(snapshot: dict, queues: tuple[str, ...]) -> dict:
    """SNAPSHOT as a supervisor limited to QUEUES sees it (all of it when QUEUES is empty)."""
    if not queues:
        return snapshot
    return {
        **snapshot,
        "queues": [q for q in snapshot["queues"] if q["queue"] in queues],
        "calls": [c for c in snapshot["calls"] if c["queue"] in queues],
    }

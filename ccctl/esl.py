"""The one adapter to FreeSWITCH's Event Socket. greenswitch (and gevent) stay inside
this module; the rest of ccctl sees `EventSocket.api()` and typed errors."""

from __future__ import annotations

from dataclasses import dataclass

from .errors import FreeSwitchError
from .settings import is_loopback as _is_loopback


@dataclass
class EventSocket:
    host: str
    port: int
    password: str
    timeout: float = 10.0

    def __post_init__(self):
        # The Event Socket controls every call on the box; ccctl never talks to it off-box.
        if not _is_loopback(self.host):
            raise FreeSwitchError(f"refusing Event Socket address {self.host}: loopback only")
        self._conn = None

    def connect(self) -> "EventSocket":
        import greenswitch

        conn = greenswitch.InboundESL(host=self.host, port=self.port, password=self.password)
        conn.timeout = self.timeout
        try:
            conn.connect()
        except Exception as exc:  # greenswitch raises bare socket errors and its own types
            raise FreeSwitchError(f"cannot reach FreeSWITCH at {self.host}:{self.port}: {exc or type(exc).__name__}") from None
        self._conn = conn
        return self

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.stop()
            except Exception:
                pass
            self._conn = None

    def __enter__(self) -> "EventSocket":
        return self.connect() if self._conn is None else self

    def __exit__(self, *exc) -> None:
        self.close()

    def api(self, command: str, *, check: bool = True) -> str:
        """Run an API command and return its text; '-ERR ...' raises unless check=False."""
        if self._conn is None:
            self.connect()
        try:
            resp = self._conn.send(f"api {command}")
        except Exception as exc:
            raise FreeSwitchError(f"{command}: no answer from FreeSWITCH ({exc or type(exc).__name__})") from None
        text = (resp.data or "").strip() if resp is not None else ""
        if check and text.startswith("-ERR"):
            raise FreeSwitchError(f"{command}: {text[4:].strip() or 'error'}")
        return text


def connect(settings, password: str, timeout: float = 10.0) -> EventSocket:
    return EventSocket(settings.esl_host, settings.esl_port, password, timeout).connect()

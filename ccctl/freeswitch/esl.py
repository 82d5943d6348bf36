"""The one adapter to FreeSWITCH's Event Socket. greenswitch (and gevent) stay inside
this module; the rest of ccctl sees `api()`, `bgapi()` and typed errors.

Two connection kinds, one behaviour: `EventSocket` (commands, over greenswitch) and
`EventStream` (a subscription read by one blocking thread, plus commands on a stream of its
own) both return FreeSWITCH's text, and both raise `FreeSwitchRefused` (a `FreeSwitchError`)
when FreeSWITCH answers an api or bgapi command with -ERR, unless the caller passes
check=False to read the -ERR text itself."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

from ccctl.errors import FreeSwitchError, FreeSwitchRefused
from ccctl.settings import is_loopback as _is_loopback


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
        import gevent
        import greenswitch

        _quiet_greenswitch()

        conn = greenswitch.InboundESL(host=self.host, port=self.port, password=self.password)
        conn.timeout = self.timeout
        try:
            # greenswitch waits for the auth request without a limit: a socket that accepts
            # and never speaks (a hung FreeSWITCH) must not hold a deploy forever.
            with gevent.Timeout(self.timeout, TimeoutError(f"no greeting within {self.timeout:g} s")):
                conn.connect()
        except (Exception, gevent.Timeout) as exc:
            _abandon(conn)  # greenswitch raises bare socket errors and its own types
            raise FreeSwitchError(
                f"cannot reach FreeSWITCH at {self.host}:{self.port}: {exc or type(exc).__name__}"
            ) from None
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
        """Run an API command and return its text; '-ERR ...' raises FreeSwitchRefused unless check=False."""
        return checked(command, self._send(command, f"api {command}"), check)

    def bgapi(self, command: str, *, job_uuid: str | None = None, check: bool = True) -> str:
        """Start an API command in the background; FreeSWITCH's reply ('+OK Job-UUID: ...').
        '-ERR ...' raises FreeSwitchRefused unless check=False."""
        return checked(command, self._send(command, _bgapi_message(command, job_uuid)), check)

    def sendevent(self, subclass: str, headers: dict[str, str]) -> str:
        """Fire a CUSTOM event of SUBCLASS carrying HEADERS (one line each: no newlines in them)."""
        lines = [f"{k}: {v}" for k, v in {"Event-Subclass": subclass, **headers}.items()]
        if any("\n" in line for line in lines):
            raise ValueError("an event header must be one line")
        return self._send("sendevent", "\n".join(["sendevent CUSTOM", *lines]))

    def _send(self, command: str, message: str) -> str:
        if self._conn is None:
            self.connect()
        import gevent

        try:
            with gevent.Timeout(API_TIMEOUT, TimeoutError(f"no answer within {API_TIMEOUT} s")):
                resp = self._conn.send(message)
        except Exception as exc:
            raise FreeSwitchError(f"{command}: no answer from FreeSWITCH ({exc or type(exc).__name__})") from None
        return (resp.data or "").strip() if resp is not None else ""


class _GreenswitchChatter(logging.Filter):
    """greenswitch logs through the root logger, at INFO, on every stop() ("Waiting for event
    processing greenlet exit"): the daemon's short-lived connection per watchdog tick made
    8,600 such lines a day. Its INFO and DEBUG lines are dropped; warnings and errors pass."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.levelno <= logging.INFO and f"{os.sep}greenswitch{os.sep}" in record.pathname)


def _quiet_greenswitch() -> None:
    root = logging.getLogger()
    if not any(isinstance(f, _GreenswitchChatter) for f in root.filters):
        root.addFilter(_GreenswitchChatter())


def checked(command: str, text: str, check: bool = True) -> str:
    """TEXT, FreeSWITCH's answer to COMMAND; with CHECK, an answer of -ERR raises
    FreeSwitchRefused. The one place either connection kind decides what -ERR means."""
    if check and text.startswith("-ERR"):
        raise FreeSwitchRefused(command, text[4:].strip())
    return text


def _bgapi_message(command: str, job_uuid: str | None) -> str:
    return f"bgapi {command}" + (f"\nJob-UUID: {job_uuid}" if job_uuid else "")


def _abandon(conn) -> None:
    """Drop a connection that never got going, without greenswitch's stop() (which says
    'exit' and waits for an answer that a silent socket never sends)."""
    import gevent

    conn._run = False
    conn.connected = False
    greenlets = [
        g
        for g in (getattr(conn, "_receive_events_greenlet", None), getattr(conn, "_process_events_greenlet", None))
        if g is not None
    ]
    gevent.killall(greenlets, block=False)
    sock = getattr(conn, "sock", None)
    if sock is not None:
        try:
            sock.close()
        except OSError:
            pass


API_TIMEOUT = 120
"""Seconds one API command may take (a reloadxml of a 50,000-seat tree takes a few)."""


def connect(settings, password: str, timeout: float = 10.0) -> EventSocket:
    return EventSocket(settings.esl_host, settings.esl_port, password, timeout).connect()


_EVENT_HEAD_END = b"\nContent-Type: text/event-plain"
_EVENT_HEADERS = {"Content-Type": "text/event-plain"}


class EventStream:
    """A subscription to FreeSWITCH events over its own plain socket (no gevent): the daemon
    blocks on it in one thread. Events come as dicts of header -> value (URL-decoded).

        with EventStream(host, port, password, ["CHANNEL_HANGUP_COMPLETE"]) as stream:
            for event in stream:
                ...
    """

    def __init__(
        self,
        host: str,
        port: int,
        password: str,
        events: list[str],
        timeout: float = 10.0,
        record=None,
        filters: list[tuple[str, str]] = (),
    ):
        """FILTERS: (header, value) pairs; when given, FreeSWITCH sends only events that match
        one of them. RECORD: a binary file that gets every event message exactly as it came off
        the wire (what tests and bench/events replay)."""
        import socket

        self.record = record
        if not _is_loopback(host):
            raise FreeSwitchError(f"refusing Event Socket address {host}: loopback only")
        try:
            self._sock = socket.create_connection((host, port), timeout=timeout)
        except OSError as exc:
            raise FreeSwitchError(f"cannot reach FreeSWITCH at {host}:{port}: {exc}") from None
        self._buf = b""
        self._pos = 0
        try:
            self._read_message()  # auth/request
            self.command(f"auth {password}")
            for header, value in filters:
                self.command(f"filter {header} {value}")
            if events:  # none: a stream for api/bgapi commands only (see api())
                self.command("event plain " + " ".join(events))
        except (OSError, ConnectionError, FreeSwitchError) as exc:
            self.close()
            raise FreeSwitchError(f"Event Socket at {host}:{port}: {exc}") from None
        self._sock.settimeout(None)

    def __enter__(self) -> "EventStream":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        import socket

        try:
            self._sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._sock.close()

    def settimeout(self, seconds: float | None) -> None:
        self._sock.settimeout(seconds)

    def _fill(self) -> None:
        chunk = self._sock.recv(262144)
        if not chunk:
            raise ConnectionError("Event Socket closed")
        # Keep a read position instead of slicing: slicing a big buffer per message is quadratic.
        self._buf = self._buf[self._pos :] + chunk
        self._pos = 0

    def _read_message(self) -> tuple[dict[str, str], bytes]:
        while (end := self._buf.find(b"\n\n", self._pos)) < 0:
            self._fill()
        raw_head = self._buf[self._pos : end]
        self._pos = end + 2
        if raw_head.startswith(b"Content-Length: ") and raw_head.endswith(_EVENT_HEAD_END):
            # the shape of nearly every message on a subscribed socket: no general parse
            n = int(raw_head[16 : raw_head.index(b"\n")])
            headers = _EVENT_HEADERS
        else:
            headers = dict(
                line.split(": ", 1) for line in raw_head.decode(errors="replace").split("\n") if ": " in line
            )
            n = int(headers.get("Content-Length", 0))
        while len(self._buf) - self._pos < n:
            self._fill()
        body = self._buf[self._pos : self._pos + n]
        self._pos += n
        if self.record is not None and headers.get("Content-Type") == "text/event-plain":
            self.record.write(raw_head + b"\n\n" + body)
        return headers, body

    def command(self, cmd: str, *, check: bool = True) -> str:
        """Send CMD, skip events until its reply, return the reply text; -ERR raises
        FreeSwitchRefused (naming CMD's first word: an auth line holds the password) unless
        check=False. ConnectionError: the socket closed."""
        self._sock.sendall(cmd.encode() + b"\n\n")
        while True:
            headers, _ = self._read_message()
            if headers.get("Content-Type") == "command/reply":
                return checked(cmd.split()[0], headers.get("Reply-Text", ""), check)

    def api(self, command: str, *, check: bool = True) -> str:
        """Run an API command and return its text, on a stream subscribed to no events (the
        dialer's command line beside its event stream; no gevent in a daemon thread).
        '-ERR ...' raises FreeSwitchRefused unless check=False, as EventSocket.api."""
        self._sock.sendall(f"api {command}\n\n".encode())
        while True:
            headers, body = self._read_message()
            if headers.get("Content-Type") == "api/response":
                return checked(command, body.decode(errors="replace").strip(), check)
            if headers.get("Content-Type") == "text/disconnect-notice":
                raise ConnectionError("FreeSWITCH closed the Event Socket")

    def bgapi(self, command: str, *, job_uuid: str | None = None, check: bool = True) -> str:
        """Start an API command in the background: FreeSWITCH's reply ('+OK Job-UUID: ...'),
        its result comes later as a BACKGROUND_JOB event. '-ERR ...' raises FreeSwitchRefused
        unless check=False, as EventSocket.bgapi."""
        reply = self.command(_bgapi_message(command, job_uuid), check=False)
        return checked(command, reply, check)

    def next_event(self, only=None) -> dict[str, str] | None:
        """The next event; None for a non-event message. ConnectionError when the socket
        closes (FreeSWITCH stopped); socket.timeout after settimeout()'s seconds of silence.
        ONLY: a HeaderPicker, to parse just the headers it names."""
        headers, body = self._read_message()
        if headers.get("Content-Type") != "text/event-plain":
            if headers.get("Content-Type") == "text/disconnect-notice":
                raise ConnectionError("FreeSWITCH closed the Event Socket")
            return None
        return only.parse(body) if only is not None else parse_plain_event(body)

    def __iter__(self):
        while True:
            event = self.next_event()
            if event is not None:
                yield event


def parse_plain_event(body: bytes) -> dict[str, str]:
    """A text/event-plain body -> {header: value}, values URL-decoded."""
    from urllib.parse import unquote

    keys, values = [], []
    for line in body.decode(errors="replace").split("\n"):
        k, sep, v = line.partition(": ")
        if sep:
            keys.append(k)
            values.append(v)
    # Encoded values hold no newline, so one unquote of them all joined is the same as one
    # each, and several times faster; unless a decoded value has a newline of its own.
    decoded = unquote("\n".join(values)).split("\n")
    if len(decoded) != len(values):
        decoded = [unquote(v) for v in values]
    return dict(zip(keys, decoded))


class HeaderPicker:
    """Parses only the named headers of plain events: the lines are split in C and only the
    wanted values are decoded. A hangup event carries some 300 headers, of which the daemon
    reads 60. With SMALL ({event name: few headers}), events of those names are read by
    searching for each header instead, which is faster still for big events where only a
    handful of headers matter."""

    def __init__(self, names, small: dict[str, tuple[str, ...]] | None = None):
        self._wanted = {n.encode() for n in names}
        self._small = {k.encode(): [b"\n" + h.encode() + b": " for h in v] for k, v in (small or {}).items()}

    def parse(self, body: bytes) -> dict[str, str]:
        from urllib.parse import unquote

        found = None
        if self._small:
            text = b"\n" + body
            i = text.find(b"\nEvent-Name: ")
            name = text[i + 13 : text.find(b"\n", i + 13)] if i >= 0 else b""
            keys = self._small.get(name)
            if keys is not None:
                found = [(b"Event-Name", name)]
                for k in keys:
                    i = text.find(k)
                    if i >= 0:
                        j = text.find(b"\n", i + len(k))
                        found.append((k[1:-2], text[i + len(k) : j if j >= 0 else len(text)]))
        if found is None:
            wanted = self._wanted
            found = []
            for line in body.split(b"\n"):
                k, _, v = line.partition(b": ")
                if k in wanted:
                    found.append((k, v))
        if not found:
            return {}
        values = b"\n".join(v for _, v in found).decode(errors="replace")
        decoded = unquote(values).split("\n") if "%" in values else values.split("\n")
        if len(decoded) != len(found):
            decoded = [unquote(v.decode(errors="replace")) for _, v in found]
        return {k.decode(): v for (k, _), v in zip(found, decoded)}

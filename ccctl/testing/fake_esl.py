"""A wire-level fake of FreeSWITCH's Event Socket (inbound mode) for fast tests of the
adapter and of the deploy logic. The real-FreeSWITCH tier is what proves they work."""

from __future__ import annotations

import socket
import threading


class FakeEventSocket:
    """Answers `api X` with the text REPLIES gives the first prefix of X that matches
    (else +OK), and `bgapi X` with a command/reply: the matching reply when it is -ERR, else
    +OK Job-UUID. Every other command (event, filter) gets +OK."""

    def __init__(self, password: str = "pw", replies: dict[str, str] | None = None):
        self.password = password
        self.replies = replies or {}
        self.received: list[str] = []
        self.background: list[str] = []
        """The bgapi commands received."""
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self._stop = False
        threading.Thread(target=self._serve, daemon=True).start()

    def reply_for(self, command: str) -> str:
        for prefix, reply in self.replies.items():
            if command.startswith(prefix):
                return reply
        return "+OK [Success]" if command == "reloadxml" else "+OK"

    def _serve(self) -> None:
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._client, args=(conn,), daemon=True).start()

    def _client(self, conn: socket.socket) -> None:
        conn.sendall(b"Content-Type: auth/request\n\n")
        buf = b""
        authed = False
        while True:
            try:
                data = conn.recv(4096)
            except OSError:
                return
            if not data:
                return
            buf += data
            while b"\n\n" in buf:
                msg, buf = buf.split(b"\n\n", 1)
                line = msg.decode().strip()
                if line.startswith("auth "):
                    authed = line[5:] == self.password
                    text = "+OK accepted" if authed else "-ERR invalid"
                    conn.sendall(f"Content-Type: command/reply\nReply-Text: {text}\n\n".encode())
                    if not authed:
                        conn.close()
                        return
                elif line.startswith("api ") and authed:
                    cmd = line[4:]
                    self.received.append(cmd)
                    body = (self.reply_for(cmd) + "\n").encode()
                    conn.sendall(b"Content-Type: api/response\nContent-Length: %d\n\n" % len(body) + body)
                elif line.startswith("bgapi ") and authed:
                    cmd, _, rest = line[6:].partition("\n")
                    self.background.append(cmd)
                    reply = self.reply_for(cmd)
                    if not reply.startswith("-ERR"):
                        job = rest.partition("Job-UUID: ")[2].strip() or "00000000-0000-0000-0000-000000000000"
                        reply = f"+OK Job-UUID: {job}"
                    conn.sendall(f"Content-Type: command/reply\nReply-Text: {reply}\n\n".encode())
                elif line == "exit":
                    conn.sendall(b"Content-Type: command/reply\nReply-Text: +OK bye\n\n")
                    conn.close()
                    return
                else:
                    conn.sendall(b"Content-Type: command/reply\nReply-Text: +OK\n\n")

    def close(self) -> None:
        self._stop = True
        self.sock.close()


class ReplayEventSocket:
    """Serves a recorded event stream (raw `text/event-plain` messages, as EventStream's
    record= writes them) to each client that subscribes, COPIES times, at full speed. Each
    copy after the first gets its own channel uuids (the first 8 hex digits replaced by the copy number), so
    that COPIES replays are COPIES times as many distinct calls. After the stream the
    connection stays open until the client leaves (as FreeSWITCH's would)."""

    def __init__(self, stream: bytes, password: str = "pw", copies: int = 1, prepare: bool = False):
        """PREPARE: make every copy before serving (a benchmark measures the reader, not this)."""
        import re

        self.password, self.copies = password, copies
        self.stream = stream
        self._ready: list[bytes] = []
        self._uuid = re.compile(rb"[0-9a-f]{8}(-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})")
        self.connections = 0
        if prepare:
            self._ready = [self.copy(i) for i in range(copies)]
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def copy(self, i: int) -> bytes:
        """Copy I of the stream: the recording itself for 0, fresh uuids for the others."""
        if i == 0:
            return self.stream
        if not hasattr(self, "_uuids"):
            self._uuids = sorted({m.group(0) for m in self._uuid.finditer(self.stream)})
        out = self.stream
        for u in self._uuids:  # bytes.replace per uuid: far faster than a regex substitution
            out = out.replace(u, b"%08x" % i + u[8:])
        return out

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._client, args=(conn,), daemon=True).start()

    def _client(self, conn: socket.socket) -> None:
        try:
            conn.sendall(b"Content-Type: auth/request\n\n")
            f = conn.makefile("rb")
            authed = False
            while True:  # auth, then any filters, then the subscription
                line = b""
                while not line.strip():
                    line = f.readline()
                    if not line:
                        return
                f.readline()  # the blank line ending the command
                cmd = line.decode().strip()
                ok = cmd[5:] == self.password if cmd.startswith("auth ") else authed
                authed = authed or (cmd.startswith("auth ") and ok)
                conn.sendall(b"Content-Type: command/reply\nReply-Text: %s\n\n" % (b"+OK" if ok else b"-ERR invalid"))
                if not ok:
                    return
                if cmd.startswith("event "):
                    break
            for i in range(self.copies):
                conn.sendall(self._ready[i] if self._ready else self.copy(i))
            while conn.recv(4096):
                pass
        except OSError:
            pass
        finally:
            conn.close()

    def close(self) -> None:
        self.sock.close()

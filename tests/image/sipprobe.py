"""Just enough SIP over UDP to probe a booted box through a forwarded port: OPTIONS, and a
REGISTER answered with digest authentication (RFC 3261 / 2617, MD5, qop=auth)."""

from __future__ import annotations

import hashlib
import re
import socket
import time
import uuid


def _md5(s: str) -> str:
    return hashlib.md5(s.encode()).hexdigest()


class Probe:
    def __init__(self, port: int, host: str = "127.0.0.1"):
        self.addr = (host, port)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(4)
        self.local = self.sock.getsockname()[1]
        self.call_id = uuid.uuid4().hex
        self.cseq = 0

    def close(self) -> None:
        self.sock.close()

    def request(
        self, method: str, uri: str, from_uri: str, headers: dict[str, str] | None = None, tries: int = 6
    ) -> tuple[int, str]:
        """Send METHOD and return (status code, whole response); retransmits like UDP SIP does."""
        self.cseq += 1
        branch = f"z9hG4bK{uuid.uuid4().hex[:16]}"
        lines = [
            f"{method} {uri} SIP/2.0",
            f"Via: SIP/2.0/UDP 127.0.0.1:{self.local};branch={branch};rport",
            "Max-Forwards: 70",
            f"From: <{from_uri}>;tag=cc{self.call_id[:8]}",
            f"To: <{from_uri}>",
            f"Call-ID: {self.call_id}",
            f"CSeq: {self.cseq} {method}",
            f"Contact: <sip:probe@127.0.0.1:{self.local}>",
            "User-Agent: cc-image-probe",
        ]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        msg = ("\r\n".join(lines) + "\r\nContent-Length: 0\r\n\r\n").encode()
        for _ in range(tries):
            self.sock.sendto(msg, self.addr)
            deadline = time.monotonic() + 4
            while time.monotonic() < deadline:
                try:
                    data = self.sock.recv(65535).decode(errors="replace")
                except socket.timeout:
                    break
                m = re.match(r"SIP/2\.0 (\d{3})", data)
                if m and f"CSeq: {self.cseq} {method}" in data and int(m.group(1)) >= 200:
                    return int(m.group(1)), data
        raise TimeoutError(f"no final answer to {method} from {self.addr}")

    def register(self, user: str, domain: str, password: str) -> int:
        uri, aor = f"sip:{domain}", f"sip:{user}@{domain}"
        code, resp = self.request("REGISTER", uri, aor, {"Expires": "60"})
        if code not in (401, 407):
            return code
        header = "Authorization" if code == 401 else "Proxy-Authorization"
        challenge = re.search(r"(?:WWW|Proxy)-Authenticate: Digest (.*)", resp, re.I).group(1)
        params = dict(re.findall(r'(\w+)="?([^",]*)"?', challenge))
        realm, nonce = params["realm"], params["nonce"]
        ha1, ha2 = _md5(f"{user}:{realm}:{password}"), _md5(f"REGISTER:{uri}")
        auth = f'Digest username="{user}", realm="{realm}", nonce="{nonce}", uri="{uri}", algorithm=MD5'
        if "auth" in params.get("qop", ""):
            cnonce, nc = uuid.uuid4().hex[:16], "00000001"
            resp_hash = _md5(f"{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}")
            auth += f', qop=auth, nc={nc}, cnonce="{cnonce}"'
        else:
            resp_hash = _md5(f"{ha1}:{nonce}:{ha2}")
        auth += f', response="{resp_hash}"'
        code, _ = self.request("REGISTER", uri, aor, {"Expires": "60", header: auth})
        return code

"""The vendor's apt repository, reached with an integrator's token: the token checked, the apt
credentials file (0600, never printed), the keyring and the source line. Used by the box's
`ccctl engine install --token` and by the image build."""

from __future__ import annotations

import base64
import re
import urllib.request

from ccctl.errors import InvalidInput

REPO = "https://freeswitch.signalwire.com/repo/deb/debian-release/"
HOST = "freeswitch.signalwire.com"
KEYRING = "/usr/share/keyrings/signalwire-freeswitch-repo.gpg"
AUTH_FILE = "/etc/apt/auth.conf.d/ccctl-freeswitch.conf"
LIST_FILE = "/etc/apt/sources.list.d/ccctl-freeswitch.list"


def check_token(token: str, name: str) -> str:
    """NAME (the option or setting) in the message; the token itself never is."""
    if not re.fullmatch(r"[A-Za-z0-9_.-]{8,}", token or ""):
        raise InvalidInput(f"{name}: not a token (letters, digits, _ . -; at least 8)")
    return token


def auth_text(token: str) -> str:
    return f"machine {HOST} login signalwire password {token}\n"


def source_line(suite: str, keyring: str = KEYRING) -> str:
    return f"deb [signed-by={keyring}] {REPO} {suite} main\n"


def fetch_keyring(token: str, timeout: float = 30) -> bytes:
    """The repository's signing key (behind the same credentials as the packages)."""
    req = urllib.request.Request(REPO + "signalwire-freeswitch-repo.gpg")
    req.add_header("Authorization", "Basic " + base64.b64encode(f"signalwire:{token}".encode()).decode())
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.read()
    except OSError as exc:
        # The message names the URL, never the token (it travels in a header).
        raise InvalidInput(f"cannot fetch the vendor's keyring: {getattr(exc, 'reason', exc)}") from None

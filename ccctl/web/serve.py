"""`ccctl web serve`: uvicorn over HTTPS with the box's certificate (the one first boot makes
for FreeSWITCH's secure WebSocket, so a browser that trusts one trusts both)."""

from __future__ import annotations

from pathlib import Path

from ccctl.errors import InvalidInput


def check_certificate(path: Path) -> None:
    """A PEM file with the key and the certificate (as first boot writes them), readable."""
    try:
        text = path.read_text()
    except OSError as exc:
        raise InvalidInput(f"certificate {path}: {exc.strerror or exc}") from None
    if "PRIVATE KEY-----" not in text or "BEGIN CERTIFICATE-----" not in text:
        raise InvalidInput(f"certificate {path}: not a PEM file with a private key and a certificate")


def serve(services, *, host: str, port: int, cert: Path | None, workers: int = 1) -> None:
    """Run until stopped. CERT None: plain HTTP, for a test or a proxy in front on loopback."""
    import uvicorn

    from ccctl.web.app import create_app

    tls = {}
    if cert is not None:
        check_certificate(cert)
        tls = {"ssl_certfile": str(cert), "ssl_keyfile": str(cert)}
    uvicorn.run(
        create_app(services),
        host=host,
        port=port,
        log_level="info",
        access_log=False,
        proxy_headers=False,  # the source address the throttle counts is the peer's, never a header's
        **tls,
    )


def import_certificate(source: Path, dest: Path) -> dict:
    """Put SOURCE (a PEM file with the private key and the certificate chain, e.g. from the
    provider's CA) in place of DEST, the certificate the web service (and FreeSWITCH's WSS)
    uses. Checked first (the key must match the certificate), then swapped in atomically with
    DEST's owner, group and mode; nothing changes when the file is refused."""
    import os
    import ssl
    import tempfile

    check_certificate(source)
    try:
        ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(str(source))
    except (ssl.SSLError, OSError) as exc:
        raise InvalidInput(
            f"certificate {source}: the key does not match the certificate, or is unreadable ({exc})"
        ) from None
    data = source.read_bytes()
    dest.parent.mkdir(parents=True, exist_ok=True)
    try:
        st = dest.stat()
        owner, mode = (st.st_uid, st.st_gid), st.st_mode & 0o777
    except FileNotFoundError:
        owner, mode = None, 0o640
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=".cert-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, mode)
        if owner is not None and os.geteuid() == 0:
            os.chown(tmp, *owner)
        os.replace(tmp, dest)
    except BaseException:
        os.unlink(tmp)
        raise
    return {"certificate": str(dest), "bytes": len(data)}

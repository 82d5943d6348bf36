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

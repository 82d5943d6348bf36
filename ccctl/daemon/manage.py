"""The daemon's management service: plain HTTP on CCCTL_MANAGE_ADDRESS (loopback by default, a
fleet node's management network otherwise). Two endpoints, both read-only:
  GET /metrics     Prometheus' scrape (ccctl/stats/metrics.py)
  GET /recording   one of this node's recording files, to a peer that signs its request with
                   the fleet's key (ccctl/recordings/fetch.py)
No Python's http.server beyond this: threads per request, nothing written, nothing logged but
refusals (without their query strings: a signature is a credential for a few minutes).
"""

from __future__ import annotations

import logging
import shutil
import socket
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from ccctl.app import Services
from ccctl.errors import CcError, NotFound

log = logging.getLogger("ccctl.daemon")


def _handler(services: Services, registry):
    from ccctl.recordings import fetch
    from ccctl.stats import metrics

    class Handler(BaseHTTPRequestHandler):
        server_version = "ccctl-manage"
        sys_version = ""

        def log_message(self, format, *args):  # noqa: A002 - http.server's name
            pass  # access lines would repeat every scrape; refusals are logged below

        def _send(self, code: int, body: bytes, kind: str = "text/plain; charset=utf-8") -> None:
            self.send_response(code)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):  # noqa: N802 - http.server's name
            url = urllib.parse.urlsplit(self.path)
            try:
                if url.path == "/metrics":
                    self._send(200, metrics.exposition(registry), metrics.CONTENT_TYPE)
                elif url.path == "/recording":
                    q = dict(urllib.parse.parse_qsl(url.query))
                    file = fetch.local_file(services, q.get("path", ""), q.get("expires", ""), q.get("sig", ""))
                    self.send_response(200)
                    self.send_header("Content-Type", "application/octet-stream")
                    self.send_header("Content-Length", str(file.stat().st_size))
                    self.end_headers()
                    with open(file, "rb") as f:
                        shutil.copyfileobj(f, self.wfile, 1 << 20)
                else:
                    self._send(404, b"not found\n")
            except fetch.Forbidden as exc:
                log.warning("management service: %s refused (%s)", self.client_address[0], exc.message)
                self._send(403, b"forbidden\n")
            except NotFound:
                self._send(404, b"not found\n")
            except CcError as exc:
                log.warning("management service: %s", exc.message)
                self._send(500, b"error\n")
            except Exception as exc:  # the database away, FreeSWITCH mid-restart: one line, no traceback
                log.error("management service: %s %s failed (%s)", self.command, url.path, type(exc).__name__)
                self._send(500, b"error\n")

    return Handler


def serve(services: Services) -> ThreadingHTTPServer | None:
    """Start the service on its address in a thread of its own; None when none is configured or
    the address cannot be bound (logged: the daemon's calls matter more than its metrics)."""
    from ccctl.stats import metrics

    endpoint = services.settings.manage_endpoint
    if endpoint is None:
        return None
    cls = ThreadingHTTPServer
    if ":" in endpoint[0]:
        cls = type("ThreadingHTTPServer6", (ThreadingHTTPServer,), {"address_family": socket.AF_INET6})
    try:
        server = cls(endpoint, _handler(services, metrics.registry(services)))
    except OSError as exc:
        log.error("management service: cannot listen on %s (%s)", services.settings.manage_address, exc.strerror)
        return None
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="ccctl-manage", daemon=True).start()
    log.info("management service (metrics, recordings to peers) on http://%s", services.settings.manage_address)
    return server

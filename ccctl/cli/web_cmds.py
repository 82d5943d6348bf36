"""`ccctl web serve`: the HTTPS web service (the REST API and the agent page)."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Optional

import typer

from ccctl.cli.common import ErrorMappingGroup, open_services

app = typer.Typer(
    cls=ErrorMappingGroup,
    help="The web service: the REST API (OpenAPI at /api/openapi.json) and the agent page (/agent/).",
    no_args_is_help=True,
)


@app.command("serve")
def serve(
    ctx: typer.Context,
    host: Optional[str] = typer.Option(None, "--host", help="Listen on this address (default: CCCTL_WEB_HOST)."),
    port: Optional[int] = typer.Option(None, "--port", help="Listen on this port (default: CCCTL_WEB_PORT, 443)."),
    cert: Optional[Path] = typer.Option(
        None, "--cert", help="PEM file with key and certificate (default: CCCTL_WEB_CERT, FreeSWITCH's wss.pem)."
    ),
    plain_http: bool = typer.Option(
        False, "--plain-http", help="No TLS: only for a listener on loopback (a test, or a proxy in front)."
    ),
):
    """Serve the API and the agent page over HTTPS until stopped. Failed sign-ins are logged
    on stderr (the journal) as lines the fail2ban jail ccctl-web matches."""
    from ccctl.errors import InvalidInput
    from ccctl.settings import is_loopback
    from ccctl.web.serve import serve as run

    services = open_services(ctx)
    settings = services.settings
    host = host or settings.web_host
    if plain_http and not is_loopback(host):
        raise InvalidInput(
            f"--plain-http listens on loopback only, not {host}: passwords never cross a network in clear"
        )
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    run(services, host=host, port=port or settings.web_port, cert=None if plain_http else (cert or settings.web_cert))


cert_app = typer.Typer(cls=ErrorMappingGroup, help="The web service's certificate.", no_args_is_help=True)
app.add_typer(cert_app, name="cert")


@cert_app.command("import")
def cert_import(
    ctx: typer.Context,
    file: Path = typer.Argument(..., metavar="FILE", help="PEM file: the private key and the certificate (chain)."),
):
    """Replace the box's certificate (CCCTL_WEB_CERT, also FreeSWITCH's WSS one) with FILE, once
    its key is checked against its certificate; restart ccctl-web (and FreeSWITCH) to use it."""
    from ccctl.cli import output
    from ccctl.cli.common import settings_of
    from ccctl.web.serve import import_certificate

    done = import_certificate(file, settings_of(ctx).web_cert)
    output.message(f"~ certificate {done['certificate']}: restart ccctl-web to serve it")

"""`ccctl tui`: the admin console (the same as `cctui`)."""

from __future__ import annotations

from typing import Optional

import typer


def tui(
    ctx: typer.Context,
    screen: Optional[str] = typer.Argument(
        None,
        help="Screen to start on: tenants, seats, queues, ivrs, "
        "numbers, trunks, recording, cards, wallboard, health, wizard.",
    ),
    first_boot: bool = typer.Option(False, "--first-boot", help="Start on the setup wizard until the box is set up."),
):
    """Open the admin console (Textual): every admin screen, the wallboard and the setup wizard."""
    import sys

    from ccctl.errors import InvalidInput

    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise InvalidInput(
            "the console needs a terminal (stdin and stdout are not one); use the ccctl commands in scripts"
        )
    from ccctl.cli.common import open_services
    from tui.app import start

    start(open_services(ctx), screen, first_boot)

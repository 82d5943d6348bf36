"""`ccctl hardware list|show|detect|apply|status`: voice cards (E1/T1 and analog).

Only typer is imported at start-up; the library parts load when a command runs."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

app = typer.Typer(
    help="Voice cards: the known card profiles, the cards this box has (detect), and their "
    "span/port configuration (apply writes /etc/dahdi and FreeTDM's files).",
    no_args_is_help=True,
)

JSON = typer.Option(False, "--json", help="Print machine-readable JSON on stdout.")


@app.command("list")
def list_(
    ctx: typer.Context,
    configured: bool = typer.Option(False, "--configured", help="List the cards configured on this box instead."),
    as_json: bool = JSON,
):
    """List the voice-card profiles (id, vendor, module, spans or ports), or with
    --configured the cards in the database."""
    from ccctl.cli import output
    from ccctl.cli.common import open_services
    from ccctl.hardware import api

    if configured:
        output.emit(
            api.configured_rows(open_services(ctx)),
            as_json,
            columns=["name", "profile", "location", "spans", "ports", "groups"],
        )
    else:
        # The profile id is what people copy (voice-cards.yaml); the PCI ids are whole or left out.
        output.emit(
            api.profile_rows(),
            as_json,
            columns=["id", "name", "vendor", "module", "spans", "ports", "ids"],
            keep=("id", "ids"),
            drop=("ids",),
        )


@app.command("show")
def show(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="A configured card's name, or a profile id."),
    as_json: bool = JSON,
):
    """Show a configured card with its DAHDI span and channel numbers, or a profile with
    its ids, module, firmware, echo cancellers and the source file of each fact."""
    from ccctl.cli import output
    from ccctl.cli.common import open_services
    from ccctl.errors import NotFound
    from ccctl.hardware import api

    try:
        data = api.card_detail(open_services(ctx), name)
    except NotFound:
        data = api.profile_detail(name)
    output.emit(data, as_json)


@app.command("detect")
def detect(
    ctx: typer.Context,
    sysfs: Optional[Path] = typer.Option(
        None,
        "--sysfs",
        help="The sysfs root to read (default: CCCTL_SYSFS_ROOT, else /sys; tests and rescue systems point elsewhere).",
    ),
    firmware_dir: Optional[list[Path]] = typer.Option(
        None,
        "--firmware-dir",
        help="Where firmware files are looked for (repeatable; default /lib/firmware and /usr/share/dahdi).",
    ),
    as_json: bool = JSON,
):
    """Find the voice cards on the PCI and USB buses and match them to profiles. Telephony
    devices without a profile are listed as unknown; for each card the kernel module (and
    whether it is loaded and bound) and any missing firmware are reported."""
    from ccctl.cli import output
    from ccctl.cli.common import settings_of
    from ccctl.hardware import detect as d

    found = d.detect(sysfs or settings_of(ctx).sysfs_root, tuple(firmware_dir) if firmware_dir else d.FIRMWARE_DIRS)
    if as_json:
        output.emit_json(found.as_dict())
        return
    rows = [
        {
            **c.__dict__,
            "firmware_missing": c.firmware_missing
            + [f"{f} (echo canceller)" for f in c.echo_canceller_firmware_missing],
        }
        for c in found.cards + found.unknown
    ]
    if rows:
        output.emit(
            rows, False, columns=["location", "ids", "profile", "name", "module", "driver", "state", "firmware_missing"]
        )
    else:
        output.message("no voice cards found")
    output.message(
        "modules: " + ", ".join(f"{m} {'loaded' if up else 'not loaded'}" for m, up in found.modules.items())
    )


@app.command("apply")
def apply(
    ctx: typer.Context,
    file: Optional[str] = typer.Option(
        None,
        "-f",
        "--file",
        help="A site file (or directory, or -) whose 'hardware:' section replaces the box's cards.",
    ),
    dahdi_dir: Optional[Path] = typer.Option(
        None,
        "--dahdi-dir",
        help="Where system.conf, assigned-spans.conf and span-types.conf go "
        "(default: CCCTL_DAHDI_DIR, else /etc/dahdi).",
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show what would change and change nothing."),
    as_json: bool = JSON,
):
    """Store the cards of FILE and bring the running spans to them. Checked first, nothing
    applied if any fails (one line naming the card, span or port): what a card cannot carry,
    a card this box does not have or whose firmware is missing, two tenants on one span, two
    clock masters, and Debian's dahdi_cfg -t on the rendered system.conf. Then FreeTDM's
    files go into the FreeSWITCH tree, DAHDI's system.conf, assigned-spans.conf,
    span-types.conf and /etc/modules-load.d/ccctl-dahdi.conf are written, the drivers loaded,
    dahdi_cfg run and mod_freetdm (re)loaded; if dahdi_cfg or FreeTDM refuses, the previous
    files, spans and cards come back. Without FILE, bring the spans to the stored cards."""
    from ccctl.cli import output
    from ccctl.cli.common import open_services, report
    from ccctl.config.load import load_site
    from ccctl.errors import InvalidInput
    from ccctl.hardware import api, live

    c = open_services(ctx)
    if file:
        site = load_site(file)
        if site.hardware is None:
            raise InvalidInput(f"{file}: no 'hardware:' section")
        hw = site.hardware
    else:
        hw = api.get_hardware(c)
    if dry_run:
        live.preflight(hw.sorted(), live.System.of(c.settings))
        result = api.apply_hardware(c, hw, dry_run=True)
        checked = api.verify_dahdi(hw.sorted())
        output.message(
            "system.conf passes dahdi_cfg -t" if checked.ran else f"system.conf not checked: {checked.reason}"
        )
        if as_json:
            output.emit_json(result.as_dict())
        else:
            report(result, False, c)
        return
    done = live.apply(c, hw, dahdi_dir or c.settings.dahdi_dir)
    for note in done.notes:
        output.message(note)
    if as_json:
        output.emit_json(
            {
                **(done.result.as_dict() if done.result else {}),
                "written": [str(p) for p in done.written],
                "ran": done.ran,
            }
        )
        return
    if done.result is not None and file:
        report(done.result, False, c)
    for p in done.written:
        output.message(f"wrote {p}")
    for cmd in done.ran:
        output.message(f"ran {cmd}")


@app.command("status")
def status_(ctx: typer.Context, as_json: bool = JSON):
    """Each configured span now: DAHDI's alarms (ok, RED, YELLOW, BLUE, ... or absent),
    FreeTDM's signalling (up, down, or not loaded), channels, calls in progress, and the
    tenant trunks over its group that are down (no span of the group in service: their
    calls go on to the tenant's next trunk)."""
    from ccctl.cli import output
    from ccctl.cli.common import open_services
    from ccctl.hardware import live

    rows = [r.as_dict() for r in live.read(open_services(ctx))]
    if as_json:
        output.emit_json(rows)
    elif rows:
        output.emit(
            [{**r, "down": ", ".join(r["trunks_down"])} for r in rows],
            False,
            columns=[
                "card",
                "span",
                "name",
                "dahdi_span",
                "group",
                "signalling",
                "dahdi",
                "freetdm",
                "channels",
                "in_use",
                "down",
            ],
        )
    else:
        output.message("no voice cards configured")

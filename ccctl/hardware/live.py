"""The running spans: `ccctl hardware apply` brings them to the configuration, `ccctl hardware
status` reads them.

Apply, in order: the checks (what the card cannot carry, a card this box does not have, its
firmware, Debian's dahdi_cfg -t), then the write path stores the cards and pushes FreeTDM's
files into the tree; then DAHDI's files and the drivers' modules-load file are written, the
drivers loaded, mod_freetdm unloaded (it holds the channels dahdi_cfg reconfigures), dahdi_cfg
run, and mod_freetdm loaded again so that it opens the new spans. If dahdi_cfg or FreeTDM refuses (a span FreeTDM does not list afterwards), everything
goes back: the previous files, dahdi_cfg on them, the previous cards in the database and
FreeTDM on them; the refusal is one line.

The commands that touch the kernel go through a `System`, so the unit tests run the whole
sequence with a fake one; the booted image tier runs it for real.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ccctl.app import Services
from ccctl.errors import FreeSwitchError, InvalidInput
from ccctl.hardware import render, status, trunks
from ccctl.hardware.check import check_present
from ccctl.hardware.dahdi_cfg import CTL
from ccctl.hardware.layout import DigitalSpan, layout
from ccctl.hardware.spec import Hardware


def _run(cmd: list[str]) -> tuple[int, str]:
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return 127, str(exc)
    return r.returncode, (r.stdout + r.stderr).strip()


@dataclass
class System:
    """Where the live spans are reached: commands, DAHDI's control device and /proc files."""

    run: object = _run
    """cmd -> (exit code, output)"""
    ctl: Path = CTL
    proc: Path = status.PROC_DAHDI
    modules_load_dir: Path = Path("/etc/modules-load.d")
    sysfs: Path = Path("/sys")
    firmware_dirs: tuple[Path, ...] | None = None
    """Default: detect.FIRMWARE_DIRS."""
    detect: object = None
    """() -> a detect.Detection; default: detect.detect(sysfs, firmware_dirs)"""
    esl: object = None
    """services -> a connected Event Socket or None; default: FreeSWITCH's, from the settings"""

    def event_socket(self, services):
        return (self.esl or _esl)(services)

    @classmethod
    def of(cls, settings, **kw) -> "System":
        return cls(
            proc=settings.proc_dahdi, modules_load_dir=settings.modules_load_dir, sysfs=settings.sysfs_root, **kw
        )

    @property
    def live(self) -> bool:
        """DAHDI is loaded here (else the files are written and nothing is started)."""
        return self.ctl.exists()


@dataclass
class Applied:
    written: list[Path] = field(default_factory=list)
    ran: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    result: object = None


class Refused(Exception):
    pass


def _esl(services: Services):
    from ccctl.freeswitch.connect import try_event_socket

    return try_event_socket(services, timeout=10)


def _files(hw: Hardware, dahdi_dir: Path, system: System) -> dict[Path, str]:
    out = {Path(dahdi_dir) / name: text for name, text in render.dahdi_files(hw).items()}
    out[system.modules_load_dir / render.MODULES_LOAD] = render.modules_load_conf(hw)
    return out


def _snapshot(paths) -> dict[Path, bytes | None]:
    out = {}
    for p in paths:
        try:
            out[p] = p.read_bytes()
        except FileNotFoundError:
            out[p] = None
        except OSError as exc:
            raise InvalidInput(f"cannot read {p}: {exc.strerror}") from None
    return out


def _write(p: Path, data: bytes | None) -> None:
    if data is None:
        p.unlink(missing_ok=True)
        return
    p.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", dir=p.parent)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.chmod(tmp, 0o644)
    os.replace(tmp, p)


def preflight(hw: Hardware, system: System) -> None:
    """Refuse a card this box does not have or whose firmware is missing (one line)."""
    from ccctl.hardware import detect

    found = (
        system.detect() if system.detect else detect.detect(system.sysfs, system.firmware_dirs or detect.FIRMWARE_DIRS)
    )
    problems = check_present(hw, found)
    if problems:
        p = problems[0]
        raise InvalidInput(f"{p.obj}: {p.message}")


SIGNALLING_MODULES = {"r2": "ftmod_r2"}
"""Span signalling -> the FreeTDM module that carries it, where the engine may lack it. FreeTDM
builds ftmod_r2 only against an openr2 with its I/O interface (openr2_context_set_io_type),
which Debian 12's openr2 1.3.3-2 lacks; without the module mod_freetdm loads and leaves an R2
span unstarted. PRI's ftmod_libpri comes with every FreeTDM the image bundles."""


def engine_preflight(services: Services, hw: Hardware, system: System) -> None:
    """Refuse (one line) a span whose signalling module the running engine does not have, asked
    of FreeSWITCH itself (its mod_dir). FreeSWITCH not running: nothing to ask, the spans wait
    for it as they would."""
    needs = [
        (f"{sp.card.name} span {sp.spec.span}", sp.spec.signalling, SIGNALLING_MODULES[sp.spec.signalling])
        for sp in layout(hw).spans()
        if isinstance(sp, DigitalSpan) and sp.spec.signalling in SIGNALLING_MODULES
    ]
    if not needs:
        return
    esl = system.event_socket(services)
    if esl is None:
        return
    try:
        mod_dir = esl.api("global_getvar mod_dir", check=False).strip()
    except FreeSwitchError:
        return
    finally:
        esl.close()
    if not mod_dir or mod_dir.startswith("-ERR"):
        return
    for where, signalling, module in needs:
        if not (Path(mod_dir) / f"{module}.so").exists():
            raise InvalidInput(
                f"{where}: {signalling.upper()} signalling needs FreeTDM's {module}, which this engine "
                f"does not have ({mod_dir}/{module}.so); nothing applied"
            )


def apply(services: Services, hw: Hardware, dahdi_dir: Path, system: System | None = None) -> Applied:
    """Store HW and bring the running spans to it, or leave everything as it was."""
    from ccctl.hardware import api

    system = system or System.of(services.settings)
    hw = hw.sorted()
    preflight(hw, system)
    engine_preflight(services, hw, system)
    # The one validation first (what a card cannot carry is refused before anything renders).
    api.apply_hardware(services, hw, dry_run=True)
    checked = api.verify_dahdi(hw)
    old_hw = api.get_hardware(services)
    new_files = _files(hw, dahdi_dir, system)
    old_files = _snapshot(new_files)
    out = Applied()
    out.notes.append("system.conf passes dahdi_cfg -t" if checked.ran else f"system.conf not checked: {checked.reason}")
    out.result = api.apply_hardware(services, hw)  # refuses (nothing stored) on a rule it breaks
    try:
        for p, text in new_files.items():
            try:
                _write(p, text.encode())
            except OSError as exc:
                raise Refused(f"cannot write {p}: {exc.strerror}") from None
            out.written.append(p)
        _bring_up(services, hw, dahdi_dir, system, out)
    except Refused as exc:
        for p, data in old_files.items():
            try:
                _write(p, data)
            except OSError:
                pass
        api.apply_hardware(services, old_hw)
        back = Applied()
        try:
            _bring_up(services, old_hw, dahdi_dir, system, back)
        except Refused as again:
            raise InvalidInput(f"{exc}; the previous configuration was restored, but: {again}") from None
        raise InvalidInput(f"{exc}; nothing changed (the previous spans are back)") from None
    return out


def _bring_up(services: Services, hw: Hardware, dahdi_dir: Path, system: System, out: Applied) -> None:
    if not system.live:
        out.notes.append(f"DAHDI is not loaded here ({system.ctl} missing): files written, spans not started")
        return
    if hw.cards:
        for m in render.modules(hw):
            code, text = system.run(["modprobe", m])
            out.ran.append(f"modprobe {m}")
            if code != 0:
                raise Refused(f"modprobe {m} failed: {_last(text)}")
    esl = system.event_socket(services)
    try:
        # dahdi_cfg cannot reconfigure a channel a program holds open (EBUSY), nor replace a
        # dynamic span: FreeTDM lets go of every channel first (its calls end), and opens the
        # new spans once they are configured.
        if esl is not None and "true" in esl.api("module_exists mod_freetdm", check=False):
            esl.api("unload mod_freetdm", check=False)
            out.ran.append("unload mod_freetdm")
        if render.has_dynamic(hw):
            # made first, then numbered (see render.dynamic_spans_conf)
            dyn = Path(dahdi_dir) / "dynamic-spans.conf"
            for cmd in (
                ["dahdi_cfg", "-c", str(dyn)],
                ["dahdi_span_assignments", "add"],
                ["dahdi_waitfor_span_assignments", "assigned"],
            ):
                code, text = system.run(cmd)
                out.ran.append(" ".join(cmd))
                if code != 0 and cmd[0] == "dahdi_cfg":
                    raise Refused(f"dahdi_cfg refused the dynamic spans: {_last(text)}")
        conf = Path(dahdi_dir) / "system.conf"
        if not hw.cards:
            return
        code, text = system.run(["dahdi_cfg", "-c", str(conf)])
        out.ran.append(f"dahdi_cfg -c {conf}")
        if code != 0:
            raise Refused(f"dahdi_cfg refused the spans: {_last(text)}")
        if esl is None:
            out.notes.append("FreeSWITCH is not running: FreeTDM takes the spans when it starts")
        else:
            _freetdm(esl, hw, out)
    except FreeSwitchError as exc:
        raise Refused(f"FreeSWITCH: {exc}") from None
    finally:
        if esl is not None:
            esl.close()


def _freetdm(esl, hw: Hardware, out: Applied) -> None:
    """mod_freetdm reads its spans when it loads: load it, then every configured span must be
    in `ftdm list`."""
    names = [r.name for r in status.combine(hw, {}, {}, {})]
    if not names:
        return
    reply = esl.api("load mod_freetdm", check=False)
    out.ran.append("load mod_freetdm")
    if reply.startswith("-ERR"):
        raise Refused(f"FreeSWITCH refused load mod_freetdm: {_last(reply)}")
    listed = status.parse_ftdm_list(esl.api("ftdm list", check=False))
    missing = [n for n in names if n not in listed]
    if missing:
        raise Refused(f"FreeTDM did not start span {missing[0]} (see freeswitch.log)")


def _last(text: str) -> str:
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    return lines[-1] if lines else "no output"


def read(services: Services, system: System | None = None) -> list[status.SpanStatus]:
    """Every configured span as DAHDI and FreeTDM see it now."""
    from ccctl.hardware import api

    system = system or System.of(services.settings)
    hw = api.get_hardware(services)
    if not hw.cards:
        return []  # nothing to ask DAHDI or FreeSWITCH about
    dahdi = status.read_dahdi(system.proc)
    ftdm, calls = None, {}
    esl = system.event_socket(services)
    if esl is not None:
        try:
            text = esl.api("ftdm list", check=False)
            if not text.startswith("-ERR"):
                ftdm = status.parse_ftdm_list(text)
                calls = {name: status.calls_in_dump(esl.api(f"ftdm dump {name}", check=False)) for name in ftdm}
        except FreeSwitchError:
            pass
        finally:
            esl.close()
    with services.engine.connect() as conn:
        tdm = trunks.tdm_trunks(conn)
    return status.combine(hw, dahdi, ftdm, calls, tdm)

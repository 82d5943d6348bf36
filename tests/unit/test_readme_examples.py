"""Every `ccctl ...` line of README's examples runs, in order, on a box made of temporary
folders (database, FreeSWITCH folders, spool, /etc/dahdi, /sys): exit 0, or the documented
refusal. The few that need a running FreeSWITCH, a vendor's repository or a card say so in
one line here (exit 1, no usage error); the FreeSWITCH tier runs them against the engine
(tests/freeswitch/test_live.py: agent commands, stats --now)."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

from typer.testing import CliRunner

from ccctl.cli.main import app
from ccctl.daemon.store import write_rows
from ccctl.db import open_engine
from ccctl.testing.rows import call

ROOT = Path(__file__).resolve().parents[2]

NEEDS_ENGINE = ("agent ", "stats --now", "engine ")
"""Examples that need a running FreeSWITCH (or the vendor's packages): here they must refuse in
one line that names what is missing, never a usage error."""
REFUSED = {
    "media remove acme welcome.wav": 4,
    # This machine has none of the example's cards: apply refuses them, so e1 is never stored.
    "hardware apply -f examples/voice-cards.yaml": 1,
    "hardware show e1": 3,
}
"""Examples the README shows being refused (`# refused while an IVR plays it`)."""
STREAMS = ("events --follow",)
"""Examples that run until stopped: they must still be running after a while."""


def examples() -> list[tuple[int, list[str], str | None]]:
    """(README line, words after `ccctl`, file its stdout is redirected to) of every example."""
    out, block, joined = [], False, ""
    for n, line in enumerate((ROOT / "README.md").read_text().splitlines(), start=1):
        if line.startswith("```"):
            block = not block
            continue
        if not block:
            continue
        if line.rstrip().endswith("\\"):
            joined += line.rstrip()[:-1] + " "
            continue
        line, joined = joined + line, ""
        words = shlex.split(line, comments=True)
        if not words or words[0] != "ccctl":
            continue
        words = [w.strip("[]") if w.startswith("[--") else w for w in words[1:]]  # [--json]: optional
        redirect = None
        if ">" in words:
            redirect = words[words.index(">") + 1]
            words = words[: words.index(">")]
        out.append((n, words, redirect))
    return out


def test_readme_lists_its_examples():
    got = [" ".join(w) for _, w, _ in examples()]
    assert len(got) > 40
    assert "apply -f examples/site.yaml" in got and "media add acme welcome.mp3" in got


def test_every_readme_example_runs(tmp_path, monkeypatch):
    box = tmp_path / "box"
    env = {
        "CCCTL_DB": str(box / "ccctl.db"),
        "CCCTL_FS_DEPLOY": "off",
        "CCCTL_ESL_PORT": "1",  # no FreeSWITCH here, and never one of another test's
        "CCCTL_FS_CONF_DIR": str(box / "etc-freeswitch"),
        "CCCTL_FS_SOUNDS_DIR": str(box / "sounds"),
        "CCCTL_FS_RECORDINGS_DIR": str(box / "recordings"),
        "CCCTL_FS_CDR_DIR": str(box / "cdr"),
        "CCCTL_FS_LOG_DIR": str(box / "log"),
        "CCCTL_SPOOL_DIR": str(box / "spool"),
        "CCCTL_ROOT": str(box / "root"),
        "CCCTL_SYSFS_ROOT": str(box / "sys"),
        "CCCTL_DAHDI_DIR": str(box / "etc-dahdi"),
        "SIGNALWIRE_TOKEN": "pat_not-a-real-token",
        "COLUMNS": "80",
    }
    (box / "sys").mkdir(parents=True)
    work = tmp_path / "work"
    shutil.copytree(ROOT / "examples", work / "examples")
    monkeypatch.chdir(work)
    subprocess.run(["sox", "-n", "-r", "44100", "welcome.mp3", "synth", "0.5", "sine", "440"], check=True)
    Path("spring.csv").write_text("number,name\n+49301234567,Anna\n+49401234567,Hans\n")
    uuid = "3f1c2a9e-readme-example"

    Path("pw.txt").write_text("a-web-password-of-the-readme\n")

    def run(words, stdin=None):
        return CliRunner().invoke(app, words, input=stdin, env=env, catch_exceptions=False)

    problems = []
    for n, words, redirect in examples():
        words = [{"CALL_UUID": uuid, "UUID": uuid}.get(w, w) for w in words]
        words = [str(tmp_path / "fs-conf") if w == "/tmp/fs-conf" else w for w in words]
        words = [str(tmp_path / "debs") if w == "/root/freeswitch-debs" else w for w in words]
        stdin = None
        if "<" in words:  # an input redirect (a password from a file)
            stdin = Path(words[words.index("<") + 1]).read_text()
            words = words[: words.index("<")]
        text = " ".join(words)
        if text.startswith("recording list"):
            _a_recorded_call(env, uuid)
        if text.startswith("callback cancel"):
            words[-1] = str(_a_callback(env))
        if text.startswith(STREAMS):
            proc = subprocess.Popen(
                [str(Path(sys.executable).parent / "ccctl"), *words],
                env={**__import__("os").environ, **env},
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            time.sleep(3)
            if proc.poll() is not None:
                problems.append(f"README line {n}: ccctl {text}: stopped ({proc.stderr.read().decode()!r})")
            proc.kill()
            proc.wait()
            continue
        r = run(words, stdin)
        if redirect:
            Path(redirect).write_text(r.stdout)
        if text.startswith(NEEDS_ENGINE):
            said = r.stderr.strip()
            one = len(said.splitlines()) == 1 or "--json" in words
            if r.exit_code != 1 or not one or not any(k in said for k in ("FreeSWITCH", "--debs", "token")):
                problems.append(f"README line {n}: ccctl {text}: {r.exit_code} {r.output!r}")
            continue
        want = REFUSED.get(text, 0)
        if r.exit_code != want:
            problems.append(f"README line {n}: ccctl {text}: exit {r.exit_code}, not {want}: {r.output.strip()[-300:]}")
    assert problems == [], "\n".join(problems)
    # What the examples made is there: the exported site, the converted prompt, the calls.
    assert "tenants:" in Path("site.yaml").read_text()
    assert (box / "sounds" / "ccctl" / "media" / "acme" / "welcome.wav").is_file()  # kept: refused
    assert uuid in Path("calls.csv").read_text()
    assert Path("acme-nov.tar").is_file()


def _a_recorded_call(env, uuid):
    """A call of acme with its recording file, as the daemon and FreeSWITCH leave them."""
    engine = open_engine(f"sqlite:///{env['CCCTL_DB']}")
    at = 1_795_000_000.0  # 2026-11-18
    rel = f"acme/2026-11-18/{uuid}.wav"
    f = Path(env["CCCTL_FS_RECORDINGS_DIR"]) / rel
    f.parent.mkdir(parents=True, exist_ok=True)
    f.write_bytes(b"RIFF" + b"\0" * 100)
    write_rows(engine, [{**call(uuid, "acme", "inbound", at, 42.0), "recording": rel}], [])
    engine.dispose()


def _a_callback(env) -> int:
    from sqlmodel import Session

    from ccctl.model import CallbackRequest

    engine = open_engine(f"sqlite:///{env['CCCTL_DB']}")
    now = time.time()
    with Session(engine) as session:
        cb = CallbackRequest(
            tenant="acme",
            queue="sales",
            number="+49301234567",
            call_uuid="cb-readme",
            since=now,
            requested_at=now,
            next_at=now + 60,
            updated_at=now,
        )
        session.add(cb)
        session.commit()
        cid = cb.id
    engine.dispose()
    return cid

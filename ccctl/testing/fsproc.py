"""A private FreeSWITCH for tests: its own directories, ccctl's rendered tree, loopback only."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

from ccctl.errors import FreeSwitchError
from ccctl.freeswitch.esl import EventSocket
from ccctl.freeswitch.runtime import ENVIRONMENT
from ccctl.settings import Settings

DIRS = ("conf", "log", "db", "run", "sounds", "recordings", "storage", "cache", "temp", "certs")


def find_prefix() -> tuple[Path, Path] | None:
    """(binary, module dir) of a FreeSWITCH 1.10 install, or None."""
    candidates = []
    if os.environ.get("CC_FREESWITCH_PREFIX"):
        candidates.append(Path(os.environ["CC_FREESWITCH_PREFIX"]))
    candidates += [Path("/opt/freeswitch"), Path("/usr/local/freeswitch")]
    for prefix in candidates:
        binary = prefix / "bin" / "freeswitch"
        for mod in (prefix / "lib" / "freeswitch" / "mod", prefix / "mod"):
            if binary.is_file() and (mod / "mod_sofia.so").is_file():
                return binary, mod
    if Path("/usr/bin/freeswitch").is_file() and Path("/usr/lib/freeswitch/mod/mod_sofia.so").is_file():
        return Path("/usr/bin/freeswitch"), Path("/usr/lib/freeswitch/mod")
    return None


def only_loopback() -> bool:
    """True when this process's network namespace has no interface but lo."""
    names = [line.split(":")[0].strip() for line in Path("/proc/net/dev").read_text().splitlines()[2:]]
    return names == ["lo"]


class FreeSwitch:
    def __init__(self, binary: Path, mod_dir: Path, root: Path, settings: Settings, esl_password: str):
        self.binary, self.mod_dir, self.root = binary, mod_dir, root
        self.settings = settings
        self.password = esl_password
        self.proc: subprocess.Popen | None = None
        # A command FreeSWITCH runs under (bench/callcost.py: valgrind), empty for the tests.
        self.wrapper: list[str] = []
        self.dirs = {d: root / d for d in DIRS}
        for d in DIRS:
            if d != "conf":
                self.dirs[d].mkdir(parents=True, exist_ok=True)

    def start(self, timeout: float = 60) -> None:
        args = [*self.wrapper, str(self.binary), "-nf", "-nc", "-nonat", "-nonatmap", "-mod", str(self.mod_dir)]
        for d in DIRS:
            args += [f"-{d}", str(self.dirs[d])]
        self.stdout = open(self.root / "stdout.log", "ab")
        # The box's environment for the engine; one set by the caller wins (a bench's A/B).
        env = {**ENVIRONMENT, **os.environ}
        self.proc = subprocess.Popen(
            args, stdout=self.stdout, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env
        )
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"FreeSWITCH exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                with self.esl() as esl:
                    if "is ready" in esl.api("status"):
                        return
            except FreeSwitchError as exc:
                last = exc
            time.sleep(0.5)
        raise RuntimeError(f"FreeSWITCH not ready after {timeout}s ({last}):\n{self.log_tail()}")

    def esl(self, timeout: float = 10) -> EventSocket:
        return EventSocket(self.settings.esl_host, self.settings.esl_port, self.password, timeout)

    def api(self, command: str, check: bool = True) -> str:
        with self.esl() as esl:
            return esl.api(command, check=check)

    def stop(self) -> None:
        if not self.proc or self.proc.poll() is not None:
            return
        try:
            with self.esl(timeout=3) as esl:
                esl.api("fsctl shutdown", check=False)
        except Exception:
            pass
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.stdout.close()

    @property
    def log_file(self) -> Path:
        return self.dirs["log"] / "freeswitch.log"

    def log_text(self) -> str:
        return self.log_file.read_text(errors="replace") if self.log_file.exists() else ""

    def log_tail(self, n: int = 60) -> str:
        text = self.log_text() or (self.root / "stdout.log").read_text(errors="replace")
        return "\n".join(text.splitlines()[-n:])

    def errors(self) -> list[str]:
        return [line for line in self.log_text().splitlines() if "[ERR]" in line or "[CRIT]" in line]


def copy_tree(files: dict[str, bytes], conf: Path) -> None:
    if conf.exists():
        shutil.rmtree(conf)
    for rel, data in files.items():
        p = conf / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)

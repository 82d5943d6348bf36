"""The FreeSWITCH engine on this box: where it came from, whether it runs, and adding it to a
box built without it (`ccctl engine install --debs DIR | --token T`).

The engine record (/etc/ccctl/engine) is written by the image build's freeswitch role or by
`install`; the freeswitch unit reads it (EnvironmentFile) for the binary and module folder, so
the same unit runs a bundled prefix, the vendor's packages or a local directory of packages.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ccctl.render.core import MODULES

RECORD = Path("/etc/ccctl/engine")


def package_names() -> list[str]:
    """The vendor's package for the engine and for each module ccctl's tree loads."""
    return ["freeswitch"] + [m.replace("_", "-").replace("mod-", "freeswitch-mod-", 1) for m in MODULES]


@dataclass
class EngineRecord:
    binary: str
    mod_dir: str
    source: str

    def text(self) -> str:
        # Quoted values: systemd's EnvironmentFile strips the quotes, a shell can source it.
        return "".join(
            f'{k}="{v}"\n'
            for k, v in (
                ("FREESWITCH_BINARY", self.binary),
                ("FREESWITCH_MOD_DIR", self.mod_dir),
                ("FREESWITCH_SOURCE", self.source),
            )
        )


def read_record(path: Path = RECORD) -> EngineRecord | None:
    try:
        text = path.read_text()
    except OSError:
        return None
    v = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            v[key.strip()] = value.strip().strip('"')
    if not v.get("FREESWITCH_BINARY"):
        return None
    return EngineRecord(v["FREESWITCH_BINARY"], v.get("FREESWITCH_MOD_DIR", ""), v.get("FREESWITCH_SOURCE", ""))


def write_record(rec: EngineRecord, path: Path = RECORD) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.new")
    tmp.write_text(rec.text())
    tmp.chmod(0o644)
    tmp.replace(path)

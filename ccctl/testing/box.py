"""A private FreeSWITCH driven by its own ccctl database, for the real-FreeSWITCH tests and
bench/: settings with ports away from the defaults, the tree rendered and pushed as a `ccctl`
write does, FreeSWITCH started on it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ccctl import app
from ccctl.app import Services
from ccctl.config import gather
from ccctl.db import session_scope
from ccctl.deploy import push_tree
from ccctl.settings import Settings
from ccctl.testing.fsproc import FreeSwitch


def fs_settings(root: Path) -> Settings:
    """Ports away from the defaults, paths inside ROOT: a private box."""
    return Settings(
        db=str(root / "ccctl.db"),
        esl_port=18021,
        sip_ip="127.0.0.1",
        sip_internal_port=15060,
        sip_external_port=15080,
        sip_wss_port=17443,
        rtp_start=20000,
        rtp_end=21998,
        fs_conf_dir=root / "conf",
        fs_sounds_dir=root / "sounds",
        fs_recordings_dir=root / "recordings",
        fs_cdr_dir=root / "cdr",
        spool_dir=root / "spool",
        # The tests' CRM receivers listen on loopback inside the test's own namespace.
        webhook_allow_hosts="127.0.0.1",
    )


@dataclass
class Box:
    """A running FreeSWITCH driven by its own ccctl database."""

    services: Services
    fs: FreeSwitch

    def push(self) -> list[str]:
        """Bring FreeSWITCH to what the database says, exactly as a `ccctl` write does
        (render, synthesize prompts, swap the tree, targeted reload). Returns the commands run."""
        with session_scope(self.services.engine) as session:
            return push_tree(self.services, session)

    def api(self, command: str, check: bool = True) -> str:
        return self.fs.api(command, check)


def start_box(fs_install, root: Path, *, wrapper: list[str] | None = None, timeout: float = 60) -> Box:
    """WRAPPER: a command FreeSWITCH runs under (a profiler); TIMEOUT: seconds to be ready."""
    settings = fs_settings(root)
    services = app.open(settings, deploy=True)
    fs = FreeSwitch(*fs_install, root, settings, gather.esl_password(services))
    fs.wrapper = list(wrapper or [])
    box = Box(services, fs)
    box.push()  # FreeSWITCH is down: this writes the tree it starts from
    fs.start(timeout)
    return box


def start_site_box(fs_install, root: Path, site_yaml: str) -> Box:
    """A box whose configuration is SITE_YAML (a site file's text, kept in ROOT/site.yaml),
    applied as `ccctl apply -f` would, then FreeSWITCH started on it."""
    from ccctl.config.load import load_site
    from ccctl.config.write import apply_tenants

    path = root / "site.yaml"
    path.write_text(site_yaml)
    apply_tenants(app.open(fs_settings(root), deploy=False), load_site(str(path)).tenants)
    return start_box(fs_install, root)

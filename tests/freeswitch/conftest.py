"""The real-FreeSWITCH tier: found through CC_FREESWITCH_PREFIX (then /opt/freeswitch, then
the Debian layout), run only inside a loopback-only network namespace."""

from __future__ import annotations

import pytest

from .fsproc import find_prefix, only_loopback


def pytest_collection_modifyitems(config, items):
    reason = None
    if find_prefix() is None:
        reason = ("no FreeSWITCH found (set CC_FREESWITCH_PREFIX, or install to /opt/freeswitch "
                  "or the Debian layout): real-call tier skipped")
    elif not only_loopback():
        reason = ("not inside a loopback-only network namespace: run this tier through "
                  "scripts/in-netns (make test does)")
    if reason:
        print(f"\nSKIP freeswitch tier: {reason}")
        for item in items:
            if "tests/freeswitch" in str(item.fspath):
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def fs_install():
    found = find_prefix()
    assert found is not None
    return found


from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402

from ccctl import configuration  # noqa: E402
from ccctl import app  # noqa: E402
from ccctl.app import Services as Context  # noqa: E402
from ccctl.db import session_scope  # noqa: E402
from ccctl.deploy import push_tree  # noqa: E402
from ccctl.settings import Settings  # noqa: E402

from .fsproc import FreeSwitch  # noqa: E402


def fs_settings(root: Path) -> Settings:
    """Ports away from the defaults, paths inside ROOT: a private box."""
    return Settings(db=str(root / "ccctl.db"), esl_port=18021, sip_ip="127.0.0.1", sip_internal_port=15060,
                    sip_external_port=15080, rtp_start=20000, rtp_end=21998,
                    fs_conf_dir=root / "conf", fs_sounds_dir=root / "sounds", fs_recordings_dir=root / "recordings",
                    fs_cdr_dir=root / "cdr", spool_dir=root / "spool")


@dataclass
class Box:
    """A running FreeSWITCH driven by its own ccctl database."""

    ctx: Context
    fs: FreeSwitch

    def push(self) -> list[str]:
        """Bring FreeSWITCH to what the database says, exactly as a `ccctl` write does
        (render, synthesize prompts, swap the tree, targeted reload). Returns the commands run."""
        with session_scope(self.ctx.engine) as session:
            return push_tree(self.ctx, session)

    def api(self, command: str, check: bool = True) -> str:
        return self.fs.api(command, check)


def start_box(fs_install, root: Path) -> Box:
    settings = fs_settings(root)
    ctx = app.open(settings, deploy=True)
    fs = FreeSwitch(*fs_install, root, settings, configuration.esl_password(ctx))
    box = Box(ctx, fs)
    box.push()  # FreeSWITCH is down: this writes the tree it starts from
    fs.start()
    return box

"""FreeSWITCH with mod_freetdm loads the freetdm.conf.xml and freetdm.conf ccctl renders for
a China R2 E1 (when the install has mod_freetdm; skipped with the reason otherwise)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ccctl import app
from ccctl.config import gather
from ccctl.config.load import load_site
from ccctl.config.write import apply_tenants
from ccctl.media import prompts, synth
from ccctl.testing.box import fs_settings
from ccctl.testing.fsproc import FreeSwitch, copy_tree


@pytest.fixture(scope="module")
def booted(fs_install, tmp_path_factory):
    binary, mod_dir = fs_install
    if not (mod_dir / "mod_freetdm.so").is_file():
        reason = (
            f"{mod_dir} has no mod_freetdm.so (FreeSWITCH built without FreeTDM): "
            "loading the rendered freetdm.conf.xml is not tested here"
        )
        print(f"SKIP reason: {reason}")
        pytest.skip(reason)
    from tests.conftest import ROOT

    root = tmp_path_factory.mktemp("fstdm")
    settings = fs_settings(root)
    ctx = app.open(settings, deploy=False)
    site = load_site(str(ROOT / "examples"))
    apply_tenants(ctx, site.tenants, hardware=site.hardware)
    inp = gather.render_input(ctx)
    fs = FreeSwitch(binary, mod_dir, root, settings, inp.esl_password)
    synth.ensure_media(fs.dirs["sounds"], prompts.required(inp.tenants), prompts.moh_names(inp.tenants))
    copy_tree(gather.render_files(ctx), fs.dirs["conf"])
    fs.start()
    yield fs
    fs.stop()


def test_mod_freetdm_reads_the_rendered_configuration(booted):
    fs = booted
    log = fs.log_text()
    assert "freetdm.conf.xml" not in "\n".join(fs.errors()), fs.log_tail()
    if not Path("/dev/dahdi").exists():
        # FreeTDM opens DAHDI's control device while it creates the spans freetdm.conf names;
        # with no DAHDI driver loaded (kernel modules load only inside the booted image) it
        # must stop exactly there: the rendered files were read, the span's I/O type was asked
        # for, and nothing else went wrong.
        print(
            "\nmod_freetdm: no /dev/dahdi on this host: checking that FreeTDM read the rendered "
            "configuration and stopped only for want of the DAHDI device"
        )
        assert "Modules configured: 1" in log, fs.log_tail()
        assert "No DAHDI or Zap control device found" in log, fs.log_tail()
        assert "failure creating span of type zt" in log, fs.log_tail()
        assert fs.api("module_exists mod_freetdm").strip() == "false"
        return
    assert fs.api("module_exists mod_freetdm").strip() == "true", fs.log_tail()
    # The R2 span is configured from the XML; channels that cannot open are reported per span.
    assert "e1-s1" in log, fs.log_tail()

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from ccctl import app
from ccctl.app import Services
from ccctl.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "site.yaml"


@pytest.fixture(scope="session")
def prompt_cache(tmp_path_factory) -> Path:
    """The example site's prompts and music, synthesized once per test run."""
    from ccctl.config.load import load_site
    from ccctl.media import prompts, synth

    root = tmp_path_factory.mktemp("prompt-cache")
    tenants = load_site(str(EXAMPLE)).tenants
    synth.ensure_media(root, prompts.required(tenants), prompts.moh_names(tenants))
    return root


@pytest.fixture
def sounds_dir(tmp_path, prompt_cache) -> Path:
    """A test's own sounds directory, starting with the shared prompts (hard links: no copying,
    and prompts are never written in place, only replaced by rename)."""
    dest = tmp_path / "sounds"
    shutil.copytree(prompt_cache, dest, copy_function=os.link)
    return dest


@pytest.fixture
def settings(tmp_path, sounds_dir) -> Settings:
    return Settings(
        db=str(tmp_path / "ccctl.db"),
        fs_conf_dir=tmp_path / "conf",
        fs_sounds_dir=sounds_dir,
        fs_recordings_dir=tmp_path / "recordings",
    )


@pytest.fixture
def ctx(settings) -> Services:
    """Database-only Services (no deploy) on the test's own paths."""
    return app.open(settings, deploy=False)


@pytest.fixture
def example() -> Path:
    return EXAMPLE

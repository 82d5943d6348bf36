from __future__ import annotations

from pathlib import Path

import pytest

from ccctl.context import Context
from ccctl.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "site.yaml"


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(db=str(tmp_path / "ccctl.db"), fs_conf_dir=tmp_path / "conf",
                    fs_sounds_dir=tmp_path / "sounds", fs_recordings_dir=tmp_path / "recordings")


@pytest.fixture
def ctx(settings) -> Context:
    return Context.open(settings)


@pytest.fixture
def example() -> Path:
    return EXAMPLE

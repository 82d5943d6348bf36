"""Tenant media folders: a tenant can name only files of its own folder, whatever the path
tricks (.., absolute paths, symlinks), and uploads are converted to what the engine plays."""

from __future__ import annotations

import subprocess
import wave

import pytest

from ccctl.config import entities
from ccctl.config.load import load_site
from ccctl.config.write import apply_tenants
from ccctl.deploy.tree_store import TreeStore
from ccctl.errors import Conflict, InvalidInput, NotFound
from ccctl.media import uploads


@pytest.fixture
def box(ctx, example):
    ctx.deploy = True  # every write renders and pushes (to no running FreeSWITCH)
    ctx.settings = ctx.settings.with_(esl_port=1)  # FreeSWITCH not running
    apply_tenants(ctx, load_site(str(example)).tenants)
    return ctx


@pytest.fixture
def upload(tmp_path):
    src = tmp_path / "Welcome Message.flac"
    subprocess.run(["sox", "-n", "-r", "44100", "-c", "2", str(src), "synth", "0.5", "sine", "440"], check=True)
    return src


def test_add_converts_to_8k_mono_and_greeting_plays_it(box, upload):
    acme = entities.get_tenant(box, "acme")
    m = uploads.add_media(box.settings.fs_sounds_dir, acme, upload)
    assert m.name == "Welcome-Message.wav"
    with wave.open(str(uploads.folder(box.settings.fs_sounds_dir, "acme") / m.name)) as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (8000, 1, 2)
    entities.set_item(box, "ivr", "acme", "main", {"greeting": {"file": m.name}})
    tree = TreeStore(box.settings.fs_conf_dir).read()["autoload_configs/ivr.conf.xml"].decode()
    assert 'greet-long="$${sounds_dir}/ccctl/media/acme/Welcome-Message.wav"' in tree
    with pytest.raises(Conflict, match="is the greeting of ivr main"):
        uploads.remove_media(box.settings.fs_sounds_dir, entities.get_tenant(box, "acme"), m.name)
    with pytest.raises(Conflict, match="already exists"):
        uploads.add_media(box.settings.fs_sounds_dir, acme, upload)


def test_another_tenants_file_cannot_be_named(box, upload):
    sounds = box.settings.fs_sounds_dir
    uploads.add_media(sounds, entities.get_tenant(box, "huaxia"), upload, "secret")
    recordings = box.settings.fs_recordings_dir / "huaxia"
    recordings.mkdir(parents=True, exist_ok=True)  # every write prepares it
    (recordings / "call.wav").write_bytes(b"RIFF")
    hostile = [
        "../huaxia/secret.wav",
        "/x/../../recordings/huaxia/call.wav",
        str(recordings / "call.wav"),
        "${system(touch /tmp/p)}.wav",
        "sub/secret.wav",
    ]
    for name in hostile:
        with pytest.raises(InvalidInput, match="greeting.file"):
            entities.set_item(box, "ivr", "acme", "main", {"greeting": {"file": name}})
    # a link planted in acme's folder, pointing at huaxia's upload: refused after resolving it
    acme_dir = uploads.folder(sounds, "acme")
    acme_dir.mkdir(parents=True, exist_ok=True)
    (acme_dir / "link.wav").symlink_to(uploads.folder(sounds, "huaxia") / "secret.wav")
    with pytest.raises(InvalidInput, match="outside the tenant's media folder"):
        entities.set_item(box, "ivr", "acme", "main", {"greeting": {"file": "link.wav"}})
    assert entities.get_item(box, "ivr", "acme", "main").greeting.file is None


def test_bad_uploads_are_clean_errors(box, tmp_path):
    acme = entities.get_tenant(box, "acme")
    with pytest.raises(NotFound):
        uploads.add_media(box.settings.fs_sounds_dir, acme, tmp_path / "none.wav")
    junk = tmp_path / "junk.wav"
    junk.write_bytes(b"not a sound at all")
    with pytest.raises(InvalidInput, match="cannot convert"):
        uploads.add_media(box.settings.fs_sounds_dir, acme, junk)
    with pytest.raises(InvalidInput, match="media name"):
        uploads.add_media(box.settings.fs_sounds_dir, acme, junk, "../x")
    assert uploads.list_media(box.settings.fs_sounds_dir, acme) == []


def test_removed_tenant_takes_its_media_along(box, upload):
    uploads.add_media(box.settings.fs_sounds_dir, entities.get_tenant(box, "huaxia"), upload)
    entities.remove_tenant(box, "huaxia", purge=True)  # under legal hold
    assert not uploads.folder(box.settings.fs_sounds_dir, "huaxia").exists()


def test_every_package_list_that_installs_sox_reads_mp3():
    """README's `ccctl media add ... x.mp3` needs Debian's libsox-fmt-mp3 wherever sox is."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    for f in (
        "scripts/system-deps",
        "ansible/roles/controlplane/defaults/main.yml",
        "image/builder/stages/bootstrap.py",
    ):
        text = (root / f).read_text()
        assert "sox" in text and "libsox-fmt-mp3" in text, f

"""Hostile tenants against a running FreeSWITCH: a tenant cannot make the switch play another
tenant's file, and no ${...} written by anyone reaches the configuration the switch holds.

Both are checked on what FreeSWITCH itself has loaded (`xml_locate root`), beside a control
showing that the same path works for a tenant's own file."""

from __future__ import annotations

import re
import subprocess

import pytest

from ccctl import app
from ccctl.config import entities
from ccctl.config import spec as s
from ccctl.config.load import site_from_data
from ccctl.config.write import apply_tenants
from ccctl.cti import customers
from ccctl.errors import InvalidInput
from ccctl.media import uploads
from ccctl.testing.box import fs_settings, start_box
from ccctl.testing.sip import call

A, B = "acme", "beta"
A_DID = "4000000101"


def site() -> list[s.Tenant]:
    def tenant(name, did):
        return s.Tenant(
            name=name,
            seats=[s.Seat(extension="1001", name=f"{name} one")],
            ivrs=[s.Ivr(name="main", greeting=s.Greeting(text=f"Welcome to {name}."))],
            numbers=[s.Number(number=did, target="ivr:main")],
            trunks=[s.Trunk(name="carrier", host="127.0.0.9", username=f"{name}-user", password="s3cret-pw")],
        )

    return [tenant(A, A_DID), tenant(B, "4000000109")]


@pytest.fixture(scope="module")
def box(fs_install, tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    apply_tenants(app.open(fs_settings(root), deploy=False), site())
    b = start_box(fs_install, root)
    yield b
    b.fs.stop()


@pytest.fixture(scope="module")
def tone(tmp_path_factory):
    path = tmp_path_factory.mktemp("upload") / "tone.flac"
    subprocess.run(["sox", "-n", "-r", "16000", "-c", "1", str(path), "synth", "3", "sine", "523"], check=True)
    return path


def live_xml(box) -> str:
    """The whole configuration FreeSWITCH holds in memory right now."""
    return box.api("xml_locate root")


def acme_menu(xml: str) -> str:
    m = re.search(r'<menu name="main@acme.cc.local"[^>]*>', xml)
    assert m, "acme's IVR menu is not loaded"
    return m.group(0)


def test_tenant_cannot_play_another_tenants_file(box, tone, tmp_path):
    ctx, sounds = box.services, box.services.settings.fs_sounds_dir
    # beta uploads a greeting and plays it from its own IVR
    uploads.add_media(sounds, entities.get_tenant(ctx, B), tone, "secret.wav")
    entities.set_item(ctx, "ivr", B, "main", {"greeting": {"file": "secret.wav"}})
    assert "ccctl/media/beta/secret.wav" in live_xml(box)
    recordings = ctx.settings.fs_recordings_dir / B
    recordings.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["sox", "-n", "-r", "8000", "-c", "1", str(recordings / "call.wav"), "synth", "1", "sine", "300"], check=True
    )
    acme_dir = uploads.folder(sounds, A)
    acme_dir.mkdir(parents=True, exist_ok=True)
    (acme_dir / "planted.wav").symlink_to(uploads.folder(sounds, B) / "secret.wav")
    before = acme_menu(live_xml(box))
    attempts = [
        "../beta/secret.wav",
        str(uploads.folder(sounds, B) / "secret.wav"),
        f"{sounds}/../recordings/beta/call.wav",
        str(recordings / "call.wav"),
        "$${sounds_dir}/ccctl/media/beta/secret.wav",
        "planted.wav",
    ]
    for name in attempts:
        with pytest.raises(InvalidInput):
            entities.set_item(ctx, "ivr", A, "main", {"greeting": {"file": name}})
    after = acme_menu(live_xml(box))
    assert after == before and "beta" not in after and "recordings" not in after
    # control: acme's own upload is accepted, loaded, and played on a real call without errors
    uploads.add_media(sounds, entities.get_tenant(ctx, A), tone, "welcome.wav")
    entities.set_item(ctx, "ivr", A, "main", {"greeting": {"file": "welcome.wav"}})
    assert 'greet-long="' + str(sounds / "ccctl/media/acme/welcome.wav") + '"' in acme_menu(live_xml(box))
    r = call(tmp_path / "call", A_DID, wait_ms=2500, talk_ms=500, audio=False)
    assert r.code == 200, r.diagnostics()
    problems = [e for e in box.fs.errors() if "welcome.wav" in e or "secret.wav" in e]
    assert problems == [], problems


HOSTILE = ["${system(touch {marker})}", "$${hostname}", "a${bg_system touch {marker}}b", "${expand(x)}"]


def _attempts(marker: str):
    """Every string field a tenant admin can write that reaches the tree, each with each payload."""
    for raw in HOSTILE:
        h = raw.replace("{marker}", marker)
        yield "tenant", lambda c: entities.set_tenant(c, A, {"display_name": h})
        yield "caller id", lambda c: entities.set_tenant(c, A, {"caller_id.name": h})
        yield "seat name", lambda c: entities.set_item(c, "seat", A, "1001", {"name": h})
        yield "seat password", lambda c: entities.set_item(c, "seat", A, "1001", {"password": "abcdefghijkl" + h})
        yield "queue", lambda c: entities.add_item(c, "queue", A, "q", {"display_name": h, "announce": h})
        yield "greeting text", lambda c: entities.set_item(c, "ivr", A, "main", {"greeting": {"text": h}})
        yield "greeting file", lambda c: entities.set_item(c, "ivr", A, "main", {"greeting": {"file": h + ".wav"}})
        yield "trunk username", lambda c: entities.set_item(c, "trunk", A, "carrier", {"username": h})
        yield "trunk password", lambda c: entities.set_item(c, "trunk", A, "carrier", {"password": h})
        yield "trunk host", lambda c: entities.set_item(c, "trunk", A, "carrier", {"host": h})
        yield (
            "customer",
            lambda c: customers.add_customer(
                c, A, customers.parse({"number": "4000000555", "name": h, "fields": {"k": h}}, "customer")
            ),
        )
        yield (
            "site file",
            lambda c: apply_tenants(
                c,
                site_from_data(
                    {"tenants": [{"name": A, "display_name": h, "seats": [{"extension": "1001", "name": h}]}]}, "site"
                ).tenants,
            ),
        )


def test_no_expression_from_input_reaches_the_switch(box, tmp_path):
    ctx = box.services
    marker = tmp_path / "pwned"
    before = live_xml(box)
    exported = entities.list_tenants(ctx)
    for _what, attempt in _attempts(str(marker)):
        with pytest.raises(InvalidInput, match=r"must not contain '\$\{'|greeting.file|host name|printable ASCII"):
            attempt(ctx)
    assert entities.list_tenants(ctx) == exported
    xml = live_xml(box)
    assert xml == before
    expressions = set(re.findall(r"\$\$?\{[^}]*\}?", xml))
    payload = [e for e in expressions if any(w in e for w in ("system", "touch", "hostname", "expand", "pwned"))]
    assert payload == [], payload
    # the trunks' real credentials are there, and only as written
    assert 'name="password" value="s3cret-pw"' in xml
    assert not marker.exists()

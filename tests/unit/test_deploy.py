"""Live apply without a switch: the reload plan, the tree swap, and rollback against a
wire-level fake Event Socket."""

from __future__ import annotations

import pytest

from ccctl import app
from ccctl.config import entities
from ccctl.config import spec as s
from ccctl.config.gather import esl_password
from ccctl.config.load import load_site
from ccctl.config.write import apply_tenants
from ccctl.deploy.reload_plan import plan
from ccctl.deploy.tree_store import TreeStore
from ccctl.errors import FreeSwitchError, InvalidInput
from ccctl.freeswitch.esl import EventSocket
from ccctl.render import RenderInput, render_tree
from ccctl.settings import Settings
from ccctl.testing.fake_esl import FakeEventSocket


def _tree(tenants):
    ts = [
        t.model_copy(update={"seats": [x.model_copy(update={"password": "p" * 16}) for x in t.seats]}) for t in tenants
    ]
    return render_tree(RenderInput(ts, Settings(db=":memory:"), "pw"))


def _tenant(**kw):
    base = dict(name="a", seats=[s.Seat(extension="1001", name="A", skills={"q": 5})], queues=[s.Queue(name="q")])
    return s.Tenant(**{**base, **kw})


def test_no_change_no_commands():
    t = _tree([_tenant()])
    assert plan(t, t).commands == []


def test_queue_agent_tier_changes_are_targeted():
    old = _tree([_tenant()])
    new = _tree(
        [
            _tenant(
                seats=[
                    s.Seat(extension="1001", name="A", skills={"q": 9}),
                    s.Seat(extension="1002", name="B", skills={"q": 2}),
                ],
                queues=[s.Queue(name="q", strategy="round-robin"), s.Queue(name="r")],
            )
        ]
    )
    cmds = plan(old, new).commands
    assert cmds[0] == "reloadxml"
    assert "callcenter_config queue reload q@a.cc.local" in cmds
    assert "callcenter_config queue load r@a.cc.local" in cmds
    assert "callcenter_config agent reload 1002@a.cc.local" in cmds
    assert "callcenter_config agent reload 1001@a.cc.local" not in cmds  # unchanged
    # the queue (re)load upserts every tier from the XML: no tier command on top
    assert not any(" tier " in c for c in cmds)
    assert cmds.index("callcenter_config agent reload 1002@a.cc.local") < cmds.index(
        "callcenter_config queue load r@a.cc.local"
    )
    back = plan(new, old).commands
    assert "callcenter_config agent del 1002@a.cc.local" in back
    assert "callcenter_config queue unload r@a.cc.local" in back
    assert not any("restart" in c for c in cmds)


def test_tier_changes_without_a_queue_change_are_tier_commands():
    old = _tree(
        [
            _tenant(
                seats=[
                    s.Seat(extension="1001", name="A", skills={"q": 5}),
                    s.Seat(extension="1003", name="C", skills={"q": 5}),
                ]
            )
        ]
    )
    new = _tree(
        [
            _tenant(
                seats=[
                    s.Seat(extension="1001", name="A", skills={"q": 9}),
                    s.Seat(extension="1002", name="B", skills={"q": 2}),
                    s.Seat(extension="1003", name="C", skills={"r": 5}),
                ]
            )
        ]
    )
    cmds = plan(old, new).commands
    assert cmds == [
        "reloadxml",
        "callcenter_config agent reload 1002@a.cc.local",
        "callcenter_config agent reload 1003@a.cc.local",  # no queue left: no wrap-up
        "callcenter_config tier set level q@a.cc.local 1001@a.cc.local 2",
        "callcenter_config tier add q@a.cc.local 1002@a.cc.local 9 2",
        "callcenter_config tier del q@a.cc.local 1003@a.cc.local",
    ]
    assert not any("queue" in c.split()[1] for c in cmds[1:])  # waiting callers' queue untouched


def test_session_limits_change_live_other_core_settings_need_a_restart():
    from ccctl.render import RenderInput, render_tree

    def tree(**kw):
        settings = Settings(db=":memory:", **{"max_sessions": 100, "sessions_per_second": 50, **kw})
        return render_tree(RenderInput([_tenant()], settings, "pw"))

    p = plan(tree(), tree(sessions_per_second=80))
    assert p.commands == ["reloadxml", "fsctl sps 80"] and p.needs_restart == []
    p = plan(tree(), tree(rtp_start=20000))
    assert "autoload_configs/switch.conf.xml" in p.needs_restart and not any("fsctl" in c for c in p.commands)


def test_directory_only_change_is_just_reloadxml():
    old = _tree([_tenant()])
    new = _tree([_tenant(seats=[s.Seat(extension="1001", name="Renamed", skills={"q": 5})])])
    assert plan(old, new).commands == ["reloadxml"]


def test_gateway_change_rescans_the_external_profile_only():
    old = _tree([_tenant(trunks=[s.Trunk(name="c", host="127.0.0.9", username="u", password="p", register=True)])])
    new = _tree([_tenant(trunks=[s.Trunk(name="c", host="127.0.0.9", username="u", password="p2", register=True)])])
    assert plan(old, new).commands == [
        "reloadxml",
        "sofia profile external killgw a-c",
        "sofia profile external rescan",
    ]


def test_tree_store_swaps_and_restores(tmp_path):
    link = tmp_path / "freeswitch"
    link.mkdir()
    (link / "sample.xml").write_text("vendor sample")
    store = TreeStore(link)
    first, prev = store.install({"freeswitch.xml": b"one"})
    assert link.is_symlink() and (link / "freeswitch.xml").read_bytes() == b"one"
    assert prev.name == "original" and (prev / "sample.xml").is_file()  # nothing lost
    second, prev2 = store.install({"freeswitch.xml": b"two"})
    assert prev2 == first and store.read() == {"freeswitch.xml": b"two"}
    store.restore(prev2, second)
    assert store.read() == {"freeswitch.xml": b"one"} and not second.exists()
    for i in range(8):
        store.install({"freeswitch.xml": str(i).encode()})
    store.prune(keep=3)
    assert len([p for p in store.trees.iterdir() if not p.name.startswith("original")]) == 3


@pytest.fixture
def live(tmp_path, sounds_dir):
    fake = FakeEventSocket()
    settings = Settings(
        db=str(tmp_path / "db.sqlite"),
        fs_conf_dir=tmp_path / "conf",
        fs_sounds_dir=sounds_dir,
        fs_recordings_dir=tmp_path / "recordings",
        esl_port=fake.port,
    )
    ctx = app.open(settings, deploy=True)
    fake.password = esl_password(ctx)
    yield ctx, fake
    fake.close()


def test_apply_pushes_and_reloads(live, example):
    ctx, fake = live
    apply_tenants(ctx, load_site(str(example)).tenants)
    assert fake.received[0] == "reloadxml"
    assert "callcenter_config queue load sales@acme.cc.local" in fake.received
    assert (ctx.settings.fs_conf_dir / "freeswitch.xml").is_file()
    # every synthesized prompt the tree names exists
    tree = b"".join(TreeStore(ctx.settings.fs_conf_dir).read().values()).decode()
    import re

    for name in set(re.findall(r"\$\$\{sounds_dir\}/(ccctl/prompts/[^\"' ]+\.wav)", tree)):
        assert (ctx.settings.fs_sounds_dir / name).stat().st_size > 1000, name
    assert list((ctx.settings.fs_sounds_dir / "ccctl/moh/default").glob("*.wav"))
    fake.received.clear()
    apply_tenants(ctx, load_site(str(example)).tenants)
    assert fake.received == []  # nothing changed, nothing reloaded


def test_refused_change_restores_tree_and_database(live, example):
    ctx, fake = live
    apply_tenants(ctx, load_site(str(example)).tenants)
    before = TreeStore(ctx.settings.fs_conf_dir).read()
    fake.replies["callcenter_config queue reload"] = "-ERR queue busy"
    with pytest.raises(FreeSwitchError, match="FreeSWITCH refused the change .*queue busy"):
        entities.set_item(ctx, "queue", "acme", "sales", {"strategy": "round-robin"})
    assert entities.get_item(ctx, "queue", "acme", "sales").strategy == "longest-idle-agent"
    assert TreeStore(ctx.settings.fs_conf_dir).read() == before
    # FreeSWITCH was put back on the old tree: its XML, then the queue from that XML
    assert fake.received[-2:] == ["reloadxml", "callcenter_config queue reload sales@acme.cc.local"]


def test_dry_run_predicts_a_missing_greeting_file(live, example):
    ctx, fake = live
    apply_tenants(ctx, load_site(str(example)).tenants)
    with pytest.raises(InvalidInput, match="greeting file hello.wav does not exist"):
        entities.set_item(ctx, "ivr", "acme", "main", {"greeting": {"file": "hello.wav"}}, dry_run=True)


def test_missing_greeting_file_is_refused_before_anything_changes(live, example):
    ctx, fake = live
    apply_tenants(ctx, load_site(str(example)).tenants)
    fake.received.clear()
    before = TreeStore(ctx.settings.fs_conf_dir).read()
    with pytest.raises(InvalidInput, match="acme: ivr main: greeting file hello.wav does not exist"):
        entities.set_item(ctx, "ivr", "acme", "main", {"greeting": {"file": "hello.wav"}})
    assert fake.received == []
    assert TreeStore(ctx.settings.fs_conf_dir).read() == before
    assert entities.get_item(ctx, "ivr", "acme", "main").greeting.file is None


def test_freeswitch_down_still_updates_database_and_tree(tmp_path, sounds_dir, example):
    settings = Settings(
        db=str(tmp_path / "db.sqlite"),
        fs_conf_dir=tmp_path / "conf",
        fs_sounds_dir=sounds_dir,
        fs_recordings_dir=tmp_path / "recordings",
        esl_port=1,
    )
    ctx = app.open(settings, deploy=True)
    result = apply_tenants(ctx, load_site(str(example)).tenants)
    assert (tmp_path / "conf" / "freeswitch.xml").is_file()
    assert any("will be used when it starts" in m for m in result.messages)


def test_event_socket_refuses_non_loopback():
    with pytest.raises(FreeSwitchError, match="loopback only"):
        EventSocket("192.0.2.1", 8021, "x")


def test_event_socket_adapter_against_fake():
    fake = FakeEventSocket(password="secret", replies={"status": "UP 0 years\nFreeSWITCH is ready"})
    try:
        with EventSocket("127.0.0.1", fake.port, "secret") as esl:
            assert "is ready" in esl.api("status")
            with pytest.raises(FreeSwitchError, match="nope"):
                fake.replies["bad"] = "-ERR nope"
                esl.api("bad")
        with pytest.raises(FreeSwitchError):
            EventSocket("127.0.0.1", fake.port, "wrong", timeout=2).connect()
    finally:
        fake.close()


def test_secrets_are_not_world_readable(live, example):
    import stat

    ctx, _ = live
    apply_tenants(ctx, load_site(str(example)).tenants)
    db = ctx.settings.db
    assert stat.S_IMODE(__import__("os").stat(db).st_mode) == 0o600
    trees = TreeStore(ctx.settings.fs_conf_dir).trees
    assert stat.S_IMODE(trees.stat().st_mode) == 0o750
    tree = TreeStore(ctx.settings.fs_conf_dir).current()
    modes = {str(p.relative_to(tree)): stat.S_IMODE(p.stat().st_mode) for p in tree.rglob("*")}
    # the files holding the Event Socket and trunk passwords, and every other one: no "other" access
    assert modes["autoload_configs/event_socket.conf.xml"] == 0o640
    assert modes["autoload_configs/sofia.conf.xml"] == 0o640
    assert all(m & 0o007 == 0 for m in modes.values()), modes
    assert {m for p, m in modes.items() if (tree / p).is_dir()} == {0o750}


def test_render_out_is_private_too(tmp_path):
    import stat

    from ccctl.render import write_tree

    out = write_tree({"autoload_configs/event_socket.conf.xml": b"<x/>"}, tmp_path / "tree")
    assert stat.S_IMODE((out / "autoload_configs/event_socket.conf.xml").stat().st_mode) == 0o640
    assert stat.S_IMODE(out.stat().st_mode) == 0o750


def test_conf_dir_that_is_a_file_is_never_replaced(tmp_path):
    victim = tmp_path / "important.conf"
    victim.write_text("keep")
    with pytest.raises(InvalidInput, match="exists and is not a directory"):
        TreeStore(victim).install({"freeswitch.xml": b"<x/>"})
    assert victim.read_text() == "keep" and not victim.is_symlink()


def test_every_write_prepares_the_tenants_recording_folders(live, example):
    """Made before FreeSWITCH hears of a tenant, so a call only ever creates the day folder."""
    ctx, fake = live
    root = ctx.settings.fs_recordings_dir
    apply_tenants(ctx, load_site(str(example)).tenants)
    for t in ("acme", "huaxia"):
        assert (root / t).is_dir() and (root / t / "voicemail").is_dir()
        assert not [p for p in (root / t).iterdir() if p.name != "voicemail"]  # no day folder: FreeSWITCH's
    (root / "acme" / "2020-01-01").mkdir()
    apply_tenants(ctx, load_site(str(example)).tenants)  # leaves what is there alone
    assert (root / "acme" / "2020-01-01").is_dir()


def test_status_counts_failed_recordings_per_tenant(live, example):
    from ccctl.freeswitch.status import box_status

    ctx, fake = live
    apply_tenants(ctx, load_site(str(example)).tenants)
    fake.replies.update(
        {
            "db count/ccctl_recording_failures_acme": "2",
            "db count/ccctl_recording_failures_huaxia": "0",
            "show ": '{"row_count": 0, "rows": []}',
            "uptime": "5",
            "version": "FreeSWITCH Version 1.10.12",
        }
    )
    st = box_status(ctx)
    assert st["recording_failures"] == 2
    assert {t["tenant"]: t["recording_failures"] for t in st["tenants"]} == {"acme": 2, "huaxia": 0}

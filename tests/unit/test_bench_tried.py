"""bench/calls.py --try: the tried path is the bare one with the variables exported to both legs
(the seat's leg through cc_export_vars), and the bare path stays as it was."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from lxml import etree

BENCH = Path(__file__).resolve().parents[2] / "bench" / "calls.py"


def calls_module():
    spec = importlib.util.spec_from_file_location("bench_calls", BENCH)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def public(tmp_path: Path) -> Path:
    (tmp_path / "dialplan").mkdir()
    path = tmp_path / "dialplan" / "00-public.xml"
    path.write_text('<include><context name="public"><extension name="did"/></context></include>')
    return path


def actions(root, name: str) -> list[tuple[str, str | None]]:
    ext = root.find(f".//extension[@name='{name}']")
    return [(a.get("application"), a.get("data")) for a in ext.iter("action")]


def test_tried_path_exports_its_variables_to_both_legs(tmp_path):
    calls = calls_module()
    path = public(tmp_path)
    calls.add_bare_path(tmp_path, ["rtp_timer_name=none", "x=1"])
    root = etree.fromstring(path.read_bytes())
    queue = actions(root, "tried-queue")
    assert queue[:3] == [
        ("export", "rtp_timer_name=none"),
        ("export", "x=1"),
        ("set", "cc_export_vars=rtp_timer_name,x"),
    ]
    assert queue[3:] == [("answer", None), ("callcenter", f"sales@{calls.DOMAIN}")]
    assert actions(root, "tried-echo")[-2:] == [("answer", None), ("echo", None)]
    assert actions(root, "bare-queue") == [("answer", None), ("callcenter", f"sales@{calls.DOMAIN}")]
    cond = root.find(".//extension[@name='tried-echo']/condition")
    assert cond.get("expression") == f"^{calls.DIDS[('tried', 'echo')]}$"
    # The hand-written paths come before the product's own extensions.
    assert [e.get("name") for e in root.iter("extension")][-1] == "did"


def test_without_try_only_the_bare_path_is_added(tmp_path):
    calls = calls_module()
    path = public(tmp_path)
    calls.add_bare_path(tmp_path)
    names = [e.get("name") for e in etree.fromstring(path.read_bytes()).iter("extension")]
    assert names == ["bare-queue", "bare-echo", "did"]

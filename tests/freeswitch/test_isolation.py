"""Tenant isolation with real SIP: a seat of tenant B cannot reach tenant A's seats, queues,
IVRs or numbers through its own context, cannot register in A's domain, and cannot listen to
A's calls. Each refusal is checked beside a control showing the same thing works within A."""

from __future__ import annotations

import json
import threading
import time

import pytest

from ccctl import app
from ccctl.config import spec as s
from ccctl.config.entities import seat_password
from ccctl.config.write import apply_tenants
from ccctl.testing.box import fs_settings, start_box
from ccctl.testing.sip import Agents, start_call

from .seat_sip import register_once, seat_call

A, B = "acme", "beta"
A_DOM, B_DOM = "acme.cc.local", "beta.cc.local"


def site() -> list[s.Tenant]:
    acme = s.Tenant(
        name=A,
        seats=[
            s.Seat(extension="1001", name="A one", skills={"sales": 5}),
            s.Seat(extension="1002", name="A two", skills={"sales": 5}),
            s.Seat(extension="1003", name="A boss", supervisor=True),
        ],
        queues=[s.Queue(name="sales", no_agent=s.NoAgent(timeout=2, target="hangup"))],
        ivrs=[s.Ivr(name="main", greeting=s.Greeting(text="Acme."), options={"1": "queue:sales"})],
        numbers=[s.Number(number="4000000001", target="ivr:main"), s.Number(number="4000000002", target="seat:1002")],
    )
    beta = s.Tenant(
        name=B,
        seats=[s.Seat(extension="1001", name="B one"), s.Seat(extension="2001", name="B boss", supervisor=True)],
        numbers=[s.Number(number="4000000009", target="seat:1001")],
    )
    return [acme, beta]


@pytest.fixture(scope="module")
def box(fs_install, tmp_path_factory):
    root = tmp_path_factory.mktemp("isolation")
    apply_tenants(app.open(fs_settings(root), deploy=False), site())
    b = start_box(fs_install, root)
    yield b
    b.fs.stop()


def pw(box, tenant, ext):
    return seat_password(box.services, tenant, ext)


@pytest.fixture(scope="module")
def a_seats(box, tmp_path_factory):
    """A's 1002 registered and answering (it is what B must not reach)."""
    with Agents(box, tmp_path_factory.mktemp("a-seats"), [("1002", A_DOM, pw(box, A, "1002"))]) as agents:
        yield agents


def test_b_cannot_dial_a_extension(box, a_seats, tmp_path):
    control = seat_call(tmp_path / "a", "1001", A_DOM, pw(box, A, "1001"), "1002")
    assert control.code == 200, control.diagnostics()
    answered = len(a_seats["1002"].calls)
    assert answered >= 1
    b = seat_call(tmp_path / "b", "2001", B_DOM, pw(box, B, "2001"), "1002")
    assert b.code == 404, b.diagnostics()
    assert len(a_seats["1002"].calls) == answered  # A's seat never rang


@pytest.mark.parametrize(
    "destination",
    ["cc-queue-sales", "cc-ivr-main", "cc-seat-1002", "cc-vm-1002", "4000000001", "4000000002", "cc-ext-4000000001"],
)
def test_b_cannot_reach_a_objects_through_its_context(box, tmp_path, destination):
    b = seat_call(tmp_path / "b", "2001", B_DOM, pw(box, B, "2001"), destination, talk_ms=500)
    assert b.code == 404, b.diagnostics()


def test_a_reaches_its_own_ivr_control(box, tmp_path):
    a = seat_call(tmp_path / "a", "1001", A_DOM, pw(box, A, "1001"), "cc-ivr-main", talk_ms=1000)
    assert a.code == 200, a.diagnostics()


def test_b_cannot_register_in_a_domain(box, tmp_path):
    ok = register_once(tmp_path / "ok", "1001", A_DOM, pw(box, A, "1001"))
    assert ok.code == 200, ok.diagnostics()
    # B's seat that does not exist in A, and B's 1001 (A has a 1001 too) with B's password
    for i, (ext, tenant) in enumerate((("2001", B), ("1001", B))):
        r = register_once(tmp_path / f"b{i}", ext, A_DOM, pw(box, tenant, ext), source_ip=f"127.0.2.{10 + i}")
        assert r.code in (401, 403), r.diagnostics()
    # and B's credentials cannot authenticate an A identity by naming another auth user
    r = register_once(tmp_path / "mix", "1001", A_DOM, pw(box, B, "2001"), user="2001", source_ip="127.0.2.20")
    assert r.code in (401, 403), r.diagnostics()
    regs = box.api("sofia status profile internal reg")
    assert "2001@acme.cc.local" not in regs


def _channels(box) -> list[dict]:
    return json.loads(box.api("show channels as json")).get("rows") or []


class EavesdropWatch:
    """Samples the switch's channels in the background for as long as the block runs, and
    keeps every eavesdrop that named one of TARGETS (channel uuids): what a check made after
    the calls had ended could never see."""

    def __init__(self, box, targets: set[str]):
        self.box, self.targets = box, targets
        self.seen: list[dict] = []
        self.samples = 0
        self._stop = threading.Event()

    def _run(self) -> None:
        while not self._stop.is_set():
            for row in _channels(self.box):
                if row.get("application") == "eavesdrop" and any(
                    u in (row.get("application_data") or "") for u in self.targets
                ):
                    self.seen.append(row)
            self.samples += 1
            self._stop.wait(0.1)

    def __enter__(self) -> "EavesdropWatch":
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(10)


def test_b_cannot_eavesdrop_on_a_call(box, a_seats, tmp_path):
    caller = start_call(tmp_path / "caller", "4000000002", talk_ms=25000, audio=False)
    deadline = time.monotonic() + 10
    while len(a_seats["1002"].calls) == 0 or not box.api("show calls count").startswith(("1", "2")):
        assert time.monotonic() < deadline, "the call to A's seat was not answered"
        time.sleep(0.2)
    time.sleep(1)
    a_call = {row["uuid"] for row in _channels(box)}  # both legs of A's call, nothing else is up
    assert len(a_call) == 2, a_call
    # control: A's supervisor listens, and the watch sees that eavesdrop on A's call
    with EavesdropWatch(box, a_call) as control:
        a_sup = seat_call(
            tmp_path / "a-sup", "1003", A_DOM, pw(box, A, "1003"), "*331002", talk_ms=2500, source_ip="127.0.2.30"
        )
    assert a_sup.code == 200 and a_sup.ended == "local-bye", a_sup.diagnostics()
    assert control.seen, f"the watch missed A's own supervisor ({control.samples} samples)"
    # B's supervisor dials the codes in its own tenant, for as long as those calls are up
    with EavesdropWatch(box, a_call) as watch:
        b_sup = seat_call(
            tmp_path / "b-sup", "2001", B_DOM, pw(box, B, "2001"), "*331002", talk_ms=5000, source_ip="127.0.2.31"
        )
        # *331001 exists in B (its own 1001, idle): answered, then hung up by the switch at once
        started = time.monotonic()
        b_sup2 = seat_call(
            tmp_path / "b-sup2", "2001", B_DOM, pw(box, B, "2001"), "*331001", talk_ms=5000, source_ip="127.0.2.32"
        )
        b_sup2_secs = time.monotonic() - started
    assert b_sup.code == 404, b_sup.diagnostics()  # 1002 is no seat of B: no such code in B's context
    assert b_sup2.code == 200 and b_sup2.ended == "remote-bye", b_sup2.diagnostics()
    assert b_sup2_secs < 5, "the switch should hang up an eavesdrop on nothing before the caller does"
    assert watch.samples >= 3
    assert watch.seen == [], watch.seen
    assert a_call <= {row["uuid"] for row in _channels(box)}, "A's call ended before B's attempts were over"
    # a non-supervisor seat is refused the code even in its own tenant
    denied = seat_call(tmp_path / "denied", "1001", A_DOM, pw(box, A, "1001"), "*331002", source_ip="127.0.2.33")
    assert denied.code == 403, denied.diagnostics()
    caller.wait()


def test_broken_change_is_refused_and_calls_still_flow(box, a_seats, tmp_path):
    """A change whose tree would name a missing sound file is refused before FreeSWITCH sees
    it; the database, the tree and the running switch keep the old configuration."""
    from ccctl.config import entities
    from ccctl.deploy.tree_store import TreeStore
    from ccctl.errors import InvalidInput

    tree = TreeStore(box.services.settings.fs_conf_dir).read()
    with pytest.raises(InvalidInput, match="greeting file welcome.wav does not exist"):
        entities.set_item(box.services, "ivr", A, "main", {"greeting": {"file": "welcome.wav"}})
    assert TreeStore(box.services.settings.fs_conf_dir).read() == tree
    answered = len(a_seats["1002"].calls)
    r = start_call(tmp_path / "after", "4000000002", talk_ms=1500, audio=False).wait()
    assert r.code == 200 and r.ended == "local-bye", r.diagnostics()
    assert len(a_seats["1002"].calls) == answered + 1

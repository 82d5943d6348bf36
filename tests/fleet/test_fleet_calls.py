"""Two tenants on two FreeSWITCH nodes behind one Kamailio edge, on one PostgreSQL, each in a
namespace of its own: seats register at the edge only; a carrier's call to a tenant's DID goes
through the edge to that tenant's node, its queue and its agent, and the call row names the
node; a seat of one tenant cannot reach the other's extensions through the edge."""

from __future__ import annotations

import json
import threading
import time

import pytest

from ccctl.config import spec as s
from ccctl.config.entities import seat_password
from ccctl.config.write import apply_tenants
from ccctl.fleet.notify import GenerationListener
from ccctl.supervision import audit
from ccctl.testing.fleet import Lab
from ccctl.testing.sip import Agents, Seat
from tests.freeswitch.seat_sip import register_once, seat_call

A, B = "acme", "beta"
A_DID, B_DID = "4000000001", "4000000009"


def site() -> list[s.Tenant]:
    def tenant(name, ext, did, node):
        return s.Tenant(
            name=name,
            home_node=node,
            seats=[s.Seat(extension=ext, name=f"{name} agent", skills={"sales": 5})],
            # no wrap-up: the agent is offered the next call as soon as the last one ends
            queues=[s.Queue(name="sales", wrapup=0, no_agent=s.NoAgent(timeout=20, target="hangup"))],
            numbers=[s.Number(number=did, target="queue:sales")],
            # recorded, on the node that takes the call (exported across nodes at the end)
            recording=s.Recording(mode="all"),
        )

    return [tenant(A, "1001", A_DID, "n1"), tenant(B, "2001", B_DID, "n2")]


@pytest.fixture(scope="module")
def lab(tmp_path_factory, prompt_cache):
    root = tmp_path_factory.mktemp("fleet")
    lab = Lab(root, prompt_cache, ("n1", "n2", "spare"), standby=("spare",))
    try:
        lab.start_db()
        apply_tenants(lab.admin, site())
        lab.start_edge()
        lab.start_nodes()
        yield lab
    finally:
        lab.stop()


@pytest.fixture(scope="module")
def seats(lab, tmp_path_factory):
    seat_list = [
        Seat("1001", f"{A}.cc.local", seat_password(lab.admin, A, "1001")),
        Seat("2001", f"{B}.cc.local", seat_password(lab.admin, B, "2001")),
    ]
    with lab.seats_ns.entered():
        agents = Agents(
            None,
            tmp_path_factory.mktemp("seats"),
            seat_list,
            ip_prefix=lab.seats_ns.extra[0].rsplit(".", 1)[0] + ".",
            first_ip=int(lab.seats_ns.extra[0].rsplit(".", 1)[1]),
            proxy=lab.edge_address,
            registered=lab.registered,
        )
    try:
        lab.nodes["n1"].ccctl("agent", "login", A, "1001")
        lab.nodes["n2"].ccctl("agent", "login", B, "2001")
        yield agents
    finally:
        agents.stop()


def wait_row(lab, did: str, timeout: float = 15) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = [r for r in lab.call_rows() if r["did"] == did]
        if rows:
            return rows[-1]
        time.sleep(0.3)
    raise AssertionError(f"no call row for {did}: {lab.call_rows()}\n{lab.daemon_logs()}")


def test_seats_register_at_the_edge_only(lab, seats):
    assert {"1001@acme.cc.local", "2001@beta.cc.local"} <= lab.registered()
    # the nodes keep no registration of their own: seats are reached through the edge
    for node in lab.nodes.values():
        assert "Total items returned: 0" in node.fs.api("sofia status profile internal reg", check=False)
    # The nodes' stuck-agent watchdogs (every 2 s, logging out an Available agent unregistered for
    # 4 s) read the edge's registrations: after three rounds the agents are still Available.
    lab.nodes["n1"].ccctl("agent", "ready", A, "1001")
    lab.nodes["n2"].ccctl("agent", "ready", B, "2001")
    time.sleep(8)
    for node, tenant, agent in (("n1", A, "1001"), ("n2", B, "2001")):
        line = next(
            ln
            for ln in lab.nodes[node].fs.api("callcenter_config agent list").splitlines()
            if ln.startswith(f"{agent}@")
        )
        assert "|Available|" in line, (line, lab.daemon_logs())
        rows = [e for e in audit.entries(lab.admin, tenant) if e.action == "watchdog.correct"]
        assert rows == [], rows


@pytest.mark.parametrize(
    "did, tenant, node, agent", [(A_DID, A, "n1", "1001"), (B_DID, B, "n2", "2001")], ids=["acme-on-n1", "beta-on-n2"]
)
def test_a_carrier_call_reaches_the_tenants_queue_and_agent_on_its_node(lab, seats, tmp_path, did, tenant, node, agent):
    other = "2001" if agent == "1001" else "1001"
    before, before_other = len(seats[agent].calls), len(seats[other].calls)
    call = lab.carrier_call(tmp_path / "call", did, talk_ms=3000)
    result = call.wait()
    assert result.answered and result.ok, result.diagnostics() + "\n" + lab.edge_tail() + "\n" + seats.diagnostics()
    assert len(seats[agent].calls) == before + 1, seats.diagnostics()
    assert len(seats[other].calls) == before_other
    row = wait_row(lab, did)
    assert (row["node"], row["tenant"], row["queue"], row["agent"], row["disposition"]) == (
        node,
        tenant,
        "sales",
        agent,
        "answered",
    ), row


def test_a_seat_cannot_reach_another_tenants_extensions_through_the_edge(lab, seats, tmp_path):
    a_calls = len(seats["1001"].calls)
    with lab.seats_ns.entered():
        out = seat_call(
            tmp_path / "b-to-a",
            "2001",
            f"{B}.cc.local",
            seat_password(lab.admin, B, "2001"),
            "1001",
            source_ip=lab.seats_ns.extra[1],
            target=lab.edge_address,
        )
        # nor register in A's domain with B's credentials
        reg = register_once(
            tmp_path / "b-in-a",
            "1001",
            f"{A}.cc.local",
            seat_password(lab.admin, B, "2001"),
            user="2001",
            source_ip=lab.seats_ns.extra[2],
            target=lab.edge_address,
        )
    assert out.code is not None and out.code >= 400, out.diagnostics()
    # B's node answered it (challenged the seat against B's directory): the edge routed it there
    trace = out.sipp.messages.read_text(errors="replace")
    assert "407 Proxy Authentication Required" in trace or "401 Unauthorized" in trace, trace[-3000:]
    assert len(seats["1001"].calls) == a_calls
    assert reg.code in (401, 403), reg.diagnostics()
    assert "1001@acme.cc.local" in lab.registered()


def members(node, queue: str) -> list[dict]:
    from ccctl.supervision.agents import parse_table

    return parse_table(node.fs.api(f"callcenter_config queue list members {queue}", check=False))


def strategy(node, queue: str) -> str | None:
    from ccctl.supervision.agents import parse_table

    rows = parse_table(node.fs.api("callcenter_config queue list", check=False))
    return {q["name"]: q["strategy"] for q in rows}.get(queue)


def wait_until(cond, timeout: float, what: str, step: float = 0.05):
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout} s")
        time.sleep(step)
    return time.monotonic()


def test_a_change_from_node_2s_shell_reaches_node_1_with_the_caller_kept_waiting(lab, seats, tmp_path):
    n1, n2 = lab.nodes["n1"], lab.nodes["n2"]
    queue = f"sales@{A}.cc.local"
    assert strategy(n1, queue) == "longest-idle-agent"
    n1.ccctl("agent", "break", A, "1001")
    answered_before = len(seats["1001"].calls)
    # the caller stays 25 s after the queue answered, then hangs up
    call = lab.carrier_call(tmp_path / "waiting", A_DID, talk_ms=25000, timeout_s=90, source=1)
    try:
        wait_until(lambda: len(members(n1, queue)) == 1, 20, "the caller waiting in A's queue on n1")
        # `show channels` is FreeSWITCH's core database, written behind the call by its SQL thread:
        # on a loaded machine the channel's row can trail the queue's member row.
        wait_until(
            lambda: any(
                r.get("direction") == "inbound"
                for r in json.loads(n1.fs.api("show channels as json")).get("rows") or []
            ),
            10,
            "n1's channel row",
        )
        # n1's daemon serves Prometheus: the waiting caller and the agent On Break, as mod_callcenter has them
        t0 = time.monotonic()
        scraped = lab.metrics("n1")
        print(f"metrics: n1's scrape answered in {time.monotonic() - t0:.3f} s ({len(scraped)} bytes)")
        series = samples(scraped)
        q = {"node": "n1", "tenant": A, "queue": "sales"}
        assert series.get(("ccctl_queue_waiting", *sorted(q.items()))) == 1, scraped
        assert series.get(("ccctl_queue_longest_wait_seconds", *sorted(q.items()))) >= 0, scraped
        on_break = {**q, "status": "On Break", "state": "Waiting"}
        assert series.get(("ccctl_queue_agents", *sorted(on_break.items()))) == 1, scraped
        assert not [k for k in series if k[0] == "ccctl_queue_agents" and ("status", "Available") in k], scraped
        assert series.get(("ccctl_calls_in_progress", ("node", "n1"), ("tenant", A))) == 1, scraped
        assert series.get(("ccctl_freeswitch_up", ("node", "n1"))) == 1, scraped
        # A's call answered on n1 earlier today gives its queue a service level
        assert 0 <= series.get(("ccctl_queue_service_level_ratio", *sorted(q.items())), -1) <= 1, scraped
        assert f'tenant="{B}"' not in scraped  # n1 reports its own tenants only
        # and n1's next heartbeat (every 5 s) carries its call in progress to the fleet's one view:
        # watched beside the test, so the caller's time in the queue is not spent waiting for it
        seen: list[int] = []
        watcher = threading.Thread(
            target=lambda: wait_until(
                lambda: seen.append(fleet_node(lab, "n1")["calls_in_progress"] or 0) or seen[-1] == 1,
                20,
                "n1's live call in the view",
                step=0.5,
            ),
            daemon=True,
        )
        watcher.start()
        # From n2's shell, while watching n1's FreeSWITCH and listening as the nodes do: the change
        # reaches n1 when the write commits (n1's daemon hears the generation), whatever n2 does after.
        heard: list[tuple[float, int | None]] = []
        stop = threading.Event()
        listener = GenerationListener(lab.url, lambda g: heard.append((time.monotonic(), g)), stop=stop)
        listener.start()
        assert listener.listening.wait(10)
        try:
            t0 = time.monotonic()
            shell = n2.start_ccctl("queue", "set", A, "sales", "strategy=round-robin", "--json")
            reached = wait_until(lambda: strategy(n1, queue) == "round-robin", 30, "the strategy on n1's FreeSWITCH")
            out, err = shell.communicate(timeout=60)
            returned = time.monotonic()
        finally:
            stop.set()
        assert shell.returncode == 0, err
        generation = json.loads(out)["generation"]
        committed = next(at for at, g in heard if g == generation)
        print(
            f"change from n2's shell: committed {committed - t0:.2f} s after the command started, on n1's "
            f"FreeSWITCH {reached - committed:.2f} s after the commit; the command (n2's own deploy "
            f"included) returned after {returned - t0:.2f} s"
        )
        # The daemons do not poll (their heartbeat deploys nothing): only the notification brings it.
        assert reached - committed < 10.0, "the committed change did not reach n1 by its notification"
        assert [m["state"] for m in members(n1, queue)] == ["Waiting"], "the caller left the queue"
        assert call.sipp.running()
        watcher.join(25)
        assert seen and seen[-1] == 1, f"n1's live calls in the fleet view: {seen}"
        # the waiting caller is the one served when the agent comes back
        n1.ccctl("agent", "ready", A, "1001")
        result = call.wait()
        assert result.answered, result.diagnostics()
        # The seat's sipp logs the answer itself; on a loaded machine that line can trail the caller.
        deadline = time.monotonic() + 15
        while len(seats["1001"].calls) <= answered_before and time.monotonic() < deadline:
            time.sleep(0.2)
        assert len(seats["1001"].calls) == answered_before + 1, seats.diagnostics()
    finally:
        call.sipp.kill()
        # The agent back as this test leaves it when it passes: a failure here stays this test's.
        n1.ccctl("agent", "ready", A, "1001", check=False)
    states = {n["name"]: n["deployed_generation"] for n in lab_nodes(lab)}
    assert states["n1"] == states["n2"], states


def samples(exposition: str) -> dict[tuple, float]:
    """{(name, *sorted label pairs): value} of a Prometheus scrape, read with prometheus-client's parser."""
    from prometheus_client.parser import text_string_to_metric_families

    return {
        (sample.name, *sorted(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(exposition)
        for sample in family.samples
    }


def fleet_node(lab, name: str) -> dict:
    from ccctl.fleet.view import fleet_status

    return {n["name"]: n for n in fleet_status(lab.admin)["nodes"]}[name]


def lab_nodes(lab):
    from ccctl.fleet import nodes

    return nodes.list_nodes(lab.admin)


def agent_state(node, agent: str) -> str | None:
    from ccctl.supervision.agents import parse_table

    rows = parse_table(node.fs.api("callcenter_config agent list", check=False))
    return {r["name"]: r["state"] for r in rows}.get(agent)


def test_tenant_move_sends_the_next_call_to_the_new_node(lab, seats, tmp_path):
    n1, n2 = lab.nodes["n1"], lab.nodes["n2"]
    wait_until(lambda: agent_state(n1, f"1001@{A}.cc.local") == "Waiting", 30, "agent 1001 waiting on n1", step=0.2)
    talking = len(seats["1001"].calls)
    up = lab.carrier_call(tmp_path / "up", A_DID, talk_ms=8000, source=2)
    wait_until(lambda: len(seats["1001"].calls) == talking + 1, 20, "the agent answering the call on n1", step=0.2)
    t0 = time.monotonic()
    moved = lab.nodes["n2"].ccctl("tenant", "move", A, "--to", "n2", "--json")
    assert '"home_node"' in moved.stdout
    # A's queue appears on n2 and the edge's routes follow (ccctl edge follow)
    wait_until(lambda: strategy(n2, f"sales@{A}.cc.local") is not None, 10, "A's queue on n2")
    print(f"move: A's queue on n2 {time.monotonic() - t0:.2f} s after the command started")
    # the call in progress on n1 completes there
    first = up.wait()
    assert first.answered and first.ended == "local-bye", first.diagnostics()
    row = wait_row(lab, A_DID)
    assert (row["node"], row["disposition"]) == ("n1", "answered"), row
    # the seat keeps its registration at the edge, and its ACD status (Available) on the new node
    assert "1001@acme.cc.local" in lab.registered()
    wait_until(lambda: agent_state(n2, f"1001@{A}.cc.local") == "Waiting", 30, "agent 1001 waiting on n2", step=0.2)
    rows_before = len(lab.call_rows())
    nxt = lab.carrier_call(tmp_path / "next", A_DID, talk_ms=2000, source=3)
    result = nxt.wait()
    assert result.answered and result.ok, result.diagnostics() + "\n" + lab.edge_tail()
    assert len(seats["1001"].calls) == talking + 2, seats.diagnostics()
    deadline = time.monotonic() + 15
    while len(lab.call_rows()) <= rows_before and time.monotonic() < deadline:
        time.sleep(0.3)
    row = lab.call_rows()[-1]
    assert (row["node"], row["tenant"], row["agent"], row["disposition"]) == ("n2", A, "1001", "answered"), row
    assert strategy(n1, f"sales@{A}.cc.local") is None  # n1 serves A no more


def test_a_dead_nodes_tenants_are_answered_on_the_standby(lab, seats, tmp_path):
    """After the move A and B live on n2: kill n2's FreeSWITCH. The leader among the daemons
    marks n2 down once its heartbeat stops and re-homes both tenants to the standby; the edge
    follows; the seat, still registered at the edge, answers A's next call there."""
    from ccctl.fleet import failover

    n2, spare = lab.nodes["n2"], lab.nodes["spare"]
    answered = len(seats["1001"].calls)
    killed = time.monotonic()
    n2.fs.proc.kill()
    n2.fs.proc.wait()
    wait_until(
        lambda: strategy(spare, f"sales@{A}.cc.local") is not None,
        failover.DEAD_AFTER + 30,
        "A's queue on the standby",
        step=0.2,
    )
    rehomed = time.monotonic()
    assert {n["name"]: n["state"] for n in lab_nodes(lab)}["n2"] == "down"
    assert "1001@acme.cc.local" in lab.registered()  # no re-registration
    # the agent's status came along (Available); nobody logs it in on the standby
    wait_until(lambda: agent_state(spare, f"1001@{A}.cc.local") == "Waiting", 30, "agent 1001 on the standby", step=0.2)
    placed = time.monotonic()
    call = lab.carrier_call(tmp_path / "after", A_DID, talk_ms=2000)
    result = call.wait()
    print(
        f"failover: A re-homed {rehomed - killed:.1f} s after n2's FreeSWITCH was killed; its next call "
        f"placed {placed - killed:.1f} s after (the agent Available there), done {time.monotonic() - killed:.1f} s after"
    )
    assert result.answered and result.ok, result.diagnostics() + "\n" + lab.edge_tail() + "\n" + lab.daemon_logs()
    assert len(seats["1001"].calls) == answered + 1, seats.diagnostics()
    rows = [r for r in lab.call_rows() if r["did"] == A_DID]
    deadline = time.monotonic() + 15
    while rows[-1]["node"] != "spare" and time.monotonic() < deadline:
        time.sleep(0.3)
        rows = [r for r in lab.call_rows() if r["did"] == A_DID]
    assert (rows[-1]["node"], rows[-1]["agent"], rows[-1]["disposition"]) == ("spare", "1001", "answered"), rows[-1]


def test_status_fleet_shows_the_dead_node_down(lab, seats):
    """After the failover: any node's shell shows n2 down, its tenants on the standby, exit 1."""
    done = lab.nodes["spare"].ccctl("status", "--fleet", "--json", check=False)
    assert done.returncode == 1, done.stderr
    view = json.loads(done.stdout)
    by = {n["name"]: n for n in view["nodes"]}
    assert view["down"] == ["n2"]
    assert (by["n2"]["state"], by["n2"]["tenants"], by["n2"]["calls_in_progress"]) == ("down", [], None)
    assert (by["n1"]["state"], by["spare"]["state"], by["spare"]["role"]) == ("up", "up", "standby")
    assert by["spare"]["tenants"] == [A, B]
    assert by["n1"]["heartbeat_age"] < 15 and by["n2"]["heartbeat_age"] > 15
    assert by["spare"]["deployed_generation"] == view["generation"]
    assert by["n1"]["calls_today"] >= 3 and by["spare"]["calls_today"] >= 1
    text = lab.nodes["n1"].ccctl("status", "--fleet", check=False)
    assert text.returncode == 1 and "node(s) down: n2" in text.stderr


def recordings_index(lab, tenant: str) -> list[dict]:
    from sqlalchemy import text

    from ccctl.db import session_scope

    with session_scope(lab.admin.engine) as session:
        rows = session.execute(
            text("SELECT path, node, call_uuid FROM recording WHERE tenant = :t ORDER BY path"), {"t": tenant}
        )
        return [dict(r._mapping) for r in rows]


def test_recording_export_on_one_node_fetches_the_other_nodes_files(lab, seats, tmp_path):
    """A's calls were recorded on n1, n2 (after the move; its FreeSWITCH is dead now, its daemon
    not) and the standby; each file stays there, indexed with its node. An export from n1's
    shell holds all of them, byte for byte."""
    import hashlib
    import tarfile

    calls = {r["uuid"]: r["node"] for r in lab.call_rows() if r["did"] == A_DID and r["disposition"] == "answered"}
    assert {"n1", "n2", "spare"} <= set(calls.values()), calls
    # each node's daemon indexes its own files (within its 5 s pass after the call row)
    wait_until(
        lambda: {r["node"] for r in recordings_index(lab, A)} >= {"n1", "n2", "spare"},
        20,
        "A's recordings indexed on every node",
        step=0.5,
    )
    index = recordings_index(lab, A)
    for r in index:
        assert (lab.root / r["node"] / "recordings" / r["path"]).is_file(), r
        if r["call_uuid"] in calls:
            assert r["node"] == calls[r["call_uuid"]], r
    out = tmp_path / "acme.tar"
    t0 = time.monotonic()
    done = lab.nodes["n1"].ccctl(
        "recording", "export", "--tenant", A, "--since", "2000-01-01", "--out", str(out), "--json", timeout=120
    )
    report = json.loads(done.stdout)
    print(
        f"export: {report['files']} recordings ({report['bytes']} bytes, {sum(r['node'] != 'n1' for r in index)} "
        f"fetched from n2 and the standby) in {time.monotonic() - t0:.2f} s from n1's shell"
    )
    assert "unreachable" not in report, report
    assert report["files"] == len(index), (report, index)
    with tarfile.open(out) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
        for entry in manifest["recordings"]:
            path = A + "/" + entry["file"].split("/", 1)[1]
            node = next(r["node"] for r in index if r["path"] == path)
            data = tar.extractfile(entry["file"]).read()
            source = (lab.root / node / "recordings" / path).read_bytes()
            assert hashlib.sha256(data).hexdigest() == hashlib.sha256(source).hexdigest() == entry["sha256"]
    # the nodes' files never left them: n1's export copied, it did not move
    assert all((lab.root / r["node"] / "recordings" / r["path"]).is_file() for r in index)
    assert not any((lab.root / "n1" / "recordings" / r["path"]).exists() for r in index if r["node"] != "n1")


def kam_get(lab, key: str) -> str:
    import subprocess

    done = subprocess.run(
        ["kamcmd", "-s", f"unix:{lab.ctl}", "htable.get", "routes", key], capture_output=True, text=True, timeout=10
    )
    return done.stdout


def test_a_tenants_call_cap_holds_at_the_edge(lab, seats, tmp_path):
    """A's cap set to 1: with one call up, the next is refused by the edge (486), whatever node
    serves A; once it ends, a call goes through again (the edge's count follows the BYE)."""
    from ccctl.fleet.view import fleet_status

    home = next(n["name"] for n in fleet_status(lab.admin)["nodes"] if A in n["tenants"])
    spare = lab.nodes[home]  # the standby after the failover test
    spare.ccctl("tenant", "set", A, "call_limit=1")
    try:
        wait_until(lambda: "value: 1" in kam_get(lab, f"cap:{A}"), 15, "A's cap at the edge", step=0.2)
        wait_until(lambda: agent_state(spare, f"1001@{A}.cc.local") == "Waiting", 30, "agent 1001 waiting", step=0.2)
        answered = len(seats["1001"].calls)
        first = lab.carrier_call(tmp_path / "first", A_DID, talk_ms=6000, source=1)
        wait_until(lambda: len(seats["1001"].calls) == answered + 1, 20, "the first call answered", step=0.2)
        second = lab.carrier_call(tmp_path / "second", A_DID, wait_ms=2000, timeout_s=20, source=2)
        refused = second.wait()
        assert refused.code == 486 and not refused.answered, refused.diagnostics() + "\n" + lab.edge_tail()
        assert "tenant call cap" in refused.sipp.messages.read_text(errors="replace")
        log = lab.edge_log.read_text(errors="replace")
        assert f"ccctl-edge: tenant {A} at its cap of 1 calls" in log
        # the count is taken under the tenant's lock, not beside a lock that failed to exist
        assert "cfg_lock_helper" not in log, lab.edge_tail()
        assert first.wait().answered
        third = lab.carrier_call(tmp_path / "third", A_DID, talk_ms=1000, source=3)
        result = third.wait()
        assert result.answered and result.ok, result.diagnostics() + "\n" + lab.edge_tail()
        assert len(seats["1001"].calls) == answered + 2
    finally:
        spare.ccctl("tenant", "set", A, "call_limit=30")


def test_a_source_hammering_the_edge_with_bad_passwords_is_banned_there(lab, seats, tmp_path):
    """Last in the module: its control registrations leave second contacts for the seats.

    One phone with a wrong password behind an office's address: after 10 failures that account
    gets no answer from there, and a neighbour behind the same address still registers. A
    source guessing across accounts: after 30 failures the address is banned, even for a right
    password of an account it never tried; another address registers on."""
    from ccctl.testing.sip import Sipp

    flood_ip, other_ip, office_ip = lab.seats_ns.extra[3], lab.seats_ns.extra[4], lab.seats_ns.extra[5]

    def hammer(name: str, ip: str, accounts: list[tuple[str, str]], count: int) -> None:
        work = tmp_path / name
        work.mkdir()
        csv = work / "creds.csv"
        csv.write_text(
            "SEQUENTIAL\n"
            + "".join(f"{u};{d};[authentication username={u} password=wrong-password];\n" for u, d in accounts)
        )
        args = ["-inf", str(csv), "-i", ip, "-bind_local", "-p", "5072", "-r", "20", "-m", str(count), "-l", "20"]
        with lab.seats_ns.entered():
            Sipp(work, "register_once.xml", [*args, lab.edge_address], timeout_s=20, trace=False).wait(40)

    good_a, good_b = seat_password(lab.admin, A, "1001"), seat_password(lab.admin, B, "2001")
    hammer("office", office_ip, [("1001", f"{A}.cc.local")], 15)
    log = lab.edge_log.read_text(errors="replace")
    assert f"account 1001 refused from {office_ip}" in log, lab.edge_tail()
    assert f"auth failures ban {office_ip}" not in log, lab.edge_tail()
    with lab.seats_ns.entered():
        refused = register_once(
            tmp_path / "office-1001",
            "1001",
            f"{A}.cc.local",
            good_a,
            source_ip=office_ip,
            target=lab.edge_address,
            timeout=8,
        )
        neighbour = register_once(
            tmp_path / "office-2001", "2001", f"{B}.cc.local", good_b, source_ip=office_ip, target=lab.edge_address
        )
    assert refused.code is None, refused.diagnostics()
    assert neighbour.code == 200, neighbour.diagnostics()

    guesses = [
        ("1001", f"{A}.cc.local"),
        ("9001", f"{A}.cc.local"),
        ("9002", f"{A}.cc.local"),
        ("9003", f"{A}.cc.local"),
    ]
    hammer("flood", flood_ip, guesses, 300)
    log = lab.edge_log.read_text(errors="replace")
    assert f"auth failures ban {flood_ip}" in log, lab.edge_tail()
    # banned: even the right password of an account it never tried gets no answer from there
    with lab.seats_ns.entered():
        banned = register_once(
            tmp_path / "banned", "2001", f"{B}.cc.local", good_b, source_ip=flood_ip, target=lab.edge_address, timeout=8
        )
        other = register_once(
            tmp_path / "other", "1001", f"{A}.cc.local", good_a, source_ip=other_ip, target=lab.edge_address
        )
    assert banned.code is None, banned.diagnostics()
    assert other.code == 200, other.diagnostics()
    # the nodes never heard of the flooding source
    for node in lab.nodes.values():
        assert flood_ip not in node.fs.log_text()

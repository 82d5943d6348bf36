"""A whole fleet on one machine, each role a real process in a namespace of its own
(ccctl/testing/netns.py): PostgreSQL (db), Kamailio (edge), FreeSWITCH + `ccctl daemon` per
node, and namespaces for seats and carriers to send from. Used by tests/fleet and bench/."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import text

from ccctl import app
from ccctl.app import Services
from ccctl.config import gather
from ccctl.db import session_scope
from ccctl.deploy.run import deploy_latest
from ccctl.fleet import edge, nodes
from ccctl.settings import Settings
from ccctl.testing import netns
from ccctl.testing.fsproc import FreeSwitch, find_prefix, only_loopback

SIP_PORT, TRUNK_PORT, MANAGE_PORT = 5060, 5080, 9464
CCCTL = str(Path(sys.executable).with_name("ccctl"))


def missing() -> str | None:
    """None when a fleet can run here, else why not."""
    if netns.missing():
        return netns.missing()
    if find_prefix() is None:
        return "no FreeSWITCH found (CC_FREESWITCH_PREFIX or /opt/freeswitch)"
    if not shutil.which("kamailio") or not Path(edge.MODULE_DIR, "db_postgres.so").exists():
        return "kamailio is not installed (apt-get install kamailio kamailio-postgres-modules)"
    if not shutil.which("kamcmd"):
        return "kamcmd is not installed (kamailio)"
    from ccctl.testing.postgres import _pg_bin
    from ccctl.testing.sip import available

    if _pg_bin() is None:
        return "no PostgreSQL server binaries (apt-get install postgresql)"
    return available()


def bench_start(name: str) -> Path | None:
    """The start every fleet bench shares: None (the reason printed) when the fleet's parts are
    missing; outside a loopback-only namespace, run again inside one (this never returns); else
    a scratch folder for the bench's lab."""
    reason = missing()
    if reason:
        print(f"bench/{name}: {reason}: skipped")
        return None
    if not only_loopback():
        in_netns = str(Path(__file__).resolve().parents[2] / "scripts" / "in-netns")
        os.execv(in_netns, [in_netns, sys.executable, *sys.argv])
    return Path(tempfile.mkdtemp(prefix=f"ccctl-bench-{name}-"))


def example_sounds(work: Path) -> tuple[Path, list]:
    """The example site's tenants, and their prompts and music synthesized into WORK/sounds."""
    from ccctl.config.load import load_site
    from ccctl.media import prompts, synth

    sounds = work / "sounds"
    tenants = load_site(str(Path(__file__).resolve().parents[2] / "examples" / "site.yaml")).tenants
    synth.ensure_media(sounds, prompts.required(tenants), prompts.moh_names(tenants))
    return sounds, tenants


class NsFreeSwitch(FreeSwitch):
    """FreeSWITCH started in a node's namespace, its Event Socket reached there."""

    def __init__(self, ns: netns.Netns, *args):
        self.ns = ns
        super().__init__(*args)

    def start(self, timeout: float = 60) -> None:
        with self.ns.entered():
            super().start(timeout)

    def api(self, command: str, check: bool = True) -> str:
        with self.ns.entered():
            return super().api(command, check)

    def stop(self) -> None:
        with self.ns.entered():
            super().stop()


@dataclass
class Node:
    name: str
    ns: netns.Netns
    services: Services
    fs: NsFreeSwitch
    daemon: subprocess.Popen | None = None
    env: dict[str, str] = field(default_factory=dict)

    def ccctl(self, *args: str, check: bool = True, timeout: float = 60) -> subprocess.CompletedProcess:
        """`ccctl ARGS` from the node's shell (its namespace and settings)."""
        with self.ns.entered():
            done = subprocess.run(
                [CCCTL, *args], env=self.env, capture_output=True, text=True, timeout=timeout, check=False
            )
        if check and done.returncode != 0:
            raise AssertionError(f"ccctl {' '.join(args)} on {self.name}: {done.returncode}\n{done.stderr}")
        return done

    def start_ccctl(self, *args: str) -> subprocess.Popen:
        """`ccctl ARGS` from the node's shell, running (communicate() for its output)."""
        with self.ns.entered():
            return subprocess.Popen(
                [CCCTL, *args], env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
            )

    def start_daemon(self, log: Path) -> None:
        with self.ns.entered():
            self.daemon = subprocess.Popen(
                [CCCTL, "daemon", "--log-level", "info"],
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=open(log, "ab"),
                stderr=subprocess.STDOUT,
            )

    def stop(self) -> None:
        if self.daemon is not None and self.daemon.poll() is None:
            self.daemon.terminate()
            try:
                self.daemon.wait(15)
            except subprocess.TimeoutExpired:
                self.daemon.kill()
                self.daemon.wait()
        self.fs.stop()


def node_env(settings: Settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CCCTL_")}
    for name, value in settings.as_dict().items():
        if value is not None and name != "hardware_dir":
            env[f"CCCTL_{name.upper()}"] = str(value)
    return env


class Lab:
    """The fleet: call start() (tenants already in the database), then stop()."""

    def __init__(
        self, root: Path, sounds: Path, node_names: tuple[str, ...] = ("n1", "n2"), standby: tuple[str, ...] = ()
    ):
        self.root, self.sounds = root, sounds
        self.node_names = node_names
        self.standby = standby
        self.router = netns.Router()
        self.db_ns = self.router.add("db")
        self.edge_ns = self.router.add("edge")
        self.node_ns = {n: self.router.add(n) for n in node_names}
        self.seats_ns = self.router.add("seats", extra=6)
        self.carrier_ns = self.router.add("carrier", extra=4)
        self.edge_address = f"{self.edge_ns.address}:{SIP_PORT}"
        self.nodes: dict[str, Node] = {}
        self.kamailio: subprocess.Popen | None = None
        self.follower: subprocess.Popen | None = None
        self._pg = None
        self.url = ""

    # -- db
    def start_db(self) -> str:
        from ccctl.testing.postgres import new_database, private_cluster

        with self.db_ns.entered():
            self._pg = private_cluster(host=self.db_ns.address, allow="10.77.0.0/16")
            base = self._pg.__enter__()
        self.url = new_database(base)
        self.admin = app.open(Settings(db=self.url, node="admin", fs_deploy="off"))
        for name, ns in self.node_ns.items():
            nodes.add_node(
                self.admin,
                name,
                sip_address=f"{ns.address}:{SIP_PORT}",
                trunk_address=f"{ns.address}:{TRUNK_PORT}",
                standby=name in self.standby,
            )
        nodes.set_edge(self.admin, self.edge_address)
        edge.setup_schema(self.admin.engine)
        return self.url

    # -- edge
    def start_edge(self, **config) -> None:
        """Kamailio in the edge's namespace; CONFIG: EdgeConfig fields to change (a bench's pike)."""
        d = self.root / "edge"
        d.mkdir(parents=True, exist_ok=True)
        self.ctl = d / "kamailio_ctl"
        cfg = d / "kamailio.cfg"
        cfg.write_text(
            edge.render_cfg(
                edge.EdgeConfig(
                    **{
                        "listen": self.edge_address,
                        "db_url": self.url,
                        "ctl_socket": self.ctl,
                        "log_stderr": True,
                        "children": 2,
                        **config,
                    }
                )
            )
        )
        self.edge_log = d / "kamailio.log"
        with self.edge_ns.entered():
            self.kamailio = subprocess.Popen(
                ["kamailio", "-DD", "-E", "-f", str(cfg), "-Y", str(d), "-w", str(d), "-m", "64", "-M", "8"],
                stdin=subprocess.DEVNULL,
                stdout=open(self.edge_log, "ab"),
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 20
        while subprocess.run(["kamcmd", "-s", f"unix:{self.ctl}", "core.uptime"], capture_output=True).returncode:
            if self.kamailio.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"kamailio did not start:\n{self.edge_tail()}")
            time.sleep(0.2)
        # The edge's follower: reloads routes and dispatcher sets on every change (ccctl edge follow).
        env = {k: v for k, v in os.environ.items() if not k.startswith("CCCTL_")}
        with self.edge_ns.entered():
            self.follower = subprocess.Popen(
                [CCCTL, "edge", "follow", "--ctl", str(self.ctl)],
                env={**env, "CCCTL_DB": self.url},
                stdin=subprocess.DEVNULL,
                stdout=open(d / "follow.log", "ab"),
                stderr=subprocess.STDOUT,
            )

    def carrier_call(self, workdir: Path, number: str, source: int = 0, **options):
        """A carrier's call to NUMBER through the edge, from the carrier namespace's SOURCE-th
        address (each call its own where pike would otherwise count them as one flood).
        OPTIONS: ccctl.testing.sip.start_call's (wait_ms 500 unless given)."""
        from ccctl.testing.sip import start_call

        options = {"wait_ms": 500, "target": self.edge_address, **options}
        with self.carrier_ns.entered():
            return start_call(workdir, number, source_ip=self.carrier_ns.extra[source], **options)

    def reload_edge(self) -> None:
        edge.reload(self.ctl)

    def edge_tail(self, n: int = 60) -> str:
        return "\n".join(self.edge_log.read_text(errors="replace").splitlines()[-n:])

    # -- nodes
    def start_nodes(self) -> None:
        for name, ns in self.node_ns.items():
            root = self.root / name
            sounds = root / "sounds"
            shutil.copytree(self.sounds, sounds, copy_function=os.link)
            settings = Settings(
                db=self.url,
                node=name,
                esl_port=8021,
                sip_ip=ns.address,
                sip_internal_port=SIP_PORT,
                sip_external_port=TRUNK_PORT,
                rtp_start=20000,
                rtp_end=21998,
                fs_conf_dir=root / "conf",
                fs_sounds_dir=sounds,
                fs_recordings_dir=root / "recordings",
                fs_cdr_dir=root / "cdr",
                fs_log_dir=root / "log",
                spool_dir=root / "spool",
                # The stuck-agent watchdog on, quick: behind the edge it must read who is
                # registered from Kamailio's rows, or it logs every agent out.
                watchdog_interval=2,
                watchdog_unregistered=4,
                # metrics and recordings to peers on the node's own address (its management network)
                manage_address=f"{ns.address}:{MANAGE_PORT}",
            )
            services = app.open(settings, deploy=True)
            with ns.entered():
                deploy_latest(services)  # FreeSWITCH is down: this writes the tree it starts from
            fs = NsFreeSwitch(ns, *find_prefix(), root, settings, gather.esl_password(services))
            node = Node(name, ns, services, fs, env=node_env(settings))
            self.nodes[name] = node
            fs.start()
            node.start_daemon(root / "daemon.log")
        deadline = time.monotonic() + 30
        while not all(n["heartbeat_at"] for n in nodes.list_nodes(self.admin)):
            if time.monotonic() > deadline:
                raise RuntimeError("the nodes' daemons gave no heartbeat:\n" + self.daemon_logs())
            time.sleep(0.3)

    def daemon_logs(self, n: int = 30) -> str:
        out = []
        for name in self.nodes:
            log = self.root / name / "daemon.log"
            text_ = log.read_text(errors="replace") if log.exists() else ""
            out.append(f"== daemon {name}\n" + "\n".join(text_.splitlines()[-n:]))
        return "\n".join(out)

    # -- what the edge knows
    def registered(self) -> set[str]:
        with session_scope(self.admin.engine) as session:
            rows = session.execute(text("SELECT username, domain FROM location WHERE expires > now()")).all()
        return {f"{u}@{d}" for u, d in rows}

    def metrics(self, node: str) -> str:
        """What Prometheus gets from NODE's daemon now."""
        import urllib.request

        with urllib.request.urlopen(f"http://{self.node_ns[node].address}:{MANAGE_PORT}/metrics", timeout=20) as r:
            return r.read().decode()

    def call_rows(self) -> list[dict]:
        with session_scope(self.admin.engine) as session:
            rows = session.execute(
                text("SELECT uuid, node, tenant, did, queue, agent, disposition FROM call ORDER BY entered_at")
            )
            return [dict(r._mapping) for r in rows]

    def stop(self) -> None:
        for node in self.nodes.values():
            try:
                node.stop()
            except Exception:
                pass
        if self.follower is not None and self.follower.poll() is None:
            self.follower.terminate()
            self.follower.wait(10)
        if self.kamailio is not None and self.kamailio.poll() is None:
            self.kamailio.terminate()
            try:
                self.kamailio.wait(10)
            except subprocess.TimeoutExpired:
                self.kamailio.kill()
        if self._pg is not None:
            try:
                self.admin.engine.dispose()
            except Exception:
                pass
            self._pg.__exit__(None, None, None)
        self.router.stop()

"""Fixtures for the conformance tests: real rfs daemons as processes, judged by real clients."""
import os
import random
import re
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RFS_BIN = os.environ.get("RFS_BIN", str(ROOT / ".build" / "debug" / "rfs"))


_handed_out: set = set()
_LOWEST_PORT = 10000


def _ephemeral_ports_start() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def free_port() -> int:
    """A port nothing is bound to now, not handed out before in this run (two calls before
    either port is bound, a namenode's RPC and HTTP ports, could otherwise get the same one),
    and below the kernel's ephemeral range: a port from that range can be given to any
    process's outgoing connection between this call and the daemon binding it, or while a
    daemon is down between a kill and its restart on the same port."""
    highest = _ephemeral_ports_start() - 1
    if highest - _LOWEST_PORT >= 1000:
        for _ in range(1000):
            port = random.randint(_LOWEST_PORT, highest)
            if port in _handed_out:
                continue
            try:
                with socket.socket() as s:
                    s.bind(("127.0.0.1", port))
            except OSError:
                continue
            _handed_out.add(port)
            return port
    # No room below the ephemeral range on this machine: any port the kernel picks.
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in _handed_out:
            _handed_out.add(port)
            return port


class PortTaken(RuntimeError):
    """The daemon could not bind the port it was given: something took it between `free_port`
    handing it out and the daemon binding it (another process's outgoing connection can be
    given the same ephemeral port). The caller starts it again on a fresh port."""


def _log_tail(log_path, lines: int = 15) -> str:
    try:
        return "\n".join(Path(log_path).read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _exited_early(proc: subprocess.Popen, log_path) -> RuntimeError:
    tail = _log_tail(log_path)
    kind = PortTaken if "Address already in use" in tail else RuntimeError
    return kind(f"rfs exited early with {proc.returncode}; the end of {log_path}:\n{tail}")


def wait_for_port(port: int, proc: subprocess.Popen, timeout: float = 20.0, log_path=None) -> None:
    """hdfs-native retries a refused connection for minutes, so check the port first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise _exited_early(proc, log_path)
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listening on port {port} after {timeout}s")


def wait_for_logged_port(pattern: str, proc: subprocess.Popen, log_path, timeout: float = 20.0) -> int:
    """The port a daemon started on port 0 says it bound, from the first match of `pattern`
    (one group, the port) in its log."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        match = re.search(pattern, Path(log_path).read_text(errors="replace"))
        if match:
            return int(match.group(1))
        if proc.poll() is not None:
            raise _exited_early(proc, log_path)
        time.sleep(0.05)
    raise TimeoutError(f"{log_path} logged no port matching {pattern!r} after {timeout}s")


# A datanode given `dfs.datanode.address=…:0` names the transfer port it bound here.
DATANODE_TRANSFER_PORT = r"datanode started .*transfer=\S*:(\d+)\s"


def wait_until(predicate, timeout: float, what: str):
    """Polls `predicate` every half second; fails the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.5)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


class Daemon:
    """One `rfs` process. With `port` None, `port_pattern` finds the port it bound in its log
    (for daemons started on port 0, which cannot lose their port to a race)."""

    def __init__(self, args, port, log_path, port_pattern: str = None):
        self.log_path = log_path
        self.log = open(log_path, "w")
        self.proc = subprocess.Popen([RFS_BIN, *args], stdout=self.log, stderr=subprocess.STDOUT)
        try:
            if port is None:
                port = wait_for_logged_port(port_pattern, self.proc, log_path)
            wait_for_port(port, self.proc, log_path=log_path)
            self.port = port
        except BaseException:
            # Leave no stray process behind a daemon that failed to come up.
            self.kill()
            self.log.close()
            raise

    @property
    def url(self) -> str:
        return f"hdfs://127.0.0.1:{self.port}"

    def alive(self) -> bool:
        return self.proc.poll() is None

    def log_text(self) -> str:
        if not self.log.closed:
            self.log.flush()
        return Path(self.log_path).read_text()

    def stop(self) -> int:
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        return self.proc.returncode

    def kill(self) -> None:
        """SIGKILL: a crash, with no chance to flush or close anything."""
        self.proc.kill()
        self.proc.wait()


def start_namenode(tmp_path: Path, conf=()):
    """`rfs namenode` on fresh RPC and HTTP ports, started again on new ones if another
    process took one first. Its ports are fixed up front (clients are configured with them),
    so unlike a datanode it cannot start on port 0. Returns the daemon and its HTTP port."""
    for attempt in range(3):
        port, http_port = free_port(), free_port()
        args = ["namenode", "-D", f"dfs.namenode.rpc-address=127.0.0.1:{port}",
                "-D", f"dfs.namenode.name.dir={tmp_path / 'name'}",
                "-D", f"dfs.namenode.http-address=127.0.0.1:{http_port}"]
        for setting in conf:
            args += ["-D", setting]
        try:
            return Daemon(args, port, tmp_path / "namenode.log"), http_port
        except PortTaken:
            if attempt == 2:
                raise


@pytest.fixture
def namenode(tmp_path):
    daemon, _ = start_namenode(tmp_path)
    yield daemon
    daemon.stop()


class NameNodeFactory:
    """Starts (and restarts) `rfs namenode` on one name directory and one port, so a test can
    crash it and start it again on the same state."""

    def __init__(self, tmp_path: Path):
        self.tmp_path = tmp_path
        self.port = free_port()
        self.http_port = free_port()
        self.name_dir = tmp_path / "name"
        self.daemons = []
        self.starts = 0
        self.last_log = None

    def start(self, *extra_conf: str) -> Daemon:
        args = ["namenode", "-D", f"dfs.namenode.rpc-address=127.0.0.1:{self.port}",
                "-D", f"dfs.namenode.name.dir={self.name_dir}",
                "-D", f"dfs.namenode.http-address=127.0.0.1:{self.http_port}"]
        for setting in extra_conf:
            args += ["-D", setting]
        self.last_log = self.tmp_path / f"namenode-{self.starts}.log"
        self.starts += 1
        daemon = Daemon(args, self.port, self.last_log)
        self.daemons.append(daemon)
        return daemon

    def stop_all(self) -> None:
        for daemon in self.daemons:
            daemon.stop()


@pytest.fixture
def namenode_factory(tmp_path):
    factory = NameNodeFactory(tmp_path)
    yield factory
    factory.stop_all()


def _pyspark_jars() -> Path:
    import pyspark  # installed in the project venv by scripts/bootstrap

    return Path(pyspark.__file__).parent / "jars"


@pytest.fixture(scope="session")
def hadoop_conf_dir(tmp_path_factory):
    """Hadoop's client insists on a core-site.xml on its classpath, even an empty one."""
    conf = tmp_path_factory.mktemp("hadoop-conf")
    (conf / "core-site.xml").write_text("<configuration/>\n")
    return conf


@pytest.fixture
def fsshell(hadoop_conf_dir):
    """Runs Hadoop's own FsShell (the 3.5.0 client jars from pyspark) as `hdfs dfs` would."""
    java_home = os.environ.get("JAVA_HOME")
    java = str(Path(java_home) / "bin" / "java") if java_home else "java"
    classpath = f"{hadoop_conf_dir}:{_pyspark_jars()}/*"

    def run(fs_url: str, *args: str, timeout: float = 120, user: str = None, binary: bool = False):
        """`user` acts as that user (HADOOP_USER_NAME, which Hadoop's UGI reads with SIMPLE auth);
        `binary` returns stdout as bytes (for -cat of binary data)."""
        env = dict(os.environ, HADOOP_USER_NAME=user) if user else None
        return subprocess.run(
            [java, "-cp", classpath, "org.apache.hadoop.fs.FsShell", "-fs", fs_url, *args],
            capture_output=True, text=not binary, timeout=timeout, env=env)

    return run


class Cluster:
    """A namenode and datanodes, each a real `rfs` process, with short heartbeats so that
    failures are noticed within seconds. Datanodes can be killed and restarted one by one.
    Every daemon serves HTTP on a free port: the namenode's is `http_port` (WebHDFS, the web UI,
    /metrics); each datanode picks its own and registers it."""

    # Datanodes take a free HTTP port (0) and advertise the one they got.
    CONF = ["dfs.heartbeat.interval=1s", "dfs.namenode.heartbeat.recheck-interval=2s",
            "dfs.datanode.http.address=127.0.0.1:0"]

    def __init__(self, tmp_path: Path, datanodes: int = 3, conf=()):
        self.tmp_path = tmp_path
        self.conf = [*self.CONF, *conf]
        self.namenode, self.http_port = start_namenode(tmp_path, self.conf)
        self.datanodes = []
        try:
            for index in range(datanodes):
                self.datanodes.append(self.start_datanode(index))
        except BaseException:
            self.stop()
            raise

    @property
    def url(self) -> str:
        return self.namenode.url

    @property
    def http_url(self) -> str:
        """The namenode's HTTP address: WebHDFS under /webhdfs/v1, the UI at /, /metrics."""
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def webhdfs_url(self) -> str:
        return f"webhdfs://127.0.0.1:{self.http_port}"

    def datanode_http_url(self, index: int) -> str:
        """A datanode's HTTP address: it binds a free port and logs the one it got."""
        match = re.search(r"http server started address=(\S+)", self.datanodes[index].log_text())
        assert match, f"datanode {index} logged no HTTP address"
        return f"http://{match.group(1)}"

    def data_dir(self, index: int) -> Path:
        return self.tmp_path / f"data{index}"

    def start_datanode(self, index: int) -> Daemon:
        args = ["datanode", "-D", f"fs.defaultFS={self.url}", "-D", "dfs.datanode.address=127.0.0.1:0",
                "-D", "dfs.datanode.ipc.address=127.0.0.1:0",
                "-D", f"dfs.datanode.data.dir={self.data_dir(index)}", "-D", f"rfs.node.name=datanode{index}"]
        for setting in self.conf:
            args += ["-D", setting]
        daemon = Daemon(args, None, self.tmp_path / f"datanode{index}.log", port_pattern=DATANODE_TRANSFER_PORT)
        deadline = time.monotonic() + 20
        while "full block report sent" not in daemon.log_text():
            if time.monotonic() > deadline:
                raise TimeoutError(f"datanode {index} did not report to the namenode")
            time.sleep(0.05)
        return daemon

    def replica_files(self, index: int):
        """Finalized block files (not meta files) on datanode `index`'s volume."""
        return [p for p in self.data_dir(index).rglob("finalized/**/blk_*") if not p.name.endswith(".meta")]

    def stop(self) -> None:
        for daemon in self.datanodes:
            daemon.stop()
        self.namenode.stop()


@pytest.fixture
def cluster(tmp_path):
    running = Cluster(tmp_path)
    yield running
    running.stop()


def free_port_run(count: int) -> int:
    """The first of `count` consecutive free ports (the minicluster's namenodes count up)."""
    for _ in range(100):
        first = free_port()
        run = range(first, first + count)
        # The whole run below the ephemeral range (see free_port) and handed out to no one else.
        if run[-1] > 65535 or (first < _ephemeral_ports_start() <= run[-1]) or any(p in _handed_out for p in run[1:]):
            continue
        sockets = []
        try:
            for port in run:
                s = socket.socket()
                sockets.append(s)
                s.bind(("127.0.0.1", port))
        except OSError:
            continue
        finally:
            for s in sockets:
                s.close()
        _handed_out.update(run)
        return first
    raise RuntimeError("no run of free ports")


class HAMiniCluster:
    """`rfs minicluster` as `make run` starts it: three namenodes nn1..nn3 forming one Raft
    group (the leader active, the others standbys), three datanodes reporting to all of them,
    the Hadoop client configuration under <dir>/etc/hadoop. Short heartbeats, so datanodes
    show up within seconds. Which namenode is active is found out, never assumed."""

    IDS = ["nn1", "nn2", "nn3"]

    def __init__(self, tmp_path: Path, datanodes: int = 3):
        self.dir = tmp_path / "minicluster"
        self.rpc_port = free_port_run(len(self.IDS))
        self.first_http_port = free_port_run(len(self.IDS))
        self.datanode_count = datanodes
        self.proc = subprocess.Popen(
            [RFS_BIN, "minicluster", "-d", str(self.dir), "--port", str(self.rpc_port), "--http-port", str(self.first_http_port),
             "--datanodes", str(datanodes), "-D", "dfs.heartbeat.interval=1s", "-D", "dfs.namenode.heartbeat.recheck-interval=2s"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        banner = []
        for line in self.proc.stdout:
            banner.append(line)
            if "Ctrl-C stops every daemon" in line:
                break
        self.banner = "".join(banner)
        if self.proc.poll() is not None or "Ctrl-C stops every daemon" not in self.banner:
            self.stop()
            raise RuntimeError("rfs minicluster did not come up:\n" + self.banner)

    @property
    def rpc_ports(self):
        return [self.rpc_port + i for i in range(len(self.IDS))]

    @property
    def http_urls(self):
        return [f"http://127.0.0.1:{self.first_http_port + i}" for i in range(len(self.IDS))]

    @property
    def hadoop_conf_dir(self) -> Path:
        return self.dir / "etc" / "hadoop"

    @property
    def rfs_conf(self) -> Path:
        return self.dir / "etc" / "rfs-site.conf"

    def rfs(self, *args, timeout=120):
        command, rest = args[0], args[1:]
        return subprocess.run([RFS_BIN, command, "-conf", str(self.rfs_conf), *rest], capture_output=True, text=True, timeout=timeout)

    def states(self) -> list:
        """'active' / 'standby' / 'down' per namenode, from `rfs haadmin -getAllServiceState`
        (the RPC HA protocol, independent of the HTTP pages under test)."""
        out = self.rfs("haadmin", "-getAllServiceState").stdout
        found = []
        for port in self.rpc_ports:
            line = next((l for l in out.splitlines() if l.startswith(f"127.0.0.1:{port} ")), "")
            words = line.split()
            found.append(words[-1] if words[-1:] in (["active"], ["standby"]) else "down")
        return found

    def active_index(self, timeout: float = 30) -> int:
        found = []
        wait_until(lambda: found.append(self.states()) or found[-1].count("active") == 1, timeout, "exactly one active namenode")
        return found[-1].index("active")

    def make_active(self, index: int) -> None:
        """Hands leadership to namenode `index` (Raft leadership transfer, `haadmin -failover`)."""
        current = self.active_index()
        if current != index:
            moved = self.rfs("haadmin", "-failover", self.IDS[current], self.IDS[index])
            assert moved.returncode == 0, moved.stderr
        wait_until(lambda: self.states()[index] == "active", 30, f"{self.IDS[index]} to become active")

    def datanode_http_url(self, index: int) -> str:
        log = (self.dir / "logs" / f"datanode{index + 1}.log").read_text()
        match = re.search(r"http server started address=(\S+)", log)
        assert match, f"datanode{index + 1} logged no HTTP address"
        return f"http://{match.group(1)}"

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.communicate(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.communicate()


@pytest.fixture(scope="session")
def ha_minicluster(tmp_path_factory):
    """One HA minicluster for the whole run (starting one costs seconds of two shared cores);
    tests that move leadership leave it with some active namenode, and every test finds out
    which one is."""
    running = HAMiniCluster(tmp_path_factory.mktemp("ha-minicluster"))
    yield running
    running.stop()

"""HA: three `rfs namenode` processes forming one Raft group and three datanodes, judged by
clients we did not write (hdfs-native and Hadoop's FsShell configured with the HA nameservice)
and by our own shell; the chaos test SIGKILLs the active namenode ten times under load."""
import hashlib
import os
import random
import subprocess
import threading
import time
from pathlib import Path

import pytest

from conftest import DATANODE_TRANSFER_PORT, RFS_BIN, Cluster, Daemon, _pyspark_jars, free_port, wait_until

NS = "rfsha"


class HACluster:
    """Namenodes nn1..nn3 (each its own process, name directory and ports) and datanodes
    that report to all of them; any namenode can be killed and started again."""

    def __init__(self, tmp_path: Path, datanodes: int = 3):
        self.tmp_path = tmp_path
        self.ids = ["nn1", "nn2", "nn3"]
        self.rpc_ports = [free_port() for _ in self.ids]
        self.http_ports = [free_port() for _ in self.ids]
        self.keys = {
            "dfs.nameservices": NS,
            f"dfs.ha.namenodes.{NS}": ",".join(self.ids),
            f"dfs.client.failover.proxy.provider.{NS}":
                "org.apache.hadoop.hdfs.server.namenode.ha.ConfiguredFailoverProxyProvider",
        }
        for nn, rpc, http in zip(self.ids, self.rpc_ports, self.http_ports):
            self.keys[f"dfs.namenode.rpc-address.{NS}.{nn}"] = f"127.0.0.1:{rpc}"
            self.keys[f"dfs.namenode.http-address.{NS}.{nn}"] = f"127.0.0.1:{http}"
        # Checkpoints every 2 s and a log dropped every 50 entries: compaction happens all the
        # time, so kills and restarts meet it (a member restarts from its store + the log's rest).
        self.conf = [*Cluster.CONF, "rfs.namenode.checkpoint-interval=2s", "rfs.raft.log-compaction-entries=50",
                     *(f"{k}={v}" for k, v in self.keys.items())]
        self.namenodes = [None] * len(self.ids)
        self.datanodes = []
        try:
            for index in range(len(self.ids)):
                self.start_namenode(index)
            for index in range(datanodes):
                self.datanodes.append(self._start_datanode(index))
        except BaseException:
            self.stop()
            raise

    def add_to_config(self, nn: str) -> int:
        """Lists one more namenode in the nameservice (as an operator edits hdfs-site.xml before
        adding it): commands and daemons started from now on see it. Returns its index."""
        self.ids.append(nn)
        self.rpc_ports.append(free_port())
        self.http_ports.append(free_port())
        self.namenodes.append(None)
        self.keys[f"dfs.ha.namenodes.{NS}"] = ",".join(self.ids)
        self.keys[f"dfs.namenode.rpc-address.{NS}.{nn}"] = f"127.0.0.1:{self.rpc_ports[-1]}"
        self.keys[f"dfs.namenode.http-address.{NS}.{nn}"] = f"127.0.0.1:{self.http_ports[-1]}"
        self.conf = [c for c in self.conf if not c.startswith(f"dfs.ha.namenodes.{NS}=")] + [
            f"dfs.ha.namenodes.{NS}={self.keys[f'dfs.ha.namenodes.{NS}']}",
            f"dfs.namenode.rpc-address.{NS}.{nn}={self.keys[f'dfs.namenode.rpc-address.{NS}.{nn}']}",
            f"dfs.namenode.http-address.{NS}.{nn}={self.keys[f'dfs.namenode.http-address.{NS}.{nn}']}"]
        return len(self.ids) - 1

    def _args(self, *args):
        out = list(args)
        for setting in self.conf:
            out += ["-D", setting]
        return out

    def start_namenode(self, index: int) -> None:
        nn = self.ids[index]
        self.namenodes[index] = Daemon(
            self._args("namenode", "-D", f"dfs.ha.namenode.id={nn}", "-D", f"dfs.namenode.name.dir={self.tmp_path / ('name-' + nn)}",
                       "-D", f"rfs.node.name=namenode-{nn}"),
            self.rpc_ports[index], self.tmp_path / f"namenode-{nn}.log")

    def _start_datanode(self, index: int) -> Daemon:
        daemon = Daemon(self._args("datanode", "-D", f"fs.defaultFS=hdfs://{NS}", "-D", "dfs.datanode.address=127.0.0.1:0",
                                   "-D", "dfs.datanode.ipc.address=127.0.0.1:0",
                                   "-D", f"dfs.datanode.data.dir={self.tmp_path / f'data{index}'}",
                                   "-D", f"rfs.node.name=datanode{index}"),
                        None, self.tmp_path / f"datanode{index}.log", port_pattern=DATANODE_TRANSFER_PORT)
        wait_until(lambda: "full block report sent" in daemon.log_text(), 30, f"datanode {index} to report")
        return daemon

    def rfs(self, *args, timeout=120, check=True):
        command, rest = args[0], args[1:]
        result = subprocess.run([RFS_BIN, command, *self._args(), "-D", f"fs.defaultFS=hdfs://{NS}", *rest],
                                capture_output=True, text=True, timeout=timeout)
        if check:
            assert result.returncode == 0, f"rfs {' '.join(args)}: {result.stderr}"
        return result

    def states(self) -> dict:
        """nn id → 'active' / 'standby' / 'down', from `rfs haadmin -getAllServiceState`."""
        out = self.rfs("haadmin", "-getAllServiceState", check=False).stdout
        states = {}
        for nn, port in zip(self.ids, self.rpc_ports):
            line = next((l for l in out.splitlines() if l.startswith(f"127.0.0.1:{port} ")), "")
            states[nn] = line.split()[-1] if line.split()[-1:] in (["active"], ["standby"]) else "down"
        return states

    def active_index(self, timeout: float = 30) -> int:
        found = []
        wait_until(lambda: found.append([i for i, s in enumerate(self.states().values()) if s == "active"]) or len(found[-1]) == 1,
                   timeout, "exactly one active namenode")
        return found[-1][0]

    def hdfs_native(self):
        import hdfs_native
        return hdfs_native.Client(f"hdfs://{NS}", config=dict(self.keys))

    def hadoop_conf(self) -> Path:
        conf = self.tmp_path / "hadoop-conf"
        conf.mkdir(exist_ok=True)
        props = "".join(f"  <property><name>{k}</name><value>{v}</value></property>\n"
                        for k, v in {"fs.defaultFS": f"hdfs://{NS}", **self.keys}.items())
        (conf / "core-site.xml").write_text(f"<?xml version=\"1.0\"?>\n<configuration>\n{props}</configuration>\n")
        (conf / "hdfs-site.xml").write_text("<?xml version=\"1.0\"?>\n<configuration/>\n")
        return conf

    def fsshell(self, *args, timeout=180):
        java_home = os.environ.get("JAVA_HOME")
        java = str(Path(java_home) / "bin" / "java") if java_home else "java"
        return subprocess.run([java, "-cp", f"{self.hadoop_conf()}:{_pyspark_jars()}/*", "org.apache.hadoop.fs.FsShell", *args],
                              capture_output=True, text=True, timeout=timeout)

    def stop(self) -> None:
        for daemon in self.datanodes:
            daemon.stop()
        for daemon in self.namenodes:
            if daemon is not None:
                daemon.stop()


@pytest.fixture
def ha(tmp_path):
    cluster = HACluster(tmp_path)
    yield cluster
    cluster.stop()


def test_one_active_the_others_standby_and_a_standby_refuses_clients(ha):
    active = ha.active_index()
    states = ha.states()
    assert sorted(states.values()) == ["active", "standby", "standby"]
    assert ha.rfs("haadmin", "-getServiceState", ha.ids[active]).stdout.strip() == "active"
    standby = (active + 1) % 3
    # Asked directly, with fail-over off, a standby refuses as HDFS's does (FsShell prints
    # the StandbyException's message).
    refused = ha.rfs("dfs", "-D", "dfs.client.failover.max.attempts=0", "-ls", f"hdfs://127.0.0.1:{ha.rpc_ports[standby]}/",
                     check=False)
    assert refused.returncode != 0, refused.stdout
    assert "Operation category READ is not supported in state standby" in refused.stderr, refused.stderr
    # The group's status names the leader and every member has applied the same log.
    status = ha.rfs("dfsadmin", "-raftStatus").stdout
    assert f"leader {ha.ids[active]}" in status
    # Manual transitions are refused: Raft elects the active.
    assert ha.rfs("haadmin", "-transitionToActive", ha.ids[standby], check=False).returncode == 255
    # The Raft figures on /metrics, and the web UI's view of the group.
    import urllib.request
    metrics = urllib.request.urlopen(f"http://127.0.0.1:{ha.http_ports[active]}/metrics", timeout=30).read().decode()
    assert "rfs_namenode_ha_active 1" in metrics and "rfs_raft_term " in metrics, metrics[-2000:]
    assert 'rfs_raft_member_lag_entries{member="' in metrics
    standby_metrics = urllib.request.urlopen(f"http://127.0.0.1:{ha.http_ports[standby]}/metrics", timeout=30).read().decode()
    assert "rfs_namenode_ha_active 0" in standby_metrics
    page = urllib.request.urlopen(f"http://127.0.0.1:{ha.http_ports[active]}/", timeout=30).read().decode()
    assert all(nn in page for nn in ha.ids) and "Raft term" in page


def test_hadoop_fsshell_and_hdfs_native_fail_over_to_the_new_active(ha, tmp_path):
    local = tmp_path / "before.txt"
    local.write_text("written before the failover\n")
    put = ha.fsshell("-put", str(local), "/before.txt")
    assert put.returncode == 0, put.stderr
    client = ha.hdfs_native()
    with client.create("/native.bin") as writer:
        writer.write(b"n" * 100_000)

    old = ha.active_index()
    ha.namenodes[old].kill()
    # Hadoop's ConfiguredFailoverProxyProvider and hdfs-native find the new active by themselves.
    cat = ha.fsshell("-cat", "/before.txt")
    assert cat.returncode == 0 and cat.stdout == "written before the failover\n", cat.stderr
    with client.read("/native.bin") as reader:
        assert reader.read() == b"n" * 100_000
    mkdir = ha.fsshell("-mkdir", "/after")
    assert mkdir.returncode == 0, mkdir.stderr
    new = ha.active_index()
    assert new != old

    # The killed namenode comes back as a standby and catches up with the log.
    ha.start_namenode(old)
    wait_until(lambda: ha.states()[ha.ids[old]] == "standby", 30, "the restarted namenode to be a standby")
    ha.rfs("haadmin", "-failover", ha.ids[new], ha.ids[old])
    assert ha.active_index() == old
    ls = ha.rfs("dfs", "-ls", "/").stdout
    assert "/after" in ls and "/before.txt" in ls and "/native.bin" in ls


def test_a_standby_down_while_the_log_was_compacted_past_it_comes_back_by_a_snapshot(ha):
    """The log is dropped every 50 entries (checkpoints every 2 s): a standby killed while 120
    files are written lags by more than that, so the active drops the log past it and, once it
    is back, streams it the namespace. It then serves as the active: every file written while
    it was down is listed and read (its block map was rebuilt from the snapshot)."""
    active = ha.active_index()
    down = (active + 1) % 3
    others = [i for i in range(3) if i != down]
    compacted_before = {i: ha.namenodes[i].log_text().count("raft log compacted") for i in others}
    ha.namenodes[down].kill()
    client = ha.hdfs_native()
    for n in range(120):
        with client.create(f"/while-down/f{n}") as writer:
            writer.write(bytes([n]) * 1000)
    # One compaction after the kill drops the log past all the down member holds (it holds
    # none of the several hundred entries written since); how many come depends on how fast
    # the writes went.
    wait_until(lambda: all(ha.namenodes[i].log_text().count("raft log compacted") > compacted_before[i] for i in others), 60,
               "the live namenodes to compact their logs past the one down")

    ha.start_namenode(down)
    wait_until(lambda: "installed a snapshot from the leader" in ha.namenodes[down].log_text(), 60,
               "the restarted namenode to install a snapshot")
    assert "snapshot sent" in ha.namenodes[ha.active_index()].log_text()
    wait_until(lambda: ha.states()[ha.ids[down]] == "standby", 30, "the restarted namenode to be a standby")
    ha.rfs("haadmin", "-failover", ha.ids[ha.active_index()], ha.ids[down])
    assert ha.active_index() == down
    listing = ha.rfs("dfs", "-ls", "/while-down").stdout
    assert all(f"/while-down/f{n}\n" in listing for n in range(120)), listing
    with client.read("/while-down/f77") as reader:
        assert reader.read() == bytes([77]) * 1000
    fsck = ha.rfs("fsck", "/", check=False)
    assert "is HEALTHY" in fsck.stdout, fsck.stdout + fsck.stderr


def test_a_namenode_is_added_to_the_group_and_another_removed(ha, tmp_path):
    """Adding a namenode as an HDFS operator would: list nn4 in the configuration,
    `rfs namenode -bootstrapStandby` it, start it, `rfs haadmin -addNamenode nn4` (a learner
    until caught up, here by a snapshot since the log was compacted, then a voter). The datanodes,
    started before nn4 existed, follow the group (the active's heartbeat answers name its
    members). nn4 serves as the active. Then nn1 is removed and stopped: with nn4 killed too, nn2 and nn3 are a majority of the group of three left and elect
    an active, which they could not do if nn1 still counted."""
    client = ha.hdfs_native()
    for n in range(80):
        with client.create(f"/before/f{n}") as writer:
            writer.write(bytes([n]) * 500)
    wait_until(lambda: all(ha.namenodes[i].log_text().count("raft log compacted") >= 1 for i in range(3)), 60,
               "the log to be compacted on every namenode")

    nn4 = ha.add_to_config("nn4")
    boot = subprocess.run([RFS_BIN, "namenode", "-bootstrapStandby", *ha._args(), "-D", "dfs.ha.namenode.id=nn4",
                           "-D", f"dfs.namenode.name.dir={tmp_path / 'name-nn4'}"], capture_output=True, text=True, timeout=60)
    assert boot.returncode == 0, boot.stderr
    again = subprocess.run([RFS_BIN, "namenode", "-bootstrapStandby", *ha._args(), "-D", "dfs.ha.namenode.id=nn4",
                            "-D", f"dfs.namenode.name.dir={tmp_path / 'name-nn4'}"], capture_output=True, text=True, timeout=60)
    assert again.returncode == 1 and "already holds a namespace" in again.stderr, again.stderr
    ha.start_namenode(nn4)
    wait_until(lambda: ha.states()["nn4"] == "standby", 30, "nn4 to run as a standby")
    status = ha.rfs("dfsadmin", "-raftStatus").stdout
    assert next(l for l in status.splitlines() if l.startswith("nn4 ")).split()[5] == "no", status

    added = ha.rfs("haadmin", "-addNamenode", "nn4").stdout
    assert "Added nn4" in added and any(l.split()[:1] == ["nn4"] and l.split()[-1] == "voter" for l in added.splitlines()), added
    assert "installed a snapshot from the leader" in ha.namenodes[nn4].log_text()
    status = ha.rfs("dfsadmin", "-raftStatus").stdout
    assert all(next(l for l in status.splitlines() if l.startswith(f"{nn} ")).split()[5] == "voter"
               for nn in ha.ids), status
    # The datanodes (started with nn1..nn3 configured) hear of nn4 from the active's heartbeat
    # answers: they register with it and send it their blocks, without a restart.
    wait_until(lambda: all("serving a namenode added to the group" in d.log_text() for d in ha.datanodes), 30,
               "every datanode to serve nn4")
    wait_until(lambda: ha.namenodes[nn4].log_text().count("datanode registered") >= 3, 30, "nn4 to hear every datanode")
    ha.rfs("haadmin", "-failover", ha.ids[ha.active_index()], "nn4")
    assert ha.active_index() == nn4
    client = ha.hdfs_native()  # a client configured with nn4 (the old one knows only nn1..nn3)
    with client.read("/before/f42") as reader:
        assert reader.read() == bytes([42]) * 500
    with client.create("/on-nn4") as writer:
        writer.write(b"4" * 1000)

    # Adding it again changes nothing; removing an unknown namenode is refused.
    assert "Added nn4" in ha.rfs("haadmin", "-addNamenode", "nn4").stdout
    refused = ha.rfs("haadmin", "-removeNamenode", "nn9", check=False)
    assert refused.returncode == 255 and "nn9" in refused.stderr, refused.stderr

    removed = ha.rfs("haadmin", "-removeNamenode", "nn1").stdout
    assert "Removed nn1" in removed and not any(l.split()[:1] == ["nn1"] for l in removed.splitlines()[1:]), removed
    wait_until(lambda: all("no longer serving a namenode removed from the group" in d.log_text() for d in ha.datanodes), 30,
               "every datanode to let nn1 go")
    ha.namenodes[0].stop()
    ha.namenodes[0] = None
    ha.namenodes[nn4].kill()
    wait_until(lambda: "active" in [ha.states()[nn] for nn in ("nn2", "nn3")], 30,
               "nn2 or nn3 to become active without nn1 and nn4")
    assert client.get_file_info("/on-nn4").length == 1000
    # nn4 restarts from its own membership file (its configuration still lists nn1) and rejoins.
    ha.start_namenode(nn4)
    wait_until(lambda: ha.states()["nn4"] == "standby", 30, "nn4 to rejoin as a standby")
    status = ha.rfs("dfsadmin", "-raftStatus", check=False).stdout
    assert next(l for l in status.splitlines() if l.startswith("nn1 ")).split()[5] == "no", status


class Writer(threading.Thread):
    """Creates files until stopped, remembering each acknowledged one (its content's digest)
    and the longest stretch without a successful write."""

    def __init__(self, name, write_one):
        super().__init__(name=name, daemon=True)
        self.write_one = write_one
        self.acked = {}
        self.errors = 0
        self.longest_gap = 0.0
        self.stopping = threading.Event()

    def run(self):
        last_success = time.monotonic()
        n = 0
        rng = random.Random(self.name)
        while not self.stopping.is_set():
            n += 1
            path = f"/{self.name}/f{n:05d}"
            data = rng.randbytes(rng.randint(1, 256) * 1024)
            try:
                self.write_one(path, data)
            except Exception:
                self.errors += 1
                time.sleep(0.05)
                continue
            now = time.monotonic()
            self.longest_gap = max(self.longest_gap, now - last_success)
            last_success = now
            self.acked[path] = hashlib.sha256(data).hexdigest()


def test_killing_the_active_namenode_ten_times_under_load_loses_nothing(ha, tmp_path):
    client = ha.hdfs_native()
    client.mkdirs("/native")
    ha.rfs("dfs", "-mkdir", "/shell")

    def write_native(path, data):
        with client.create(path) as writer:
            writer.write(data)

    staging = tmp_path / "staging"
    staging.mkdir()

    def write_shell(path, data):
        local = staging / path.replace("/", "_")
        local.write_bytes(data)
        try:
            ha.rfs("dfs", "-put", "-f", str(local), path, timeout=120)
        finally:
            local.unlink()

    writers = [Writer("native", write_native), Writer("shell", write_shell)]
    for writer in writers:
        writer.start()
    time.sleep(2)
    kills = 0
    try:
        while kills < 10:
            victim = ha.active_index()
            ha.namenodes[victim].kill()
            kills += 1
            time.sleep(2)
            ha.start_namenode(victim)
            wait_until(lambda: ha.states()[ha.ids[victim]] == "standby", 60, "the restarted namenode to rejoin")
            # Writes go on for a while between kills, as between real crashes (a client's
            # fail-over back-off, Hadoop's shape, grows while an outage lasts).
            time.sleep(5)
    finally:
        for writer in writers:
            writer.stopping.set()
        for writer in writers:
            writer.join(timeout=180)

    for writer in writers:
        print(f"{writer.name} writer: {len(writer.acked)} files acknowledged, {writer.errors} failed attempts, "
              f"longest time without a successful write {writer.longest_gap:.2f} s across {kills} kills of the active namenode")
        assert len(writer.acked) > kills
        for path, digest in writer.acked.items():
            with client.read(path) as reader:
                assert hashlib.sha256(reader.read()).hexdigest() == digest, path
    fsck = ha.rfs("fsck", "/", check=False)
    assert "is HEALTHY" in fsck.stdout, fsck.stdout + fsck.stderr
    # The log was compacted along the way on every member.
    for index in range(3):
        assert "raft log compacted" in ha.namenodes[index].log_text(), ha.ids[index]


PYARROW_FAILOVER = """
import sys
import pyarrow.fs as pafs
fs = pafs.HadoopFileSystem("rfsha", 0)  # a nameservice: resolved from HADOOP_CONF_DIR's XML
with fs.open_output_stream("/pyarrow/before.bin") as out:
    out.write(b"b" * 300_000)
print("written", flush=True)
sys.stdin.readline()  # the test kills the active namenode here
with fs.open_input_stream("/pyarrow/before.bin") as stream:
    assert stream.read() == b"b" * 300_000
with fs.open_output_stream("/pyarrow/after.bin") as out:
    out.write(b"a" * 1000)
assert fs.get_file_info("/pyarrow/after.bin").size == 1000
print("pyarrow failover passed", flush=True)
"""


def test_libhdfs_through_pyarrow_fails_over_by_the_nameservice(ha, tmp_path):
    libhdfs_dir = Path(os.environ.get("RFS_LIBHDFS_DIR", Path(RFS_BIN).parents[1] / "libhdfs-debug"))
    if not (libhdfs_dir / "libhdfs.so").exists():
        pytest.fail(f"no libhdfs.so in {libhdfs_dir}: run `make libhdfs` (or set RFS_LIBHDFS_DIR)")
    env = dict(os.environ, ARROW_LIBHDFS_DIR=str(libhdfs_dir), JAVA_HOME=str(libhdfs_dir / "jvm-stub"),
               HADOOP_CONF_DIR=str(ha.hadoop_conf()))
    for variable in ("HADOOP_HOME", "CLASSPATH"):
        env.pop(variable, None)
    import sys
    errors = open(tmp_path / "pyarrow.stderr", "w")
    script = subprocess.Popen([sys.executable, "-c", PYARROW_FAILOVER], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=errors, text=True, env=env)
    try:
        # Only the script's own lines on stdout: the library logs to stderr.
        assert script.stdout.readline().strip() == "written", (tmp_path / "pyarrow.stderr").read_text()[-4000:]
        ha.namenodes[ha.active_index()].kill()
        out, _ = script.communicate("go\n", timeout=180)
    finally:
        if script.poll() is None:
            script.kill()
        errors.close()
    assert script.returncode == 0 and out.strip() == "pyarrow failover passed", out + (tmp_path / "pyarrow.stderr").read_text()[-4000:]

"""Datanodes fail; no acknowledged byte is lost and the namenode restores replication."""
import os
import threading
import time

import subprocess

import hdfs_native
from hdfs_native import WriteOptions

from conftest import DATANODE_TRANSFER_PORT, RFS_BIN, Cluster, Daemon, wait_until


def test_datanode_killed_during_a_300_mib_write(tmp_path):
    """One datanode of the pipeline dies inside the last block: the writer rebuilds the
    pipeline (a transfer to a new datanode, a new generation stamp) and carries on.
    Four datanodes, because hdfs-native insists on a replacement for the dead one. (A
    datanode killed just before addBlock is still placed by the namenode until it is
    declared dead; Hadoop's client then abandons the block and excludes it, hdfs-native
    does not recover from that.)"""
    cluster = Cluster(tmp_path, datanodes=4)
    try:
        client = hdfs_native.Client(cluster.url)
        size = 300 * 1024 * 1024 + 7
        data = os.urandom(size)
        chunk = 4 << 20
        written = threading.Event()

        def kill_a_pipeline_member():
            written.wait(timeout=120)
            # The last block's pipeline: the three datanodes holding an rbw replica.
            holders = [i for i in range(4) if any(cluster.data_dir(i).rglob("rbw/blk_*"))]
            cluster.victim = holders[1] if len(holders) > 1 else 0
            cluster.datanodes[cluster.victim].kill()

        killer = threading.Thread(target=kill_a_pipeline_member)
        killer.start()
        with client.create("/survivor", WriteOptions(replication=3)) as writer:
            for start in range(0, size, chunk):
                writer.write(data[start:start + chunk])
                if start >= 270 * 1024 * 1024:
                    written.set()
        killer.join()
        victim = cluster.victim
        assert not cluster.datanodes[victim].alive()
        live = [i for i in range(4) if i != victim]
        with client.read("/survivor") as reader:
            assert reader.read() == data

        # Within the dead-node timeout (2 x recheck + 10 x heartbeat = 14 s here) plus a few
        # replication passes, every block is back to three replicas on live datanodes.
        def fully_replicated():
            return sum(len(cluster.replica_files(i)) for i in live) == 3 * 3
        wait_until(fully_replicated, 90, "three live replicas of each of the file's 3 blocks")
        with client.read("/survivor") as reader:
            assert reader.read() == data

        def fsck_clean():
            fsck = subprocess.run([RFS_BIN, "fsck", "-fs", cluster.url, "/", "-files", "-blocks"],
                                  capture_output=True, text=True, timeout=60)
            return (fsck.returncode == 0 and "is HEALTHY" in fsck.stdout
                    and " Under-replicated blocks:\t0 (0.0 %)" in fsck.stdout and fsck.stdout.count("Live_repl=3") == 3)
        wait_until(fsck_clean, 30, "rfs fsck to report every block with three live replicas")
    finally:
        cluster.stop()


def test_corrupt_replica_is_read_around_reported_and_replaced(tmp_path, fsshell):
    """A flipped byte in one replica: readers still get the right bytes, the replica is
    reported (by the reader or the block scanner, whichever finds it first), a good copy is
    made on a fourth datanode, and the corrupt replica is deleted."""
    cluster = Cluster(tmp_path, datanodes=4)
    try:
        client = hdfs_native.Client(cluster.url)
        data = os.urandom(1 << 20)
        with client.create("/fragile", WriteOptions(replication=3)) as writer:
            writer.write(data)
        holders = [i for i in range(4) if cluster.replica_files(i)]
        assert len(holders) == 3
        victim = holders[0]
        victim_file = cluster.replica_files(victim)[0]
        raw = bytearray(victim_file.read_bytes())
        raw[1000] ^= 0xFF
        victim_file.write_bytes(bytes(raw))

        # Hadoop's client verifies every chunk and reads around a bad replica.
        for _ in range(3):
            cat = fsshell(cluster.url, "-cat", "/fragile", binary=True)
            assert cat.returncode == 0 and cat.stdout == data
        with client.read("/fragile") as reader:
            assert reader.read() == data

        def replaced():
            if victim_file.exists():
                return False
            good = [f for i in range(4) for f in cluster.replica_files(i)]
            return len(good) == 3 and all(f.read_bytes() == data for f in good)
        wait_until(replaced, 90, "the corrupt replica to be re-replicated from a good copy and deleted")
        assert "bad replica reported" in cluster.namenode.log_text() or "client reported a corrupt replica" in cluster.namenode.log_text()
    finally:
        cluster.stop()


def kill_a_writing_datanode(cluster, count: int, after_bytes: int) -> int:
    """Waits until some datanode has an rbw replica of at least `after_bytes`, then SIGKILLs
    one of the pipeline (not the first); returns its index."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        holders = [i for i in range(count)
                   if any(p.stat().st_size >= after_bytes for p in cluster.data_dir(i).rglob("rbw/blk_*") if not p.name.endswith(".meta"))]
        if len(holders) >= 2:
            cluster.datanodes[holders[1]].kill()
            return holders[1]
        time.sleep(0.05)
    raise AssertionError("no pipeline formed")


def test_one_of_three_datanodes_killed_during_a_put_by_hadoops_client(tmp_path, fsshell):
    """Exactly three datanodes, one killed inside a 300 MiB `-put` by Hadoop's own client: it
    drops the dead node and finishes on two (its default replace-datanode policy for three
    replicas), the file reads back intact, and the namenode brings every block back to three
    replicas once a datanode returns."""
    cluster = Cluster(tmp_path, datanodes=3)
    try:
        data = os.urandom(300 * 1024 * 1024 + 5)
        local = tmp_path / "big.bin"
        local.write_bytes(data)
        result = {}
        putter = threading.Thread(target=lambda: result.update(put=fsshell(cluster.url, "-put", str(local), "/big", timeout=300)))
        putter.start()
        victim = kill_a_writing_datanode(cluster, 3, 40 << 20)
        putter.join()
        assert result["put"].returncode == 0, result["put"].stderr
        client = hdfs_native.Client(cluster.url)
        with client.read("/big") as reader:
            assert reader.read() == data

        # A replacement datanode joins; replication goes back to three.
        cluster.datanodes[victim] = cluster.start_datanode(3)

        def fsck_clean():
            fsck = subprocess.run([RFS_BIN, "fsck", "-fs", cluster.url, "/big", "-files", "-blocks"],
                                  capture_output=True, text=True, timeout=60)
            return fsck.returncode == 0 and fsck.stdout.count("Live_repl=3") == 3
        wait_until(fsck_clean, 90, "every block of /big to have three live replicas")
    finally:
        cluster.stop()


def test_an_unusable_volume_is_reported_and_the_datanode_serves_from_the_others(tmp_path):
    cluster = Cluster(tmp_path, datanodes=1)
    try:
        bad = tmp_path / "not-a-directory"
        bad.write_text("a file where a volume should be\n")
        good = tmp_path / "good-volume"
        args = ["datanode", "-D", f"fs.defaultFS={cluster.url}", "-D", "dfs.datanode.address=127.0.0.1:0",
                "-D", "dfs.datanode.ipc.address=127.0.0.1:0",
                "-D", f"dfs.datanode.data.dir={good},{bad}", "-D", "rfs.node.name=datanode-two-volumes"]
        for setting in cluster.conf:
            args += ["-D", setting]
        second = Daemon(args, None, tmp_path / "datanode-two-volumes.log", port_pattern=DATANODE_TRANSFER_PORT)
        cluster.datanodes.append(second)
        assert "volume cannot be used" in second.log_text()
        wait_until(lambda: "datanode reports an error" in cluster.namenode.log_text()
                   and str(bad) in cluster.namenode.log_text(), 20, "the namenode to hear of the failed volume")
        client = hdfs_native.Client(cluster.url)
        with client.create("/two", WriteOptions(replication=2)) as writer:
            writer.write(b"x" * 100_000)
        assert client.read("/two").read() == b"x" * 100_000
        assert second.alive()
    finally:
        cluster.stop()

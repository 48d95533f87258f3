"""A writer dies with its last block half written: lease recovery reconciles the replicas on
the datanodes (block recovery) and closes the file at a length every replica holds, with no
acknowledged byte lost."""
import os
import random
import signal
import subprocess
import sys
import textwrap
import time

import hdfs_native

from conftest import RFS_BIN, Cluster, wait_until

# A writer in its own process, so that it can die with SIGKILL: it writes `size` bytes of a
# seeded pattern through hdfs-native without closing, says how much it wrote, and waits.
WRITER = textwrap.dedent("""
    import random, sys, time
    import hdfs_native
    url, path, size, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    data = random.Random(seed).randbytes(size)
    client = hdfs_native.Client(url)
    writer = client.create(path)
    writer.write(data)
    print("written", flush=True)
    time.sleep(600)
""")


def start_dying_writer(url: str, path: str, size: int, seed: int) -> bytes:
    """Writes `size` bytes to `path` from a process that is then SIGKILLed; returns the bytes."""
    proc = subprocess.Popen([sys.executable, "-c", WRITER, url, path, str(size), str(seed)],
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "written"
        # Packets already sent are acknowledged within a moment; the partial last packet
        # (never flushed) is lost with the writer, as in HDFS.
        time.sleep(1.5)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    return random.Random(seed).randbytes(size)


def rfs(*args, timeout=120):
    return subprocess.run([RFS_BIN, *args], capture_output=True, text=True, timeout=timeout)


def replica_lengths(cluster: Cluster, count: int):
    return sorted(p.stat().st_size for i in range(count) for p in cluster.replica_files(i))


def test_recover_lease_of_a_killed_writer(tmp_path):
    cluster = Cluster(tmp_path)
    try:
        client = hdfs_native.Client(cluster.url)
        client.mkdirs("/lr")
        size = 3 * 1024 * 1024 + 12_345
        data = start_dying_writer(cluster.url, "/lr/f", size, seed=7)

        # Not closed yet: the first recoverLease starts block recovery and answers false.
        result = rfs("debug", "-fs", cluster.url, "recoverLease", "-path", "/lr/f", "-retries", "10")
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == "recoverLease SUCCEEDED on /lr/f"

        status = client.get_file_info("/lr/f")
        # Everything in full packets was acknowledged before the kill; the tail that never left
        # the writer's buffer is gone.
        assert size - 64 * 1024 <= status.length <= size
        with client.read("/lr/f") as reader:
            assert reader.read() == data[:status.length]

        # Every replica was cut to the agreed length, stamped and finalized.
        wait_until(lambda: replica_lengths(cluster, 3) == [status.length] * 3, 20, "three finalized replicas")
        fsck = rfs("fsck", "-fs", cluster.url, "/lr", "-files", "-blocks")
        assert fsck.returncode == 0, fsck.stdout + fsck.stderr
        assert "HEALTHY" in fsck.stdout

        # The lease is free: another writer may append.
        with client.append("/lr/f") as writer:
            writer.write(b"after recovery")
        with client.read("/lr/f") as reader:
            assert reader.read() == data[:status.length] + b"after recovery"

        # A closed file answers true at once; a missing one is FileNotFoundException.
        again = rfs("debug", "-fs", cluster.url, "recoverLease", "-path", "/lr/f")
        assert again.returncode == 0 and "SUCCEEDED" in again.stdout
        missing = rfs("debug", "-fs", cluster.url, "recoverLease", "-path", "/lr/none")
        assert missing.returncode == 1
        assert "Giving up on recoverLease for /lr/none after 1 try" in missing.stderr
        usage = rfs("debug", "-fs", cluster.url, "recoverLease")
        assert usage.returncode == 1 and "You must supply a -path argument to recoverLease." in usage.stderr

        # hdfs-native's recover_lease drives the same recovery.
        other = start_dying_writer(cluster.url, "/lr/g", 700_000, seed=8)
        wait_until(lambda: client.recover_lease("/lr/g"), 30, "hdfs-native's recover_lease to close /lr/g")
        length = client.get_file_info("/lr/g").length
        assert 700_000 - 64 * 1024 <= length <= 700_000
        with client.read("/lr/g") as reader:
            assert reader.read() == other[:length]
    finally:
        cluster.stop()


def test_hard_limit_closes_a_dead_writers_file(tmp_path):
    """With no one asking, the namenode's lease monitor recovers the file once the writer has
    been silent past dfs.namenode.lease-hard-limit-sec."""
    cluster = Cluster(tmp_path, conf=["dfs.namenode.lease-hard-limit-sec=2"])
    try:
        client = hdfs_native.Client(cluster.url)
        size = 2 * 1024 * 1024 + 99
        data = start_dying_writer(cluster.url, "/hard", size, seed=11)

        def closed():
            try:
                with client.append("/hard") as writer:
                    writer.write(b"!")
                return True
            except Exception:
                return False

        wait_until(closed, 60, "the namenode to close the dead writer's file")
        with client.read("/hard") as reader:
            content = reader.read()
        assert content.endswith(b"!")
        body = content[:-1]
        assert size - 64 * 1024 <= len(body) <= size
        assert body == data[:len(body)]
        assert "lease recovered" in cluster.namenode.log_text()
    finally:
        cluster.stop()


def test_truncate_inside_a_block(tmp_path, fsshell):
    """A cut inside a block: the namenode answers false and block recovery cuts every
    replica; `-truncate -w` (Hadoop's FsShell and rfs dfs) waits until the file is closed at
    the new length, and the bytes before the cut are intact."""
    cluster = Cluster(tmp_path)
    try:
        client = hdfs_native.Client(cluster.url)
        data = os.urandom(1_000_000)
        for name in ("java", "rfs"):
            with client.create(f"/{name}") as writer:
                writer.write(data)

        java = fsshell(cluster.url, "-truncate", "-w", "300001", "/java")
        assert java.returncode == 0, java.stderr
        assert java.stdout.splitlines() == ["Waiting for /java ...", "Truncated /java to length: 300001"]
        ours = rfs("dfs", "-fs", cluster.url, "-truncate", "-w", "123", "/rfs")
        assert ours.returncode == 0, ours.stderr
        assert ours.stdout.splitlines() == ["Waiting for /rfs ...", "Truncated /rfs to length: 123"]

        for name, length in (("java", 300_001), ("rfs", 123)):
            with client.read(f"/{name}") as reader:
                assert reader.read() == data[:length]
            # Closed: appends work again, and continue from the cut.
            with client.append(f"/{name}") as writer:
                writer.write(b"tail")
            with client.read(f"/{name}") as reader:
                assert reader.read() == data[:length] + b"tail"
        wait_until(lambda: replica_lengths(cluster, 3) == sorted([127] * 3 + [300_005] * 3), 20,
                   "every replica cut and appended")

        # Without -w the shell says the file is being truncated and returns at once.
        with client.create("/nowait") as writer:
            writer.write(data)
        quick = fsshell(cluster.url, "-truncate", "5", "/nowait")
        assert quick.returncode == 0, quick.stderr
        assert quick.stdout.strip() == ("Truncating /nowait to length: 5. Wait for block recovery to complete "
                                        "before further updating this file.")
        wait_until(lambda: client.get_file_info("/nowait").length == 5, 30, "the truncate's recovery")
    finally:
        cluster.stop()

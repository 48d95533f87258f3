"""Write and read a 1 GiB file with replication 3 on `rfs minicluster`, next to the bound
measured in the same run on the same disk: the same bytes written to three local files at
once (`tee`, then `sync` of the three files) and read back with `cat`.

Usage: bench_io.py RFS_BINARY [--size-mib 1024] [--dir DIR]
The client is hdfs-native (PyPI), a third-party HDFS client, writing from memory.
"""
import argparse
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from minicluster_bench import free_port, start_minicluster, write_random_file


def timed(command: str) -> float:
    start = time.monotonic()
    subprocess.run(command, shell=True, check=True)
    return time.monotonic() - start


def drop_caches() -> bool:
    """Empties the page cache (root only) so reads come from the disk; False when not allowed."""
    subprocess.run(["sync"], check=True)
    try:
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
        return True
    except OSError:
        return False


def read_all(client, path: str) -> bytes:
    """Reads the whole file into memory (to compare it with what was written; not timed)."""
    with client.read(path) as reader:
        return reader.read()


def stream(client, path: str) -> int:
    """Reads as a streaming consumer does, 16 MiB at a time, keeping nothing (as `cat >
    /dev/null` does); returns the bytes read."""
    total = 0
    with client.read(path) as reader:
        while True:
            part = reader.read(16 << 20)
            if not part:
                break
            total += len(part)
    return total


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("rfs")
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--dir", default="run-bench-io")
    args = parser.parse_args()
    import hdfs_native

    work = Path(args.dir).resolve()
    shutil.rmtree(work, ignore_errors=True)
    (work / "local").mkdir(parents=True)
    size = args.size_mib << 20
    source = work / "local" / "source"
    write_random_file(source, args.size_mib)
    subprocess.run(["sync"], check=True)

    # The bound: three copies written at once and made durable, then one read back.
    copies = " ".join(str(work / "local" / f"copy{i}") for i in range(3))
    first, second, third = copies.split()
    disk_write = timed(f"tee {first} {second} < {source} > {third} && sync {copies}")
    disk_read_warm = timed(f"cat {first} > /dev/null")
    cold = drop_caches()
    disk_read = timed(f"cat {first} > /dev/null")
    for path in copies.split():
        os.remove(path)

    port = free_port()
    cluster = start_minicluster(args.rfs, work / "cluster", port, free_port())
    if cluster is None:
        return 1
    try:
        client = hdfs_native.Client(f"hdfs://127.0.0.1:{port}")
        data = source.read_bytes()
        chunk = 8 << 20
        start = time.monotonic()
        with client.create("/bench-1g") as writer:
            for offset in range(0, size, chunk):
                writer.write(data[offset:offset + chunk])
        rfs_write = time.monotonic() - start
        if read_all(client, "/bench-1g") != data:
            print("read back differs from what was written", file=sys.stderr)
            return 1
        del data
        rfs_cat = [args.rfs, "dfs", "-fs", f"hdfs://127.0.0.1:{port}", "-cat", "/bench-1g"]
        start = time.monotonic()
        assert stream(client, "/bench-1g") == size
        rfs_read_warm = time.monotonic() - start
        drop_caches()
        start = time.monotonic()
        assert stream(client, "/bench-1g") == size
        rfs_read = time.monotonic() - start
        # The same reads through rfs's own client (`rfs dfs -cat`, to /dev/null).
        start = time.monotonic()
        subprocess.run(rfs_cat, stdout=subprocess.DEVNULL, check=True)
        own_read_warm = time.monotonic() - start
        drop_caches()
        start = time.monotonic()
        subprocess.run(rfs_cat, stdout=subprocess.DEVNULL, check=True)
        own_read = time.monotonic() - start
    finally:
        cluster.send_signal(signal.SIGINT)
        cluster.wait(timeout=60)

    mib = size / (1 << 20)
    cold_label = " (cold cache)" if cold else ""
    rows = [
        ("write, replication 3", mib / rfs_write, "tee to 3 files + sync", mib / disk_write),
        ("read" + cold_label, mib / rfs_read, "cat of one file", mib / disk_read),
        ("read (page cache)", mib / rfs_read_warm, "cat of one file", mib / disk_read_warm),
        ("rfs dfs -cat" + cold_label, mib / own_read, "cat of one file", mib / disk_read),
        ("rfs dfs -cat (cache)", mib / own_read_warm, "cat of one file", mib / disk_read_warm),
    ]
    print(f"\n{args.size_mib} MiB file, rfs minicluster (1 namenode, 3 datanodes); client hdfs-native "
          "(first three rows) and rfs's own (`rfs dfs -cat` to /dev/null)")
    print(f"{'operation':<22}{'rfs MiB/s':>12}  {'bound (same run)':<24}{'MiB/s':>10}{'ratio':>8}")
    for name, value, bound_name, bound in rows:
        print(f"{name:<22}{value:>12.1f}  {bound_name:<24}{bound:>10.1f}{value / bound:>8.2f}")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

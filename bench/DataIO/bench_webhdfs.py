"""Upload and download a 1 GiB file through WebHDFS (curl, following the namenode's 307 to a
datanode) next to the rfs client (`rfs dfs -put` / `-get`) in the same run, on the same
`rfs minicluster` (1 namenode, 3 datanodes, replication 3). Also prints each daemon's peak
resident memory, which stays flat because the datanode streams request and reply bodies.

Usage: bench_webhdfs.py RFS_BINARY [--size-mib 1024] [--dir DIR]
"""
import argparse
import filecmp
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from minicluster_bench import free_port, start_minicluster, write_random_file


def timed(command: list) -> float:
    start = time.monotonic()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.monotonic() - start


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def children(pid: int) -> list:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("rfs")
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--dir", default="run-bench-webhdfs")
    args = parser.parse_args()
    work = Path(args.dir).resolve()
    shutil.rmtree(work, ignore_errors=True)
    (work / "local").mkdir(parents=True)
    source = work / "local" / "source"
    write_random_file(source, args.size_mib)

    port, http_port = free_port(), free_port()
    cluster = start_minicluster(args.rfs, work / "cluster", port, http_port)
    if cluster is None:
        return 1
    fs = f"hdfs://127.0.0.1:{port}"
    web = f"http://127.0.0.1:{http_port}/webhdfs/v1"
    user = os.environ.get("USER", "root")
    try:
        daemons = children(cluster.pid)
        # Alternate the two clients so neither always meets a warmer page cache.
        rfs_put = timed([args.rfs, "dfs", "-fs", fs, "-put", str(source), "/rfs.bin"])
        web_put = timed(["curl", "-sS", "-f", "-L", "-X", "PUT", "-T", str(source), f"{web}/web.bin?op=CREATE&user.name={user}"])
        rfs_get = timed([args.rfs, "dfs", "-fs", fs, "-get", "/rfs.bin", str(work / "local" / "rfs.out")])
        web_get = timed(["curl", "-sS", "-f", "-L", "-o", str(work / "local" / "web.out"), f"{web}/web.bin?op=OPEN&user.name={user}"])
        for name in ["rfs.out", "web.out"]:
            if not filecmp.cmp(source, work / "local" / name, shallow=False):
                print(f"{name} differs from what was written", file=sys.stderr)
                return 1
        peaks = [(pid, peak_rss_mib(pid), Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[1].decode()) for pid in daemons]
    finally:
        cluster.send_signal(signal.SIGINT)
        cluster.wait(timeout=60)

    mib = args.size_mib
    print(f"\n{mib} MiB file, rfs minicluster (1 namenode, 3 datanodes, replication 3)")
    print(f"{'operation':<10}{'WebHDFS (curl) MiB/s':>22}{'rfs client MiB/s':>18}{'ratio':>8}")
    for name, web_seconds, rfs_seconds in [("upload", web_put, rfs_put), ("download", web_get, rfs_get)]:
        print(f"{name:<10}{mib / web_seconds:>22.1f}{mib / rfs_seconds:>18.1f}{rfs_seconds / web_seconds:>8.2f}")
    print("peak resident memory: " + ", ".join(f"{role} {rss:.0f} MiB" for _, rss, role in peaks))
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

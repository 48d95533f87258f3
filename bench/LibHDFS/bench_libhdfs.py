"""The C API next to the Swift client, in one run on one `rfs minicluster` (three datanodes,
replication 3): a sequential write then read of the same size through libhdfs.so
(hdfs_bench.c) and through RFSClient directly (rfs-client-bench), alternated, three times each;
the medians are compared (the machine may be shared, so single runs are noisy).

Usage: bench_libhdfs.py RFS HDFS_BENCH SWIFT_BENCH [--size-mib 1024] [--chunk-kib 1024] [--dir DIR]
"""
import argparse
import resource
import statistics
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_cluster(rfs: str, work: Path, port: int) -> subprocess.Popen:
    log = open(work / "minicluster.log", "w")
    cluster = subprocess.Popen([rfs, "minicluster", "-d", str(work / "cluster"), "--namenodes", "1", "--datanodes", "3", "--port", str(port)],
                               stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while "stops every daemon" not in (work / "minicluster.log").read_text():
        if cluster.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("rfs minicluster did not start:\n" + (work / "minicluster.log").read_text())
        time.sleep(0.1)
    return cluster


def run(command) -> tuple[float, float, float]:
    """Write MB/s, read MB/s, and the client's CPU seconds (user + system) for both: on a
    shared machine the CPU the client spends is steadier than its wall-clock rate."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout.split()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return float(output[1]), float(output[2]), cpu


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("rfs")
    parser.add_argument("hdfs_bench")
    parser.add_argument("swift_bench")
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--chunk-kib", type=int, default=1024)
    parser.add_argument("--dir", default="run-bench-libhdfs")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    work = Path(args.dir).resolve()
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    port = free_port()
    cluster = start_cluster(args.rfs, work, port)
    size, chunk = str(args.size_mib), str(args.chunk_kib)
    results = {"C API (libhdfs.so)": [], "Swift client": []}
    try:
        for round_ in range(args.rounds):
            results["C API (libhdfs.so)"].append(run([args.hdfs_bench, "127.0.0.1", str(port), f"/bench/c{round_}", size, chunk]))
            results["Swift client"].append(run([args.swift_bench, f"hdfs://127.0.0.1:{port}", f"/bench/swift{round_}", size, chunk]))
    finally:
        cluster.send_signal(signal.SIGINT)
        try:
            cluster.wait(timeout=30)
        except subprocess.TimeoutExpired:
            cluster.kill()
    print(f"{args.size_mib} MiB, {args.chunk_kib} KiB per call, replication 3 on 3 local datanodes; MB/s of each run, then the median")
    print(f"{'':20} {'write':>{8 * args.rounds + 10}} {'read':>{8 * args.rounds + 10}}")
    medians = {}
    for name, runs in results.items():
        medians[name] = (statistics.median(w for w, _, _ in runs), statistics.median(r for _, r, _ in runs),
                         statistics.median(cpu for _, _, cpu in runs))
        writes = " ".join(f"{w:7.1f}" for w, _, _ in runs) + f"  | {medians[name][0]:6.1f}"
        reads = " ".join(f"{r:7.1f}" for _, r, _ in runs) + f"  | {medians[name][1]:6.1f}"
        print(f"{name:20} {writes:>{8 * args.rounds + 10}} {reads:>{8 * args.rounds + 10}}"
              f"   client CPU {medians[name][2]:.2f} s")
    c, swift = medians["C API (libhdfs.so)"], medians["Swift client"]
    print(f"C API / Swift client (medians): write {c[0] / swift[0]:.1%}, read {c[1] / swift[1]:.1%}, "
          f"client CPU for both {c[2] / swift[2]:.1%}")
    shutil.rmtree(work / "cluster", ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

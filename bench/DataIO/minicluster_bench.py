"""What the data-path benchmarks share: a free port, a file of random bytes, and an
`rfs minicluster` (1 namenode, 3 datanodes) started in the background on free ports."""
import os
import socket
import subprocess
import sys
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_random_file(path: Path, size_mib: int) -> None:
    with open(path, "wb") as out:
        for _ in range(size_mib):
            out.write(os.urandom(1 << 20))


def start_minicluster(rfs: str, directory: Path, port: int, http_port: int) -> subprocess.Popen:
    """Starts `rfs minicluster` and returns once it says it is up (None if it never does)."""
    cluster = subprocess.Popen([rfs, "minicluster", "-d", str(directory), "--namenodes", "1", "--port", str(port), "--http-port", str(http_port)],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    for line in cluster.stdout:
        if "is up" in line:
            return cluster
    print("minicluster did not start", file=sys.stderr)
    cluster.wait(timeout=60)
    return None

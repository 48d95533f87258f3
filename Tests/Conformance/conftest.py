"""Fixtures for the conformance tests: real rfs daemons as processes, judged by real clients."""
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RFS_BIN = os.environ.get("RFS_BIN", str(ROOT / ".build" / "debug" / "rfs"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, proc: subprocess.Popen, timeout: float = 20.0) -> None:
    """hdfs-native retries a refused connection for minutes, so check the port first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"rfs exited early with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listening on port {port} after {timeout}s")


class Daemon:
    def __init__(self, args, port, log_path):
        self.port = port
        self.log_path = log_path
        self.log = open(log_path, "w")
        self.proc = subprocess.Popen([RFS_BIN, *args], stdout=self.log, stderr=subprocess.STDOUT)
        wait_for_port(port, self.proc)

    @property
    def url(self) -> str:
        return f"hdfs://127.0.0.1:{self.port}"

    def alive(self) -> bool:
        return self.proc.poll() is None

    def log_text(self) -> str:
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


@pytest.fixture
def namenode(tmp_path):
    port = free_port()
    daemon = Daemon(
        ["namenode", "-D", f"dfs.namenode.rpc-address=127.0.0.1:{port}",
         "-D", f"dfs.namenode.name.dir={tmp_path / 'name'}"],
        port, tmp_path / "namenode.log")
    yield daemon
    daemon.stop()

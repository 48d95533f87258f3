"""`rfs bench`: the smoke run of the standard suite (every row produced, each with its
same-run baseline; speed is never checked), usage errors, compare, and a clean stop on Ctrl-C."""
import json
import os
import signal
import subprocess
import time

from conftest import RFS_BIN

# Every row `rfs bench all` prints, by key (the suite's default 64 clients).
EXPECTED_ROWS = [
    "base.memcpy", "base.tcp", "base.fsync", "base.disk.write", "base.disk.read",
    "etcd.put.c64", "etcd.get.c64",
    "nn.create.c1", "nn.create.c64", "nn.mkdirs.c64", "nn.fileStatus.c64", "nn.open.c64", "nn.rename.c64", "nn.delete.c64",
    "io.write.r3", "io.read.r3", "io.read.shortcircuit.r3", "io.small.write.r3", "io.small.read.r3",
]


def etcd_installed() -> bool:
    return any(os.access(os.path.join(d, "etcd"), os.X_OK) for d in os.environ.get("PATH", "").split(":") + ["/usr/bin"])


def test_bench_all_smoke_produces_every_row(tmp_path):
    out = tmp_path / "smoke.json"
    run = subprocess.run([RFS_BIN, "bench", "all", "-smoke", "-dir", str(tmp_path / "run"), "-json", str(out)],
                         capture_output=True, text=True, timeout=240)
    assert run.returncode == 0, run.stdout + run.stderr
    report = json.loads(out.read_text())
    rows = {row["key"]: row for row in report["rows"]}
    assert list(rows) == EXPECTED_ROWS, sorted(rows)
    for key, row in rows.items():
        if key.startswith("etcd.") and not etcd_installed():
            assert row["note"] == "n/a: etcd not installed"
            continue
        assert row.get("value", 0) > 0, row
        if key.startswith(("nn.", "io.")):
            assert row["baselines"], f"{key} has no baseline"
        if key.startswith(("nn.", "etcd.")):
            assert row["latency"]["p99Micros"] >= row["latency"]["p50Micros"] > 0
    for key in ("nn.create.c64", "nn.mkdirs.c64", "nn.rename.c64", "nn.delete.c64"):
        assert rows[key]["entriesPerFsync"] >= 1, rows[key]
    create = rows["nn.create.c64"]["baselines"][0]
    assert create["name"].startswith("etcd put") and create["goal"] == 1.5
    assert rows["nn.fileStatus.c64"]["baselines"][0]["goal"] == 5
    assert "nn create, 64 clients" in run.stdout and "ratio" in run.stdout
    assert not report["stoppedEarly"]
    # A run compared with itself: every figure unchanged.
    compare = subprocess.run([RFS_BIN, "bench", "compare", str(out), str(out)], capture_output=True, text=True, timeout=30)
    assert compare.returncode == 0, compare.stderr
    assert compare.stdout.count("+0.0%") == len(EXPECTED_ROWS) - (0 if etcd_installed() else 2)


def test_bench_usage_errors_exit_255_with_the_usage():
    for args in (["nn"], ["nn", "-op", "explode"], ["io"], ["io", "-write", "-size", "lots"], ["frobnicate"], ["compare", "a.json"],
                 ["nn", "-op", "create", "-threads"]):
        run = subprocess.run([RFS_BIN, "bench", *args], capture_output=True, text=True, timeout=30)
        assert run.returncode == 255, (args, run.stdout, run.stderr)
        assert "Usage: rfs bench nn" in run.stderr, (args, run.stderr)


def test_ctrl_c_stops_cleanly_and_prints_what_was_measured(tmp_path):
    out = tmp_path / "stopped.json"
    # Its own process group, signalled as a terminal's Ctrl-C signals: the whole group.
    bench = subprocess.Popen([RFS_BIN, "bench", "nn", "-op", "create", "-threads", "8", "-files", "100000000", "-duration", "120s",
                              "-dir", str(tmp_path / "run"), "-json", str(out)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + 60
    log = tmp_path / "run" / "minicluster" / "minicluster.out"
    while time.monotonic() < deadline and not (log.exists() and "is up" in log.read_text()):
        time.sleep(0.2)
    time.sleep(2)
    os.killpg(bench.pid, signal.SIGINT)
    stdout, stderr = bench.communicate(timeout=90)
    assert bench.returncode == 130, stdout + stderr
    report = json.loads(out.read_text())
    assert report["stoppedEarly"]
    [row] = report["rows"]
    assert row["key"] == "nn.create.c8" and row["value"] > 0, row
    assert "stopped by Ctrl-C" in row["note"]
    assert "nn create, 8 clients" in stdout

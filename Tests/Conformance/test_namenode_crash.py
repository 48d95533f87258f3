"""The namenode's durability, judged from outside: crash it (SIGKILL) under load from real
clients, restart it on the same name directory and port, and check that everything a client was
told had succeeded is still there and that nothing is half-made. Then damage the tail of its
write-ahead log the way an interrupted write would, and check it recovers and serves.
"""
import os
import random
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from hdfs_native import Client, WriteOptions

WORKERS = 8
LOAD_SECONDS = 2.0

# One client per process, each creating in its own directory, one call at a time, and printing a
# path only after the call that made it RETURNED: the acknowledged paths.
_WORKER = r"""
import sys
from hdfs_native import Client, WriteOptions
url, base = sys.argv[1], sys.argv[2]
client = Client(url)
i = 0
while True:
    if i % 2 == 0:
        path = f"{base}/d{i}"
        client.mkdirs(path)
    else:
        path = f"{base}/f{i}"
        client.create(path, WriteOptions()).close()
    sys.stdout.write(path + "\n")
    sys.stdout.flush()
    i += 1
"""


def within(seconds: float, fn, *args):
    """Runs fn(*args) but fails the test, rather than hanging it, if the namenode never answers
    (hdfs-native has no call timeout of its own)."""
    outcome = {}

    def run():
        try:
            outcome["value"] = fn(*args)
        except BaseException as error:  # noqa: BLE001 - re-raised in the test's thread
            outcome["error"] = error

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        pytest.fail(f"{fn.__name__} did not finish within {seconds}s: a namenode call never returned")
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


def acknowledged(ack_file: Path) -> list:
    """Complete lines only: a line cut short by the kill was never fully reported."""
    data = ack_file.read_bytes()
    lines = data.split(b"\n")
    return [line.decode() for line in lines[:-1]]


def entry_index(name: str) -> int:
    return int(name[1:])


def snapshot(client: Client, root: str) -> dict:
    """{path: isdir} for everything under root, by recursive listing."""
    return {s.path: s.isdir for s in client.list_status(root, recursive=True)}


def check_consistent(client: Client, bases: list, acks: dict) -> dict:
    """Every acknowledged path exists with the right type; every listed entry is one the workers
    made (acknowledged, or the single call in flight when the namenode died), and getFileInfo,
    listing and getContentSummary agree."""
    tree = {}
    for base in bases:
        listing = {s.path: s for s in client.list_status(base)}   # listing the parent must work
        acked = acks[base]
        for path in acked:
            assert path in listing, f"acknowledged {path} is gone after the crash"
            assert listing[path].isdir == path.rsplit("/", 1)[1].startswith("d"), path
        # Each worker made its paths in order, one at a time: what survives beyond the
        # acknowledged ones can only be the call that was in flight.
        next_index = len(acked)
        assert [entry_index(p.rsplit("/", 1)[1]) for p in acked] == list(range(next_index))
        extra = set(listing) - set(acked)
        in_flight = {f"{base}/d{next_index}" if next_index % 2 == 0 else f"{base}/f{next_index}"}
        assert extra <= in_flight, f"{base}: entries nobody made or finished making: {sorted(extra - in_flight)}"
        for path, status in listing.items():
            info = client.get_file_info(path)
            assert info.isdir == status.isdir, path
            assert info.isdir == path.rsplit("/", 1)[1].startswith("d"), path
            if not info.isdir:
                assert info.length == 0, path
                assert status.length == 0, path
            if info.isdir:
                assert list(client.list_status(path)) == [], path
        tree.update({path: status.isdir for path, status in listing.items()})
    summary = client.get_content_summary("/crash")
    assert summary.directory_count == 1 + len(bases) + sum(tree.values())
    assert summary.file_count == sum(1 for isdir in tree.values() if not isdir)
    return tree


def test_acknowledged_creates_survive_sigkill(namenode_factory, tmp_path):
    namenode = namenode_factory.start()
    client = Client(namenode.url)
    bases = [f"/crash/w{k}" for k in range(WORKERS)]
    for base in bases:
        client.mkdirs(base, create_parent=True)

    ack_files = [tmp_path / f"acks-{k}.txt" for k in range(WORKERS)]
    workers = []
    try:
        for base, ack_file in zip(bases, ack_files):
            with open(ack_file, "wb") as out, open(tmp_path / f"worker-{base[-1]}.err", "wb") as err:
                workers.append(subprocess.Popen([sys.executable, "-c", _WORKER, namenode.url, base],
                                                stdout=out, stderr=err))
        deadline = time.monotonic() + 30
        while not all(f.stat().st_size > 0 for f in ack_files):
            assert time.monotonic() < deadline, "the workers never got going"
            assert all(w.poll() is None for w in workers), "a worker died before the crash"
            time.sleep(0.05)
        time.sleep(LOAD_SECONDS)
        namenode.kill()
    finally:
        for worker in workers:
            worker.kill()
            worker.wait()

    acks = {base: acknowledged(f) for base, f in zip(bases, ack_files)}
    total = sum(len(v) for v in acks.values())
    assert total >= WORKERS

    restarted = namenode_factory.start()
    within(30, check_recovered, namenode_factory, restarted, bases, acks)
    print(f"{total} acknowledged creates survived the crash")


def check_recovered(namenode_factory, restarted, bases, acks):
    client = Client(restarted.url)
    tree = check_consistent(client, bases, acks)
    assert snapshot(client, "/crash") == {**{b: True for b in bases}, **tree}

    # It takes writes again.
    client.mkdirs("/crash/after")
    client.create("/crash/after/f", WriteOptions()).close()
    for base in bases:
        client.mkdirs(f"{base}/again")
        assert client.get_file_info(f"{base}/again").isdir

    # And what the recovery settled is itself durable: a clean restart sees the same tree.
    before = snapshot(client, "/")
    assert restarted.stop() == 0
    again = namenode_factory.start()
    assert snapshot(Client(again.url), "/") == before


# --- a damaged WAL tail --------------------------------------------------------------------

def wal_segments(name_dir: Path) -> list:
    return sorted(name_dir.glob("**/wal-*.log"), key=lambda p: p.name)


def records_end(segment: Path) -> int:
    """Where a segment's records end: the WAL writes zeros ahead of them (a megabyte at a
    time), so the file goes on past its last record. A record is a 24-byte header (u32 length,
    u32 CRC, u64 term, u64 index, little-endian) and its payload; zeros where a header would be
    are the end."""
    data = segment.read_bytes()
    offset = 0
    while offset + 24 <= len(data) and any(data[offset:offset + 24]):
        offset += 24 + int.from_bytes(data[offset:offset + 4], "little")
    assert 0 < offset <= len(data), f"no records in {segment}"
    return offset


def populate(client: Client) -> None:
    client.mkdirs("/w", create_parent=True)
    for i in range(20):
        client.mkdirs(f"/w/d{i:02d}")
    client.create("/w/f", WriteOptions()).close()


def assert_serves_and_persists(namenode_factory, daemon, expected_dirs):
    client = Client(daemon.url)
    assert client.get_file_info("/").isdir
    listing = {s.path: s.isdir for s in client.list_status("/w")}
    for path in expected_dirs:
        assert listing.get(path) is True, f"{path} lost"
    for path, isdir in listing.items():
        assert client.get_file_info(path).isdir == isdir
    # New writes land after the recovered log and survive another restart.
    client.mkdirs("/w/after")
    client.create("/w/after-file", WriteOptions()).close()
    assert daemon.stop() == 0
    again = namenode_factory.start()
    client = Client(again.url)
    assert client.get_file_info("/w/after").isdir
    assert not client.get_file_info("/w/after-file").isdir
    return client


@pytest.mark.parametrize("where", ["after-the-last-record", "at-the-end-of-the-file"])
def test_garbage_after_the_last_record_is_cut(namenode_factory, where):
    """A torn write: 37 bytes of garbage where the next record would go (among the zeros the WAL
    wrote ahead), or past those zeros at the very end of the file."""
    garbage = random.Random(7).randbytes(37)  # its last byte is not zero
    first = namenode_factory.start()
    within(30, populate, Client(first.url))
    assert first.stop() == 0
    segments = wal_segments(namenode_factory.name_dir)
    assert segments, f"no wal-*.log under {namenode_factory.name_dir}"
    newest = segments[-1]
    end = records_end(newest)
    assert newest.stat().st_size > end, "the WAL wrote no zeros ahead of its records"
    at = end if where == "after-the-last-record" else newest.stat().st_size
    with open(newest, "r+b") as f:
        f.seek(at)
        f.write(garbage)
    # What the log calls damage runs to the last byte that is not zero.
    damaged = at + len(garbage) - end

    second = namenode_factory.start()
    Client(second.url).get_file_info("/")
    log = second.log_text()
    assert re.search(rf"torn tail of {damaged} bytes at offset {end}\b", log), f"the cut is not logged:\n{log}"
    within(30, assert_serves_and_persists, namenode_factory, second, [f"/w/d{i:02d}" for i in range(20)])


def test_zeros_after_the_last_record_are_a_clean_end(namenode_factory):
    """The zeros the WAL writes ahead of its records, and any more (blocks a crash left
    extended but unwritten), are where the log ends: nothing is cut and nothing is logged."""
    first = namenode_factory.start()
    within(30, populate, Client(first.url))
    assert first.stop() == 0
    newest = wal_segments(namenode_factory.name_dir)[-1]
    with open(newest, "ab") as f:
        f.write(b"\0" * 4096)

    second = namenode_factory.start()
    Client(second.url).get_file_info("/")
    log = second.log_text()
    assert "torn" not in log and "cut" not in log.lower(), log
    within(30, assert_serves_and_persists, namenode_factory, second, [f"/w/d{i:02d}" for i in range(20)])


def test_a_truncated_last_record_is_cut(namenode_factory):
    first = namenode_factory.start()
    within(30, populate, Client(first.url))
    assert first.stop() == 0
    newest = wal_segments(namenode_factory.name_dir)[-1]
    end = records_end(newest)
    os.truncate(newest, end - 3)

    second = namenode_factory.start()
    Client(second.url).get_file_info("/")
    log = second.log_text()
    assert re.search(r"\bbytes\b", log) and "cut" in log.lower(), f"the cut is not logged:\n{log}"
    # The directories precede the last record (the file's create/complete); they stay.
    within(30, assert_serves_and_persists, namenode_factory, second, [f"/w/d{i:02d}" for i in range(20)])


def test_a_damaged_record_before_intact_ones_is_refused(namenode_factory):
    """Damage in the middle of the log is not a torn tail: records after it were acknowledged,
    so the namenode must refuse to start rather than silently drop them."""
    first = namenode_factory.start()
    within(30, populate, Client(first.url))
    assert first.stop() == 0
    newest = wal_segments(namenode_factory.name_dir)[-1]
    data = bytearray(newest.read_bytes())
    middle = records_end(newest) // 2
    data[middle] ^= 0xFF
    newest.write_bytes(bytes(data))

    with pytest.raises(RuntimeError, match="exited early"):
        namenode_factory.start()
    text = namenode_factory.last_log.read_text()
    assert "corrupt" in text.lower(), text

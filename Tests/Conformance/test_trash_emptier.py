"""The namenode's trash emptier (HDFS's TrashPolicyDefault.Emptier), judged with hdfs-native.

With fs.trash.interval above 0 the active namenode turns each /user/<name>/.Trash/Current into
a checkpoint named yyMMddHHmmss every checkpoint interval, and deletes checkpoints older than
the interval. Here the interval is 0.05 minutes (3 s), so a deleted file is gone within about
two intervals.
"""
import re
import time

from hdfs_native import Client, WriteOptions

CHECKPOINT = re.compile(r"^\d{12}(-\d+)?$")


def names(client, path):
    return sorted(s.path.rsplit("/", 1)[1] for s in client.list_status(path))


def wait_for(what, predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def test_current_becomes_a_checkpoint_and_old_checkpoints_are_deleted(namenode_factory):
    daemon = namenode_factory.start("fs.trash.interval=0.05")
    client = Client(daemon.url)
    trash = "/user/alice/.Trash"
    client.mkdirs(trash + "/Current/data", create_parent=True)
    client.create(trash + "/Current/data/part-0", WriteOptions()).close()
    client.mkdirs(trash + "/notes")                           # not a checkpoint: left alone
    client.mkdirs("/user/bob")                                # a home without a trash

    checkpoint = wait_for("Current to become a checkpoint",
                          lambda: [n for n in names(client, trash) if CHECKPOINT.match(n)])[0]
    assert "Current" not in names(client, trash)
    assert names(client, f"{trash}/{checkpoint}/data") == ["part-0"]

    # A path deleted after the checkpoint lands in a new Current, which a later pass checkpoints;
    # the first checkpoint, older than the interval by then, is deleted.
    client.mkdirs(trash + "/Current/later", create_parent=True)
    wait_for("the first checkpoint to be deleted", lambda: checkpoint not in names(client, trash))
    assert "notes" in names(client, trash)
    wait_for("every checkpoint to be deleted",
             lambda: names(client, trash) == ["notes"], timeout=30.0)
    assert "created trash checkpoint" in daemon.log_text() and "deleted trash checkpoint" in daemon.log_text()


def test_no_emptier_without_a_trash_interval(namenode_factory):
    daemon = namenode_factory.start()
    client = Client(daemon.url)
    client.mkdirs("/user/alice/.Trash/Current/x", create_parent=True)
    time.sleep(4)
    assert names(client, "/user/alice/.Trash") == ["Current"]
    assert "trash emptier" not in daemon.log_text()

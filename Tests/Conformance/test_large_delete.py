"""A recursive delete of a tree larger than `rfs.namenode.delete.increment` answers at once, and
the namenode removes the tree in the background: its files, their replicas on the datanodes
and the lease of a file still being written. Driven by hdfs-native."""
import os
import re
import urllib.request

import hdfs_native
import pytest
from hdfs_native import WriteOptions

from conftest import Cluster, wait_until

INCREMENT = 10


@pytest.fixture
def small_increment_cluster(tmp_path):
    running = Cluster(tmp_path, datanodes=1, conf=[f"rfs.namenode.delete.increment={INCREMENT}"])
    yield running
    running.stop()


def files_total(cluster) -> int:
    metrics = urllib.request.urlopen(cluster.http_url + "/metrics", timeout=10).read().decode()
    return int(float(re.search(r"^rfs_namenode_files_and_directories (\S+)$", metrics, re.M).group(1)))


def test_large_delete_detaches_then_purges(small_increment_cluster):
    cluster = small_increment_cluster
    client = hdfs_native.Client(cluster.url)
    one = WriteOptions(replication=1)
    client.mkdirs("/keep")
    with client.create("/keep/f", one) as writer:
        writer.write(b"kept")
    baseline = files_total(cluster)
    for directory in range(3):
        for index in range(12):
            with client.create(f"/big/d{directory}/f{index}", one) as writer:
                writer.write(os.urandom(100 + index))
    # A writer still holds a file of the tree open, with a block on the datanode.
    open_writer = client.create("/big/open", one)
    open_writer.write(os.urandom(1000))
    replicas_with_tree = len(cluster.replica_files(0))
    assert replicas_with_tree >= 37
    assert files_total(cluster) == baseline + 1 + 3 * 13 + 1

    # 41 inodes, over the increment: detached by the delete, gone for every path at once.
    assert client.delete("/big", True)
    with pytest.raises(FileNotFoundError):
        client.get_file_info("/big")
    assert sorted(s.path for s in client.list_status("/")) == ["/keep"]
    with pytest.raises(Exception):
        open_writer.write(os.urandom(10))
        open_writer.close()

    # The name is free again, and the purge leaves the new tree alone.
    with client.create("/big/d0/f0", one) as writer:
        writer.write(b"new")

    wait_until(lambda: "purged deleted subtrees" in cluster.namenode.log_text(), 30, "the purge to finish")
    wait_until(lambda: files_total(cluster) == baseline + 3, 30, "the namenode's file count to drop")
    # The deleted files' replicas go from the datanode with its next heartbeats.
    wait_until(lambda: len(cluster.replica_files(0)) == 2, 60, "the deleted replicas to be removed")
    with client.read("/big/d0/f0") as reader:
        assert reader.read() == b"new"
    with client.read("/keep/f") as reader:
        assert reader.read() == b"kept"
    assert "edits=5 inodesPerEdit=10" in cluster.namenode.log_text()

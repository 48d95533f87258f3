"""hdfs-native (PyPI) writes, reads and lists files through real rfs datanodes."""
import os
import time

import hdfs_native
import pytest
from hdfs_native import WriteOptions

SIZES = [0, 1, 511, 64 * 1024 + 1]


@pytest.mark.parametrize("size", SIZES)
def test_write_read_list_small_files(cluster, size):
    client = hdfs_native.Client(cluster.url)
    data = os.urandom(size)
    with client.create(f"/data/f{size}") as writer:
        writer.write(data)
    with client.read(f"/data/f{size}") as reader:
        assert reader.read() == data
    status = client.get_file_info(f"/data/f{size}")
    assert status.length == size
    assert status.replication == 3
    assert [s.path for s in client.list_status("/data")] == [f"/data/f{size}"]


def test_file_larger_than_two_blocks(cluster):
    """300 MiB: three 128 MiB blocks' worth of pipelines, read back byte for byte."""
    client = hdfs_native.Client(cluster.url)
    size = 300 * 1024 * 1024 + 12345
    data = os.urandom(size)
    with client.create("/big") as writer:
        for start in range(0, size, 8 << 20):
            writer.write(data[start:start + (8 << 20)])
    with client.read("/big") as reader:
        assert reader.read() == data
    assert client.get_file_info("/big").length == size
    # Every block has a finalized replica on each of the three datanodes.
    for index in range(3):
        assert len(cluster.replica_files(index)) == 3


def test_reads_at_offsets_cross_chunk_and_block_edges(cluster):
    client = hdfs_native.Client(cluster.url)
    block = 1 << 20
    data = os.urandom(3 * block + 777)
    with client.create("/offsets", WriteOptions(block_size=block)) as writer:
        writer.write(data)
    with client.read("/offsets") as reader:
        for offset, length in [(0, 1), (511, 2), (512, 512), (block - 3, 10), (2 * block + 100, block), (len(data) - 5, 5)]:
            assert reader.read_range(offset, length) == data[offset:offset + length]


def test_append_to_a_closed_file(cluster):
    client = hdfs_native.Client(cluster.url)
    first, second = os.urandom(1000), os.urandom(70_000)
    with client.create("/appended") as writer:
        writer.write(first)
    with client.append("/appended") as writer:
        writer.write(second)
    with client.read("/appended") as reader:
        assert reader.read() == first + second


def test_replication_one_and_hflushed_data_visible(cluster):
    client = hdfs_native.Client(cluster.url)
    data = os.urandom(10_000)
    with client.create("/single", WriteOptions(replication=1)) as writer:
        writer.write(data)
    with client.read("/single") as reader:
        assert reader.read() == data
    assert sum(len(cluster.replica_files(i)) for i in range(3)) == 1


def test_closing_a_file_deleted_while_open_fails_at_once(cluster):
    """The file's blocks went with it, so complete can never succeed: the namenode says the file
    does not exist (as HDFS's lease check does) instead of "not yet" until the client gives up."""
    client = hdfs_native.Client(cluster.url)
    writer = client.create("/doomed")
    writer.write(os.urandom(100_000))
    assert client.delete("/doomed", False)
    started = time.monotonic()
    with pytest.raises(FileNotFoundError, match="does not exist"):
        writer.close()
    assert time.monotonic() - started < 5

"""Hadoop's own FsShell (the 3.5.0 client jars from pyspark) moves data through rfs datanodes."""
import os

from hdfs_checksum import md5_md5_crc32c


def test_put_ls_cat_get_mv_checksum_rm(cluster, fsshell, tmp_path):
    data = os.urandom(1_000_003)
    local = tmp_path / "local.bin"
    local.write_bytes(data)

    assert fsshell(cluster.url, "-mkdir", "-p", "/shell/a/b").returncode == 0
    put = fsshell(cluster.url, "-put", str(local), "/shell/a/b/file")
    assert put.returncode == 0, put.stderr

    listing = fsshell(cluster.url, "-ls", "/shell/a/b")
    assert listing.returncode == 0
    line = listing.stdout.strip().splitlines()[-1].split()
    assert line[0] == "-rw-r--r--" and line[1] == "3" and line[4] == str(len(data)) and line[-1] == "/shell/a/b/file"

    cat = fsshell(cluster.url, "-cat", "/shell/a/b/file", binary=True)
    assert cat.returncode == 0 and cat.stdout == data

    fetched = tmp_path / "fetched.bin"
    get = fsshell(cluster.url, "-get", "/shell/a/b/file", str(fetched))
    assert get.returncode == 0, get.stderr
    assert fetched.read_bytes() == data

    assert fsshell(cluster.url, "-mv", "/shell/a/b/file", "/shell/moved").returncode == 0
    checksum = fsshell(cluster.url, "-checksum", "/shell/moved")
    assert checksum.returncode == 0, checksum.stderr
    path, algorithm, value = checksum.stdout.strip().split("\t")
    assert (path, algorithm) == ("/shell/moved", "MD5-of-0MD5-of-512CRC32C")
    # Hadoop's MD5MD5CRC32FileChecksum: bytesPerCRC (512), crcPerBlock (0), then the MD5.
    assert value == "00000200" + "0000000000000000" + md5_md5_crc32c(data)

    assert fsshell(cluster.url, "-rm", "-r", "/shell").returncode == 0
    assert fsshell(cluster.url, "-test", "-e", "/shell").returncode == 1


def test_put_of_a_multi_block_file_and_cat_back(cluster, fsshell, tmp_path):
    data = os.urandom(5 * 1024 * 1024 + 3)
    local = tmp_path / "multi.bin"
    local.write_bytes(data)
    put = fsshell(cluster.url, "-D", "dfs.blocksize=1048576", "-put", str(local), "/multi")
    assert put.returncode == 0, put.stderr
    cat = fsshell(cluster.url, "-cat", "/multi", binary=True)
    assert cat.stdout == data
    checksum = fsshell(cluster.url, "-checksum", "/multi")
    assert checksum.stdout.strip().split("\t")[2].endswith(md5_md5_crc32c(data, block_size=1 << 20))


def test_append_to_file_by_hadoops_client(cluster, fsshell, tmp_path):
    """Hadoop's append: updateBlockForPipeline, PIPELINE_SETUP_APPEND to the replicas of the
    last block under its new stamp, then updatePipeline."""
    first, second = tmp_path / "first", tmp_path / "second"
    first.write_bytes(os.urandom(1000))
    second.write_bytes(os.urandom(200_000))
    assert fsshell(cluster.url, "-put", str(first), "/appended").returncode == 0
    appended = fsshell(cluster.url, "-appendToFile", str(second), "/appended")
    assert appended.returncode == 0, appended.stderr
    cat = fsshell(cluster.url, "-cat", "/appended", binary=True)
    assert cat.stdout == first.read_bytes() + second.read_bytes()

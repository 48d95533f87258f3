"""`rfs dfs -text` against Hadoop's FsShell -text on the same files: SequenceFiles written by
Hadoop's own SequenceFile.Writer (uncompressed, record- and block-compressed, many Writable
types), gzip (several members) and .deflate files, and plain text."""
import gzip
import os
import subprocess
import zlib
from pathlib import Path

import hdfs_native
import pytest

from conftest import RFS_BIN, _pyspark_jars

TOOL = Path(__file__).parent / "java" / "SequenceFileTool.java"


def rfs_text(url, *paths):
    return subprocess.run([RFS_BIN, "dfs", "-fs", url, "-text", *paths], capture_output=True, timeout=120)


@pytest.fixture
def seqfile(hadoop_conf_dir):
    java_home = os.environ.get("JAVA_HOME")
    java = str(Path(java_home) / "bin" / "java") if java_home else "java"

    def write(url, path, compression, key, value, records):
        result = subprocess.run([java, "-cp", f"{hadoop_conf_dir}:{_pyspark_jars()}/*", str(TOOL), url, path,
                                 compression, key, value, str(records)], capture_output=True, text=True, timeout=180)
        assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr[-2000:]

    return write


def test_sequence_files_as_hadoop_shows_them(cluster, fsshell, seqfile):
    files = [
        ("/seq/none", "NONE", "text", "int", 1200),
        ("/seq/record", "RECORD", "long", "text", 700),
        ("/seq/block", "BLOCK", "int", "bytes", 3000),
        ("/seq/mixed", "BLOCK", "vint", "double", 300),
        ("/seq/small", "NONE", "boolean", "float", 40),
        ("/seq/nulls", "RECORD", "null", "text", 20),
    ]
    for path, compression, key, value, records in files:
        seqfile(cluster.url, path, compression, key, value, records)
    for path, *_ in files:
        expected = fsshell(cluster.url, "-text", path, binary=True)
        assert expected.returncode == 0, expected.stderr
        ours = rfs_text(cluster.url, path)
        assert ours.returncode == 0, ours.stderr
        assert ours.stdout == expected.stdout, path
    assert len(rfs_text(cluster.url, "/seq/block").stdout.splitlines()) == 3000


def test_compressed_and_plain_files(cluster, fsshell):
    client = hdfs_native.Client(cluster.url)
    text = b"".join(b"line %d of the compressed file\n" % n for n in range(50_000))
    members = gzip.compress(text[:1000]) + gzip.compress(text[1000:])
    files = {
        "/c/by-magic": members,            # gzip found by its magic bytes, whatever the name
        "/c/data.gz": gzip.compress(text),
        "/c/data.deflate": zlib.compress(text),
        "/c/plain.txt": text[:5000],
        "/c/empty": b"",
        "/c/one": b"x",
    }
    for path, data in files.items():
        with client.create(path) as writer:
            writer.write(data)
    for path in files:
        expected = fsshell(cluster.url, "-text", path, binary=True)
        assert expected.returncode == 0, expected.stderr
        ours = rfs_text(cluster.url, path)
        assert ours.returncode == 0, ours.stderr
        assert ours.stdout == expected.stdout, path
    assert rfs_text(cluster.url, "/c/data.gz").stdout == text

    # A gzip file cut short is an error on that path, not garbage.
    with client.create("/c/cut.gz") as writer:
        writer.write(gzip.compress(text)[:5000])
    cut = rfs_text(cluster.url, "/c/cut.gz")
    assert cut.returncode == 1
    assert b"text: Unexpected end of ZLIB input stream" in cut.stderr

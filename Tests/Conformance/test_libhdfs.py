"""rfs's libhdfs.so judged by real callers: a C program compiled with gcc against our hdfs.h and
run under valgrind (every function, every errno path), and pyarrow from PyPI through
pyarrow.fs.HadoopFileSystem, with no JVM anywhere."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, Cluster, free_port

LIBHDFS_DIR = Path(os.environ.get("RFS_LIBHDFS_DIR", ROOT / ".build" / "libhdfs-debug"))
TESTS = ROOT / "Tests" / "LibHDFS"


@pytest.fixture(scope="module")
def libhdfs_dir():
    if not (LIBHDFS_DIR / "libhdfs.so").exists():
        pytest.fail(f"no libhdfs.so in {LIBHDFS_DIR}: run `make libhdfs` (or set RFS_LIBHDFS_DIR)")
    return LIBHDFS_DIR


@pytest.fixture
def cluster(tmp_path):
    cluster = Cluster(tmp_path)
    yield cluster
    cluster.stop()


def hadoop_conf(directory: Path, port: int, dead_port: int) -> Path:
    """core-site.xml naming the cluster as fs.defaultFS; hdfs-site.xml with an HA nameservice
    whose first namenode is down, so connecting to it fails over to the live one."""
    directory.mkdir()
    (directory / "core-site.xml").write_text(f"""<?xml version="1.0"?>
<configuration>
  <!-- the cluster under test -->
  <property><name>fs.defaultFS</name><value>hdfs://127.0.0.1:{port}</value></property>
</configuration>
""")
    (directory / "hdfs-site.xml").write_text(f"""<?xml version="1.0"?>
<configuration>
  <property><name>dfs.replication</name><value>3</value></property>
  <property><name>dfs.nameservices</name><value>testns</value></property>
  <property><name>dfs.ha.namenodes.testns</name><value>nn1,nn2</value></property>
  <property><name>dfs.namenode.rpc-address.testns.nn1</name><value>127.0.0.1:{dead_port}</value></property>
  <property><name>dfs.namenode.rpc-address.testns.nn2</name><value>127.0.0.1:{port}</value></property>
  <property><name>dfs.client.failover.sleep.base.millis</name><value>10</value></property>
  <property><name>dfs.client.failover.sleep.max.millis</name><value>50</value></property>
</configuration>
""")
    return directory


def test_c_program_under_valgrind(cluster, libhdfs_dir, tmp_path):
    program = tmp_path / "hdfs_test"
    subprocess.run(["gcc", "-std=gnu11", "-Wall", "-Wextra", "-Werror", "-Wno-format-truncation", "-g", "-O1",
                    "-I", str(libhdfs_dir), str(TESTS / "hdfs_test.c"), "-L", str(libhdfs_dir), "-lhdfs",
                    "-lpthread", "-o", str(program)], check=True)
    # valgrind 3.19 cannot read the DWARF 5 Swift emits; a copy without debug info it can run
    # (symbols stay, so reports still name functions).
    stripped = tmp_path / "lib"
    stripped.mkdir()
    subprocess.run(["objcopy", "--strip-debug", str(libhdfs_dir / "libhdfs.so.0.0.0"),
                    str(stripped / "libhdfs.so.0.0.0")], check=True)
    dead_port = free_port()
    env = dict(os.environ, HADOOP_CONF_DIR=str(hadoop_conf(tmp_path / "conf", cluster.namenode.port, dead_port)),
               LD_LIBRARY_PATH=str(stripped))
    env.pop("HADOOP_USER_NAME", None)
    result = subprocess.run(
        ["valgrind", "--error-exitcode=99", "--leak-check=full", "--errors-for-leak-kinds=definite",
         "--show-leak-kinds=definite", f"--suppressions={TESTS / 'swift-runtime.supp'}",
         str(program), "127.0.0.1", str(cluster.namenode.port), str(dead_port)],
        capture_output=True, text=True, timeout=900, env=env)
    report = result.stdout + result.stderr
    assert result.returncode == 0, report[-6000:]
    assert " 0 failed" in result.stdout, report[-6000:]
    assert "definitely lost: 0 bytes" in result.stderr or "All heap blocks were freed" in result.stderr, report[-3000:]
    assert "ERROR SUMMARY: 0 errors" in result.stderr, report[-6000:]


def test_pyarrow_hadoop_filesystem(cluster, libhdfs_dir):
    env = dict(os.environ, ARROW_LIBHDFS_DIR=str(libhdfs_dir), JAVA_HOME=str(libhdfs_dir / "jvm-stub"))
    for variable in ("HADOOP_HOME", "CLASSPATH", "HADOOP_CONF_DIR"):
        env.pop(variable, None)
    result = subprocess.run([sys.executable, str(TESTS / "pyarrow_scenario.py"), "127.0.0.1",
                             str(cluster.namenode.port), str(libhdfs_dir)],
                            capture_output=True, text=True, timeout=600, env=env)
    assert result.returncode == 0, (result.stdout + result.stderr)[-6000:]
    assert "pyarrow scenario passed" in result.stdout


def open_libhdfs(libhdfs_dir: Path):
    """Our libhdfs.so in this process (ctypes), with the signatures of the calls the writer makes."""
    import ctypes

    lib = ctypes.CDLL(str(libhdfs_dir / "libhdfs.so"))
    lib.hdfsConnect.argtypes = [ctypes.c_char_p, ctypes.c_uint16]
    lib.hdfsConnect.restype = ctypes.c_void_p
    lib.hdfsOpenFile.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.c_int, ctypes.c_short, ctypes.c_int32]
    lib.hdfsOpenFile.restype = ctypes.c_void_p
    lib.hdfsWrite.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int32]
    lib.hdfsWrite.restype = ctypes.c_int32
    for name in ("hdfsHFlush", "hdfsHSync", "hdfsCloseFile"):
        getattr(lib, name).argtypes = [ctypes.c_void_p, ctypes.c_void_p]
        getattr(lib, name).restype = ctypes.c_int
    lib.hdfsDisconnect.argtypes = [ctypes.c_void_p]
    lib.hdfsDisconnect.restype = ctypes.c_int
    return lib


def test_hadoop_reads_what_an_rfs_writer_hflushed(cluster, libhdfs_dir, fsshell):
    """Hadoop's own DFSInputStream (FsShell -cat) reads a file an rfs writer (our libhdfs) has
    hflushed and not closed: it asks our datanodes for the last block's visible length over
    ClientDatanodeProtocol.getReplicaVisibleLength on their IPC ports, then reads the replicas
    being written. Then the same through hdfs-native."""
    lib = open_libhdfs(libhdfs_dir)
    fs = lib.hdfsConnect(b"127.0.0.1", cluster.namenode.port)
    assert fs
    path = "/growing/log"
    writer = lib.hdfsOpenFile(fs, path.encode(), os.O_WRONLY, 0, 3, 1 << 20)  # 1 MiB blocks
    assert writer
    first = bytes((i * 7919 + 13) % 251 for i in range(100_003))  # ends inside a chunk
    assert lib.hdfsWrite(fs, writer, first, len(first)) == len(first)
    assert lib.hdfsHFlush(fs, writer) == 0
    shown = fsshell(cluster.url, "-cat", path, binary=True)
    assert shown.returncode == 0, shown.stderr[-3000:]
    assert shown.stdout == first

    # Past the first block: one complete block, and the flushed part of the one being written.
    second = bytes((i * 104729 + 7) % 253 for i in range((1 << 20) + 4321))
    assert lib.hdfsWrite(fs, writer, second, len(second)) == len(second)
    assert lib.hdfsHSync(fs, writer) == 0
    shown = fsshell(cluster.url, "-cat", path, binary=True)
    assert shown.returncode == 0, shown.stderr[-3000:]
    assert shown.stdout == first + second

    # hdfs-native does not ask datanodes for the visible length: it reads the file's length
    # as the namenode reports it, the complete first block, and those bytes are right.
    from hdfs_native import Client
    native = Client(cluster.url)
    with native.read(path) as reader:
        seen = reader.read()
    assert len(seen) == 1 << 20 and seen == (first + second)[:1 << 20]

    assert lib.hdfsCloseFile(fs, writer) == 0
    shown = fsshell(cluster.url, "-cat", path, binary=True)
    assert shown.returncode == 0 and shown.stdout == first + second
    assert lib.hdfsDisconnect(fs) == 0

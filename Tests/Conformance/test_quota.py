"""HDFS quotas, judged by Hadoop's Java client (setQuota, getQuotaUsage, FsShell's -count -q)
and hdfs-native (the exceptions it sees). setQuota is sent by DistributedFileSystem from a
small single-file Java program (java/QuotaTool.java): FsShell has no setQuota, the dfsadmin
jar is not in the pyspark wheel, and hdfs-native does not send it."""
import os
import subprocess
from pathlib import Path

import pytest
from hdfs_native import Client

from conftest import _pyspark_jars

QUOTA_TOOL = Path(__file__).parent / "java" / "QuotaTool.java"
LONG_MAX = 2**63 - 1


@pytest.fixture
def quota_tool(hadoop_conf_dir):
    java_home = os.environ.get("JAVA_HOME")
    java = str(Path(java_home) / "bin" / "java") if java_home else "java"
    classpath = f"{hadoop_conf_dir}:{_pyspark_jars()}/*"

    def run(fs_url, *args, user=None):
        """Returns (ok, lines): the tool's output lines, without the JVM's warnings."""
        env = dict(os.environ, HADOOP_USER_NAME=user) if user else None
        result = subprocess.run([java, "-cp", classpath, str(QUOTA_TOOL), fs_url, *map(str, args)],
                                capture_output=True, text=True, timeout=120, env=env)
        return result.returncode == 0, result.stdout.strip().splitlines()

    return run


def count_q(fsshell, url, *paths, flags=("-q",)):
    result = fsshell(url, "-count", *flags, *paths)
    assert result.returncode == 0, result.stderr
    return [line.split() for line in result.stdout.strip().splitlines()]


def test_root_has_hdfs_default_namespace_quota(namenode, fsshell):
    client = Client(namenode.url)
    client.mkdirs("/a")
    summary = client.get_content_summary("/")
    assert summary.quota == LONG_MAX
    assert summary.space_quota in (-1, 2**64 - 1)  # -1 on the wire as a uint64
    # QUOTA REM_QUOTA SPACE_QUOTA REM_SPACE_QUOTA DIR_COUNT FILE_COUNT CONTENT_SIZE PATHNAME
    assert count_q(fsshell, namenode.url, "/") == [[str(LONG_MAX), str(LONG_MAX - 2), "none", "inf", "2", "0", "0", "/"]]


def test_set_quota_then_count_q_and_enforcement_by_both_clients(namenode, fsshell, quota_tool):
    client = Client(namenode.url)
    client.mkdirs("/q")
    assert quota_tool(namenode.url, "setQuota", "/q", 3, 1 << 30) == (True, ["ok"])
    assert count_q(fsshell, namenode.url, "/q") == [["3", "2", str(1 << 30), str(1 << 30), "1", "0", "0", "/q"]]
    assert count_q(fsshell, namenode.url, "/q", flags=("-q", "-u", "-h")) == [["3", "2", "1", "G", "1", "G", "/q"]]

    client.mkdirs("/q/a")
    client.create("/q/f").close()
    message = "The NameSpace quota (directories and files) of directory /q is exceeded: quota=3 file count=4"
    # hdfs-native: the exception class and HDFS's message reach it.
    with pytest.raises(Exception) as refused:
        client.mkdirs("/q/b")
    assert "org.apache.hadoop.hdfs.protocol.NSQuotaExceededException" in str(refused.value)
    assert message in str(refused.value)
    with pytest.raises(Exception) as refused:
        client.create("/q/g").close()
    assert "NSQuotaExceededException" in str(refused.value)
    # The Java client unwraps it into its own NSQuotaExceededException.
    assert quota_tool(namenode.url, "mkdirs", "/q/b") == (False, ["org.apache.hadoop.hdfs.protocol.NSQuotaExceededException", message])
    # FsShell prints the message; mkdir -p is refused whole.
    result = fsshell(namenode.url, "-mkdir", "-p", "/q/x/y")
    assert result.returncode == 1
    assert f"mkdir: {message}" in result.stderr
    assert fsshell(namenode.url, "-test", "-e", "/q/x").returncode == 1
    # Refusals changed nothing.
    assert quota_tool(namenode.url, "usage", "/q") == (True, [f"3 3 0 {1 << 30}"])

    # A rename into the directory is charged; one out of it releases.
    client.mkdirs("/outside/d", create_parent=True)
    with pytest.raises(Exception) as refused:
        client.rename("/outside/d", "/q/d")
    assert "NSQuotaExceededException" in str(refused.value)
    client.rename("/q/a", "/outside/a")
    client.rename("/outside/d", "/q/d")
    assert count_q(fsshell, namenode.url, "/q")[0][:2] == ["3", "0"]
    client.delete("/q/f")
    assert count_q(fsshell, namenode.url, "/q")[0][:2] == ["3", "1"]


def test_clearing_and_keeping_quotas(namenode, fsshell, quota_tool):
    Client(namenode.url).mkdirs("/q")
    assert quota_tool(namenode.url, "setQuota", "/q", 10, 5000)[0]
    # QUOTA_DONT_SET (Long.MAX_VALUE) keeps the namespace quota; QUOTA_RESET clears the space quota.
    assert quota_tool(namenode.url, "setQuota", "/q", LONG_MAX, -1)[0]
    assert count_q(fsshell, namenode.url, "/q") == [["10", "9", "none", "inf", "1", "0", "0", "/q"]]
    assert quota_tool(namenode.url, "setQuota", "/q", -1, LONG_MAX)[0]
    assert count_q(fsshell, namenode.url, "/q") == [["none", "inf", "none", "inf", "1", "0", "0", "/q"]]
    assert quota_tool(namenode.url, "usage", "/q") == (True, ["1 -1 0 -1"])


def test_set_quota_refusals(namenode, quota_tool):
    client = Client(namenode.url)
    client.mkdirs("/q")
    client.create("/file").close()
    assert quota_tool(namenode.url, "setQuota", "/q", 5, -1, user="mallory") == (
        False, ["org.apache.hadoop.security.AccessControlException",
                "Access denied for user mallory. Superuser privilege is required to set quota on /q"])
    assert quota_tool(namenode.url, "setQuota", "/missing", 5, -1) == (
        False, ["java.io.FileNotFoundException", "Directory does not exist: /missing"])
    # The Java client does not unwrap these three; HDFS sends the same classes.
    ok, lines = quota_tool(namenode.url, "setQuota", "/file", 5, -1)
    assert not ok and lines[1] == "`/file': Is not a directory"
    ok, lines = quota_tool(namenode.url, "setQuota", "/", -1, -1)
    assert not ok and lines[1] == "Cannot clear namespace quota on root."
    ok, lines = quota_tool(namenode.url, "setQuotaByType", "/q", 100, "SSD")
    assert not ok and "does not support quotas by storage type" in lines[1]
    assert quota_tool(namenode.url, "usage", "/q") == (True, ["1 -1 0 -1"])


def test_quotas_survive_a_restart(namenode_factory, quota_tool, fsshell):
    daemon = namenode_factory.start()
    client = Client(daemon.url)
    client.mkdirs("/q/a", create_parent=True)
    assert quota_tool(daemon.url, "setQuota", "/q", 2, -1)[0]
    daemon.kill()
    daemon = namenode_factory.start()
    assert count_q(fsshell, daemon.url, "/q") == [["2", "0", "none", "inf", "2", "0", "0", "/q"]]
    with pytest.raises(Exception) as refused:
        Client(daemon.url).mkdirs("/q/b")
    assert "NSQuotaExceededException" in str(refused.value)

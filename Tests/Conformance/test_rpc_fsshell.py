"""Hadoop RPC framing, judged by Hadoop's own Java client (FsShell 3.5.0), which, unlike
hdfs-native, refuses replies missing proto2 `required` fields."""
import getpass
import os


def test_fsshell_stats_and_lists_root(namenode, fsshell):
    user = os.environ.get("HADOOP_USER_NAME", getpass.getuser())
    stat = fsshell(namenode.url, "-stat", "%F:%u:%g:%a", "/")
    assert stat.returncode == 0, stat.stderr
    assert stat.stdout.strip() == f"directory:{user}:supergroup:755"

    listing = fsshell(namenode.url, "-ls", "/")
    assert listing.returncode == 0, listing.stderr
    assert listing.stdout.strip() == ""

    assert fsshell(namenode.url, "-test", "-d", "/").returncode == 0
    assert fsshell(namenode.url, "-test", "-e", "/missing").returncode == 1


def test_fsshell_missing_path_message_and_exit_code(namenode, fsshell):
    result = fsshell(namenode.url, "-ls", "/nope")
    assert result.returncode == 1
    assert "ls: `/nope': No such file or directory" in result.stderr


def test_fsshell_sees_unimplemented_methods_by_name(namenode, fsshell):
    # Snapshots are not implemented: the Java client gets RpcNoSuchMethodException by name.
    result = fsshell(namenode.url, "-createSnapshot", "/", "s1")
    assert result.returncode == 1
    assert "Unknown method createSnapshot" in result.stderr

"""Block storage policies, judged by Hadoop's Java client (DistributedFileSystem's
getAllStoragePolicies, get/set/unsetStoragePolicy, and the policy id in file statuses and
listings, from a single-file Java program, java/StoragePolicyTool.java: `hdfs storagepolicies`
is not in the pyspark wheel) and by `rfs storagepolicies`, HDFS's StoragePolicyAdmin.

HDFS's rules: a policy set on a directory applies below it until one is set lower down; a
file's status reports the policy that applies to it; a listing reports them only to the
superuser (anyone else sees "unspecified"); getStoragePolicy answers the default (HOT) where
none applies; LAZY_PERSIST is never set on an existing file."""
import os
import subprocess
from pathlib import Path

import pytest

from conftest import RFS_BIN, _pyspark_jars

TOOL = Path(__file__).parent / "java" / "StoragePolicyTool.java"
HOT = "BlockStoragePolicy{HOT:7, storageTypes=[DISK], creationFallbacks=[], replicationFallbacks=[ARCHIVE]}"
COLD = "BlockStoragePolicy{COLD:2, storageTypes=[ARCHIVE], creationFallbacks=[], replicationFallbacks=[]}"
LAZY = ("BlockStoragePolicy{LAZY_PERSIST:15, storageTypes=[RAM_DISK, DISK], creationFallbacks=[DISK], "
        "replicationFallbacks=[DISK]}")


@pytest.fixture
def java_tool(hadoop_conf_dir):
    java_home = os.environ.get("JAVA_HOME")
    java = str(Path(java_home) / "bin" / "java") if java_home else "java"
    classpath = f"{hadoop_conf_dir}:{_pyspark_jars()}/*"

    def run(fs_url, *args, user=None):
        """(ok, lines): the tool's output lines, without the JVM's warnings."""
        env = dict(os.environ, HADOOP_USER_NAME=user) if user else None
        result = subprocess.run([java, "-cp", classpath, str(TOOL), fs_url, *args],
                                capture_output=True, text=True, timeout=120, env=env)
        return result.returncode == 0, result.stdout.strip().splitlines()

    return run


def rfs(url, tool, *args):
    return subprocess.run([RFS_BIN, tool, "-fs", url, *args], capture_output=True, text=True, timeout=120)


def test_storage_policies_as_hdfs_defines_them(namenode, java_tool):
    url = namenode.url
    for args in (("-mkdir", "-p", "/sp/d"), ("-touchz", "/sp/d/f", "/sp/g"), ("-chmod", "777", "/sp/d")):
        assert rfs(url, "dfs", *args).returncode == 0

    # The list: HDFS's default suite, in id order, the same through both tools.
    ok, java_list = java_tool(url, "list")
    assert ok and len(java_list) == 8 and java_list[3] == HOT, java_list
    listed = rfs(url, "storagepolicies", "-listPolicies")
    assert listed.returncode == 0
    assert listed.stdout.splitlines() == ["Block Storage Policies:"] + ["\t" + line for line in java_list]

    # Nothing set: the status says unspecified, getStoragePolicy the default.
    assert java_tool(url, "status", "/sp/d/f") == (True, ["0"])
    assert java_tool(url, "get", "/sp/d/f") == (True, [HOT])
    assert rfs(url, "storagepolicies", "-getStoragePolicy", "-path", "/sp/d/f").stdout == "The storage policy of /sp/d/f is unspecified\n"

    # Set on a directory (any case): inherited below it, in statuses for anyone.
    assert java_tool(url, "set", "/sp", "cold") == (True, ["ok"])
    assert java_tool(url, "status", "/sp/d/f") == (True, ["2"])
    assert java_tool(url, "status", "/sp/d/f", user="alice") == (True, ["2"])
    assert java_tool(url, "get", "/sp/d") == (True, [COLD])
    got = rfs(url, "storagepolicies", "-getStoragePolicy", "-path", "/sp/d/f")
    assert (got.returncode, got.stdout) == (0, f"The storage policy of /sp/d/f:\n{COLD}\n")

    # A file's own policy wins over its directory's; listings show them to the superuser only.
    done = rfs(url, "storagepolicies", "-setStoragePolicy", "-path", "/sp/g", "-policy", "ALL_SSD")
    assert (done.returncode, done.stdout) == (0, "Set storage policy ALL_SSD on /sp/g\n")
    assert java_tool(url, "ls", "/sp") == (True, ["d 2", "g 12"])
    assert java_tool(url, "ls", "/sp", user="alice") == (True, ["d 0", "g 0"])
    assert java_tool(url, "ls", "/sp/d") == (True, ["f 2"])

    # Refusals: their classes and messages as HDFS sends them, nothing changed.
    assert java_tool(url, "set", "/sp/g", "LAZY_PERSIST") == (
        False, ["org.apache.hadoop.ipc.RemoteException", f"Policy {LAZY} cannot be set after file creation."])
    refused = rfs(url, "storagepolicies", "-setStoragePolicy", "-path", "/sp/g", "-policy", "LAZY_PERSIST")
    assert (refused.returncode, refused.stderr) == (2, f"RemoteException: Policy {LAZY} cannot be set after file creation.\n")
    assert java_tool(url, "set", "/sp", "FROZEN") == (
        False, ["org.apache.hadoop.ipc.RemoteException", "Cannot find a block policy with the name FROZEN"])
    assert java_tool(url, "set", "/nope", "HOT") == (False, ["java.io.FileNotFoundException", "File/Directory does not exist: /nope"])
    missing = rfs(url, "storagepolicies", "-unsetStoragePolicy", "-path", "/nope")
    assert (missing.returncode, missing.stderr) == (2, "FileNotFoundException: File/Directory does not exist: /nope\n")
    denied = java_tool(url, "set", "/sp", "HOT", user="alice")
    assert denied[0] is False and denied[1][0] == "org.apache.hadoop.security.AccessControlException", denied
    assert java_tool(url, "set", "/sp/d", "WARM", user="alice") == (True, ["ok"])  # its own, 777 directory
    assert java_tool(url, "status", "/sp/g") == (True, ["12"])

    # No storage policy satisfier runs (HDFS's default mode, none): refused as HDFS refuses it.
    no_sps = ("Cannot request to satisfy storage policy when storage policy satisfier feature has been disabled by admin. "
              "Seek for an admin help to enable it or use Mover tool.")
    assert java_tool(url, "satisfy", "/sp/d/f") == (False, ["org.apache.hadoop.ipc.RemoteException", no_sps])
    satisfy = rfs(url, "storagepolicies", "-satisfyStoragePolicy", "-path", "/sp/d/f")
    assert (satisfy.returncode, satisfy.stderr) == (2, f"RemoteException: {no_sps}\n")

    # Unset: the parent's applies again, or the default at the top.
    assert java_tool(url, "unset", "/sp/d") == (True, ["ok"])
    assert java_tool(url, "status", "/sp/d/f") == (True, ["2"])
    unset = rfs(url, "storagepolicies", "-unsetStoragePolicy", "-path", "/sp")
    assert (unset.returncode, unset.stdout) == (0, "Unset storage policy from /sp\n")
    assert java_tool(url, "status", "/sp/d/f") == (True, ["0"])
    assert java_tool(url, "get", "/sp/d/f") == (True, [HOT])


def test_storagepolicies_usage_errors(namenode):
    none = rfs(namenode.url, "storagepolicies")
    assert none.returncode == 1 and none.stderr.startswith("Usage: rfs storagepolicies [COMMAND]\n          [-listPolicies]\n")
    unknown = rfs(namenode.url, "storagepolicies", "listPolicies")
    assert unknown.returncode == 1
    assert unknown.stderr.startswith("Can't understand command 'listPolicies'\nCommand names must start with dashes.\n")
    no_path = rfs(namenode.url, "storagepolicies", "-getStoragePolicy")
    assert no_path.returncode == 1 and no_path.stderr.startswith("Please specify the path with -path.\nUsage: [-getStoragePolicy -path <path>]\n")
    no_policy = rfs(namenode.url, "storagepolicies", "-setStoragePolicy", "-path", "/")
    assert no_policy.returncode == 1 and no_policy.stderr.startswith("Please specify the policy name.\nUsage: ")

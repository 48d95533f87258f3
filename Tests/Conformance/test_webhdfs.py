"""WebHDFS on a namenode with datanodes, judged by clients we did not write: Python's `hdfs`
package (HdfsCLI), fsspec's webhdfs:// filesystem and Hadoop's own WebHdfsFileSystem (FsShell
from the pyspark jars); then curl for the replies a bad request gets."""
import json
import os
import subprocess

import fsspec
import hdfs
import pytest
import requests

from conftest import RFS_BIN, Cluster, _pyspark_jars

# The keys of HDFS's FileStatus JSON (JsonUtil.toJsonMap), all of which Hadoop's client reads.
FILE_STATUS_KEYS = {"accessTime", "blockSize", "childrenNum", "fileId", "group", "length", "modificationTime",
                    "owner", "pathSuffix", "permission", "replication", "storagePolicy", "type"}


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    # The gateway user "gw" may act for bob and for members of the group "nobody-has-it".
    running = Cluster(tmp_path_factory.mktemp("webhdfs"),
                      conf=["hadoop.proxyuser.gw.users=bob", "hadoop.proxyuser.gw.groups=nobody-has-it",
                            "hadoop.proxyuser.gw.hosts=127.0.0.0/8"])
    # The tests act as several users; the root (owned by whoever runs the namenode, its
    # superuser) is opened to them all.
    superuser = os.environ.get("HADOOP_USER_NAME") or __import__("getpass").getuser()
    opened = requests.put(running.http_url + f"/webhdfs/v1/?op=SETPERMISSION&permission=777&user.name={superuser}")
    assert opened.status_code == 200, opened.text
    yield running
    running.stop()


def payload(size: int, seed: int = 7) -> bytes:
    # Not all one byte, so an offset mistake shows.
    return bytes((i * 31 + seed) % 251 for i in range(size))


def test_hdfscli_insecure_client(cluster, tmp_path):
    client = hdfs.InsecureClient(cluster.http_url, user="alice")
    client.makedirs("/cli/dir", permission="755")
    local = tmp_path / "up.bin"
    data = payload(3 * 1024 * 1024 + 17)
    local.write_bytes(data)
    client.upload("/cli/dir/up.bin", str(local))
    assert client.list("/cli/dir") == ["up.bin"]
    status = client.status("/cli/dir/up.bin")
    assert set(status) == FILE_STATUS_KEYS
    assert status["length"] == len(data) and status["type"] == "FILE" and status["owner"] == "alice"
    assert status["permission"] == "644" and status["replication"] == 3
    assert client.status("/cli/nope", strict=False) is None

    down = tmp_path / "down.bin"
    client.download("/cli/dir/up.bin", str(down))
    assert down.read_bytes() == data
    with client.read("/cli/dir/up.bin", offset=1000, length=50) as reader:
        assert reader.read() == data[1000:1050]

    client.rename("/cli/dir/up.bin", "/cli/dir/moved.bin")
    assert client.list("/cli/dir") == ["moved.bin"]
    client.set_permission("/cli/dir/moved.bin", "600")
    assert client.status("/cli/dir/moved.bin")["permission"] == "600"
    summary = client.content("/cli")
    assert (summary["directoryCount"], summary["fileCount"], summary["length"]) == (2, 1, len(data))
    assert summary["spaceConsumed"] == 3 * len(data) and summary["quota"] == -1

    with client.write("/cli/log.txt") as writer:
        writer.write(b"first line\n")
    client.write("/cli/log.txt", data=b"second line\n", append=True)
    with client.read("/cli/log.txt") as reader:
        assert reader.read() == b"first line\nsecond line\n"
    checksum = client.checksum("/cli/log.txt")
    assert checksum["algorithm"] == "MD5-of-0MD5-of-512CRC32C" and checksum["length"] == 28

    # HdfsCLI sends booleans as `True`.
    assert client.delete("/cli", recursive=True) is True
    assert client.status("/cli", strict=False) is None


def test_fsspec_webhdfs(cluster, tmp_path):
    fs = fsspec.filesystem("webhdfs", host="127.0.0.1", port=cluster.http_port, user="bob")
    fs.mkdir("/spec")
    local = tmp_path / "a.bin"
    data = payload(2 * 1024 * 1024, seed=3)
    local.write_bytes(data)
    fs.put(str(local), "/spec/a.bin")
    assert fs.ls("/spec", detail=False) == ["/spec/a.bin"]
    info = fs.info("/spec/a.bin")
    assert info["size"] == len(data) and info["type"] == "file"
    fs.get("/spec/a.bin", str(tmp_path / "b.bin"))
    assert (tmp_path / "b.bin").read_bytes() == data

    # fsspec writes by CREATE then one APPEND per 5 MiB buffered, ending with an empty one.
    big = payload(11 * 1024 * 1024, seed=5)
    with fs.open("/spec/written.bin", "wb") as f:
        f.write(big)
    with fs.open("/spec/written.bin", "rb") as f:
        f.seek(4 * 1024 * 1024 + 3)
        assert f.read(1000) == big[4 * 1024 * 1024 + 3:4 * 1024 * 1024 + 1003]
    assert fs.cat("/spec/written.bin") == big

    fs.rm("/spec", recursive=True)
    assert not fs.exists("/spec")


def test_hadoop_webhdfs_filesystem_through_fsshell(cluster, tmp_path, hadoop_conf_dir):
    java = os.path.join(os.environ["JAVA_HOME"], "bin", "java") if os.environ.get("JAVA_HOME") else "java"
    classpath = f"{hadoop_conf_dir}:{_pyspark_jars()}/*"

    def fsshell(*args, binary=False):
        return subprocess.run([java, "-cp", classpath, "org.apache.hadoop.fs.FsShell", "-fs", cluster.webhdfs_url, *args],
                              capture_output=True, text=not binary, timeout=180, env=dict(os.environ, HADOOP_USER_NAME="carol"))

    local = tmp_path / "data.bin"
    data = payload(5 * 1024 * 1024 + 123, seed=11)
    local.write_bytes(data)
    assert fsshell("-mkdir", "-p", "/hadoop/in").returncode == 0
    put = fsshell("-put", str(local), "/hadoop/in/data.bin")
    assert put.returncode == 0, put.stderr
    listing = fsshell("-ls", "/hadoop/in")
    assert listing.returncode == 0, listing.stderr
    assert "-rw-r--r--   3 carol supergroup    5243003" in listing.stdout and "/hadoop/in/data.bin" in listing.stdout
    got = tmp_path / "got.bin"
    get = fsshell("-get", "/hadoop/in/data.bin", str(got))
    assert get.returncode == 0, get.stderr
    assert got.read_bytes() == data
    cat = fsshell("-cat", "/hadoop/in/data.bin", binary=True)
    assert cat.returncode == 0 and cat.stdout == data
    missing = fsshell("-cat", "/hadoop/none")
    assert missing.returncode == 1 and "No such file or directory" in missing.stderr
    rm = fsshell("-rm", "-r", "/hadoop")
    assert rm.returncode == 0, rm.stderr
    assert fsshell("-test", "-e", "/hadoop").returncode == 1


# --- The REST surface itself, with curl -------------------------------------------------------

def curl(cluster, method, path_and_query, *extra, data_file=None):
    """(status, headers text, body) of one request, redirects not followed."""
    args = ["curl", "-sS", "--path-as-is", "-X", method, "-D", "-", "-o", "-", *extra]
    if data_file is not None:
        args += ["--data-binary", f"@{data_file}"]
    out = subprocess.run(args + [cluster.http_url + path_and_query], capture_output=True, timeout=60)
    head, _, body = out.stdout.partition(b"\r\n\r\n")
    status = int(head.split(b" ")[1])
    return status, head.decode(), body


def remote_exception(body: bytes) -> dict:
    reply = json.loads(body)
    assert set(reply) == {"RemoteException"}
    assert set(reply["RemoteException"]) == {"exception", "javaClassName", "message"}
    return reply["RemoteException"]


def test_redirects_carry_every_parameter_and_noredirect_answers_json(cluster):
    status, head, _ = curl(cluster, "PUT", "/webhdfs/v1/rest/f.txt?op=CREATE&user.name=dave&overwrite=true&replication=2")
    assert status == 307
    location = next(line.split(": ", 1)[1] for line in head.split("\r\n") if line.lower().startswith("location:"))
    assert "/webhdfs/v1/rest/f.txt?" in location
    assert "op=CREATE" in location and "user.name=dave" in location and "replication=2" in location
    assert "namenoderpcaddress=127.0.0.1:" in location

    # The datanode writes through the rfs client and answers 201 Created with the file's URI.
    created = requests.put(location, data=b"0123456789")
    assert created.status_code == 201 and created.headers["Location"].endswith("/rest/f.txt")
    status, _, body = curl(cluster, "GET", "/webhdfs/v1/rest/f.txt?op=OPEN&noredirect=true")
    assert status == 200 and json.loads(body)["Location"].startswith("http://127.0.0.1:")
    # JSON replies carry no Content-Type: Hadoop 3.5.0's WebHdfsFileSystem fails on one.
    status, head, body = curl(cluster, "GET", "/webhdfs/v1/rest/f.txt?op=GETFILESTATUS")
    assert status == 200 and "content-type" not in head.lower()
    assert json.loads(body)["FileStatus"]["replication"] == 2 and json.loads(body)["FileStatus"]["owner"] == "dave"

    read = requests.get(cluster.http_url + "/webhdfs/v1/rest/f.txt?op=OPEN&offset=3&length=4")
    assert read.status_code == 200 and read.content == b"3456"
    assert requests.get(cluster.http_url + "/webhdfs/v1/rest/f.txt?op=OPEN&offset=10").content == b""


def test_permissions_are_applied_as_given(cluster):
    """HDFS's WebHDFS applies a MKDIRS or CREATE permission unmasked (REST clients apply their
    own umask); without one, directories get 755 and files 644."""
    base = cluster.http_url + "/webhdfs/v1/perm"
    assert requests.put(base + "/open?op=MKDIRS&permission=777&user.name=erin").json() == {"boolean": True}
    assert requests.put(base + "/sticky?op=MKDIRS&permission=1777&user.name=erin").json() == {"boolean": True}
    assert requests.put(base + "/plain?op=MKDIRS&user.name=erin").json() == {"boolean": True}
    for name, data, query in (("shared", b"x", "&permission=666"), ("default", b"y", "")):
        made = requests.put(base + f"/plain/{name}?op=CREATE&user.name=erin{query}", data=data)
        assert made.status_code == 201, made.text
    def permission(path):
        return requests.get(base + path + "?op=GETFILESTATUS").json()["FileStatus"]["permission"]
    assert [permission(p) for p in ("/open", "/sticky", "/plain", "/plain/shared", "/plain/default")] == \
        ["777", "1777", "755", "666", "644"]


def test_listing_batches_and_small_replies_have_hdfs_shapes(cluster):
    for name in ["a", "b", "c"]:
        assert requests.put(cluster.http_url + f"/webhdfs/v1/batch/{name}?op=MKDIRS&user.name=erin").json() == {"boolean": True}
    page = requests.get(cluster.http_url + "/webhdfs/v1/batch?op=LISTSTATUS_BATCH&startAfter=a").json()["DirectoryListing"]
    assert [s["pathSuffix"] for s in page["partialListing"]["FileStatuses"]["FileStatus"]] == ["b", "c"]
    assert page["remainingEntries"] == 0
    statuses = requests.get(cluster.http_url + "/webhdfs/v1/batch?op=LISTSTATUS").json()["FileStatuses"]["FileStatus"]
    assert [s["type"] for s in statuses] == ["DIRECTORY"] * 3 and all(set(s) == FILE_STATUS_KEYS for s in statuses)
    assert requests.get(cluster.http_url + "/webhdfs/v1/?op=GETHOMEDIRECTORY&user.name=erin").json() == {"Path": "/user/erin"}
    assert requests.get(cluster.http_url + "/webhdfs/v1/?op=GETTRASHROOT&user.name=erin").json() == {"Path": "/user/erin/.Trash"}
    assert requests.put(cluster.http_url + "/webhdfs/v1/batch/a?op=RENAME&destination=/batch/z&user.name=erin").json() == {"boolean": True}
    assert requests.put(cluster.http_url + "/webhdfs/v1/batch/z?op=SETTIMES&modificationtime=1000000&user.name=erin").status_code == 200
    assert requests.get(cluster.http_url + "/webhdfs/v1/batch/z?op=GETFILESTATUS").json()["FileStatus"]["modificationTime"] == 1000000
    assert requests.delete(cluster.http_url + "/webhdfs/v1/batch?op=DELETE&recursive=true&user.name=erin").json() == {"boolean": True}
    assert requests.delete(cluster.http_url + "/webhdfs/v1/batch?op=DELETE&user.name=erin").json() == {"boolean": False}


@pytest.mark.parametrize("method, target, status, exception, message", [
    ("GET", "/webhdfs/v1/?op=NOSUCHOP", 400, "java.lang.IllegalArgumentException", "GetOpParam.Op.NOSUCHOP"),
    ("GET", "/webhdfs/v1/?op=MKDIRS", 400, "java.lang.IllegalArgumentException", "GetOpParam.Op.MKDIRS"),
    ("PUT", "/webhdfs/v1/errors/d?op=RENAME", 400, "java.lang.IllegalArgumentException", "destination"),
    ("PUT", "/webhdfs/v1/errors/d?op=RENAME&destination=/errors/e&renameoptions=BOGUS", 400,
     "java.lang.IllegalArgumentException", "Options.Rename.BOGUS"),
    ("GET", "/webhdfs/v1/errors?op=GETACLSTATUS", 400, "java.lang.UnsupportedOperationException", "GETACLSTATUS is not supported"),
    ("PUT", "/webhdfs/v1/errors?op=CREATESNAPSHOT", 400, "java.lang.UnsupportedOperationException", "CREATESNAPSHOT is not supported"),
    ("PUT", "/webhdfs/v1/errors/d?op=SETPERMISSION&permission=999", 400, "java.lang.IllegalArgumentException", "permission"),
    ("PUT", "/webhdfs/v1/errors/d?op=SETPERMISSION&permission=rwx", 400, "java.lang.IllegalArgumentException", "radix-8"),
    ("GET", "/webhdfs/v1/errors/f?op=OPEN&offset=-1", 400, "java.lang.IllegalArgumentException", "offset"),
    ("PUT", "/webhdfs/v1/errors/d?op=MKDIRS&user.name=frank&permission=755&x=1", 200, None, None),
    ("DELETE", "/webhdfs/v1/errors/d?op=DELETE&recursive=maybe", 400, "java.lang.IllegalArgumentException", "Boolean"),
    ("GET", "/webhdfs/v1/../../etc/passwd?op=GETFILESTATUS", 400, "org.apache.hadoop.fs.InvalidPathException", "Invalid path"),
    ("GET", "/webhdfs/v1/errors/missing?op=GETFILESTATUS", 404, "java.io.FileNotFoundException", "/errors/missing"),
    ("GET", "/webhdfs/v1/errors/missing?op=OPEN", 404, "java.io.FileNotFoundException", "/errors/missing"),
    ("PUT", "/webhdfs/v1/errors/private/x?op=MKDIRS&user.name=mallory", 403, "org.apache.hadoop.security.AccessControlException", "mallory"),
    ("DELETE", "/webhdfs/v1/errors?op=DELETE&user.name=frank", 403, "org.apache.hadoop.fs.PathIsNotEmptyDirectoryException", "/errors"),
])
def test_error_classes_with_curl(cluster, method, target, status, exception, message):
    if not requests.get(cluster.http_url + "/webhdfs/v1/errors/private?op=GETFILESTATUS").ok:
        requests.put(cluster.http_url + "/webhdfs/v1/errors?op=MKDIRS&permission=755&user.name=frank")
        requests.put(cluster.http_url + "/webhdfs/v1/errors/private?op=MKDIRS&permission=700&user.name=frank")
    before = requests.get(cluster.http_url + "/webhdfs/v1/errors?op=LISTSTATUS").json()
    got, _, body = curl(cluster, method, target)
    assert got == status, body
    if exception is None:
        return
    error = remote_exception(body)
    assert error["javaClassName"] == exception and error["exception"] == exception.rsplit(".", 1)[1]
    assert message in error["message"]
    # A refused request changes nothing.
    assert requests.get(cluster.http_url + "/webhdfs/v1/errors?op=LISTSTATUS").json() == before


def test_doas_acts_for_the_user_when_the_proxy_rules_allow_it(cluster):
    """doas makes the request act as that user, if `hadoop.proxyuser.<user.name>.*` allow it
    (the namenode checks, as HDFS's ProxyUsers do); otherwise 403 AuthorizationException."""
    base = cluster.http_url + "/webhdfs/v1/proxy"
    assert requests.put(base + "?op=MKDIRS&permission=777&user.name=gw").json() == {"boolean": True}
    assert requests.put(base + "/made?op=MKDIRS&user.name=gw&doas=bob").json() == {"boolean": True}
    assert requests.get(base + "/made?op=GETFILESTATUS").json()["FileStatus"]["owner"] == "bob"
    assert requests.put(base + "/made/f?op=CREATE&user.name=gw&doAs=bob", data=b"hi").status_code == 201
    assert requests.get(base + "/made/f?op=GETFILESTATUS").json()["FileStatus"]["owner"] == "bob"
    assert requests.get(cluster.http_url + "/webhdfs/v1/?op=GETHOMEDIRECTORY&user.name=gw&doas=bob").json() == {"Path": "/user/bob"}
    # Acting as oneself needs no rule.
    assert requests.put(base + "/self?op=MKDIRS&user.name=carol&doas=carol").json() == {"boolean": True}
    for user, target in (("gw", "carol"), ("carol", "bob")):
        refused = requests.put(base + f"/x?op=MKDIRS&user.name={user}&doas={target}")
        assert refused.status_code == 403, refused.text
        error = refused.json()["RemoteException"]
        assert error["javaClassName"] == "org.apache.hadoop.security.authorize.AuthorizationException"
        assert error["message"] == f"User: {user} is not allowed to impersonate {target}"
    names = [s["pathSuffix"] for s in requests.get(base + "?op=LISTSTATUS").json()["FileStatuses"]["FileStatus"]]
    assert names == ["made", "self"]


def test_concat_joins_blocks_of_any_length(cluster):
    """Hadoop 3's concat (HDFS-3689): partial blocks may be joined and read back across their
    edges; sources must sit in the target's directory."""
    base = cluster.http_url + "/webhdfs/v1"
    parts = {"/cc/t": b"t" * 3000, "/cc/s1": b"1" * 1000, "/cc/s2": b"2" * 500, "/elsewhere/x": b"x" * 10}
    for path, data in parts.items():
        assert requests.put(f"{base}{path}?op=CREATE&user.name=gina", data=data).status_code == 201
    assert requests.post(f"{base}/cc/t?op=CONCAT&sources=/cc/s1,/cc/s2&user.name=gina").status_code == 200
    joined = parts["/cc/t"] + parts["/cc/s1"] + parts["/cc/s2"]
    assert requests.get(f"{base}/cc/t?op=OPEN").content == joined
    assert requests.get(f"{base}/cc/t?op=OPEN&offset=2990&length=1020").content == joined[2990:4010]
    assert requests.get(f"{base}/cc/t?op=GETFILESTATUS").json()["FileStatus"]["length"] == 4500
    assert requests.get(f"{base}/cc/s1?op=GETFILESTATUS").status_code == 404
    refused = requests.post(f"{base}/cc/t?op=CONCAT&sources=/elsewhere/x&user.name=gina")
    assert refused.status_code == 400 and "not in the same directory" in refused.json()["RemoteException"]["message"]
    assert requests.get(f"{base}/elsewhere/x?op=GETFILESTATUS").status_code == 200


def test_rename_options_follow_rename2(cluster):
    """Without renameoptions RENAME is the old rename (a boolean); with them it is rename2:
    refusals are exceptions and success is an empty 200, as HDFS answers."""
    base = cluster.http_url + "/webhdfs/v1/ren"
    for name in ("a", "b", "c"):
        assert requests.put(base + f"/{name}?op=CREATE&user.name=erin", data=b"x").status_code == 201
    assert requests.put(base + "/a?op=RENAME&destination=/ren/b&user.name=erin").json() == {"boolean": False}
    refused = requests.put(base + "/a?op=RENAME&destination=/ren/b&renameoptions=NONE&user.name=erin")
    assert refused.status_code == 403
    assert refused.json()["RemoteException"]["javaClassName"] == "org.apache.hadoop.fs.FileAlreadyExistsException"
    moved = requests.put(base + "/a?op=RENAME&destination=/ren/b&renameoptions=OVERWRITE&user.name=erin")
    assert moved.status_code == 200 and moved.content == b""
    names = [s["pathSuffix"] for s in requests.get(base + "?op=LISTSTATUS").json()["FileStatuses"]["FileStatus"]]
    assert names == ["b", "c"]


def test_an_empty_append_checks_write_permission(cluster):
    base = cluster.http_url + "/webhdfs/v1/emptyappend"
    assert requests.put(base + "/f?op=CREATE&permission=644&user.name=erin", data=b"x").status_code == 201
    assert requests.post(base + "/f?op=APPEND&user.name=erin", data=b"").status_code == 200
    refused = requests.post(base + "/f?op=APPEND&user.name=mallory", data=b"")
    assert refused.status_code == 403
    assert refused.json()["RemoteException"]["javaClassName"] == "org.apache.hadoop.security.AccessControlException"


def test_a_body_the_namenode_does_not_take_is_refused_unread(cluster, tmp_path):
    big = tmp_path / "big.bin"
    big.write_bytes(b"x" * (1 << 20))
    status, _, body = curl(cluster, "PUT", "/webhdfs/v1/toolarge?op=MKDIRS&user.name=root", data_file=big)
    assert status == 413
    assert remote_exception(body)["javaClassName"] == "java.lang.IllegalArgumentException"
    assert requests.get(cluster.http_url + "/webhdfs/v1/toolarge?op=GETFILESTATUS").status_code == 404
    # A CREATE body sent to the namenode is not read: curl -L -T follows the 307 with it.
    upload = subprocess.run(["curl", "-sS", "-L", "-X", "PUT", "-T", str(big), "-o", "/dev/null", "-w", "%{http_code}",
                             cluster.http_url + "/webhdfs/v1/curl/up.bin?op=CREATE&user.name=root"],
                            capture_output=True, text=True, timeout=60)
    assert upload.stdout == "201", upload.stderr
    assert requests.get(cluster.http_url + "/webhdfs/v1/curl/up.bin?op=OPEN").content == big.read_bytes()


def test_create_without_overwrite_on_an_existing_file_is_refused_by_the_datanode(cluster):
    url = cluster.http_url + "/webhdfs/v1/once.txt?op=CREATE&user.name=root"
    assert requests.put(url, data=b"first").status_code == 201
    again = requests.put(url, data=b"second")
    assert again.status_code == 403
    assert remote_exception(again.content)["javaClassName"] == "org.apache.hadoop.fs.FileAlreadyExistsException"
    assert requests.get(cluster.http_url + "/webhdfs/v1/once.txt?op=OPEN").content == b"first"


def test_owner_replication_truncate_concat_quota_usage_and_server_defaults(cluster):
    superuser = os.environ.get("HADOOP_USER_NAME") or __import__("getpass").getuser()
    base = cluster.http_url + "/webhdfs/v1/ops"

    def create(name, data):
        redirect = requests.put(f"{base}/{name}?op=CREATE&user.name=gina&blocksize=1048576", allow_redirects=False)
        assert redirect.status_code == 307
        assert requests.put(redirect.headers["Location"], data=data).status_code == 201

    create("a", b"a" * 1048576)
    create("b", b"b" * 1000)
    assert requests.put(f"{base}/a?op=SETREPLICATION&replication=2&user.name=gina").json() == {"boolean": True}
    assert requests.get(f"{base}/a?op=GETFILESTATUS").json()["FileStatus"]["replication"] == 2
    # CONCAT moves b's blocks onto the end of a.
    assert requests.post(f"{base}/a?op=CONCAT&sources=/ops/b&user.name=gina").status_code == 200
    assert requests.get(f"{base}/a?op=GETFILESTATUS").json()["FileStatus"]["length"] == 1048576 + 1000
    assert requests.get(f"{base}/b?op=GETFILESTATUS").status_code == 404
    # TRUNCATE on a block boundary is immediate: {"boolean": true}.
    assert requests.post(f"{base}/a?op=TRUNCATE&newlength=1048576&user.name=gina").json() == {"boolean": True}
    assert requests.get(f"{base}/a?op=OPEN&offset=1048570").content == b"a" * 6
    # Only the superuser gives a file away.
    refused = requests.put(f"{base}/a?op=SETOWNER&owner=hank&user.name=gina")
    assert refused.status_code == 403 and remote_exception(refused.content)["exception"] == "AccessControlException"
    assert requests.put(f"{base}/a?op=SETOWNER&owner=hank&group=staff&user.name={superuser}").status_code == 200
    status = requests.get(f"{base}/a?op=GETFILESTATUS").json()["FileStatus"]
    assert (status["owner"], status["group"]) == ("hank", "staff")
    # No policy was set on it or above it: HDFS reports 0 (unspecified), not HOT's 7.
    assert status["storagePolicy"] == 0
    assert requests.put(f"{base}/a?op=SETOWNER&user.name={superuser}").status_code == 400
    assert requests.get(f"{base}?op=GETQUOTAUSAGE&user.name={superuser}").json()["QuotaUsage"]["fileAndDirectoryCount"] == 2
    defaults = requests.get(cluster.http_url + "/webhdfs/v1/?op=GETSERVERDEFAULTS").json()["FsServerDefaults"]
    assert defaults["blockSize"] == 134217728 and defaults["bytesPerChecksum"] == 512


def rpc_calls(cluster, method: str) -> float:
    """Successful ClientProtocol calls of `method` the namenode has answered, from /metrics."""
    from prometheus_client.parser import text_string_to_metric_families
    text = requests.get(cluster.http_url + "/metrics", timeout=10).text
    return sum(sample.value for family in text_string_to_metric_families(text) for sample in family.samples
               if sample.name == "rfs_rpc_calls_total" and sample.labels == {"method": method, "status": "SUCCESS"})


def test_checkaccess_with_curl(cluster):
    # gina's directory (750) and a file in it (640).
    assert requests.put(cluster.http_url + "/webhdfs/v1/access?op=MKDIRS&permission=750&user.name=gina").ok
    redirect = requests.put(cluster.http_url + "/webhdfs/v1/access/f?op=CREATE&permission=640&user.name=gina", allow_redirects=False)
    assert requests.put(redirect.headers["Location"], data=b"private").status_code == 201

    # Allowed: 200 with an empty body.
    for fsaction in ["rw-", "r--", "---"]:
        status, _, body = curl(cluster, "GET", f"/webhdfs/v1/access/f?op=CHECKACCESS&fsaction={fsaction}&user.name=gina")
        assert status == 200 and body == b"", body
    assert curl(cluster, "GET", "/webhdfs/v1/access?op=CHECKACCESS&fsaction=rwx&user.name=gina")[0] == 200

    # Denied: 403 AccessControlException, HDFS's "Permission denied" text naming what was missing.
    status, _, body = curl(cluster, "GET", "/webhdfs/v1/access/f?op=CHECKACCESS&fsaction=--x&user.name=gina")
    error = remote_exception(body)
    assert status == 403 and error["javaClassName"] == "org.apache.hadoop.security.AccessControlException"
    assert error["message"].startswith('Permission denied: user=gina, access=EXECUTE, inode="/access/f":gina:')
    status, _, body = curl(cluster, "GET", "/webhdfs/v1/access/f?op=CHECKACCESS&fsaction=r--&user.name=henry")
    assert status == 403 and 'user=henry, access=EXECUTE, inode="/access"' in remote_exception(body)["message"]
    # Missing: 404 FileNotFoundException.
    status, _, body = curl(cluster, "GET", "/webhdfs/v1/access/none?op=CHECKACCESS&fsaction=r--&user.name=gina")
    assert status == 404 and remote_exception(body) == {"exception": "FileNotFoundException",
                                                        "javaClassName": "java.io.FileNotFoundException", "message": "Path not found"}
    # A bad or missing fsaction: 400 IllegalArgumentException, as HDFS's FsActionParam refuses it.
    status, _, body = curl(cluster, "GET", "/webhdfs/v1/access/f?op=CHECKACCESS&fsaction=rwz&user.name=gina")
    assert status == 400 and remote_exception(body)["message"] == \
        'Invalid value for webhdfs parameter "fsaction": Invalid value: "rwz" does not belong to the domain [r-][w-][x-]'
    status, _, body = curl(cluster, "GET", "/webhdfs/v1/access/f?op=CHECKACCESS&user.name=gina")
    assert status == 400 and remote_exception(body)["message"] == "Required param fsaction for op: CHECKACCESS is null or empty"
    # CHECKACCESS is a GET operation.
    assert curl(cluster, "PUT", "/webhdfs/v1/access/f?op=CHECKACCESS&fsaction=r--")[0] == 400


def test_test_r_and_w_ask_the_namenode_over_rpc_and_webhdfs(cluster, fsshell):
    """Hadoop's FsShell `-test -r/-w` calls FileSystem.access: ClientProtocol.checkAccess over
    hdfs://, CHECKACCESS over webhdfs://; rfs's own shell calls checkAccess too."""
    assert requests.put(cluster.http_url + "/webhdfs/v1/tests?op=MKDIRS&permission=755&user.name=ivan").ok
    redirect = requests.put(cluster.http_url + "/webhdfs/v1/tests/f?op=CREATE&permission=644&user.name=ivan", allow_redirects=False)
    assert requests.put(redirect.headers["Location"], data=b"x").status_code == 201

    expected = [  # (user, flag, path, exit code)
        ("ivan", "-r", "/tests/f", 0), ("ivan", "-w", "/tests/f", 0), ("judy", "-r", "/tests/f", 0),
        ("judy", "-w", "/tests/f", 1), ("judy", "-w", "/tests", 1), ("ivan", "-r", "/tests/none", 1),
    ]
    before = rpc_calls(cluster, "checkAccess")
    for url in [cluster.url, cluster.webhdfs_url]:
        for user, flag, path, code in expected:
            result = fsshell(url, "-test", flag, path, user=user)
            assert result.returncode == code, f"{url} {user} -test {flag} {path}: {result.returncode} {result.stderr}"
    for user, flag, path, code in expected:
        ours = subprocess.run([RFS_BIN, "dfs", "-fs", cluster.url, "-test", flag, path],
                              capture_output=True, text=True, timeout=60, env=dict(os.environ, HADOOP_USER_NAME=user))
        assert ours.returncode == code, f"rfs dfs {user} -test {flag} {path}: {ours.stderr}"
    # Each allowed check was answered by the namenode's checkAccess, not decided by the client.
    allowed = sum(1 for _, _, _, code in expected if code == 0)
    assert rpc_calls(cluster, "checkAccess") - before >= 3 * allowed


def test_extended_attributes_and_storage_policies_over_webhdfs_match_rpc(cluster, hadoop_conf_dir, tmp_path):
    """Hadoop's WebHdfsFileSystem (FsShell's -setfattr/-getfattr over webhdfs://, and
    java/StoragePolicyTool.java) must see what its DistributedFileSystem sees over RPC on the
    same namenode; then curl for the JSON shapes and the refusals."""
    java = os.path.join(os.environ["JAVA_HOME"], "bin", "java") if os.environ.get("JAVA_HOME") else "java"
    classpath = f"{hadoop_conf_dir}:{_pyspark_jars()}/*"
    superuser = os.environ.get("HADOOP_USER_NAME") or __import__("getpass").getuser()

    def fsshell(fs_url, *args):
        result = subprocess.run([java, "-cp", classpath, "org.apache.hadoop.fs.FsShell", "-fs", fs_url, *args],
                                capture_output=True, text=True, timeout=180, env=dict(os.environ, HADOOP_USER_NAME=superuser))
        return result.returncode, result.stdout, result.stderr

    def policy_tool(fs_url, *args):
        tool = os.path.join(os.path.dirname(__file__), "java", "StoragePolicyTool.java")
        result = subprocess.run([java, "-cp", classpath, tool, fs_url, *args], capture_output=True, text=True, timeout=180,
                                env=dict(os.environ, HADOOP_USER_NAME=superuser))
        return result.returncode, result.stdout.strip().splitlines()

    rpc, web = cluster.url, cluster.webhdfs_url
    assert fsshell(rpc, "-mkdir", "-p", "/xw/r/d", "/xw/w/d")[0] == 0
    assert fsshell(rpc, "-touchz", "/xw/r/f", "/xw/w/f")[0] == 0
    # The same changes through each, then every view through both must agree.
    for fs_url, root in ((rpc, "/xw/r"), (web, "/xw/w")):
        for args in (("-n", "user.text", "-v", '"héllo"'), ("-n", "user.bin", "-v", "0x00ff7f"), ("-n", "user.empty"),
                     ("-n", "trusted.t", "-v", "0sAAE=")):
            assert fsshell(fs_url, "-setfattr", *args, f"{root}/f") == (0, "", "")
        assert fsshell(fs_url, "-setfattr", "-x", "user.empty", f"{root}/f") == (0, "", "")
        assert fsshell(fs_url, "-setfattr", "-n", "user.dir", "-v", "1", f"{root}/d") == (0, "", "")
    for args in (("-d",), ("-d", "-e", "hex"), ("-d", "-e", "base64"), ("-n", "user.bin"), ("-n", "user.none"), ("-R", "-d")):
        for fs_url in (rpc, web):
            want = fsshell(rpc, "-getfattr", *args, "/xw/r")
            got = fsshell(fs_url, "-getfattr", *args, "/xw/w" if fs_url == web else "/xw/r")
            assert (got[0], got[1].replace("/xw/w", "/xw/r"), got[2].replace("/xw/w", "/xw/r")) == want, (fs_url, args)
    assert fsshell(web, "-setfattr", "-x", "user.none", "/xw/w/f") == fsshell(rpc, "-setfattr", "-x", "user.none", "/xw/r/f")

    assert policy_tool(web, "list") == policy_tool(rpc, "list")
    assert policy_tool(web, "set", "/xw/w", "WARM") == (0, ["ok"])
    assert policy_tool(rpc, "get", "/xw/w/d") == policy_tool(web, "get", "/xw/w/d")
    assert policy_tool(web, "status", "/xw/w/f") == (0, ["5"])
    assert policy_tool(web, "ls", "/xw/w") == (0, ["d 5", "f 5"])
    assert policy_tool(web, "unset", "/xw/w") == (0, ["ok"])
    assert policy_tool(web, "status", "/xw/w/f") == (0, ["0"])
    assert policy_tool(web, "set", "/xw/w", "FROZEN") == (1, ["org.apache.hadoop.ipc.RemoteException",
                                                              "Cannot find a block policy with the name FROZEN"])

    # The JSON itself, as HDFS's JsonUtil writes it.
    status, _, body = curl(cluster, "GET", f"/webhdfs/v1/xw/r/f?op=LISTXATTRS&user.name={superuser}")
    names = json.loads(body)
    assert status == 200 and set(names) == {"XAttrNames"} and isinstance(names["XAttrNames"], str)
    assert sorted(json.loads(names["XAttrNames"])) == ["trusted.t", "user.bin", "user.text"]
    status, _, body = curl(cluster, "GET", f"/webhdfs/v1/xw/r/f?op=GETXATTRS&encoding=text&xattr.name=user.text&user.name={superuser}")
    assert (status, json.loads(body)) == (200, {"XAttrs": [{"name": "user.text", "value": '"héllo"'}]})
    status, _, body = curl(cluster, "GET", "/webhdfs/v1/xw/r/f?op=GETSTORAGEPOLICY")
    assert (status, json.loads(body)) == (200, {"BlockStoragePolicy": {
        "copyOnCreateFile": False, "creationFallbacks": [], "id": 7, "name": "HOT", "replicationFallbacks": ["ARCHIVE"],
        "storageTypes": ["DISK"]}})
    status, _, body = curl(cluster, "GET", "/webhdfs/v1/?op=GETALLSTORAGEPOLICY")
    policies = json.loads(body)["BlockStoragePolicies"]["BlockStoragePolicy"]
    assert status == 200 and [p["name"] for p in policies] == ["PROVIDED", "COLD", "WARM", "HOT", "ONE_SSD", "ALL_SSD", "ALL_NVDIMM", "LAZY_PERSIST"]
    assert [p["copyOnCreateFile"] for p in policies] == [False] * 7 + [True]
    for method, query, code, exception, message in (
            ("GET", "op=GETXATTRS", 400, "IllegalArgumentException", "Required param encoding for op: GETXATTRS is null or empty"),
            ("GET", "op=GETXATTRS&encoding=rot13", 400, "IllegalArgumentException",
             'Invalid value for webhdfs parameter "encoding": No enum constant org.apache.hadoop.fs.XAttrCodec.ROT13'),
            ("GET", "op=GETXATTRS&encoding=hex&xattr.name=user.none", 403, "IOException",
             "At least one of the attributes provided was not found."),
            ("PUT", "op=SETXATTR&xattr.name=user.a", 400, "IllegalArgumentException", "Required param flag for op: SETXATTR is null or empty"),
            ("PUT", "op=SETXATTR&xattr.name=bad&flag=CREATE", 400, "HadoopIllegalArgumentException",
             "An XAttr name must be prefixed with user/trusted/security/system/raw, followed by a '.'"),
            ("PUT", "op=SETXATTR&xattr.name=user.text&flag=CREATE", 403, "IOException",
             "XAttr: text already exists. The REPLACE flag must be specified."),
            ("PUT", "op=SETSTORAGEPOLICY", 400, "IllegalArgumentException", "Storage policy name is empty."),
            ("PUT", "op=SETSTORAGEPOLICY&storagepolicy=FROZEN", 400, "HadoopIllegalArgumentException",
             "Cannot find a block policy with the name FROZEN"),
            # No storage policy satisfier runs (HDFS's default): the namenode's refusal, an IOException.
            ("PUT", "op=SATISFYSTORAGEPOLICY", 403, "UnsupportedActionException",
             "Cannot request to satisfy storage policy when storage policy satisfier feature has been disabled by admin. "
             "Seek for an admin help to enable it or use Mover tool.")):
        status, _, body = curl(cluster, method, f"/webhdfs/v1/xw/r/f?{query}&user.name={superuser}")
        got = remote_exception(body)
        assert (status, got["exception"], got["message"]) == (code, exception, message), (query, status, got)

"""WebHDFS on the namenodes of an HA nameservice (`rfs minicluster`: three namenodes, one Raft
group). A standby refuses every WebHDFS call, reads and writes, as HDFS's does: 403 with a
RemoteException of class StandbyException (checked with curl); Hadoop's own WebHdfsFileSystem
works against the active, and given the nameservice it takes a standby's refusal as its cue
to fail over."""
import json
import os
import subprocess

import pytest
import requests

from conftest import _pyspark_jars

STANDBY = "org.apache.hadoop.ipc.StandbyException"


def curl(url, method, path_and_query):
    """(status, body) of one request, redirects not followed."""
    out = subprocess.run(["curl", "-sS", "--path-as-is", "-X", method, "-D", "-", "-o", "-", url + path_and_query],
                         capture_output=True, timeout=60)
    head, _, body = out.stdout.partition(b"\r\n\r\n")
    return int(head.split(b" ")[1]), body


def remote_exception(body: bytes) -> dict:
    reply = json.loads(body)
    assert set(reply) == {"RemoteException"} and set(reply["RemoteException"]) == {"exception", "javaClassName", "message"}
    return reply["RemoteException"]


@pytest.mark.parametrize("method, target, category", [
    ("GET", "/webhdfs/v1/?op=LISTSTATUS", "READ"),
    ("GET", "/webhdfs/v1/standby/f?op=GETFILESTATUS", "READ"),
    ("GET", "/webhdfs/v1/standby/f?op=OPEN", "READ"),
    ("GET", "/webhdfs/v1/standby/f?op=GETFILEBLOCKLOCATIONS", "READ"),
    ("GET", "/webhdfs/v1/standby?op=CHECKACCESS&fsaction=r-x", "READ"),
    ("GET", "/webhdfs/v1/?op=GETHOMEDIRECTORY&user.name=root", "READ"),
    ("PUT", "/webhdfs/v1/standby/made?op=MKDIRS&user.name=root", "WRITE"),
    ("PUT", "/webhdfs/v1/standby/new?op=CREATE&user.name=root", "WRITE"),
    ("POST", "/webhdfs/v1/standby/f?op=APPEND&user.name=root", "WRITE"),
    ("PUT", "/webhdfs/v1/standby/f?op=SETPERMISSION&permission=600&user.name=root", "WRITE"),
    ("DELETE", "/webhdfs/v1/standby/f?op=DELETE&user.name=root", "WRITE"),
])
def test_a_standby_refuses_webhdfs_reads_and_writes_with_standby_exception(ha_minicluster, method, target, category):
    cluster = ha_minicluster
    active = cluster.active_index()
    active_url = cluster.http_urls[active]
    if not requests.get(active_url + "/webhdfs/v1/standby/f?op=GETFILESTATUS").ok:
        redirect = requests.put(active_url + "/webhdfs/v1/standby/f?op=CREATE&user.name=root", allow_redirects=False)
        assert requests.put(redirect.headers["Location"], data=b"written through the active").status_code == 201
    before = requests.get(active_url + "/webhdfs/v1/standby?op=LISTSTATUS").json()

    for standby in [i for i in range(3) if i != active]:
        status, body = curl(cluster.http_urls[standby], method, target)
        assert status == 403, body
        error = remote_exception(body)
        assert error["javaClassName"] == STANDBY and error["exception"] == "StandbyException"
        assert error["message"].startswith(f"Operation category {category} is not supported in state standby"), error
        # rfs names the active namenode, so a person reading the error knows where to go.
        assert f"the active namenode is {cluster.IDS[active]} (127.0.0.1:{cluster.rpc_ports[active]})" in error["message"]

    # Nothing changed, and the file is as the active wrote it.
    assert requests.get(active_url + "/webhdfs/v1/standby?op=LISTSTATUS").json() == before
    assert requests.get(active_url + "/webhdfs/v1/standby/f?op=OPEN").content == b"written through the active"


def test_a_standby_still_refuses_a_malformed_request_as_malformed(ha_minicluster):
    # Parameters are parsed before the namenode is asked anything, as HDFS parses them.
    active = ha_minicluster.active_index()
    standby = ha_minicluster.http_urls[(active + 1) % 3]
    status, body = curl(standby, "GET", "/webhdfs/v1/?op=NOSUCHOP")
    assert status == 400 and remote_exception(body)["javaClassName"] == "java.lang.IllegalArgumentException"
    for method, target, parameter in [("GET", "/webhdfs/v1/?op=CHECKACCESS&fsaction=rwz", "fsaction"),
                                      ("PUT", "/webhdfs/v1/a?op=RENAME", "destination"),
                                      ("PUT", "/webhdfs/v1/a?op=MKDIRS&permission=999", "permission"),
                                      ("GET", "/webhdfs/v1/a?op=OPEN&offset=-1", "offset")]:
        status, body = curl(standby, method, target)
        assert status == 400 and parameter in remote_exception(body)["message"], body


def hadoop_fsshell(conf_dir, fs_url, *args, binary=False):
    java = os.path.join(os.environ["JAVA_HOME"], "bin", "java") if os.environ.get("JAVA_HOME") else "java"
    return subprocess.run([java, "-cp", f"{conf_dir}:{_pyspark_jars()}/*", "org.apache.hadoop.fs.FsShell", "-fs", fs_url, *args],
                          capture_output=True, text=not binary, timeout=180, env=dict(os.environ, HADOOP_USER_NAME="root"))


def test_hadoop_webhdfs_filesystem_on_the_active_and_failing_over_from_a_standby(ha_minicluster, tmp_path):
    cluster = ha_minicluster
    conf = cluster.hadoop_conf_dir  # the minicluster's own: the nameservice with each namenode's HTTP address
    data = bytes((i * 7) % 251 for i in range(3 * 1024 * 1024 + 5))
    local = tmp_path / "ha.bin"
    local.write_bytes(data)

    # Straight at the active, by its address.
    active_fs = "webhdfs://" + cluster.http_urls[cluster.active_index()].removeprefix("http://")
    assert hadoop_fsshell(conf, active_fs, "-mkdir", "-p", "/webhdfs-ha").returncode == 0
    put = hadoop_fsshell(conf, active_fs, "-put", "-f", str(local), "/webhdfs-ha/direct.bin")
    assert put.returncode == 0, put.stderr
    cat = hadoop_fsshell(conf, active_fs, "-cat", "/webhdfs-ha/direct.bin", binary=True)
    assert cat.returncode == 0 and cat.stdout == data

    # Through the nameservice with nn1, the namenode WebHdfsFileSystem tries first, a standby:
    # every call starts with a StandbyException from it and must go on to the active.
    cluster.make_active(1)
    assert cluster.states()[0] == "standby"
    ha_fs = "webhdfs://rfscluster"
    put = hadoop_fsshell(conf, ha_fs, "-put", str(local), "/webhdfs-ha/through-nameservice.bin")
    assert put.returncode == 0, put.stderr
    listing = hadoop_fsshell(conf, ha_fs, "-ls", "/webhdfs-ha")
    assert listing.returncode == 0 and "/webhdfs-ha/through-nameservice.bin" in listing.stdout, listing.stderr
    cat = hadoop_fsshell(conf, ha_fs, "-cat", "/webhdfs-ha/through-nameservice.bin", binary=True)
    assert cat.returncode == 0 and cat.stdout == data
    assert hadoop_fsshell(conf, ha_fs, "-test", "-w", "/webhdfs-ha/through-nameservice.bin").returncode == 0
    rm = hadoop_fsshell(conf, ha_fs, "-rm", "-r", "/webhdfs-ha")
    assert rm.returncode == 0, rm.stderr
    assert hadoop_fsshell(conf, ha_fs, "-test", "-e", "/webhdfs-ha").returncode == 1


def test_a_redirect_names_the_nameservice_so_the_transfer_outlives_a_failover(ha_minicluster):
    # HDFS's namenode hands the datanode the nameservice (not its own address): the datanode's
    # client then follows the active wherever it goes, even while the transfer is under way.
    active = ha_minicluster.active_index()
    reply = requests.put(ha_minicluster.http_urls[active] + "/webhdfs/v1/ha-redirect/a.bin?op=CREATE&user.name=root&noredirect=true")
    assert reply.status_code == 200, reply.text
    location = reply.json()["Location"]
    service = [part.split("=", 1)[1] for part in location.split("?", 1)[1].split("&") if part.startswith("namenoderpcaddress=")]
    assert service and ":" not in service[0], location
    assert service[0] in (ha_minicluster.hadoop_conf_dir / "hdfs-site.xml").read_text()

    # Leadership moves before the bytes arrive: the namenode that redirected is a standby now.
    ha_minicluster.make_active((active + 1) % 3)
    data = os.urandom(300_000)
    written = requests.put(location, data=data)
    assert written.status_code == 201, written.text
    assert written.headers["Location"] == f"hdfs://{service[0]}/ha-redirect/a.bin"
    new_active = ha_minicluster.http_urls[ha_minicluster.active_index()]
    assert requests.get(new_active + "/webhdfs/v1/ha-redirect/a.bin?op=OPEN&user.name=root").content == data

"""Short-circuit local reads on `rfs minicluster`, whose client configuration turns them on
(dfs.client.read.shortcircuit + dfs.domain.socket.path) as a one-host HDFS deployment does.
Hadoop's Java client from the pyspark jars has no libhadoop, so it cannot use them and must keep
reading over TCP with that configuration; rfs's own client reads the replicas' files."""
import os
import re
import signal
import subprocess
import urllib.request

from conftest import RFS_BIN, _pyspark_jars, free_port_run, wait_until


def _datanode_metric(directory, index: int, name: str) -> float:
    log = (directory / "logs" / f"datanode{index}.log").read_text()
    address = re.search(r"http server started address=(\S+)", log).group(1)
    text = urllib.request.urlopen(f"http://{address}/metrics", timeout=10).read().decode()
    values = [float(line.split()[-1]) for line in text.splitlines() if line.startswith(name)]
    return sum(values)


def test_fsshell_cat_works_over_tcp_and_rfs_reads_short_circuit_with_the_minicluster_configuration(tmp_path):
    directory = tmp_path / "sc"
    port = free_port_run(1)
    cluster = subprocess.Popen([RFS_BIN, "minicluster", "-d", str(directory), "--namenodes", "1", "--port", str(port),
                                "--http-port", str(free_port_run(1)), "--datanodes", "3"],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        for line in cluster.stdout:
            if "Ctrl-C stops every daemon" in line:
                break
        assert cluster.poll() is None
        conf = directory / "etc" / "hadoop"
        hdfs_site = (conf / "hdfs-site.xml").read_text()
        assert "<name>dfs.client.read.shortcircuit</name><value>true</value>" in hdfs_site
        socket_path = re.search(r"<name>dfs.domain.socket.path</name><value>([^<]+)</value>", hdfs_site).group(1)
        assert socket_path.endswith("/dn._PORT")
        # Every datanode serves its own socket, its transfer port in place of _PORT.
        wait_until(lambda: len([p for p in os.listdir(os.path.dirname(socket_path)) if p.startswith("dn.")]) == 3, 30,
                   "three datanode sockets")

        payload = os.urandom(3 * 1024 * 1024 + 12345)
        local = tmp_path / "payload.bin"
        local.write_bytes(payload)
        java = [os.path.join(os.environ["JAVA_HOME"], "bin", "java") if os.environ.get("JAVA_HOME") else "java",
                "-cp", f"{conf}:{_pyspark_jars()}/*", "org.apache.hadoop.fs.FsShell"]
        put = subprocess.run(java + ["-put", str(local), "/payload.bin"], capture_output=True, timeout=120)
        assert put.returncode == 0, put.stderr.decode()

        # Hadoop's FsShell -cat: short-circuit is configured, libhadoop is absent, TCP it is.
        grants_before = sum(_datanode_metric(directory, i, "rfs_datanode_short_circuit_grants_total") for i in (1, 2, 3))
        cat = subprocess.run(java + ["-cat", "/payload.bin"], capture_output=True, timeout=120)
        assert cat.returncode == 0, cat.stderr.decode()
        assert cat.stdout == payload
        grants_after_java = sum(_datanode_metric(directory, i, "rfs_datanode_short_circuit_grants_total") for i in (1, 2, 3))
        assert grants_after_java == grants_before

        # rfs's own shell with the rfs configuration the minicluster wrote: the same bytes, read
        # from the replica files the datanodes handed over on their sockets.
        rfs_cat = subprocess.run([RFS_BIN, "dfs", "-conf", str(directory / "etc" / "rfs-site.conf"), "-cat", "/payload.bin"],
                                 capture_output=True, timeout=120)
        assert rfs_cat.returncode == 0, rfs_cat.stderr.decode()
        assert rfs_cat.stdout == payload
        grants_after_rfs = sum(_datanode_metric(directory, i, "rfs_datanode_short_circuit_grants_total") for i in (1, 2, 3))
        assert grants_after_rfs > grants_after_java
    finally:
        cluster.send_signal(signal.SIGINT)
        cluster.communicate(timeout=60)
    assert cluster.returncode == 0
    # The datanodes removed their socket files on the way out.
    assert not [p for p in os.listdir(os.path.dirname(socket_path)) if p.startswith("dn.")]

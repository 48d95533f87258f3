"""`rfs minicluster` (what `make run` starts): daemons as processes, a Hadoop client
configuration that works as written, and Ctrl-C stopping everything."""
import os
import signal
import subprocess
import time

from conftest import RFS_BIN, _pyspark_jars, free_port_run


def test_minicluster_serves_hadoop_clients_from_its_own_configuration_and_stops_on_ctrl_c(tmp_path):
    port = free_port_run(3)
    directory = tmp_path / "cluster"
    cluster = subprocess.Popen([RFS_BIN, "minicluster", "-d", str(directory), "--port", str(port), "--datanodes", "2",
                                "--http-port", str(free_port_run(3))],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        banner = []
        for line in cluster.stdout:
            banner.append(line)
            if "Ctrl-C stops every daemon" in line:
                break
        text = "".join(banner)
        # Three namenodes by default: an HA nameservice whose namenodes count up from --port.
        assert "3 namenodes" in text and "hdfs://rfscluster" in text and "2 datanodes" in text
        assert all(f"127.0.0.1:{port + i}" in text for i in range(3))

        # Hadoop's FsShell with only the written configuration on its classpath: no -fs. It
        # finds the active namenode through ConfiguredFailoverProxyProvider.
        conf = directory / "etc" / "hadoop"
        assert (conf / "core-site.xml").read_text().count("hdfs://rfscluster") == 1
        hdfs_site = (conf / "hdfs-site.xml").read_text()
        assert "dfs.ha.namenodes.rfscluster" in hdfs_site and "ConfiguredFailoverProxyProvider" in hdfs_site
        local = tmp_path / "hello.txt"
        local.write_text("hello from FsShell\n")
        java = [os.path.join(os.environ["JAVA_HOME"], "bin", "java") if os.environ.get("JAVA_HOME") else "java",
                "-cp", f"{conf}:{_pyspark_jars()}/*", "org.apache.hadoop.fs.FsShell"]
        put = subprocess.run(java + ["-put", str(local), "/hello.txt"], capture_output=True, text=True, timeout=120)
        assert put.returncode == 0, put.stderr
        cat = subprocess.run(java + ["-cat", "/hello.txt"], capture_output=True, text=True, timeout=120)
        assert cat.stdout == "hello from FsShell\n"
        assert len(list((directory / "logs").glob("datanode*.log"))) == 2
        assert len(list((directory / "logs").glob("namenode-nn*.log"))) == 3
        # Our shell reads the rfs equivalent of that configuration.
        states = subprocess.run([RFS_BIN, "haadmin", "-conf", str(directory / "etc" / "rfs-site.conf"), "-getAllServiceState"],
                                capture_output=True, text=True, timeout=60)
        assert sorted(line.split()[-1] for line in states.stdout.splitlines()) == ["active", "standby", "standby"], states
    finally:
        cluster.send_signal(signal.SIGINT)
        rest = cluster.communicate(timeout=60)[0]
    assert cluster.returncode == 0
    assert "rfs minicluster stopped" in rest
    # No daemon of this cluster is left running.
    time.sleep(0.5)
    leftover = subprocess.run(["pgrep", "-f", str(directory)], capture_output=True, text=True)
    assert leftover.stdout.strip() == ""

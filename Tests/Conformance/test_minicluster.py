"""`rfs minicluster` (what `make run` starts): daemons as processes, a Hadoop client
configuration that works as written, and Ctrl-C stopping everything."""
import os
import signal
import subprocess
import time

from conftest import RFS_BIN, _pyspark_jars, free_port


def test_minicluster_serves_hadoop_clients_from_its_own_configuration_and_stops_on_ctrl_c(tmp_path):
    port = free_port()
    directory = tmp_path / "cluster"
    cluster = subprocess.Popen([RFS_BIN, "minicluster", "-d", str(directory), "--port", str(port), "--datanodes", "2",
                                "--http-port", str(free_port())],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        banner = []
        for line in cluster.stdout:
            banner.append(line)
            if "Ctrl-C stops every daemon" in line:
                break
        text = "".join(banner)
        assert f"hdfs://127.0.0.1:{port}" in text and "2 datanodes" in text

        # Hadoop's FsShell with only the written configuration on its classpath: no -fs.
        conf = directory / "etc" / "hadoop"
        assert (conf / "core-site.xml").read_text().count(f"hdfs://127.0.0.1:{port}") == 1
        local = tmp_path / "hello.txt"
        local.write_text("hello from FsShell\n")
        java = [os.path.join(os.environ["JAVA_HOME"], "bin", "java") if os.environ.get("JAVA_HOME") else "java",
                "-cp", f"{conf}:{_pyspark_jars()}/*", "org.apache.hadoop.fs.FsShell"]
        put = subprocess.run(java + ["-put", str(local), "/hello.txt"], capture_output=True, text=True, timeout=120)
        assert put.returncode == 0, put.stderr
        cat = subprocess.run(java + ["-cat", "/hello.txt"], capture_output=True, text=True, timeout=120)
        assert cat.stdout == "hello from FsShell\n"
        assert len(list((directory / "logs").glob("datanode*.log"))) == 2
    finally:
        cluster.send_signal(signal.SIGINT)
        rest = cluster.communicate(timeout=60)[0]
    assert cluster.returncode == 0
    assert "rfs minicluster stopped" in rest
    # No daemon of this cluster is left running.
    time.sleep(0.5)
    leftover = subprocess.run(["pgrep", "-f", str(directory)], capture_output=True, text=True)
    assert leftover.stdout.strip() == ""

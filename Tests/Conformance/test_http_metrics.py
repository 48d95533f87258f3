"""`/metrics` and `/jmx` on the namenode and every datanode: the Prometheus text parses with
prometheus_client's own parser, and the counters move when a file is written and read."""
import requests
from prometheus_client.parser import text_string_to_metric_families


def scrape(url: str) -> dict:
    """{(sample name, frozenset(labels)): value} of one /metrics page."""
    reply = requests.get(url + "/metrics", timeout=10)
    assert reply.status_code == 200
    assert reply.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    samples = {}
    for family in text_string_to_metric_families(reply.text):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def value(samples: dict, name: str, **labels) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def total(samples: dict, name: str) -> float:
    return sum(v for (n, _), v in samples.items() if n == name)


def test_metrics_parse_and_move_when_a_file_is_written_and_read(cluster):
    datanodes = [cluster.datanode_http_url(i) for i in range(len(cluster.datanodes))]
    before = scrape(cluster.http_url)
    dn_before = [scrape(url) for url in datanodes]

    data = bytes(range(256)) * 4096  # 1 MiB
    redirect = requests.put(cluster.http_url + "/webhdfs/v1/metrics/one.bin?op=CREATE&user.name=root", allow_redirects=False)
    assert redirect.status_code == 307
    assert requests.put(redirect.headers["Location"], data=data).status_code == 201
    assert requests.get(cluster.http_url + "/webhdfs/v1/metrics/one.bin?op=OPEN&user.name=root").content == data

    after = scrape(cluster.http_url)
    dn_after = [scrape(url) for url in datanodes]
    # RPC calls per method and their latency histograms (the WebHDFS gateway is an RPC client).
    assert value(after, "rfs_rpc_calls_total", method="create", status="SUCCESS") >= \
        value(before, "rfs_rpc_calls_total", method="create", status="SUCCESS") + 1
    assert value(after, "rfs_rpc_call_duration_count", method="addBlock") > value(before, "rfs_rpc_call_duration_count", method="addBlock")
    # The edit log: fsync latency histogram and the counters behind entries per fsync.
    assert total(after, "rfs_wal_fsync_duration_count") > total(before, "rfs_wal_fsync_duration_count")
    assert value(after, "rfs_wal_appends_total") >= value(before, "rfs_wal_appends_total") + 3  # mkdirs, create, addBlock, complete
    assert value(after, "rfs_wal_entries_per_fsync") >= 1
    # Namespace and block states.
    assert value(after, "rfs_namenode_files_and_directories") == value(before, "rfs_namenode_files_and_directories") + 2
    assert value(after, "rfs_namenode_blocks") == value(before, "rfs_namenode_blocks") + 1
    assert value(after, "rfs_namenode_datanodes", state="live") == len(datanodes)
    assert value(after, "rfs_namenode_blocks_missing") == 0 and value(after, "rfs_namenode_safe_mode") == 0
    # Datanodes: three replicas written, one read; volumes, heartbeats.
    written = sum(total(a, "rfs_datanode_bytes_written_total") - total(b, "rfs_datanode_bytes_written_total")
                  for a, b in zip(dn_after, dn_before))
    assert written == 3 * len(data)
    read = sum(total(a, "rfs_datanode_bytes_read_total") - total(b, "rfs_datanode_bytes_read_total") for a, b in zip(dn_after, dn_before))
    assert read >= len(data)
    assert sum(total(a, "rfs_datanode_packets_received_total") for a in dn_after) > sum(total(b, "rfs_datanode_packets_received_total") for b in dn_before)
    for samples in dn_after:
        assert total(samples, "rfs_datanode_volume_capacity_bytes") > 0
        assert value(samples, "rfs_datanode_volumes_failed") == 0
        assert total(samples, "rfs_datanode_checksum_failures_total") == 0
        lags = [v for (n, _), v in samples.items() if n == "rfs_datanode_heartbeat_lag_seconds"]
        assert len(lags) == 1 and 0 <= lags[0] < 10


def test_jmx_has_hdfs_beans_and_honours_qry(cluster):
    beans = requests.get(cluster.http_url + "/jmx", timeout=10).json()["beans"]
    names = {bean["name"] for bean in beans}
    assert {"Hadoop:service=NameNode,name=FSNamesystem", "Hadoop:service=NameNode,name=NameNodeStatus",
            "Hadoop:service=NameNode,name=RFSMetrics"} <= names
    fsn = next(bean for bean in beans if bean["name"].endswith("FSNamesystem"))
    assert fsn["NumLiveDataNodes"] == len(cluster.datanodes) and fsn["tag.HAState"] == "active"
    only = requests.get(cluster.http_url + "/jmx?qry=Hadoop:service=NameNode,name=NameNodeStatus", timeout=10).json()["beans"]
    assert [bean["name"] for bean in only] == ["Hadoop:service=NameNode,name=NameNodeStatus"] and only[0]["State"] == "active"
    dn = requests.get(cluster.datanode_http_url(0) + "/jmx?qry=Hadoop:service=DataNode,name=FSDatasetState", timeout=10).json()["beans"]
    assert dn[0]["Capacity"] > 0 and dn[0]["NumFailedVolumes"] == 0


def jmx(url: str, query: str) -> list:
    reply = requests.get(url + "/jmx?qry=" + query, timeout=10)
    assert reply.status_code == 200 and reply.headers["Content-Type"].startswith("application/json")
    return reply.json()["beans"]


def test_jmx_on_the_ha_minicluster_names_the_active_and_the_standbys(ha_minicluster):
    cluster = ha_minicluster
    states = cluster.states()  # what `rfs haadmin` says over the HA RPC protocol
    assert sorted(states) == ["active", "standby", "standby"]
    active = states.index("active")
    for index, (url, state) in enumerate(zip(cluster.http_urls, states)):
        # HDFS's beans, as HA probes and scripts read them.
        status = jmx(url, "Hadoop:service=NameNode,name=NameNodeStatus")
        assert [bean["name"] for bean in status] == ["Hadoop:service=NameNode,name=NameNodeStatus"]
        assert status[0]["State"] == state and status[0]["NNRole"] == "NameNode"
        assert status[0]["HostAndPort"] == f"127.0.0.1:{cluster.rpc_ports[index]}" and status[0]["SecurityEnabled"] is False
        fsn = jmx(url, "Hadoop:service=NameNode,name=FSNamesystem")[0]
        assert fsn["tag.HAState"] == state and fsn["NumLiveDataNodes"] == 3

        # rfs's Raft bean carries what /metrics has as rfs_raft_*.
        raft = jmx(url, "Hadoop:service=NameNode,name=RaftStatus")[0]
        assert raft["Nameservice"] == "rfscluster" and raft["NamenodeId"] == cluster.IDS[index]
        assert raft["State"] == state and raft["Leader"] == cluster.IDS[active]
        assert raft["Term"] >= 1 and raft["AppliedIndex"] >= 1 and raft["CommitIndex"] >= 1 and raft["LeaderChanges"] >= 1
        members = raft["Members"]
        assert [m["Id"] for m in members] == cluster.IDS
        assert [m["State"] for m in members] == ["active" if i == active else "standby" for i in range(3)]
        assert [m["Self"] for m in members] == [i == index for i in range(3)]
        assert [m["HttpAddress"] for m in members] == [u.removeprefix("http://") for u in cluster.http_urls]
        if state == "active":
            # Only the leader tracks its followers: each member's match index and lag.
            assert all(m["LagEntries"] >= 0 and m["MatchIndex"] >= 1 for m in members), members
        else:
            assert all("LagEntries" not in m for m in members), members
        metrics = scrape(url)
        assert value(metrics, "rfs_raft_term") == raft["Term"]
        assert value(metrics, "rfs_namenode_ha_active") == (1 if state == "active" else 0)

    # `qry` takes wildcards, as Hadoop's JMXJsonServlet does; the Prometheus samples are there too.
    names = [bean["name"] for bean in jmx(cluster.http_urls[active], "Hadoop:service=NameNode,name=*Status")]
    assert names == ["Hadoop:service=NameNode,name=NameNodeStatus", "Hadoop:service=NameNode,name=RaftStatus"]
    samples = jmx(cluster.http_urls[active], "Hadoop:service=NameNode,name=RFSMetrics")[0]
    assert samples["rfs_namenode_ha_active"] == 1 and "rfs_raft_commit_index" in samples
    assert any(key.startswith('rfs_raft_member_lag_entries{member="') for key in samples)

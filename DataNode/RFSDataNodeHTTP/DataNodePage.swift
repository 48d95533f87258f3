import RFSDataNode
import RFSHTTP
import RFSMetrics
import RFSModel

/// The datanode's page (`/` on its HTTP port): identity, volumes with their use, failed
/// volumes, transfers in progress, namenode links and the data-path counters.
enum DataNodePage {
    static func render(daemon: DataNodeDaemon?) -> String {
        guard let daemon else {
            return HTMLPage.render(title: "Datanode starting", navigation: [], refreshSeconds: 2,
                                   body: "<p>The datanode is still starting: it waits for its namenode.</p>")
        }
        let context = daemon.context
        let identity = context.identity
        let (usage, failed) = context.catalog.volumeUsage()
        let counters = Dictionary(MetricsPages.samples(RFSMetrics.exposition()).map { ($0.0, $0.1.rendered) },
                                  uniquingKeysWith: { first, _ in first })
        func counter(_ name: String) -> String { HTMLPage.escape(counters[name] ?? "0") }
        func bytesCounter(_ name: String) -> String { HTMLPage.bytes(Int64(counters[name] ?? "0") ?? 0) }

        var body = HTMLPage.facts([
            ("Version", HTMLPage.escape(RFSBuild.version)),
            ("Datanode", HTMLPage.escape("\(identity.hostName) (\(identity.datanodeUUID))")),
            ("Data transfer", HTMLPage.escape(identity.transferAddress)),
            ("HTTP port", "\(identity.infoPort)"),
            ("Block pool", HTMLPage.escape(context.blockPoolID)),
            ("Replicas", "\(context.catalog.replicaCount)"),
        ])
        body += "<h2>Volumes</h2>"
        body += HTMLPage.table(
            headers: ["Directory", "Storage", "Capacity", "Used by rfs", "Available", "Use"],
            rows: usage.map { volume in
                [HTMLPage.escape(volume.path), HTMLPage.escape(volume.storageID), HTMLPage.bytes(volume.capacityBytes),
                 HTMLPage.bytes(volume.usedBytes), HTMLPage.bytes(volume.availableBytes),
                 HTMLPage.bar(used: volume.capacityBytes - volume.availableBytes, total: volume.capacityBytes)]
            }, numericColumns: [2, 3, 4])
        if failed.isEmpty {
            body += "<p class=\"ok\">No failed volumes.</p>"
        } else {
            body += "<h2 class=\"bad\">Failed volumes</h2>"
            body += HTMLPage.table(headers: ["Directory", "Reason"],
                                   rows: failed.map { [HTMLPage.escape($0.path), HTMLPage.escape($0.reason)] })
        }
        body += "<h2>Transfers</h2>"
        body += HTMLPage.facts([
            ("Connections in progress (xceivers)", "\(context.load.connections)"),
            ("Replications in progress", "\(context.load.transfers)"),
            ("Bytes written", bytesCounter("rfs_datanode_bytes_written_total")),
            ("Bytes read", bytesCounter("rfs_datanode_bytes_read_total")),
            ("Packets received / sent", "\(counter("rfs_datanode_packets_received_total")) / \(counter("rfs_datanode_packets_sent_total"))"),
            ("Checksum failures", counter("rfs_datanode_checksum_failures_total")),
            ("Pipeline recoveries", counter("rfs_datanode_pipeline_recoveries_total")),
        ])
        body += "<h2>Namenodes</h2>"
        body += HTMLPage.table(headers: ["Namenode", "Last heartbeat answered"], rows: daemon.namenodes.map { namenode in
            let lag = namenode.secondsSinceLastHeartbeat.map { "\(Int($0.rounded())) s ago" } ?? "not yet"
            return [HTMLPage.escape("\(namenode.address)"), lag]
        })
        return HTMLPage.render(title: "Datanode \(identity.transferAddress)",
                               navigation: [("Overview", "/"), ("Metrics", "/metrics"), ("JMX", "/jmx")],
                               refreshSeconds: 5, body: body)
    }
}

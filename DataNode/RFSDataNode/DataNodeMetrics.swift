import Metrics

/// The datanode's data-path counters (swift-metrics; `/metrics` exports them). Made on first
/// use, which in the daemon comes after `RFSMetrics.bootstrap()`.
enum DataNodeMetrics {
    static let bytesWritten = Counter(label: "rfs_datanode_bytes_written_total")
    static let packetsReceived = Counter(label: "rfs_datanode_packets_received_total")
    static let bytesRead = Counter(label: "rfs_datanode_bytes_read_total")
    static let packetsSent = Counter(label: "rfs_datanode_packets_sent_total")
    /// Packets refused because a chunk's CRC did not match (a writer's or an upstream's bytes).
    static let checksumFailures = Counter(label: "rfs_datanode_checksum_failures_total")
    /// Pipelines re-opened after a failure (PIPELINE_SETUP_*_RECOVERY stages).
    static let pipelineRecoveries = Counter(label: "rfs_datanode_pipeline_recoveries_total")
    /// Replicas handed to local clients for short-circuit reads (their bytes are not in bytesRead).
    static let shortCircuitGrants = Counter(label: "rfs_datanode_short_circuit_grants_total")
}

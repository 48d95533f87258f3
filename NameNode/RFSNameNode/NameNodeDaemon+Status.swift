import RFSNamespace
import RFSWAL

/// Read-only figures for the web UI and `/metrics`: cheap lookups, no walk of the namespace.
extension NameNodeDaemon {
    /// Whether the namenode refuses changes (automatic safe mode at start, or entered by hand).
    public var isInSafeMode: Bool { clientProtocol.safeMode.isOn }

    /// Files and directories in the namespace (HDFS's FilesTotal), and the bytes they use
    /// with replication, from the root's quota counters.
    public func namespaceTotals() throws -> (inodes: UInt64, spaceConsumedBytes: UInt64) {
        let reads = engine.reads
        let superuser = try reads.counters()?.superuser ?? "hdfs"
        let usage = try reads.quotaUsage("/", caller: Caller(user: superuser, groups: []))
        return (usage.fileAndDirectoryCount, usage.spaceConsumedBytes)
    }

    /// The edit log's counters since start (appends, fsyncs, batches, bytes).
    public var walStats: WALStats { engine.walStats }
}

extension NamespaceEngine {
    public var walStats: WALStats { wal.stats }
}

import RFSModel
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

/// The Raft group as this namenode sees it, for the web UI and `/metrics`.
public struct RaftGroupView: Sendable {
    public struct Member: Sendable {
        public var id: String
        public var address: HostPort
        public var isLeader: Bool
        public var isSelf: Bool
        /// The leader's view; nil when this namenode does not lead.
        public var matchIndex: UInt64?
        public var lag: UInt64?
        /// Being added: replicated to, not voting yet.
        public var learner = false
    }

    public var nameservice: String
    public var isActive: Bool
    public var term: UInt64
    public var commitIndex: UInt64
    public var appliedIndex: UInt64
    public var leaderChanges: UInt64
    public var members: [Member]
}

extension NameNodeDaemon {
    /// Nil for a single namenode.
    public var raftView: RaftGroupView? {
        guard let raft = engine.raft, let membership = ha.membership else { return nil }
        let status = raft.status
        // In the configuration's order (members it does not list, added since, after them).
        let position = Dictionary(uniqueKeysWithValues: membership.members.enumerated().map { ($1.id, $0) })
        let ordered = status.members.sorted { (position[$0.name] ?? .max, $0.name) < (position[$1.name] ?? .max, $1.name) }
        let members = ordered.map { member in
            let replication = status.replication[member.id]
            return RaftGroupView.Member(
                id: member.name, address: member.address, isLeader: member.id == status.leader, isSelf: member.id == raft.id,
                matchIndex: replication?.match, lag: replication.map { status.lastIndex > $0.match ? status.lastIndex - $0.match : 0 },
                learner: member.learner)
        }
        return RaftGroupView(nameservice: membership.nameservice, isActive: ha.isActive, term: status.term,
                             commitIndex: status.commitIndex, appliedIndex: engine.lastAppliedIndex,
                             leaderChanges: status.leaderChanges, members: members)
    }
}

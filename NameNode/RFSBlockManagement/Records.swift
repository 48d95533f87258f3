// The block manager's internal records. Nothing here is public: the block map and the
// datanode table change only through BlockManager's operations, which keep them in step.

/// One replica of a block as its datanode last reported it.
struct ReplicaRecord: Hashable, Sendable {
    var datanode: DatanodeUUID
    var generationStamp: UInt64
    var numBytes: Int64
    var state: ReplicaState
    /// Reported bad by a reader or the block scanner. Sticky: a later report with the right
    /// stamp and length says nothing about the bytes, so it does not clear it.
    var isReportedBad: Bool

    /// The replica as its datanode knows it: what a deletion command must name, since a
    /// datanode refuses to delete a replica whose stamp differs.
    func asBlock(_ id: BlockID) -> Block { Block(id: id, generationStamp: generationStamp, numBytes: numBytes) }
}

/// How a replica counts for its block.
enum ReplicaCondition: Sendable {
    /// Readable and counted towards replication.
    case good
    /// Being written for a committed block (a transfer arriving, a pipeline closing):
    /// neither counted nor corrupt yet.
    case pending
    /// Wrong generation stamp or length, or reported bad: to be deleted once enough good
    /// replicas exist.
    case corrupt
}

/// A block the namespace told us about, and where its replicas are.
struct BlockRecord: Sendable {
    var block: Block
    var expectedReplication: Int
    var fileID: UInt64
    /// The writer has fixed the length and stamp (the client moved on or closed the file).
    var isCommitted: Bool
    /// Committed and once held `minimumReplication` good replicas; sticky, as in HDFS.
    var isComplete = false
    var replicas: [ReplicaRecord] = []
    /// While under construction: the pipeline the namenode chose for the writer (addBlock,
    /// then updatePipeline), which readers are sent to before any of them has reported the
    /// replica (HDFS's expected locations of a block under construction).
    var expectedLocations: [DatanodeUUID] = []
    /// Cached: counted in `safeBlockCount`.
    var isSafe = false

    func replicaIndex(on datanode: DatanodeUUID) -> Int? {
        replicas.firstIndex { $0.datanode == datanode }
    }

    /// Judges one replica against what the namespace says the block is.
    func condition(of replica: ReplicaRecord) -> ReplicaCondition {
        if replica.isReportedBad { return .corrupt }
        guard isCommitted else {
            // An older stamp is a replica left behind by pipeline recovery.
            return replica.generationStamp < block.generationStamp ? .corrupt : .good
        }
        switch replica.state {
        case .finalized:
            let matches = replica.generationStamp == block.generationStamp && replica.numBytes == block.numBytes
            return matches ? .good : .corrupt
        case .rbw:
            return replica.generationStamp == block.generationStamp ? .pending : .corrupt
        }
    }
}

/// A transfer queued for a source datanode, sent with its next heartbeat reply.
struct QueuedTransfer: Sendable {
    var block: Block
    var targets: [DatanodeUUID]
}

/// A transfer sent (or queued) and not yet confirmed by every target.
struct PendingTransfer: Sendable {
    var source: DatanodeUUID
    var targets: [DatanodeUUID]
    var deadlineMillis: Int64
}

/// A datanode: what it told us, what it holds, and what we will tell it.
struct DatanodeRecord: Sendable {
    var identity: DatanodeIdentity
    var stats = DatanodeStats()
    var adminState: AdminState
    var isAlive = true
    var lastHeartbeatMillis: Int64
    /// Blocks with a replica on this datanode in the block map (the reverse index).
    var blocks: Set<BlockID> = []
    var queuedTransfers: [QueuedTransfer] = []
    var queuedInvalidations: [Block] = []
    /// Replicas told (or about to be told) to go: reports of them are ignored, and the
    /// datanode is never a transfer target for them, until it reports them gone.
    var pendingInvalidations: Set<BlockID> = []
    /// Commands other than transfers and deletions, in the order they were queued.
    var queuedCommands: [BlockCommand] = []

    var uuid: DatanodeUUID { identity.uuid }

    /// Alive and in service: a target for new replicas, and its replicas count as live.
    var isInService: Bool { isAlive && adminState == .normal }

    var status: DatanodeStatus {
        DatanodeStatus(identity: identity, stats: stats, adminState: adminState, isAlive: isAlive,
                       lastHeartbeatMillis: lastHeartbeatMillis, blockCount: blocks.count)
    }
}

/// The state of a replica on a datanode, as far as the block manager cares.
public enum ReplicaState: Sendable, Hashable {
    /// Complete and immutable; counts towards the block's replication.
    case finalized
    /// Being written (a pipeline is open, or a transfer is arriving).
    case rbw
}

/// One replica in a block report.
public struct ReplicaReport: Hashable, Sendable {
    public var block: Block
    public var state: ReplicaState

    public init(block: Block, state: ReplicaState = .finalized) {
        self.block = block
        self.state = state
    }
}

/// An instruction for one datanode, carried by its next heartbeat reply.
public enum BlockCommand: Hashable, Sendable {
    /// Copy the local finalized replica of `block` to `targets`, a pipeline: the first target
    /// forwards to the second, and so on.
    case transfer(block: Block, targets: [DatanodeIdentity])
    /// Delete these local replicas (excess, corrupt, or of removed files).
    case invalidate(blocks: [Block])
    /// Become the primary of the recovery of `block`: reconcile the replicas on `replicas`
    /// and stamp the survivors with `newGenerationStamp` (lease recovery), cut to `newLength`
    /// when a truncate inside the block asked for one.
    case recover(block: Block, newGenerationStamp: UInt64, newLength: Int64? = nil, replicas: [DatanodeIdentity])
    /// Finalize a pending storage upgrade.
    case finalize
    /// This namenode does not know the datanode (or declared it dead): register again and
    /// send a full block report.
    case reregister
}

/// What `register` did.
public enum RegistrationResult: Hashable, Sendable {
    /// The datanode is registered. `replaced` names a datanode with another uuid but the same
    /// transfer address that this registration removed (the machine was reformatted).
    case registered(DatanodeIdentity, adminState: AdminState, replaced: DatanodeUUID?)
    case rejected(RegistrationRejection)
}

public enum RegistrationRejection: Hashable, Sendable, CustomStringConvertible {
    case emptyUUID
    case invalidPort(name: String, value: Int)

    public var description: String {
        switch self {
        case .emptyUUID: "the datanode sent an empty datanodeUuid"
        case .invalidPort(let name, let value): "the datanode sent \(name) \(value), outside 0...65535"
        }
    }
}

/// What a block report (full or incremental) changed.
public struct BlockReportResult: Hashable, Sendable {
    /// The reporter is unknown or was declared dead: nothing was processed; it must register
    /// again (and then send a full report).
    public var needsRegistration = false
    /// Replicas newly recorded (or updated) in the block map.
    public var added = 0
    /// Replicas the report no longer lists (or reports deleted), removed from the block map.
    public var removed = 0
    /// Replicas of blocks the namespace does not know, queued for deletion.
    public var invalidated = 0
    /// Replicas recorded as corrupt (wrong generation stamp or length).
    public var markedCorrupt = 0

    public init() {}
}

/// Where to read a block.
public struct BlockLocations: Hashable, Sendable {
    public var block: Block
    /// Live replicas; replicas on decommissioning nodes last. When every replica is corrupt,
    /// the corrupt ones (and `isCorrupt` is set), so a reader can still try.
    public var datanodes: [DatanodeIdentity]
    public var isCorrupt: Bool
    /// The block is still being written; `datanodes` is its pipeline.
    public var isUnderConstruction: Bool
}

/// Totals for getFsStats and `dfsadmin -report`. Decommissioning and decommissioned nodes
/// count only their used space, as in HDFS, because nothing new will be written to them.
public struct ClusterStats: Hashable, Sendable {
    public var capacityBytes: Int64 = 0
    public var dfsUsedBytes: Int64 = 0
    public var remainingBytes: Int64 = 0
    public var nonDfsUsedBytes: Int64 = 0
    public var liveDatanodes = 0
    public var deadDatanodes = 0
    public var decommissioningDatanodes = 0
    /// Blocks the namespace told us about.
    public var blocks = 0
    /// Committed blocks with fewer live replicas than expected (missing ones included).
    public var underReplicatedBlocks = 0
    /// Blocks with at least one corrupt replica.
    public var corruptBlocks = 0
    /// Committed blocks with no readable good replica at all.
    public var missingBlocks = 0
    /// Missing blocks whose expected replication is 1 (HDFS reports them apart).
    public var missingReplicationOneBlocks = 0
    /// Replicas queued for deletion and not yet sent.
    public var pendingDeletionReplicas = 0
    /// Blocks with a transfer in flight.
    public var pendingReplicationBlocks = 0

    public init() {}
}

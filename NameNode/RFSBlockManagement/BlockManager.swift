/// The namenode's block management: which datanodes are alive, where every replica is, where
/// new ones go, and what each datanode must copy or delete. HDFS's BlockManager,
/// DatanodeManager, HeartbeatManager, replication monitor and decommission manager, as one
/// pure value.
///
/// Everything is soft state, rebuilt from registrations, heartbeats and block reports after a
/// restart; the namespace tells it which blocks exist (`addBlock`, `commitBlock`,
/// `removeBlocks`). Time comes in as `nowMillis` and randomness as a generator, so a
/// simulation replays exactly from its seed; nothing here reads a clock or touches I/O.
/// Commands for a datanode are queued and handed out by its next `heartbeat`.
///
/// A struct with mutating methods rather than a class: it is one value a shell owns behind a
/// lock (`Mutex.withLock { $0.heartbeat(…) }` mutates it in place), tests copy it to compare
/// states, and `Sendable` comes for free. Decisions never depend on the iteration order of a
/// `Set` or `Dictionary` (which Swift randomizes per process): whatever is iterated to decide
/// is sorted first.
public struct BlockManager: Sendable {
    public let configuration: BlockManagerConfiguration

    var datanodes: [DatanodeUUID: DatanodeRecord] = [:]
    var blocks: [BlockID: BlockRecord] = [:]
    /// Committed blocks that are under-, over- or badly replicated: what the replication
    /// monitor looks at, so it never scans the whole block map.
    var neededWork: Set<BlockID> = []
    var pendingTransfers: [BlockID: PendingTransfer] = [:]
    /// Hosts named in the exclude list (`refreshNodes`); a datanode registering under one of
    /// these names starts decommissioning.
    var excludedHosts: Set<String> = []
    var committedBlockCount = 0
    var safeBlockCount = 0
    /// A standby (a Raft follower) hears every datanode's reports but may apply the edit that
    /// adds a block after a replica of it is reported: such replicas wait here for the block
    /// instead of being taken for garbage, and a standby hands out no commands (HDFS's
    /// PendingDataNodeMessages).
    public private(set) var isStandby = false
    var postponedReplicas: [BlockID: [PostponedReplica]] = [:]

    struct PostponedReplica: Sendable {
        var datanode: DatanodeUUID
        var report: ReplicaReport
        var reportedMillis: Int64
    }

    /// How long a replica of a block the standby does not know waits for the block: far
    /// longer than a follower lags its leader; after that it is a deleted file's leftover.
    static let postponedReplicaLifetimeMillis: Int64 = 10 * 60 * 1000

    public init(configuration: BlockManagerConfiguration = BlockManagerConfiguration()) {
        self.configuration = configuration
    }

    /// Standby: postpone replicas of unknown blocks, hand out no commands, leave replication
    /// to the active. Becoming active forgets the replicas still postponed: every edit is
    /// applied by then, so their blocks are gone, and the datanodes' next full reports have
    /// them deleted.
    public mutating func setStandby(_ standby: Bool) {
        isStandby = standby
        if !standby { postponedReplicas = [:] }
    }

    public var postponedReplicaCount: Int { postponedReplicas.values.reduce(0) { $0 + $1.count } }
}

/// How the replicas of one block count.
public struct ReplicaCounts: Hashable, Sendable {
    /// Good replicas on in-service datanodes: what replication is measured by.
    public var live = 0
    /// Good replicas on decommissioning or decommissioned datanodes: readable, not counted.
    public var decommissioning = 0
    public var corrupt = 0
    /// Replicas still being written (for a committed block: a transfer arriving).
    public var pending = 0

    public init(live: Int = 0, decommissioning: Int = 0, corrupt: Int = 0, pending: Int = 0) {
        self.live = live
        self.decommissioning = decommissioning
        self.corrupt = corrupt
        self.pending = pending
    }

    public var readable: Int { live + decommissioning }
}

// MARK: - Block health: one place decides it, every change calls it

extension BlockManager {
    func counts(of record: BlockRecord) -> ReplicaCounts {
        var counts = ReplicaCounts()
        for replica in record.replicas {
            guard let node = datanodes[replica.datanode], node.isAlive else { continue }
            switch record.condition(of: replica) {
            case .good where node.adminState == .normal: counts.live += 1
            case .good: counts.decommissioning += 1
            case .pending: counts.pending += 1
            case .corrupt: counts.corrupt += 1
            }
        }
        return counts
    }

    /// Re-derives what is cached about a block (safe, complete, needs work) after anything
    /// that could change it. Cheap (one pass over its few replicas) and idempotent, so every
    /// mutation calls it rather than reasoning about which caches it touched.
    mutating func refresh(_ id: BlockID) {
        guard let record = blocks[id] else {
            neededWork.remove(id)
            return
        }
        let counts = counts(of: record)
        let isSafe = record.isCommitted && counts.readable >= configuration.minimumReplicasForSafeMode
        if isSafe != record.isSafe {
            safeBlockCount += isSafe ? 1 : -1
            blocks[id]!.isSafe = isSafe
        }
        if record.isCommitted && !record.isComplete && counts.readable >= configuration.minimumReplication {
            blocks[id]!.isComplete = true
        }
        if record.isCommitted && (counts.live != record.expectedReplication || counts.corrupt > 0) {
            neededWork.insert(id)
        } else {
            neededWork.remove(id)
        }
    }

    mutating func refresh<S: Sequence>(_ ids: S) where S.Element == BlockID {
        for id in ids { refresh(id) }
    }
}

// MARK: - Reads

extension BlockManager {
    /// Where to read `id`: good replicas on in-service datanodes (the reader's own datanode
    /// first, then its rack), then those on decommissioning datanodes. When no good replica
    /// is left, the corrupt ones, flagged. For a block under construction, its pipeline.
    /// Nil for a block the namespace never told us about.
    public func locations(of id: BlockID, readerHost: String? = nil) -> BlockLocations? {
        guard let record = blocks[id] else { return nil }
        var inService: [DatanodeIdentity] = []
        var decommissioning: [DatanodeIdentity] = []
        var corrupt: [DatanodeIdentity] = []
        for replica in record.replicas {
            guard let node = datanodes[replica.datanode], node.isAlive else { continue }
            switch record.condition(of: replica) {
            case .good where node.adminState == .normal: inService.append(node.identity)
            case .good: decommissioning.append(node.identity)
            case .pending: break
            case .corrupt: corrupt.append(node.identity)
            }
        }
        if !record.isCommitted {
            // A block being written: the writer's pipeline holds it whether or not each node
            // has reported its replica yet.
            for uuid in record.expectedLocations where record.replicaIndex(on: uuid) == nil {
                guard let node = datanodes[uuid], node.isAlive else { continue }
                if node.adminState == .normal { inService.append(node.identity) } else { decommissioning.append(node.identity) }
            }
        }
        let good = sortedByProximity(inService, to: readerHost) + sortedByProximity(decommissioning, to: readerHost)
        let onlyCorrupt = good.isEmpty && !corrupt.isEmpty
        return BlockLocations(block: record.block, datanodes: onlyCorrupt ? corrupt : good,
                              isCorrupt: onlyCorrupt, isUnderConstruction: !record.isCommitted)
    }

    /// Stable sort: the reader's datanode, then datanodes on its rack, then the rest.
    func sortedByProximity(_ nodes: [DatanodeIdentity], to readerHost: String?) -> [DatanodeIdentity] {
        guard let readerHost else { return nodes }
        let readerRack = datanodes.values.first { $0.identity.isNamed(by: readerHost) }?.identity.rack
        func distance(_ node: DatanodeIdentity) -> Int {
            if node.isNamed(by: readerHost) { return 0 }
            return node.rack == readerRack ? 1 : 2
        }
        return nodes.enumerated().sorted { (distance($0.element), $0.offset) < (distance($1.element), $1.offset) }.map(\.element)
    }

    public func block(_ id: BlockID) -> Block? { blocks[id]?.block }

    public func expectedReplication(of id: BlockID) -> Int? { blocks[id]?.expectedReplication }

    public func replicaCounts(of id: BlockID) -> ReplicaCounts? { blocks[id].map(counts(of:)) }

    /// Good replicas on in-service datanodes (0 for an unknown block).
    public func replicaCount(of id: BlockID) -> Int { replicaCounts(of: id)?.live ?? 0 }

    /// Finalized replicas on live datanodes that match `block` exactly (stamp and length)
    /// and were not reported bad: whether the writer may close a file whose last block this
    /// is, before the namespace commits it.
    public func finalizedReplicaCount(matching block: Block) -> Int {
        guard let record = blocks[block.id] else { return 0 }
        return record.replicas.filter { replica in
            datanodes[replica.datanode]?.isAlive == true && !replica.isReportedBad && replica.state == .finalized
                && replica.generationStamp == block.generationStamp && replica.numBytes == block.numBytes
        }.count
    }

    /// Committed and once held `minimumReplication` good replicas.
    public func isComplete(_ id: BlockID) -> Bool { blocks[id]?.isComplete ?? false }

    public func isCommitted(_ id: BlockID) -> Bool { blocks[id]?.isCommitted ?? false }

    /// Blocks the namespace told us about.
    public var blockCount: Int { blocks.count }

    /// Blocks recorded on `uuid`, ascending.
    public func blocks(on uuid: DatanodeUUID) -> [BlockID] { datanodes[uuid]?.blocks.sorted() ?? [] }

    /// Blocks with a transfer in flight.
    public var pendingTransferCount: Int { pendingTransfers.count }

    /// Blocks with live replicas ≥ `minimumReplicasForSafeMode` over committed blocks; 1 when
    /// there are none. The namenode leaves safe mode once this reaches its threshold.
    public var safeBlockFraction: Double {
        committedBlockCount == 0 ? 1.0 : Double(safeBlockCount) / Double(committedBlockCount)
    }

    /// Totals for getFsStats.
    public var clusterStats: ClusterStats {
        var stats = ClusterStats()
        for node in datanodes.values { add(node, to: &stats) }
        stats.blocks = blocks.count
        for id in neededWork {
            guard let record = blocks[id] else { continue }
            let counts = counts(of: record)
            if counts.live < record.expectedReplication { stats.underReplicatedBlocks += 1 }
            if counts.corrupt > 0 { stats.corruptBlocks += 1 }
            if counts.readable == 0 {
                stats.missingBlocks += 1
                if record.expectedReplication == 1 { stats.missingReplicationOneBlocks += 1 }
            }
        }
        stats.pendingReplicationBlocks = pendingTransfers.count
        return stats
    }

    private func add(_ node: DatanodeRecord, to stats: inout ClusterStats) {
        guard node.isAlive else {
            stats.deadDatanodes += 1
            return
        }
        stats.liveDatanodes += 1
        stats.pendingDeletionReplicas += node.queuedInvalidations.count
        stats.dfsUsedBytes += node.stats.dfsUsedBytes
        if node.adminState == .normal {
            stats.capacityBytes += node.stats.capacityBytes
            stats.remainingBytes += node.stats.remainingBytes
            stats.nonDfsUsedBytes += node.stats.nonDfsUsedBytes
        } else {
            // Nothing more will be written there: only what it holds counts.
            stats.capacityBytes += node.stats.dfsUsedBytes
            if node.adminState == .decommissionInProgress { stats.decommissioningDatanodes += 1 }
        }
    }
}

// MARK: - Invariants

extension BlockManager {
    /// Everything that must hold between the block map, the datanode table and the caches,
    /// recomputed from scratch; empty when all is well. O(everything): for tests and
    /// simulations, not for the hot path.
    public func invariantViolations() -> [String] {
        var violations: [String] = []
        var safe = 0
        var committed = 0
        for (id, record) in blocks.sorted(by: { $0.key < $1.key }) {
            for replica in record.replicas where datanodes[replica.datanode]?.blocks.contains(id) != true {
                violations.append("\(id) lists a replica on \(replica.datanode), which does not list it")
            }
            if Set(record.replicas.map(\.datanode)).count != record.replicas.count {
                violations.append("\(id) lists a datanode twice")
            }
            let counts = counts(of: record)
            if record.isCommitted { committed += 1 }
            let isSafe = record.isCommitted && counts.readable >= configuration.minimumReplicasForSafeMode
            if isSafe { safe += 1 }
            if isSafe != record.isSafe { violations.append("\(id) has a stale safe flag") }
            let needs = record.isCommitted && (counts.live != record.expectedReplication || counts.corrupt > 0)
            if needs != neededWork.contains(id) { violations.append("\(id) needs work \(needs) but the queue says otherwise") }
        }
        for (uuid, node) in datanodes.sorted(by: { $0.key < $1.key }) {
            if !node.isAlive && !node.blocks.isEmpty { violations.append("dead \(uuid) still holds replicas") }
            for id in node.blocks.sorted() where blocks[id]?.replicaIndex(on: uuid) == nil {
                violations.append("\(uuid) lists \(id), whose record does not list it")
            }
            for queued in node.queuedInvalidations where !node.pendingInvalidations.contains(queued.id) {
                violations.append("\(uuid) has \(queued.id) queued for deletion but not pending")
            }
            if node.blocks.contains(where: node.pendingInvalidations.contains) {
                violations.append("\(uuid) holds a replica it was told to delete")
            }
        }
        if safe != safeBlockCount { violations.append("safe count \(safeBlockCount), recomputed \(safe)") }
        if committed != committedBlockCount { violations.append("committed count \(committedBlockCount), recomputed \(committed)") }
        if neededWork.contains(where: { blocks[$0] == nil }) { violations.append("the work queue names a forgotten block") }
        return violations
    }
}

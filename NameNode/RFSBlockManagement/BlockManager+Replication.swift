// The replication monitor: copies under-replicated blocks, deletes excess and corrupt
// replicas, and completes decommissions. HDFS's RedundancyMonitor, one pass per call.

extension BlockManager {
    /// One pass of the monitor at `nowMillis`. For every block needing work, most
    /// under-replicated first: deletes corrupt replicas once enough good ones exist, deletes
    /// excess replicas, and queues a transfer from a good replica to new targets — at most
    /// `replicationWorkPerNodeMax` per source, and none for a block whose previous transfer
    /// is still pending (pending transfers expire after `pendingTransferTimeoutMillis`).
    /// Then marks decommissioned the datanodes whose blocks are all safe elsewhere. Returns
    /// the transfers plus deletions queued.
    public mutating func computeReplicationWork<R: RandomNumberGenerator>(nowMillis: Int64, rng: inout R) -> Int {
        expirePendingTransfers(nowMillis: nowMillis)
        var budgets = transferBudgets()
        var scheduled = 0
        for id in prioritizedWork() {
            scheduled += invalidateCorruptReplicas(of: id)
            scheduled += invalidateExcessReplicas(of: id)
            if scheduleTransfer(of: id, nowMillis: nowMillis, budgets: &budgets, rng: &rng) { scheduled += 1 }
        }
        checkDecommissions()
        return scheduled
    }

    /// Transfers nobody confirmed in time are given up; their blocks are considered again.
    mutating func expirePendingTransfers(nowMillis: Int64) {
        let expired = pendingTransfers.filter { $0.value.deadlineMillis <= nowMillis }.keys.sorted()
        for id in expired { pendingTransfers[id] = nil }
        refresh(expired)
    }

    /// How many more transfers each live datanode may be given as a source.
    func transferBudgets() -> [DatanodeUUID: Int] {
        var budgets: [DatanodeUUID: Int] = [:]
        for node in datanodes.values where node.isAlive {
            budgets[node.uuid] = configuration.replicationWorkPerNodeMax - node.queuedTransfers.count
                - node.stats.transfersInProgress
        }
        return budgets
    }

    /// The blocks needing work, most urgent first (HDFS's LowRedundancyBlocks levels): one
    /// live replica or none, then fewer than a third of the expected, then other
    /// under-replicated, then excess or corrupt only; by block id within a level.
    func prioritizedWork() -> [BlockID] {
        neededWork.compactMap { id -> (Int, BlockID)? in
            guard let record = blocks[id] else { return nil }
            let live = counts(of: record).live
            let expected = record.expectedReplication
            let level = live >= expected ? 3 : live <= 1 ? 0 : live * 3 < expected ? 1 : 2
            return (level, id)
        }.sorted { $0 < $1 }.map(\.1)
    }

    /// Deletes the corrupt replicas of a committed block that has its expected number of good
    /// ones; until then they stay, in case they are all that is left to read.
    mutating func invalidateCorruptReplicas(of id: BlockID) -> Int {
        guard let record = blocks[id], record.isCommitted else { return 0 }
        let counts = counts(of: record)
        guard counts.corrupt > 0, counts.live >= record.expectedReplication else { return 0 }
        let corrupt = record.replicas.filter { record.condition(of: $0) == .corrupt }
        for replica in corrupt {
            removeReplica(id, from: replica.datanode)
            queueInvalidation(of: replica.asBlock(id), on: replica.datanode)
        }
        return corrupt.count
    }

    /// Deletes live replicas beyond the expected number, each time from a rack holding more
    /// than one (to keep racks covered) and there from the datanode with the least space
    /// remaining, as HDFS's chooseReplicaToDelete does.
    mutating func invalidateExcessReplicas(of id: BlockID) -> Int {
        guard let record = blocks[id], record.isCommitted else { return 0 }
        var live = record.replicas.compactMap { replica -> DatanodeRecord? in
            guard let node = datanodes[replica.datanode], node.isInService, record.condition(of: replica) == .good else { return nil }
            return node
        }
        var deleted = 0
        while live.count > record.expectedReplication {
            let victim = Self.excessVictim(live)
            live.removeAll { $0.uuid == victim.uuid }
            let replica = record.replicas[record.replicaIndex(on: victim.uuid)!]
            removeReplica(id, from: victim.uuid)
            queueInvalidation(of: replica.asBlock(id), on: victim.uuid)
            deleted += 1
        }
        return deleted
    }

    static func excessVictim(_ live: [DatanodeRecord]) -> DatanodeRecord {
        var perRack: [String: Int] = [:]
        for node in live { perRack[node.identity.rack, default: 0] += 1 }
        let crowded = live.filter { perRack[$0.identity.rack]! > 1 }
        let pool = crowded.isEmpty ? live : crowded
        return pool.min { ($0.stats.remainingBytes, $0.uuid) < ($1.stats.remainingBytes, $1.uuid) }!
    }

    /// Queues one transfer for an under-replicated committed block with no transfer pending:
    /// from a good replica whose datanode has budget left (decommissioning ones first: they
    /// take no new writes) to as many new targets as the block lacks.
    mutating func scheduleTransfer<R: RandomNumberGenerator>(
        of id: BlockID, nowMillis: Int64, budgets: inout [DatanodeUUID: Int], rng: inout R
    ) -> Bool {
        guard let record = blocks[id], record.isCommitted, pendingTransfers[id] == nil else { return false }
        let counts = counts(of: record)
        guard counts.live < record.expectedReplication else { return false }
        guard let source = chooseSource(record, budgets: budgets, rng: &rng) else { return false }
        let liveHolders = record.replicas.filter { replica in
            datanodes[replica.datanode]?.isInService == true && record.condition(of: replica) == .good
        }.map(\.datanode)
        var excluded = Set(record.replicas.map(\.datanode))
        for node in datanodes.values where node.pendingInvalidations.contains(id) { excluded.insert(node.uuid) }
        let targets = chooseTargetUUIDs(count: record.expectedReplication - counts.live, writerHost: nil,
                                        chosen: liveHolders, excluded: excluded,
                                        blockSizeBytes: record.block.numBytes, rng: &rng)
        guard !targets.isEmpty else { return false }
        datanodes[source]!.queuedTransfers.append(QueuedTransfer(block: record.block, targets: targets))
        budgets[source]! -= 1
        pendingTransfers[id] = PendingTransfer(source: source, targets: targets,
                                               deadlineMillis: nowMillis + configuration.pendingTransferTimeoutMillis)
        return true
    }

    private func chooseSource<R: RandomNumberGenerator>(_ record: BlockRecord, budgets: [DatanodeUUID: Int],
                                                        rng: inout R) -> DatanodeUUID? {
        let sources = record.replicas.filter { replica in
            record.condition(of: replica) == .good && budgets[replica.datanode, default: 0] > 0
        }.compactMap { datanodes[$0.datanode] }.sorted { $0.uuid < $1.uuid }
        let decommissioning = sources.filter { $0.adminState.isDecommissioning }
        let pool = decommissioning.isEmpty ? sources : decommissioning
        guard !pool.isEmpty else { return nil }
        return pool[Int(rng.below(UInt64(pool.count)))].uuid
    }
}

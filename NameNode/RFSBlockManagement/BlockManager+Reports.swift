// Block reports: what datanodes say they hold.

extension BlockManager {
    /// Makes the block map's view of `uuid` equal to this report of every replica it holds:
    /// new replicas are recorded (corrupt when their stamp or length disagrees with a committed
    /// block), replicas it no longer lists are forgotten, replicas of blocks the namespace
    /// does not know are queued for deletion.
    public mutating func processFullBlockReport(_ uuid: DatanodeUUID, replicas: [ReplicaReport]) -> BlockReportResult {
        var result = BlockReportResult()
        guard datanodes[uuid]?.isAlive == true else {
            result.needsRegistration = true
            return result
        }
        var reported = Set<BlockID>()
        reported.reserveCapacity(replicas.count)
        var queued = Set(datanodes[uuid]!.queuedInvalidations.map(\.id))
        for replica in replicas {
            reported.insert(replica.block.id)
            if datanodes[uuid]!.pendingInvalidations.contains(replica.block.id) {
                if queued.insert(replica.block.id).inserted { requeueInvalidation(of: replica.block, on: uuid) }
            } else {
                record(replica, on: uuid, into: &result)
            }
        }
        let gone = datanodes[uuid]!.blocks.subtracting(reported)
        for id in gone { removeReplica(id, from: uuid) }
        result.removed += gone.count
        // Deletions the report shows done: the datanode may hold these blocks again later.
        datanodes[uuid]!.pendingInvalidations.formIntersection(reported)
        datanodes[uuid]!.queuedInvalidations.removeAll { !reported.contains($0.id) }
        return result
    }

    /// What changed on `uuid` since its last report: replicas received (finalized) or being
    /// received (rbw), and replicas deleted.
    public mutating func processIncrementalReport(_ uuid: DatanodeUUID, received: [ReplicaReport],
                                                  deleted: [BlockID]) -> BlockReportResult {
        var result = BlockReportResult()
        guard datanodes[uuid]?.isAlive == true else {
            result.needsRegistration = true
            return result
        }
        for replica in received { record(replica, on: uuid, into: &result) }
        for id in deleted {
            if datanodes[uuid]!.blocks.contains(id) {
                removeReplica(id, from: uuid)
                result.removed += 1
            }
            datanodes[uuid]!.pendingInvalidations.remove(id)
            datanodes[uuid]!.queuedInvalidations.removeAll { $0.id == id }
        }
        return result
    }

    /// A reader or the block scanner found the replica of `id` on `uuid` bad. It is kept (it
    /// may be the only copy) but no longer counts; the monitor copies a good replica and
    /// deletes this one once enough good ones exist. False when the block or the datanode is
    /// unknown.
    @discardableResult
    public mutating func reportBadReplica(_ id: BlockID, on uuid: DatanodeUUID) -> Bool {
        guard let record = blocks[id], datanodes[uuid]?.isAlive == true else { return false }
        if datanodes[uuid]!.pendingInvalidations.contains(id) { return true }
        if let index = record.replicaIndex(on: uuid) {
            blocks[id]!.replicas[index].isReportedBad = true
        } else {
            // Not in the map (its report has not arrived yet): record it, so its deletion is
            // scheduled like any corrupt replica's.
            blocks[id]!.replicas.append(ReplicaRecord(
                datanode: uuid, generationStamp: record.block.generationStamp, numBytes: record.block.numBytes,
                state: .finalized, isReportedBad: true))
            datanodes[uuid]!.blocks.insert(id)
        }
        refresh(id)
        return true
    }

    /// Records one reported replica on `uuid`.
    mutating func record(_ replica: ReplicaReport, on uuid: DatanodeUUID, into result: inout BlockReportResult) {
        let id = replica.block.id
        // Told to delete it: the report predates the deletion.
        if datanodes[uuid]!.pendingInvalidations.contains(id) { return }
        guard let record = blocks[id] else {
            if isStandby {
                let postponed = PostponedReplica(datanode: uuid, report: replica,
                                                 reportedMillis: datanodes[uuid]!.lastHeartbeatMillis)
                postponedReplicas[id, default: []].removeAll { $0.datanode == uuid }
                postponedReplicas[id, default: []].append(postponed)
                return
            }
            queueInvalidation(of: replica.block, on: uuid)
            result.invalidated += 1
            return
        }
        let index = record.replicaIndex(on: uuid)
        let entry = ReplicaRecord(datanode: uuid, generationStamp: replica.block.generationStamp,
                                  numBytes: replica.block.numBytes, state: replica.state,
                                  isReportedBad: index.map { record.replicas[$0].isReportedBad } ?? false)
        if let index {
            guard record.replicas[index] != entry else { return }
            blocks[id]!.replicas[index] = entry
        } else {
            blocks[id]!.replicas.append(entry)
            datanodes[uuid]!.blocks.insert(id)
        }
        result.added += 1
        let condition = blocks[id]!.condition(of: entry)
        if condition == .corrupt { result.markedCorrupt += 1 }
        if condition != .pending { transferArrived(id, at: uuid) }
        refresh(id)
    }

    /// The datanode was told to delete this replica and still lists it: the command was lost
    /// or failed (or the report was made just before it ran). Telling it again is harmless;
    /// not telling it would leave the replica invisible to us and on its disk for good.
    private mutating func requeueInvalidation(of block: Block, on uuid: DatanodeUUID) {
        datanodes[uuid]!.queuedInvalidations.append(block)
    }

    /// A transfer target reported the block (good or not): it is no longer awaited.
    private mutating func transferArrived(_ id: BlockID, at uuid: DatanodeUUID) {
        guard let pending = pendingTransfers[id], pending.targets.contains(uuid) else { return }
        let remaining = pending.targets.filter { $0 != uuid }
        pendingTransfers[id] = remaining.isEmpty ? nil : PendingTransfer(source: pending.source, targets: remaining,
                                                                           deadlineMillis: pending.deadlineMillis)
    }

    /// Forgets the replica of `id` on `uuid` (its datanode no longer has it, or was told to
    /// delete it).
    mutating func removeReplica(_ id: BlockID, from uuid: DatanodeUUID) {
        datanodes[uuid]?.blocks.remove(id)
        blocks[id]?.replicas.removeAll { $0.datanode == uuid }
        refresh(id)
    }
}

// What the namespace tells the block manager about blocks.

extension BlockManager {
    /// A new block of file `fileID`, under construction unless `isCommitted` (a block of a
    /// closed file, when the namespace is loaded at start-up). Adding a known block again
    /// updates its replication and file (a replayed log entry), keeping its replicas.
    public mutating func addBlock(_ block: Block, expectedReplication: Int, fileID: UInt64, isCommitted: Bool = false) {
        precondition(expectedReplication > 0, "\(block.id): expected replication \(expectedReplication) must be positive")
        if blocks[block.id] != nil {
            blocks[block.id]!.expectedReplication = expectedReplication
            blocks[block.id]!.fileID = fileID
        } else {
            blocks[block.id] = BlockRecord(block: block, expectedReplication: expectedReplication, fileID: fileID,
                                           isCommitted: false)
        }
        if isCommitted {
            _ = commitBlock(block.id, numBytes: block.numBytes, generationStamp: block.generationStamp)
        } else {
            refresh(block.id)
        }
        if let waiting = postponedReplicas.removeValue(forKey: block.id) {
            for replica in waiting where datanodes[replica.datanode]?.isAlive == true {
                var ignored = BlockReportResult()
                record(replica.report, on: replica.datanode, into: &ignored)
            }
        }
    }

    /// Every block the manager knows.
    public var knownBlockIDs: [BlockID] { Array(blocks.keys) }

    /// The pipeline chosen for a block under construction (addBlock's targets, or the nodes
    /// of an updated pipeline): where readers find it before the replicas are reported.
    public mutating func setExpectedLocations(_ id: BlockID, _ datanodes: [DatanodeUUID]) {
        guard blocks[id]?.isCommitted == false else { return }
        blocks[id]!.expectedLocations = datanodes
    }

    /// The writer fixed the block's length and stamp: from now on a replica must match them
    /// to count, and the block is watched by the replication monitor. False for an unknown
    /// block.
    @discardableResult
    public mutating func commitBlock(_ id: BlockID, numBytes: Int64, generationStamp: UInt64) -> Bool {
        guard blocks[id] != nil else { return false }
        blocks[id]!.block.numBytes = numBytes
        blocks[id]!.block.generationStamp = generationStamp
        if !blocks[id]!.isCommitted {
            blocks[id]!.isCommitted = true
            committedBlockCount += 1
        }
        refresh(id)
        return true
    }

    /// The writer reopened a committed block (append): it is under construction again, so its
    /// replicas are judged as a pipeline's until `commitBlock` fixes its length anew, and the
    /// monitor leaves it alone meanwhile. False for an unknown block.
    @discardableResult
    public mutating func reopenBlock(_ id: BlockID) -> Bool {
        guard let record = blocks[id] else { return false }
        if record.isCommitted {
            blocks[id]!.isCommitted = false
            committedBlockCount -= 1
            pendingTransfers[id] = nil
        }
        refresh(id)
        return true
    }

    /// Forgets blocks (their files were deleted or truncated); every replica is queued for
    /// deletion on its datanode.
    public mutating func removeBlocks(_ ids: [BlockID]) {
        for id in ids {
            guard let record = blocks.removeValue(forKey: id) else { continue }
            for replica in record.replicas {
                datanodes[replica.datanode]?.blocks.remove(id)
                queueInvalidation(of: replica.asBlock(id), on: replica.datanode)
            }
            if record.isCommitted { committedBlockCount -= 1 }
            if record.isSafe { safeBlockCount -= 1 }
            pendingTransfers[id] = nil
            neededWork.remove(id)
        }
    }

    /// setReplication: the monitor copies or deletes replicas to match. False for an unknown
    /// block.
    @discardableResult
    public mutating func setExpectedReplication(_ id: BlockID, _ expectedReplication: Int) -> Bool {
        precondition(expectedReplication > 0, "\(id): expected replication \(expectedReplication) must be positive")
        guard blocks[id] != nil else { return false }
        blocks[id]!.expectedReplication = expectedReplication
        refresh(id)
        return true
    }

    /// Pipeline or lease recovery gave the block a new stamp (and maybe length): replicas
    /// still carrying the old stamp are stale from now on. False for an unknown block.
    @discardableResult
    public mutating func updateGenerationStamp(_ id: BlockID, to generationStamp: UInt64, numBytes: Int64? = nil) -> Bool {
        guard blocks[id] != nil else { return false }
        blocks[id]!.block.generationStamp = generationStamp
        if let numBytes { blocks[id]!.block.numBytes = numBytes }
        refresh(id)
        return true
    }

    /// Lease recovery of a block whose writer died: the live holder that heartbeated last
    /// becomes the primary and is told (with its next heartbeat) to reconcile every replica
    /// under `newGenerationStamp`. Returns the primary, or nil when no live datanode holds
    /// a replica.
    public mutating func startRecovery(of id: BlockID, newGenerationStamp: UInt64, newLength: Int64? = nil) -> DatanodeUUID? {
        guard let record = blocks[id] else { return nil }
        let holders = record.replicas.compactMap { datanodes[$0.datanode] }.filter(\.isAlive)
        let primary = holders.max { ($0.lastHeartbeatMillis, $1.uuid) < ($1.lastHeartbeatMillis, $0.uuid) }
        guard let primary else { return nil }
        let command = BlockCommand.recover(block: record.block, newGenerationStamp: newGenerationStamp, newLength: newLength,
                                           replicas: holders.map(\.identity))
        datanodes[primary.uuid]!.queuedCommands.append(command)
        return primary.uuid
    }

    /// Queues a replica for deletion, once: a datanode already told to delete it is not told
    /// again. Dead datanodes are told nothing (they re-register and report first).
    mutating func queueInvalidation(of block: Block, on uuid: DatanodeUUID) {
        guard datanodes[uuid]?.isAlive == true, !datanodes[uuid]!.pendingInvalidations.contains(block.id) else { return }
        datanodes[uuid]!.queuedInvalidations.append(block)
        datanodes[uuid]!.pendingInvalidations.insert(block.id)
    }
}

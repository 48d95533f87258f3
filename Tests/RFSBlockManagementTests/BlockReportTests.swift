import RFSBlockManagement
import Testing

@Suite("Full and incremental block reports")
struct BlockReportTests {
    typealias Cluster = SimulatedCluster

    static func block(_ id: UInt64, stamp: UInt64 = 1_001, bytes: Int64 = 1_000) -> Block {
        Block(id: BlockID(id), generationStamp: stamp, numBytes: bytes)
    }

    static func committed(_ manager: inout BlockManager, _ ids: ClosedRange<UInt64>, replication: Int = 3) {
        for id in ids { manager.addBlock(block(id), expectedReplication: replication, fileID: 1, isCommitted: true) }
    }

    @Test("a full report makes the map equal to it for that datanode")
    func reconciliation() {
        var manager = BlockManager()
        for n in 1...2 { _ = manager.register(Cluster.identity(n), nowMillis: 0) }
        Self.committed(&manager, 1...5)
        let dn = Cluster.uuid(1)

        var result = manager.processFullBlockReport(dn, replicas: (1...3).map { ReplicaReport(block: Self.block($0)) })
        #expect(result.added == 3 && result.removed == 0 && result.invalidated == 0)
        #expect(manager.blocks(on: dn) == [BlockID(1), BlockID(2), BlockID(3)])

        // The same report again changes nothing.
        result = manager.processFullBlockReport(dn, replicas: (1...3).map { ReplicaReport(block: Self.block($0)) })
        #expect(result == BlockReportResult())

        result = manager.processFullBlockReport(dn, replicas: (3...5).map { ReplicaReport(block: Self.block($0)) })
        #expect(result.added == 2 && result.removed == 2)
        #expect(manager.blocks(on: dn) == [BlockID(3), BlockID(4), BlockID(5)])
        #expect(manager.locations(of: BlockID(1))?.datanodes == [])
        #expect(manager.locations(of: BlockID(4))?.datanodes.map(\.uuid) == [dn])

        result = manager.processFullBlockReport(dn, replicas: [])
        #expect(result.removed == 3)
        #expect(manager.blocks(on: dn).isEmpty)
        #expect(manager.invariantViolations().isEmpty)
    }

    @Test("a block under construction is located at its pipeline before any replica is reported, and at its reports once committed")
    func expectedLocationsOfABlockBeingWritten() {
        var manager = BlockManager()
        for n in 1...4 { _ = manager.register(Cluster.identity(n), nowMillis: 0) }
        manager.addBlock(Self.block(7), expectedReplication: 3, fileID: 1)
        #expect(manager.locations(of: BlockID(7))?.datanodes.isEmpty == true)
        manager.setExpectedLocations(BlockID(7), [Cluster.uuid(1), Cluster.uuid(2), Cluster.uuid(3)])
        #expect(manager.locations(of: BlockID(7))?.datanodes.map(\.uuid) == [Cluster.uuid(1), Cluster.uuid(2), Cluster.uuid(3)])
        #expect(manager.locations(of: BlockID(7))?.isUnderConstruction == true)
        // A pipeline recovery replaced node 2 with node 4; node 3 has reported its replica.
        manager.setExpectedLocations(BlockID(7), [Cluster.uuid(1), Cluster.uuid(4), Cluster.uuid(3)])
        _ = manager.processFullBlockReport(Cluster.uuid(3), replicas: [ReplicaReport(block: Self.block(7))])
        #expect(Set(manager.locations(of: BlockID(7))!.datanodes.map(\.uuid)) == [Cluster.uuid(1), Cluster.uuid(3), Cluster.uuid(4)])
        // Committed: only replicas reported finalized count; the pipeline is forgotten.
        let committed = manager.commitBlock(BlockID(7), numBytes: 1_000, generationStamp: 1_001)
        #expect(committed)
        manager.setExpectedLocations(BlockID(7), [Cluster.uuid(2)])
        #expect(manager.locations(of: BlockID(7))?.datanodes.map(\.uuid) == [Cluster.uuid(3)])
        #expect(manager.invariantViolations().isEmpty)
    }

    @Test("replicas of blocks the namespace does not know are deleted")
    func unknownBlocks() {
        var manager = BlockManager()
        _ = manager.register(Cluster.identity(1), nowMillis: 0)
        Self.committed(&manager, 1...1)
        let report = [ReplicaReport(block: Self.block(1)), ReplicaReport(block: Self.block(99))]
        let result = manager.processFullBlockReport(Cluster.uuid(1), replicas: report)
        #expect(result.added == 1 && result.invalidated == 1)
        // Reported again before the command went out: not queued twice.
        _ = manager.processFullBlockReport(Cluster.uuid(1), replicas: report)
        #expect(manager.heartbeat(Cluster.uuid(1), stats: DatanodeStats(), nowMillis: 1) == [.invalidate(blocks: [Self.block(99)])])
        #expect(manager.heartbeat(Cluster.uuid(1), stats: DatanodeStats(), nowMillis: 2) == [])
        // Still listed after the command went out: it was lost or failed, so it is sent again.
        _ = manager.processFullBlockReport(Cluster.uuid(1), replicas: report)
        #expect(manager.heartbeat(Cluster.uuid(1), stats: DatanodeStats(), nowMillis: 3) == [.invalidate(blocks: [Self.block(99)])])
        // Once a report shows it gone, a stray copy showing up again is deleted again.
        _ = manager.processFullBlockReport(Cluster.uuid(1), replicas: [report[0]])
        _ = manager.processFullBlockReport(Cluster.uuid(1), replicas: report)
        #expect(manager.heartbeat(Cluster.uuid(1), stats: DatanodeStats(), nowMillis: 4) == [.invalidate(blocks: [Self.block(99)])])
        #expect(manager.invariantViolations().isEmpty)
    }

    @Test("a replica whose stamp or length disagrees with the committed block is corrupt")
    func mismatchIsCorrupt() {
        var manager = BlockManager()
        for n in 1...3 { _ = manager.register(Cluster.identity(n), nowMillis: 0) }
        Self.committed(&manager, 1...1)
        _ = manager.processFullBlockReport(Cluster.uuid(1), replicas: [ReplicaReport(block: Self.block(1))])
        let staleStamp = manager.processFullBlockReport(Cluster.uuid(2), replicas: [ReplicaReport(block: Self.block(1, stamp: 1_000))])
        let wrongLength = manager.processFullBlockReport(Cluster.uuid(3), replicas: [ReplicaReport(block: Self.block(1, bytes: 999))])
        #expect(staleStamp.markedCorrupt == 1 && wrongLength.markedCorrupt == 1)
        #expect(manager.replicaCounts(of: BlockID(1)) == ReplicaCounts(live: 1, decommissioning: 0, corrupt: 2, pending: 0))
        #expect(manager.locations(of: BlockID(1))?.datanodes.map(\.uuid) == [Cluster.uuid(1)])
        #expect(manager.clusterStats.corruptBlocks == 1)
    }

    @Test("incremental reports: receiving, received, deleted")
    func incremental() {
        var manager = BlockManager()
        for n in 1...2 { _ = manager.register(Cluster.identity(n), nowMillis: 0) }
        let block = Self.block(7)
        manager.addBlock(Block(id: block.id, generationStamp: 1_001, numBytes: 0), expectedReplication: 2, fileID: 1)

        // While the block is being written its pipeline is where readers go.
        _ = manager.processIncrementalReport(Cluster.uuid(1), received: [ReplicaReport(block: Self.block(7, bytes: 0), state: .rbw)],
                                             deleted: [])
        let writing = manager.locations(of: block.id)
        #expect(writing?.isUnderConstruction == true && writing?.datanodes.map(\.uuid) == [Cluster.uuid(1)])

        _ = manager.processIncrementalReport(Cluster.uuid(1), received: [ReplicaReport(block: block)], deleted: [])
        _ = manager.processIncrementalReport(Cluster.uuid(2), received: [ReplicaReport(block: block, state: .rbw)], deleted: [])
        manager.commitBlock(block.id, numBytes: block.numBytes, generationStamp: block.generationStamp)
        // dn-2's replica is still being finalized: neither counted nor corrupt.
        #expect(manager.replicaCounts(of: block.id) == ReplicaCounts(live: 1, decommissioning: 0, corrupt: 0, pending: 1))
        #expect(manager.isComplete(block.id))

        _ = manager.processIncrementalReport(Cluster.uuid(2), received: [ReplicaReport(block: block)], deleted: [])
        #expect(manager.replicaCount(of: block.id) == 2)
        #expect(manager.clusterStats.underReplicatedBlocks == 0)

        let result = manager.processIncrementalReport(Cluster.uuid(1), received: [], deleted: [block.id])
        #expect(result.removed == 1)
        #expect(manager.locations(of: block.id)?.datanodes.map(\.uuid) == [Cluster.uuid(2)])
        #expect(manager.clusterStats.underReplicatedBlocks == 1)
        #expect(manager.invariantViolations().isEmpty)
    }

    @Test("reports from an unknown or dead datanode ask it to register")
    func unregisteredReporter() {
        var manager = BlockManager()
        let stranger = DatanodeUUID("stranger")
        #expect(manager.processFullBlockReport(stranger, replicas: []).needsRegistration)
        #expect(manager.processIncrementalReport(stranger, received: [], deleted: []).needsRegistration)
    }

    @Test("removed blocks are deleted from every holder")
    func removal() {
        var cluster = Cluster(seed: 3)
        cluster.addDatanodes(3)
        let block = cluster.writeBlock(replication: 3)
        cluster.manager.removeBlocks([block.id])
        #expect(cluster.manager.locations(of: block.id) == nil)
        #expect(cluster.manager.clusterStats.pendingDeletionReplicas == 3)
        cluster.heartbeatRound()
        #expect(cluster.disks.values.allSatisfy { $0[block.id] == nil })
        #expect(cluster.manager.safeBlockFraction == 1.0)
        cluster.expectInvariants()
    }

    @Test("a block with only corrupt replicas is readable, flagged corrupt")
    func corruptOnly() {
        var cluster = Cluster(seed: 4)
        cluster.addDatanodes(3)
        let block = cluster.writeBlock(replication: 2)
        let holders = cluster.holders(block.id)
        for uuid in holders { cluster.manager.reportBadReplica(block.id, on: uuid) }
        let locations = cluster.manager.locations(of: block.id)
        #expect(locations?.isCorrupt == true)
        #expect(Set(locations?.datanodes.map(\.uuid) ?? []) == holders)
        #expect(cluster.manager.clusterStats.missingBlocks == 1)
        // Nothing to copy from, and the corrupt copies are all there is: nothing is deleted.
        #expect(cluster.runMonitor() == 0)
        #expect(cluster.manager.replicaCounts(of: block.id)?.corrupt == 2)
    }
}

@Suite("Block life cycle")
struct BlockLifeCycleTests {
    typealias Cluster = SimulatedCluster

    @Test("append reopens a block: old-stamp replicas wait for the new stamp instead of being copied")
    func reopenForAppend() {
        var cluster = Cluster(seed: 41)
        cluster.addDatanodes(3)
        let block = cluster.writeBlock(replication: 3)
        #expect(cluster.manager.safeBlockFraction == 1.0)
        let reopened = cluster.manager.reopenBlock(block.id)
        #expect(reopened)
        #expect(!cluster.manager.isCommitted(block.id))
        cluster.manager.updateGenerationStamp(block.id, to: 1_002)
        // The pipeline has not caught up yet: its replicas are stale, but nothing is scheduled.
        #expect(cluster.runMonitor() == 0)
        let appended = Block(id: block.id, generationStamp: 1_002, numBytes: 2_000)
        for uuid in cluster.holders(block.id).union(Set((1...3).map(Cluster.uuid))).sorted() {
            cluster.receive(appended, on: uuid)
        }
        cluster.manager.commitBlock(block.id, numBytes: 2_000, generationStamp: 1_002)
        #expect(cluster.manager.replicaCounts(of: block.id) == ReplicaCounts(live: 3))
        #expect(cluster.runMonitor() == 0)
        #expect(cluster.manager.safeBlockFraction == 1.0)
        cluster.expectInvariants()
    }
}

import RFSBlockManagement
import Testing

/// A standby namenode's block map: it hears every datanode but applies the namespace's edits
/// a little after the active, so it may hear of a replica before it knows the block.
@Suite("Standby block map")
struct StandbyTests {
    typealias Cluster = SimulatedCluster

    static func block(_ id: UInt64) -> Block { Block(id: BlockID(id), generationStamp: 1_001, numBytes: 1_000) }

    @Test("a replica of a block not yet known waits for the block instead of being deleted")
    func postponedUntilTheBlockIsKnown() {
        var manager = BlockManager()
        manager.setStandby(true)
        for n in 1...2 { _ = manager.register(Cluster.identity(n), nowMillis: 0) }
        let early = manager.processIncrementalReport(Cluster.uuid(1), received: [ReplicaReport(block: Self.block(7))], deleted: [])
        #expect(early.invalidated == 0)
        _ = manager.processFullBlockReport(Cluster.uuid(2), replicas: [ReplicaReport(block: Self.block(7))])
        #expect(manager.postponedReplicaCount == 2)
        #expect(manager.locations(of: BlockID(7)) == nil)

        // The edit that adds the block applies: both replicas are where the block is.
        manager.addBlock(Self.block(7), expectedReplication: 2, fileID: 1, isCommitted: true)
        #expect(manager.postponedReplicaCount == 0)
        #expect(manager.locations(of: BlockID(7))?.datanodes.map(\.uuid).sorted() == [Cluster.uuid(1), Cluster.uuid(2)])
        #expect(manager.invariantViolations().isEmpty)
    }

    @Test("a standby hands out no commands; once active, it does")
    func noCommandsFromAStandby() {
        var manager = BlockManager()
        manager.setStandby(true)
        _ = manager.register(Cluster.identity(1), nowMillis: 0)
        manager.addBlock(Self.block(3), expectedReplication: 1, fileID: 1, isCommitted: true)
        _ = manager.processFullBlockReport(Cluster.uuid(1), replicas: [ReplicaReport(block: Self.block(3))])
        // The file is deleted (the edit applies on the standby too): the replica is to go.
        manager.removeBlocks([BlockID(3)])
        #expect(manager.heartbeat(Cluster.uuid(1), stats: DatanodeStats(), nowMillis: 1).isEmpty)

        manager.setStandby(false)
        let commands = manager.heartbeat(Cluster.uuid(1), stats: DatanodeStats(), nowMillis: 2)
        #expect(commands == [.invalidate(blocks: [Self.block(3)])])
    }

    @Test("replicas of blocks that never appear are forgotten after their lifetime, and on becoming active")
    func postponedReplicasExpire() {
        var manager = BlockManager()
        manager.setStandby(true)
        _ = manager.register(Cluster.identity(1), nowMillis: 0)
        _ = manager.processIncrementalReport(Cluster.uuid(1), received: [ReplicaReport(block: Self.block(9))], deleted: [])
        #expect(manager.postponedReplicaCount == 1)
        _ = manager.heartbeat(Cluster.uuid(1), stats: DatanodeStats(), nowMillis: 11 * 60 * 1000)
        _ = manager.checkHeartbeats(nowMillis: 11 * 60 * 1000)
        #expect(manager.postponedReplicaCount == 0)

        _ = manager.processIncrementalReport(Cluster.uuid(1), received: [ReplicaReport(block: Self.block(10))], deleted: [])
        #expect(manager.postponedReplicaCount == 1)
        manager.setStandby(false)
        #expect(manager.postponedReplicaCount == 0)
        // Active: a replica of an unknown block is garbage again.
        let result = manager.processIncrementalReport(Cluster.uuid(1), received: [ReplicaReport(block: Self.block(11))], deleted: [])
        #expect(result.invalidated == 1)
    }
}

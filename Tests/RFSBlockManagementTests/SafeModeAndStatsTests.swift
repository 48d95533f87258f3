import RFSBlockManagement
import Testing

@Suite("Safe mode fraction and cluster totals")
struct SafeModeAndStatsTests {
    typealias Cluster = SimulatedCluster

    @Test("the safe fraction counts committed blocks with a reported replica")
    func safeFraction() {
        var manager = BlockManager()
        #expect(manager.safeBlockFraction == 1.0)
        _ = manager.register(Cluster.identity(1), nowMillis: 0)
        // A namenode starting up: the namespace knows 4 blocks of closed files, no replica yet.
        for id in 1...4 as ClosedRange<UInt64> {
            manager.addBlock(Block(id: BlockID(id), generationStamp: 1, numBytes: 8), expectedReplication: 3, fileID: 1,
                             isCommitted: true)
        }
        // Under construction: not counted.
        manager.addBlock(Block(id: BlockID(5), generationStamp: 1, numBytes: 0), expectedReplication: 3, fileID: 2)
        #expect(manager.safeBlockFraction == 0)
        let report = (1...3 as ClosedRange<UInt64>).map { ReplicaReport(block: Block(id: BlockID($0), generationStamp: 1, numBytes: 8)) }
        _ = manager.processFullBlockReport(Cluster.uuid(1), replicas: report)
        #expect(manager.safeBlockFraction == 0.75)
        manager.removeBlocks([BlockID(4)])
        #expect(manager.safeBlockFraction == 1.0)
        #expect(manager.invariantViolations().isEmpty)
    }

    @Test("cluster totals add up live datanodes and count problem blocks")
    func totals() {
        var cluster = Cluster(seed: 31)
        cluster.addDatanodes(3, remainingBytes: 1_000 << 20)
        for n in 1...3 {
            cluster.stats[Cluster.uuid(n)] = DatanodeStats(capacityBytes: 2_000 << 20, dfsUsedBytes: 600 << 20,
                                                           remainingBytes: 1_000 << 20, nonDfsUsedBytes: 400 << 20)
        }
        cluster.heartbeatRound()
        let healthy = cluster.writeBlock(replication: 3)
        let lacking = cluster.writeBlock(replication: 3)
        cluster.manager.setExpectedReplication(lacking.id, 5)
        let lost = cluster.writeBlock(replication: 1)
        let lostHolder = cluster.holders(lost.id).first!
        cluster.manager.reportBadReplica(lost.id, on: lostHolder)
        cluster.manager.reportBadReplica(healthy.id, on: Cluster.uuid(1))

        let stats = cluster.manager.clusterStats
        #expect(stats.liveDatanodes == 3 && stats.deadDatanodes == 0)
        #expect(stats.capacityBytes == 6_000 << 20)
        #expect(stats.dfsUsedBytes == 1_800 << 20)
        #expect(stats.remainingBytes == 3_000 << 20)
        #expect(stats.blocks == 3)
        #expect(stats.underReplicatedBlocks == 3)  // lacking, lost, and healthy (a corrupt copy)
        #expect(stats.corruptBlocks == 2)
        #expect(stats.missingBlocks == 1)
        #expect(stats.missingReplicationOneBlocks == 1)

        cluster.manager.refreshNodes(excludedHosts: ["host3"])
        let draining = cluster.manager.clusterStats
        #expect(draining.decommissioningDatanodes == 1)
        #expect(draining.capacityBytes == (4_000 + 600) << 20)
        #expect(draining.remainingBytes == 2_000 << 20)
    }

    @Test("lease recovery goes to the holder heard from last")
    func recovery() {
        var cluster = Cluster(seed: 32)
        cluster.addDatanodes(3)
        let block = Block(id: BlockID(9), generationStamp: 5, numBytes: 0)
        cluster.manager.addBlock(block, expectedReplication: 3, fileID: 1)
        for n in 1...2 {
            _ = cluster.manager.processIncrementalReport(Cluster.uuid(n), received: [ReplicaReport(block: block, state: .rbw)], deleted: [])
        }
        _ = cluster.manager.heartbeat(Cluster.uuid(1), stats: cluster.stats[Cluster.uuid(1)]!, nowMillis: cluster.nowMillis + 10)
        #expect(cluster.manager.startRecovery(of: block.id, newGenerationStamp: 6) == Cluster.uuid(1))
        let commands = cluster.manager.heartbeat(Cluster.uuid(1), stats: cluster.stats[Cluster.uuid(1)]!, nowMillis: cluster.nowMillis + 20)
        #expect(commands == [.recover(block: block, newGenerationStamp: 6,
                                      replicas: [Cluster.identity(1), Cluster.identity(2)])])
        #expect(cluster.manager.startRecovery(of: BlockID(404), newGenerationStamp: 1) == nil)
    }
}

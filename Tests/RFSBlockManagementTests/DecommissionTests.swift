import RFSBlockManagement
import Testing

@Suite("Decommissioning")
struct DecommissionTests {
    typealias Cluster = SimulatedCluster

    @Test("a datanode is decommissioned only once its blocks are replicated elsewhere")
    func completesAfterReReplication() {
        var cluster = Cluster(seed: 21)
        cluster.addDatanodes(5)
        let blocks = (0..<30).map { _ in cluster.writeBlock(replication: 3) }
        let leaving = Cluster.uuid(3)
        let held = Set(cluster.manager.blocks(on: leaving))
        #expect(!held.isEmpty)

        #expect(cluster.manager.refreshNodes(excludedHosts: ["host3"]) == [leaving])
        #expect(cluster.manager.status(of: leaving)?.adminState == .decommissionInProgress)
        #expect(cluster.manager.datanodeReport(kind: .decommissioning).map(\.identity.uuid) == [leaving])
        // Still readable, but last, and no longer counted.
        for id in held {
            #expect(cluster.manager.locations(of: id)?.datanodes.last?.uuid == leaving)
            #expect(cluster.manager.replicaCount(of: id) == 2)
        }

        var rounds = 0
        while cluster.manager.status(of: leaving)?.adminState != .decommissioned, rounds < 100 {
            _ = cluster.runMonitor()
            if held.contains(where: { cluster.manager.replicaCount(of: $0) < 3 }) {
                #expect(cluster.manager.status(of: leaving)?.adminState == .decommissionInProgress,
                        "decommissioned while a block it holds lacks replicas elsewhere")
            }
            cluster.heartbeatRound()
            cluster.expectInvariants()
            rounds += 1
        }
        #expect(cluster.manager.status(of: leaving)?.adminState == .decommissioned)
        for block in blocks {
            #expect(cluster.manager.replicaCount(of: block.id) == 3)
        }
        // Its replicas stay (readable, not deleted, not counted).
        #expect(Set(cluster.manager.blocks(on: leaving)) == held)
        #expect(cluster.manager.clusterStats.underReplicatedBlocks == 0)

        // Back in service: its copies are now excess and trimmed.
        cluster.manager.refreshNodes(excludedHosts: [])
        #expect(cluster.manager.status(of: leaving)?.adminState == .normal)
        #expect(cluster.runMonitor() == held.count)
        cluster.heartbeatRound()
        for block in blocks { #expect(cluster.manager.replicaCount(of: block.id) == 3) }
        cluster.expectInvariants()
    }

    @Test("decommission waits while a block cannot be copied")
    func waitsForCopies() {
        var cluster = Cluster(seed: 22)
        cluster.addDatanodes(3)
        let block = cluster.writeBlock(replication: 3)
        cluster.manager.refreshNodes(excludedHosts: ["10.0.0.1"])
        // Only two datanodes remain in service and both hold the block already; the expected
        // replication cannot be met, but every in-service datanode has a copy: that is enough.
        _ = cluster.runMonitor()
        #expect(cluster.manager.status(of: Cluster.uuid(1))?.adminState == .decommissioned)
        #expect(cluster.manager.replicaCount(of: block.id) == 2)

        // A block whose only replica is on the leaving node holds the decommission.
        var lonely = Cluster(seed: 23)
        lonely.addDatanodes(2)
        let only = Block(id: BlockID(77), generationStamp: 1, numBytes: 1)
        lonely.manager.addBlock(only, expectedReplication: 1, fileID: 1)
        lonely.receive(only, on: Cluster.uuid(1))
        lonely.manager.commitBlock(only.id, numBytes: 1, generationStamp: 1)
        lonely.manager.refreshNodes(excludedHosts: ["host1:9866"])
        lonely.stats[Cluster.uuid(2)]!.remainingBytes = 0  // nowhere to copy to
        lonely.heartbeatRound()
        #expect(lonely.runMonitor() == 0)
        #expect(lonely.manager.status(of: Cluster.uuid(1))?.adminState == .decommissionInProgress)
        #expect(lonely.manager.locations(of: only.id)?.datanodes.map(\.uuid) == [Cluster.uuid(1)])
        lonely.stats[Cluster.uuid(2)]!.remainingBytes = 1 << 40
        lonely.heartbeatRound()
        #expect(lonely.runMonitor() == 1)
        lonely.heartbeatRound()
        _ = lonely.runMonitor()
        #expect(lonely.manager.status(of: Cluster.uuid(1))?.adminState == .decommissioned)
    }

    @Test("a datanode registering under an excluded name starts decommissioning")
    func excludedAtRegistration() {
        var manager = BlockManager()
        manager.refreshNodes(excludedHosts: ["host2"])
        let result = manager.register(SimulatedCluster.identity(2), nowMillis: 0)
        #expect(result == .registered(SimulatedCluster.identity(2), adminState: .decommissionInProgress, replaced: nil))
    }
}

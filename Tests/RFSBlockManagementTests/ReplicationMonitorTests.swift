import RFSBlockManagement
import Testing

@Suite("The replication monitor")
struct ReplicationMonitorTests {
    typealias Cluster = SimulatedCluster

    /// 5 datanodes, 100 blocks of replication 3; one datanode dies; heartbeats deliver the
    /// monitor's transfers until every block has 3 live replicas again. Returns the cluster
    /// and the rounds it took.
    static func recoverFromDeath(seed: UInt64) -> (Cluster, rounds: Int) {
        var cluster = Cluster(seed: seed)
        cluster.addDatanodes(5)
        let blocks = (0..<100).map { _ in cluster.writeBlock(replication: 3) }
        let victim = Cluster.uuid(Int(cluster.rng.next() % 5) + 1)
        cluster.stop(victim)
        let expiryRounds = Int(cluster.manager.configuration.heartbeatExpiryMillis / cluster.manager.configuration.heartbeatIntervalMillis) + 1
        for _ in 0..<expiryRounds { cluster.heartbeatRound() }
        #expect(cluster.manager.checkHeartbeats(nowMillis: cluster.nowMillis) == [victim])
        #expect(cluster.manager.clusterStats.underReplicatedBlocks > 0)

        var rounds = 0
        while rounds < 200, !blocks.allSatisfy({ cluster.manager.replicaCount(of: $0.id) == 3 }) {
            _ = cluster.runMonitor()
            cluster.heartbeatRound()
            cluster.expectInvariants()
            rounds += 1
        }
        for block in blocks {
            let holders = cluster.holders(block.id)
            #expect(holders.count == 3 && !holders.contains(victim), "seed \(seed): \(block.id) on \(holders)")
            #expect(holders.allSatisfy { cluster.disks[$0]?[block.id] == block })
        }
        #expect(cluster.manager.clusterStats.underReplicatedBlocks == 0)
        return (cluster, rounds)
    }

    @Test("after a datanode dies every block gets back to 3 live replicas", arguments: [1, 2, 3, 42, 1_234] as [UInt64])
    func reReplication(seed: UInt64) {
        let (_, rounds) = Self.recoverFromDeath(seed: seed)
        // ≈60 lost replicas, 4 sources × 2 streams per round: about 8 rounds, never 200.
        #expect(rounds < 40, "seed \(seed) took \(rounds) rounds")
    }

    @Test("a seed replays exactly")
    func replay() {
        let first = Self.recoverFromDeath(seed: 99)
        let second = Self.recoverFromDeath(seed: 99)
        #expect(first.0.transcript == second.0.transcript)
        #expect(first.rounds == second.rounds)
        let other = Self.recoverFromDeath(seed: 100)
        #expect(other.0.transcript != first.0.transcript)
    }

    @Test("lowering the replication deletes excess replicas from the fullest datanodes")
    func excess() {
        var cluster = Cluster(seed: 5)
        cluster.addDatanodes(4)
        for (n, remaining) in [(1, 100), (2, 10), (3, 50), (4, 5)] as [(Int, Int64)] {
            cluster.stats[Cluster.uuid(n)]!.remainingBytes = remaining << 30
        }
        cluster.heartbeatRound()
        let block = cluster.writeBlock(replication: 4)
        #expect(cluster.holders(block.id).count == 4)
        cluster.manager.setExpectedReplication(block.id, 2)
        #expect(cluster.runMonitor() == 2)
        #expect(cluster.holders(block.id) == [Cluster.uuid(1), Cluster.uuid(3)])
        cluster.heartbeatRound()
        #expect(cluster.disks[Cluster.uuid(2)]?[block.id] == nil && cluster.disks[Cluster.uuid(4)]?[block.id] == nil)
        #expect(cluster.runMonitor() == 0)
        cluster.expectInvariants()
    }

    @Test("excess replicas go from a rack holding two, keeping both racks")
    func excessKeepsRacks() {
        var cluster = Cluster(seed: 6)
        cluster.addDatanodes(4, racks: ["/r1", "/r2"])
        let block = cluster.writeBlock(replication: 4)
        cluster.manager.setExpectedReplication(block.id, 2)
        _ = cluster.runMonitor()
        let racks = Set(cluster.manager.locations(of: block.id)!.datanodes.map(\.rack))
        #expect(racks == ["/r1", "/r2"])
    }

    @Test("a corrupt replica is replaced from a good copy, then deleted")
    func corruptReplica() {
        var cluster = Cluster(seed: 8)
        cluster.addDatanodes(4)
        let block = cluster.writeBlock(replication: 3)
        let bad = cluster.holders(block.id).sorted()[0]
        let recorded = cluster.manager.reportBadReplica(block.id, on: bad)
        #expect(recorded)
        #expect(!cluster.holders(block.id).contains(bad), "readers are not sent to the bad copy")
        #expect(cluster.manager.clusterStats.corruptBlocks == 1)

        // One pass: a transfer is queued; the bad copy stays until the new one arrives.
        #expect(cluster.runMonitor() == 1)
        #expect(cluster.manager.replicaCounts(of: block.id)?.corrupt == 1)
        cluster.heartbeatRound()
        #expect(cluster.manager.replicaCount(of: block.id) == 3)
        #expect(cluster.disks[bad]?[block.id] != nil)

        // Enough good copies now: the bad one goes.
        #expect(cluster.runMonitor() == 1)
        cluster.heartbeatRound()
        #expect(cluster.disks[bad]?[block.id] == nil)
        #expect(cluster.manager.replicaCounts(of: block.id) == ReplicaCounts(live: 3, decommissioning: 0, corrupt: 0, pending: 0))
        #expect(cluster.manager.clusterStats.corruptBlocks == 0)
        cluster.expectInvariants()
    }

    @Test("a source is given at most replicationWorkPerNodeMax transfers")
    func perNodeBound() {
        var cluster = Cluster(seed: 9)
        cluster.addDatanodes(4)
        // 10 blocks with a single replica, all on dn-1.
        var blocks: [Block] = []
        for i in 0..<10 {
            let block = Block(id: BlockID(UInt64(500 + i)), generationStamp: 1, numBytes: 10)
            cluster.manager.addBlock(block, expectedReplication: 1, fileID: 1)
            cluster.receive(block, on: Cluster.uuid(1))
            cluster.manager.commitBlock(block.id, numBytes: 10, generationStamp: 1)
            cluster.manager.setExpectedReplication(block.id, 3)
            blocks.append(block)
        }
        #expect(cluster.runMonitor() == 2)
        #expect(cluster.runMonitor() == 0, "still queued: no more work for dn-1")
        #expect(cluster.manager.pendingTransferCount == 2)

        // dn-1 is still busy sending (it reports 2 transfers in progress): nothing new.
        cluster.stats[Cluster.uuid(1)]!.transfersInProgress = 2
        cluster.nowMillis += 1
        let commands = cluster.manager.heartbeat(Cluster.uuid(1), stats: cluster.stats[Cluster.uuid(1)]!, nowMillis: cluster.nowMillis)
        #expect(commands.count == 2)
        #expect(cluster.runMonitor() == 0)
        cluster.stats[Cluster.uuid(1)]!.transfersInProgress = 0
        for command in commands { cluster.execute(command, on: Cluster.uuid(1)) }

        // Once new copies exist they are sources too, and everything converges.
        var rounds = 0
        while rounds < 50, !blocks.allSatisfy({ cluster.manager.replicaCount(of: $0.id) == 3 }) {
            _ = cluster.runMonitor()
            for (uuid, commands) in cluster.heartbeatRound() {
                let transfers = commands.filter { if case .transfer = $0 { true } else { false } }
                #expect(transfers.count <= 2, "\(uuid) was given \(transfers.count) transfers")
            }
            rounds += 1
        }
        #expect(blocks.allSatisfy { cluster.manager.replicaCount(of: $0.id) == 3 })
        cluster.expectInvariants()
    }

    @Test("a pending transfer is not scheduled again until it times out")
    func pendingTimeout() {
        var configuration = BlockManagerConfiguration()
        configuration.pendingTransferTimeoutHeartbeats = 5
        var cluster = Cluster(seed: 10, configuration: configuration)
        cluster.addDatanodes(3)
        let block = cluster.writeBlock(replication: 2)
        cluster.manager.setExpectedReplication(block.id, 3)
        #expect(cluster.runMonitor() == 1)
        // The transfer is handed out but never arrives (the target drops it).
        let source = cluster.holders(block.id).sorted()
        for uuid in source { _ = cluster.manager.heartbeat(uuid, stats: cluster.stats[uuid]!, nowMillis: cluster.nowMillis) }
        for _ in 0..<4 {
            cluster.nowMillis += 3_000
            #expect(cluster.runMonitor() == 0)
        }
        cluster.nowMillis += 3_000
        #expect(cluster.runMonitor() == 1, "after 5 heartbeats the transfer is tried again")
    }

    @Test("under-replicated blocks are served most urgent first")
    func priority() {
        var configuration = BlockManagerConfiguration()
        configuration.replicationWorkPerNodeMax = 1
        var cluster = Cluster(seed: 11, configuration: configuration)
        cluster.addDatanodes(4)
        // dn-2 is busy: only dn-1 may send, and only one transfer.
        cluster.stats[Cluster.uuid(2)]!.transfersInProgress = 1
        cluster.heartbeatRound()
        // Both blocks live on dn-1 and dn-2 only; the first lacks one replica of 3, the
        // second has 2 of 10 (fewer than a third): it goes first.
        let mild = Block(id: BlockID(1), generationStamp: 1, numBytes: 1)
        let severe = Block(id: BlockID(2), generationStamp: 1, numBytes: 1)
        for (block, replication) in [(mild, 3), (severe, 10)] {
            cluster.manager.addBlock(block, expectedReplication: replication, fileID: 1)
            for n in 1...2 { cluster.receive(block, on: Cluster.uuid(n)) }
            cluster.manager.commitBlock(block.id, numBytes: 1, generationStamp: 1)
        }
        #expect(cluster.runMonitor() == 1, "one transfer, from dn-1")
        cluster.heartbeatRound()
        #expect(cluster.manager.replicaCount(of: severe.id) == 4)
        #expect(cluster.manager.replicaCount(of: mild.id) == 2)
    }
}

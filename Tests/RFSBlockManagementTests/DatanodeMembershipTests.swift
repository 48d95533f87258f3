import RFSBlockManagement
import Testing

@Suite("Datanode registration, heartbeats and death")
struct DatanodeMembershipTests {
    typealias Cluster = SimulatedCluster

    @Test("registration records datanodes; the same uuid again updates the address")
    func registration() {
        var manager = BlockManager()
        for n in 1...3 { _ = manager.register(Cluster.identity(n), nowMillis: 0) }
        #expect(manager.liveDatanodes.map(\.uuid) == [Cluster.uuid(1), Cluster.uuid(2), Cluster.uuid(3)])

        var moved = Cluster.identity(2)
        moved.ipAddress = "10.0.9.9"
        moved.xferPort = 19_866
        let result = manager.register(moved, nowMillis: 10)
        #expect(result == .registered(moved, adminState: .normal, replaced: nil))
        #expect(manager.identity(of: Cluster.uuid(2))?.transferAddress == "10.0.9.9:19866")
        #expect(manager.liveDatanodes.count == 3)
    }

    @Test("a new uuid at a known transfer address replaces the old datanode and forgets its replicas")
    func replacement() {
        var cluster = Cluster(seed: 1)
        cluster.addDatanodes(3)
        let block = cluster.writeBlock(replication: 3)
        var reformatted = Cluster.identity(1)
        reformatted.uuid = DatanodeUUID("dn-1-reformatted")
        let result = cluster.manager.register(reformatted, nowMillis: cluster.nowMillis)
        #expect(result == .registered(reformatted, adminState: .normal, replaced: Cluster.uuid(1)))
        #expect(cluster.manager.datanodeReport(kind: .all).map(\.identity.uuid) ==
                [DatanodeUUID("dn-1-reformatted"), Cluster.uuid(2), Cluster.uuid(3)])
        #expect(cluster.manager.replicaCount(of: block.id) == 2)
        #expect(cluster.manager.deadDatanodes.isEmpty)
        cluster.expectInvariants()
    }

    @Test("registrations that cannot be right are rejected")
    func rejections() {
        var manager = BlockManager()
        var empty = Cluster.identity(1)
        empty.uuid = DatanodeUUID("")
        #expect(manager.register(empty, nowMillis: 0) == .rejected(.emptyUUID))
        var badPort = Cluster.identity(1)
        badPort.ipcPort = 70_000
        #expect(manager.register(badPort, nowMillis: 0) == .rejected(.invalidPort(name: "ipcPort", value: 70_000)))
        #expect(manager.liveDatanodes.isEmpty)
    }

    @Test("a heartbeat from an unknown datanode asks it to register")
    func unknownHeartbeat() {
        var manager = BlockManager()
        #expect(manager.heartbeat(DatanodeUUID("stranger"), stats: DatanodeStats(), nowMillis: 0) == [.reregister])
    }

    @Test("a datanode is dead after 2 × recheck + 10 × heartbeat of silence, not before")
    func deadDetection() {
        var configuration = BlockManagerConfiguration()
        configuration.heartbeatIntervalMillis = 1_000
        configuration.heartbeatRecheckIntervalMillis = 5_000
        #expect(configuration.heartbeatExpiryMillis == 20_000)
        #expect(BlockManagerConfiguration().heartbeatExpiryMillis == 630_000)
        var manager = BlockManager(configuration: configuration)
        for n in 1...2 { _ = manager.register(Cluster.identity(n), nowMillis: 0) }
        _ = manager.heartbeat(Cluster.uuid(1), stats: DatanodeStats(), nowMillis: 15_000)

        #expect(manager.checkHeartbeats(nowMillis: 20_000).isEmpty)
        #expect(manager.checkHeartbeats(nowMillis: 20_001) == [Cluster.uuid(2)])
        #expect(manager.checkHeartbeats(nowMillis: 20_002).isEmpty, "dead is reported once")
        #expect(manager.checkHeartbeats(nowMillis: 35_001) == [Cluster.uuid(1)])
        #expect(manager.liveDatanodes.isEmpty)
        #expect(manager.deadDatanodes.count == 2)
        #expect(manager.datanodeReport(kind: .dead).map(\.isAlive) == [false, false])

        // A dead datanode's heartbeat is refused until it registers again.
        #expect(manager.heartbeat(Cluster.uuid(2), stats: DatanodeStats(), nowMillis: 40_000) == [.reregister])
        _ = manager.register(Cluster.identity(2), nowMillis: 40_000)
        #expect(manager.heartbeat(Cluster.uuid(2), stats: DatanodeStats(), nowMillis: 41_000) == [])
        #expect(manager.liveDatanodes.map(\.uuid) == [Cluster.uuid(2)])
    }

    @Test("a dead datanode's replicas leave the block map; its blocks become under-replicated")
    func deathForgetsReplicas() {
        var cluster = Cluster(seed: 7)
        cluster.addDatanodes(4)
        let blocks = (0..<20).map { _ in cluster.writeBlock(replication: 3) }
        let victim = Cluster.uuid(2)
        let held = cluster.manager.blocks(on: victim)
        #expect(!held.isEmpty)
        cluster.stop(victim)
        for _ in 0..<211 { cluster.heartbeatRound() }  // 633 s > 630 s
        #expect(cluster.manager.checkHeartbeats(nowMillis: cluster.nowMillis) == [victim])
        #expect(cluster.manager.blocks(on: victim).isEmpty)
        for block in blocks {
            #expect(cluster.manager.replicaCount(of: block.id) == (held.contains(block.id) ? 2 : 3))
        }
        #expect(cluster.manager.clusterStats.underReplicatedBlocks == held.count)
        cluster.expectInvariants()
    }

    @Test("heartbeats carry the queued deletions, at most invalidateBlocksPerHeartbeatMax at a time")
    func deletionBatches() {
        var configuration = BlockManagerConfiguration()
        configuration.invalidateBlocksPerHeartbeatMax = 4
        var manager = BlockManager(configuration: configuration)
        _ = manager.register(Cluster.identity(1), nowMillis: 0)
        let strays = (1...10).map { ReplicaReport(block: Block(id: BlockID($0), generationStamp: 1, numBytes: 5)) }
        let result = manager.processFullBlockReport(Cluster.uuid(1), replicas: strays)
        #expect(result.invalidated == 10)
        var sizes: [Int] = []
        for t in 1...4 {
            let commands = manager.heartbeat(Cluster.uuid(1), stats: DatanodeStats(), nowMillis: Int64(t))
            sizes.append(commands.reduce(0) { if case .invalidate(let blocks) = $1 { $0 + blocks.count } else { $0 } })
        }
        #expect(sizes == [4, 4, 2, 0])
    }
}

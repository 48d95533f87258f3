import RFSBlockManagement
import RFSModel
import Testing

@Suite("Placement of new replicas")
struct PlacementTests {
    typealias Cluster = SimulatedCluster
    static let seeds: [UInt64] = Array(1...300)

    static func cluster(datanodes: Int, racks: [String] = [DatanodeIdentity.defaultRack], seed: UInt64 = 1) -> Cluster {
        var cluster = Cluster(seed: seed)
        cluster.addDatanodes(datanodes, racks: racks)
        return cluster
    }

    @Test("targets are distinct live datanodes, as many as asked when there are enough")
    func distinct() {
        var cluster = Self.cluster(datanodes: 6)
        for seed in Self.seeds {
            cluster.rng = SplitMix64(seed: seed)
            for count in 1...6 {
                let targets = cluster.manager.chooseTargets(count: count, writerHost: nil, excluded: [],
                                                            blockSizeBytes: Cluster.blockSizeBytes, rng: &cluster.rng)
                #expect(targets.count == count)
                #expect(Set(targets.map(\.uuid)).count == count, "seed \(seed): duplicate target")
            }
        }
    }

    @Test("a small cluster gets fewer targets than asked, never duplicates")
    func smallCluster() {
        var cluster = Self.cluster(datanodes: 2)
        for seed in Self.seeds {
            cluster.rng = SplitMix64(seed: seed)
            let targets = cluster.manager.chooseTargets(count: 3, writerHost: nil, excluded: [],
                                                        blockSizeBytes: Cluster.blockSizeBytes, rng: &cluster.rng)
            #expect(Set(targets.map(\.uuid)) == [Cluster.uuid(1), Cluster.uuid(2)])
        }
        var empty = BlockManager()
        var rng = SplitMix64(seed: 1)
        #expect(empty.chooseTargets(count: 3, writerHost: nil, excluded: [], blockSizeBytes: 1, rng: &rng).isEmpty)
        _ = empty.register(Cluster.identity(1), nowMillis: 0)
        // Registered but no heartbeat yet: no space known, so not a target.
        #expect(empty.chooseTargets(count: 3, writerHost: nil, excluded: [], blockSizeBytes: 1, rng: &rng).isEmpty)
    }

    @Test("the writer's datanode comes first when the writer runs on one")
    func writerFirst() {
        var cluster = Self.cluster(datanodes: 5)
        for seed in Self.seeds {
            cluster.rng = SplitMix64(seed: seed)
            for host in ["10.0.0.4", "host4"] {
                let targets = cluster.manager.chooseTargets(count: 3, writerHost: host, excluded: [],
                                                            blockSizeBytes: Cluster.blockSizeBytes, rng: &cluster.rng)
                #expect(targets.first?.uuid == Cluster.uuid(4))
                #expect(Set(targets.map(\.uuid)).count == 3)
            }
            // A writer that is not a datanode changes nothing.
            let elsewhere = cluster.manager.chooseTargets(count: 3, writerHost: "client.example", excluded: [],
                                                          blockSizeBytes: Cluster.blockSizeBytes, rng: &cluster.rng)
            #expect(elsewhere.count == 3)
        }
    }

    @Test("excluded datanodes are never chosen, the writer's included")
    func excludedHonoured() {
        var cluster = Self.cluster(datanodes: 5)
        let excluded: Set = [Cluster.uuid(1), Cluster.uuid(3)]
        for seed in Self.seeds {
            cluster.rng = SplitMix64(seed: seed)
            let targets = cluster.manager.chooseTargets(count: 3, writerHost: "host1", excluded: excluded,
                                                        blockSizeBytes: Cluster.blockSizeBytes, rng: &cluster.rng)
            #expect(Set(targets.map(\.uuid)) == [Cluster.uuid(2), Cluster.uuid(4), Cluster.uuid(5)])
        }
    }

    @Test("with two racks: second replica off the first's rack, third on the second's")
    func rackAware() {
        var cluster = Self.cluster(datanodes: 8, racks: ["/r1", "/r2"])
        for seed in Self.seeds {
            cluster.rng = SplitMix64(seed: seed)
            let writer = seed % 2 == 0 ? "host\(seed % 8 + 1)" : nil
            let targets = cluster.manager.chooseTargets(count: 3, writerHost: writer, excluded: [],
                                                        blockSizeBytes: Cluster.blockSizeBytes, rng: &cluster.rng)
            #expect(targets.count == 3)
            #expect(targets[0].rack != targets[1].rack, "seed \(seed): \(targets)")
            #expect(targets[1].rack == targets[2].rack, "seed \(seed): \(targets)")
        }
        // Five replicas on two racks: at most (5-1)/2+2 = 4 per rack.
        for seed in Self.seeds.prefix(50) {
            cluster.rng = SplitMix64(seed: seed)
            let targets = cluster.manager.chooseTargets(count: 5, writerHost: nil, excluded: [],
                                                        blockSizeBytes: Cluster.blockSizeBytes, rng: &cluster.rng)
            #expect(Set(targets.map(\.rack)).count == 2)
        }
    }

    @Test("datanodes without room for the block are not chosen")
    func capacity() {
        var cluster = Self.cluster(datanodes: 5)
        for n in [2, 4] {
            cluster.stats[Cluster.uuid(n)]!.remainingBytes = Cluster.blockSizeBytes - 1
        }
        cluster.heartbeatRound()
        for seed in Self.seeds {
            cluster.rng = SplitMix64(seed: seed)
            let targets = cluster.manager.chooseTargets(count: 5, writerHost: "host2", excluded: [],
                                                        blockSizeBytes: Cluster.blockSizeBytes, rng: &cluster.rng)
            #expect(Set(targets.map(\.uuid)) == [Cluster.uuid(1), Cluster.uuid(3), Cluster.uuid(5)])
        }
    }

    @Test("decommissioning and dead datanodes are never chosen")
    func onlyInService() {
        var cluster = Self.cluster(datanodes: 5)
        cluster.manager.refreshNodes(excludedHosts: ["host1"])
        cluster.stop(Cluster.uuid(2))
        for _ in 0..<211 { cluster.heartbeatRound() }
        _ = cluster.manager.checkHeartbeats(nowMillis: cluster.nowMillis)
        for seed in Self.seeds {
            cluster.rng = SplitMix64(seed: seed)
            let targets = cluster.manager.chooseTargets(count: 5, writerHost: nil, excluded: [],
                                                        blockSizeBytes: Cluster.blockSizeBytes, rng: &cluster.rng)
            #expect(Set(targets.map(\.uuid)) == [Cluster.uuid(3), Cluster.uuid(4), Cluster.uuid(5)])
        }
    }

    @Test("busy datanodes get fewer first replicas")
    func loadWeighting() {
        var cluster = Self.cluster(datanodes: 2)
        cluster.stats[Cluster.uuid(1)]!.xceiverCount = 9
        cluster.heartbeatRound()
        var firsts: [DatanodeUUID: Int] = [:]
        for seed in Self.seeds {
            cluster.rng = SplitMix64(seed: seed)
            let target = cluster.manager.chooseTargets(count: 1, writerHost: nil, excluded: [],
                                                       blockSizeBytes: Cluster.blockSizeBytes, rng: &cluster.rng)
            firsts[target[0].uuid, default: 0] += 1
        }
        // Weights 1/10 and 1: about 27 of 300 on the busy one.
        #expect(firsts[Cluster.uuid(1), default: 0] > 5)
        #expect(firsts[Cluster.uuid(1), default: 0] < 60)
    }

    @Test("the same seed makes the same choices")
    func replay() {
        var a = Self.cluster(datanodes: 9, racks: ["/r1", "/r2", "/r3"])
        var b = a
        for seed in Self.seeds {
            a.rng = SplitMix64(seed: seed)
            b.rng = SplitMix64(seed: seed)
            let first = a.manager.chooseTargets(count: 3, writerHost: nil, excluded: [], blockSizeBytes: 1, rng: &a.rng)
            let second = b.manager.chooseTargets(count: 3, writerHost: nil, excluded: [], blockSizeBytes: 1, rng: &b.rng)
            #expect(first == second)
        }
    }
}

import RFSBlockManagement
import RFSModel
import Testing

/// Random faults a correct block manager must survive, all drawn from one seed: datanodes
/// stop and come back (re-registering and reporting in full), replicas go bad, replication
/// factors change, datanodes are decommissioned and recommissioned. After every step the
/// block manager's invariants hold and it never believes in a replica that is not on disk.
/// Then the cluster heals and must converge: every block that still has a good copy gets its
/// expected replication back, with no corrupt or excess replicas left.
@Suite("Seeded chaos")
struct ChaosSimulationTests {
    typealias Cluster = SimulatedCluster
    static let datanodeCount = 6

    struct Chaos {
        var cluster: Cluster
        /// Replicas whose bytes are bad, as "uuid/block".
        var bad: Set<String> = []
        var chaos: SplitMix64
        var blocks: [Block] = []

        init(seed: UInt64) {
            cluster = Cluster(seed: seed)
            chaos = SplitMix64(seed: seed ^ 0xC4A0_5EED)
            cluster.addDatanodes(ChaosSimulationTests.datanodeCount, racks: ["/r1", "/r2", "/r3"])
            for _ in 0..<60 { blocks.append(cluster.writeBlock(replication: Int(chaos.next() % 3) + 1)) }
        }

        static func key(_ uuid: DatanodeUUID, _ id: BlockID) -> String { "\(uuid)/\(id.rawValue)" }

        mutating func pick<T>(_ options: [T]) -> T? {
            options.isEmpty ? nil : options[Int(chaos.next() % UInt64(options.count))]
        }

        var running: [DatanodeUUID] { cluster.disks.keys.filter { !cluster.stopped.contains($0) }.sorted() }

        mutating func step() {
            switch chaos.next() % 10 {
            case 0 where running.count > 3:
                if let uuid = pick(running) { cluster.stop(uuid) }
            case 1:
                if let uuid = pick(cluster.stopped.sorted()) { restart(uuid) }
            case 2:
                corruptSomething()
            case 3:
                if let block = pick(blocks) { cluster.manager.setExpectedReplication(block.id, Int(chaos.next() % 4) + 1) }
            case 4:
                let host = pick(running).map { ["host\($0.rawValue.dropFirst(3))"] } ?? []
                cluster.manager.refreshNodes(excludedHosts: chaos.next() % 2 == 0 ? Set(host) : [])
            case 6:
                // The periodic full report of one datanode.
                if let uuid = pick(running) { cluster.fullReport(uuid) }
            case 7:
                write()
            case 8 where blocks.count > 20:
                // A file is deleted: its blocks are forgotten and their replicas deleted.
                let index = Int(chaos.next() % UInt64(blocks.count))
                cluster.manager.removeBlocks([blocks.remove(at: index).id])
            case 5:
                // A long silence: stopped datanodes are declared dead, running ones live on.
                for _ in 0..<3 {
                    cluster.nowMillis += cluster.manager.configuration.heartbeatExpiryMillis / 2
                    for uuid in running {
                        for command in cluster.manager.heartbeat(uuid, stats: cluster.stats[uuid]!, nowMillis: cluster.nowMillis) {
                            execute(command, on: uuid)
                        }
                    }
                }
                monitorRound()
            default:
                monitorRound()
            }
        }

        /// A client writes a block: the pipeline is whatever placement chose, minus datanodes
        /// that stopped without being declared dead yet (the write just loses those replicas).
        mutating func write() {
            cluster.nextBlockID += 1
            let block = Block(id: BlockID(cluster.nextBlockID), generationStamp: 1_001, numBytes: 1_000)
            let replication = Int(chaos.next() % 3) + 1
            let targets = cluster.manager.chooseTargets(count: replication, writerHost: nil, excluded: [],
                                                        blockSizeBytes: Cluster.blockSizeBytes, rng: &cluster.rng)
            cluster.manager.addBlock(block, expectedReplication: replication, fileID: 1)
            for target in targets where !cluster.stopped.contains(target.uuid) { cluster.receive(block, on: target.uuid) }
            cluster.manager.commitBlock(block.id, numBytes: block.numBytes, generationStamp: block.generationStamp)
            blocks.append(block)
        }

        mutating func monitorRound() {
            _ = cluster.runMonitor()
            cluster.nowMillis += cluster.manager.configuration.heartbeatIntervalMillis
            for uuid in running {
                for command in cluster.manager.heartbeat(uuid, stats: cluster.stats[uuid]!, nowMillis: cluster.nowMillis) {
                    execute(command, on: uuid)
                }
            }
        }

        /// Like the harness, but a transfer from a bad copy fails its checksum: the source
        /// reports it bad and nothing arrives.
        mutating func execute(_ command: BlockCommand, on uuid: DatanodeUUID) {
            switch command {
            case .transfer(let block, _) where bad.contains(Self.key(uuid, block.id)):
                cluster.manager.reportBadReplica(block.id, on: uuid)
            case .invalidate(let blocks):
                for block in blocks { bad.remove(Self.key(uuid, block.id)) }
                cluster.execute(command, on: uuid)
            case .reregister:
                restart(uuid)
            default:
                cluster.execute(command, on: uuid)
            }
        }

        mutating func corruptSomething() {
            guard let uuid = pick(running), let id = pick(cluster.disks[uuid]!.keys.sorted()) else { return }
            bad.insert(Self.key(uuid, id))
            cluster.manager.reportBadReplica(id, on: uuid)
        }

        /// The datanode process starts again: registers, reports everything on its disk, and
        /// its block scanner soon finds the bad copies again. The reply to its first heartbeat
        /// is lost (a fault the block manager must outlive: commands in it never run).
        mutating func restart(_ uuid: DatanodeUUID) {
            cluster.stopped.remove(uuid)
            let n = Int(uuid.rawValue.dropFirst(3))!
            let racks = ["/r1", "/r2", "/r3"]
            _ = cluster.manager.register(Cluster.identity(n, rack: racks[(n - 1) % 3]), nowMillis: cluster.nowMillis)
            _ = cluster.manager.heartbeat(uuid, stats: cluster.stats[uuid]!, nowMillis: cluster.nowMillis)  // lost
            cluster.fullReport(uuid)
            for id in cluster.disks[uuid]!.keys.sorted() where bad.contains(Self.key(uuid, id)) {
                cluster.manager.reportBadReplica(id, on: uuid)
            }
        }

        /// The block manager never places a replica where the disk has none.
        func expectMapWithinDisks(seed: UInt64) {
            for uuid in running {
                for id in cluster.manager.blocks(on: uuid) where cluster.disks[uuid]?[id] == nil {
                    Issue.record("seed \(seed): the block map puts \(id) on \(uuid), whose disk lacks it")
                }
            }
        }
    }

    @Test("faults, then healing: invariants hold throughout and the cluster converges",
          arguments: Array(1...24) as [UInt64])
    func chaos(seed: UInt64) {
        var world = Chaos(seed: seed)
        for _ in 0..<300 {
            world.step()
            world.cluster.expectInvariants()
            world.expectMapWithinDisks(seed: seed)
        }
        // Heal: everyone back, nobody excluded, and let the monitor work.
        for uuid in world.cluster.stopped.sorted() { world.restart(uuid) }
        world.cluster.manager.refreshNodes(excludedHosts: [])
        // Past the pending-transfer timeout (100 heartbeats), so transfers lost in flight are
        // retried too, with a periodic full report from everyone half way.
        for round in 0..<120 {
            if round == 60 { for uuid in world.running { world.cluster.fullReport(uuid) } }
            world.monitorRound()
        }
        world.cluster.expectInvariants()
        world.expectMapWithinDisks(seed: seed)

        for block in world.blocks {
            let holders = world.cluster.disks.filter { $0.value[block.id] != nil }.keys
            let goodCopies = holders.filter { !world.bad.contains(Chaos.key($0, block.id)) }
            guard !goodCopies.isEmpty else { continue }  // lost for good: nothing to converge to
            let expected = world.cluster.manager.expectedReplication(of: block.id)!
            let counts = world.cluster.manager.replicaCounts(of: block.id)!
            let badHolders = holders.count - goodCopies.count
            #expect(counts.live <= expected, "seed \(seed): \(block.id) has \(counts) for \(expected)")
            #expect(counts.live >= min(expected, ChaosSimulationTests.datanodeCount - badHolders),
                    "seed \(seed): \(block.id) has \(counts) for \(expected)")
            if counts.live >= expected { #expect(counts.corrupt == 0, "seed \(seed): \(block.id) keeps a corrupt copy") }
        }
    }
}

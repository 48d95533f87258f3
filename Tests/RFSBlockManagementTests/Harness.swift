import RFSBlockManagement
import RFSModel
import Testing

/// A small cluster driven by hand: a BlockManager, simulated datanode disks (what each
/// datanode really holds, for full reports), an injected clock and one seeded generator.
/// Every decision it makes draws from `rng`, so a run replays exactly from its seed.
struct SimulatedCluster {
    var manager: BlockManager
    var rng: SplitMix64
    var nowMillis: Int64 = 1_000_000
    /// What each datanode holds on disk.
    var disks: [DatanodeUUID: [BlockID: Block]] = [:]
    var stats: [DatanodeUUID: DatanodeStats] = [:]
    /// Datanodes that stopped (no heartbeats, commands not executed).
    var stopped: Set<DatanodeUUID> = []
    /// Every command delivered, in order: the transcript two runs of a seed must agree on.
    var transcript: [String] = []
    var nextBlockID: UInt64 = 1_000

    static let blockSizeBytes: Int64 = 128 << 20

    init(seed: UInt64, configuration: BlockManagerConfiguration = BlockManagerConfiguration()) {
        manager = BlockManager(configuration: configuration)
        rng = SplitMix64(seed: seed)
    }

    static func uuid(_ n: Int) -> DatanodeUUID { DatanodeUUID("dn-\(n)") }

    static func identity(_ n: Int, rack: String = DatanodeIdentity.defaultRack) -> DatanodeIdentity {
        DatanodeIdentity(uuid: uuid(n), ipAddress: "10.0.0.\(n)", hostName: "host\(n)", xferPort: 9866, infoPort: 9864,
                         ipcPort: 9867, rack: rack)
    }

    /// Registers datanodes 1...count (racks assigned round-robin) and heartbeats them once.
    mutating func addDatanodes(_ count: Int, racks: [String] = [DatanodeIdentity.defaultRack],
                               remainingBytes: Int64 = 1 << 40) {
        let first = disks.count + 1
        for n in first..<(first + count) {
            let identity = Self.identity(n, rack: racks[(n - 1) % racks.count])
            let result = manager.register(identity, nowMillis: nowMillis)
            guard case .registered = result else {
                Issue.record("registration of \(identity) failed: \(result)")
                continue
            }
            disks[identity.uuid] = [:]
            stats[identity.uuid] = DatanodeStats(capacityBytes: remainingBytes, remainingBytes: remainingBytes)
            _ = manager.heartbeat(identity.uuid, stats: stats[identity.uuid]!, nowMillis: nowMillis)
        }
    }

    /// Writes a block the way a client does: targets chosen, each target receives and reports
    /// it, then the namespace commits it.
    @discardableResult
    mutating func writeBlock(replication: Int = 3, numBytes: Int64 = 1_000, writerHost: String? = nil) -> Block {
        nextBlockID += 1
        let block = Block(id: BlockID(nextBlockID), generationStamp: 1_001, numBytes: numBytes)
        let targets = manager.chooseTargets(count: replication, writerHost: writerHost, excluded: [],
                                            blockSizeBytes: Self.blockSizeBytes, rng: &rng)
        manager.addBlock(block, expectedReplication: replication, fileID: 16_386)
        for target in targets { receive(block, on: target.uuid) }
        manager.commitBlock(block.id, numBytes: numBytes, generationStamp: block.generationStamp)
        return block
    }

    /// `uuid` now holds `block` and says so in an incremental report.
    mutating func receive(_ block: Block, on uuid: DatanodeUUID) {
        disks[uuid, default: [:]][block.id] = block
        let result = manager.processIncrementalReport(uuid, received: [ReplicaReport(block: block)], deleted: [])
        #expect(!result.needsRegistration, "\(uuid) is not registered")
    }

    /// Advances the clock by a heartbeat interval; every running datanode heartbeats and
    /// carries out what it is told: transfers arrive at their targets, deletions happen.
    /// Returns what each datanode was told.
    @discardableResult
    mutating func heartbeatRound() -> [DatanodeUUID: [BlockCommand]] {
        nowMillis += manager.configuration.heartbeatIntervalMillis
        var told: [DatanodeUUID: [BlockCommand]] = [:]
        for uuid in disks.keys.sorted() where !stopped.contains(uuid) {
            let commands = manager.heartbeat(uuid, stats: stats[uuid]!, nowMillis: nowMillis)
            for command in commands { execute(command, on: uuid) }
            told[uuid] = commands
        }
        return told
    }

    mutating func execute(_ command: BlockCommand, on uuid: DatanodeUUID) {
        transcript.append("t=\(nowMillis) \(uuid): \(command)")
        switch command {
        case .transfer(let block, let targets):
            guard disks[uuid]?[block.id] != nil else { return }
            for target in targets where !stopped.contains(target.uuid) { receive(block, on: target.uuid) }
        case .invalidate(let blocks):
            for block in blocks { disks[uuid]?[block.id] = nil }
            _ = manager.processIncrementalReport(uuid, received: [], deleted: blocks.map(\.id))
        case .recover, .finalize, .reregister:
            break
        }
    }

    /// The datanode stops: no more heartbeats; after the expiry it is declared dead.
    mutating func stop(_ uuid: DatanodeUUID) { stopped.insert(uuid) }

    /// Sends `uuid`'s full block report from its simulated disk.
    @discardableResult
    mutating func fullReport(_ uuid: DatanodeUUID) -> BlockReportResult {
        let replicas = disks[uuid, default: [:]].values.sorted { $0.id < $1.id }.map { ReplicaReport(block: $0) }
        return manager.processFullBlockReport(uuid, replicas: replicas)
    }

    mutating func runMonitor() -> Int {
        _ = manager.checkHeartbeats(nowMillis: nowMillis)
        return manager.computeReplicationWork(nowMillis: nowMillis, rng: &rng)
    }

    func expectInvariants(sourceLocation: SourceLocation = #_sourceLocation) {
        let violations = manager.invariantViolations()
        #expect(violations.isEmpty, "\(violations.prefix(5))", sourceLocation: sourceLocation)
    }

    /// Live replica holders of `id`, from the block manager.
    func holders(_ id: BlockID) -> Set<DatanodeUUID> {
        Set(manager.locations(of: id)?.datanodes.map(\.uuid) ?? [])
    }
}

@testable import RFSRaft
import RFSModel
import RFSNamespace
import RFSProtocol

/// A namenode group in one process, on one seed (TigerBeetle's VOPR in miniature): 3 or 5
/// Raft cores, each with its own disk (`RaftDisk`) and its own namespace (`NamespaceReplica`
/// over the crash-aware in-memory store), a simulated network (`SimNetwork`), clients that
/// call mkdirs, create, delete, rename, setPermission and getFileInfo, and the checkers:
/// `SafetyChecker` after every Ready, the namespaces' digests, and at the end the clients'
/// history against the sequential specification (`LinearizabilityChecker`, per slot).
///
/// Every choice (delays, drops, duplicates, partitions, crashes, clients' operations, the
/// cores' election timeouts) comes from one `SplitMix64`, and nothing iterates a hashed
/// collection in an order that matters, so a seed replays exactly.
struct ClusterSimulation {
    struct Node {
        var core: RaftCore?
        var disk: RaftDisk
        var replica: NamespaceReplica
        /// A snapshot that arrived (its sender and image), until the core asks for it. The
        /// stream is complete for its sender only once it is installed: a crash before that
        /// is a failed stream.
        var arrivingSnapshot: (from: NodeID, image: NamespaceImage)?
        var restartAt = 0
        /// A crash the fault schedule has planned for this node.
        var crashAt: Int?
    }

    let seed: UInt64
    var options: SimulationOptions
    let membership: Membership
    var nodes: [Node]
    var network = SimNetwork()
    var safety = SafetyChecker()
    var rng: SplitMix64
    /// The choices only the detach-and-purge workload makes (fills, purge proposals): a
    /// stream apart from `rng`, so seeds without that workload keep their schedules.
    var workload: SplitMix64
    var now = 0
    var clients: [SimClient]
    /// Every operation the clients invoked, per slot, and the one clock of their events.
    var histories: [[SlotHistoryEntry]]
    /// Beside each history entry: where a write's entry went in the log (nil for a read).
    var proposals: [[EntryPosition?]]
    var eventClock = 0
    var nextReadContext: UInt64 = 1
    var statistics = Statistics()

    struct Statistics: Equatable {
        var crashes = 0
        var shellCrashes = 0
        var compactions = 0
        var snapshotsInstalled = 0
        var messages = 0
        var leaderTerms = 0
        var purgesProposed = 0
        var subtreesDetached = 0
    }

    static let namespaceConfiguration = NamespaceConfiguration()

    init(seed: UInt64, options: SimulationOptions) {
        self.seed = seed
        self.options = options
        rng = SplitMix64(seed: seed)
        workload = SplitMix64(seed: seed ^ 0xDE7A_C4ED)
        membership = Membership(voters: Set(1...UInt64(options.voters)))
        let bootstrap = Self.bootstrap(slots: options.slots)
        nodes = (0..<options.voters).map { _ in
            Node(core: nil, disk: RaftDisk(bootstrap: bootstrap), replica: NamespaceReplica(configuration: Self.namespaceConfiguration))
        }
        clients = (0..<options.clients).map { SimClient(id: $0, guess: NodeID(1 + $0 % options.voters)) }
        histories = Array(repeating: [], count: options.slots)
        proposals = Array(repeating: [], count: options.slots)
        network.faults = options.network
        for id in ids { start(id) }
    }

    var ids: [NodeID] { (1...UInt64(nodes.count)).map { $0 } }

    func node(_ id: NodeID) -> Node { nodes[Int(id - 1)] }

    /// The first entries of every member's log, as a new namenode group writes them: the
    /// format edit, then one directory per slot.
    static func bootstrap(slots: Int) -> [RaftEntry] {
        let format = Rfs_Namenode_Format(namespaceID: 42, clusterID: "CID-sim", blockPoolID: "BP-sim",
                                         superuser: NamespaceReplica.superuser, supergroup: "supergroup")
        var edits = [SlotEdits.edit(.format(format), timeMs: 1)]
        for slot in 0..<slots {
            var mkdirs = Rfs_Namenode_Mkdirs()
            mkdirs.path = SlotEdits.directory(slot)
            mkdirs.permission = 0o755
            edits.append(SlotEdits.edit(.mkdirs(mkdirs), timeMs: 1))
        }
        return edits.enumerated().map { RaftEntry(term: 1, index: UInt64($0.offset + 1), data: try! $0.element.serializedBytes()) }
    }

    // MARK: - Driving

    /// One step: restarts that are due, every live node ticks, due messages arrive, clients
    /// act, and faults strike by the seed.
    mutating func tick() {
        now += 1
        for id in ids where node(id).core == nil && node(id).restartAt <= now { start(id) }
        for id in ids where node(id).core != nil && node(id).crashAt.map({ $0 <= now }) == true { crash(id) }
        for id in ids where node(id).core != nil {
            nodes[Int(id - 1)].core!.tick()
            drain(id)
        }
        deliverDue()
        tickClients()
        proposePurge()
        injectFaults()
    }

    /// Now and then the leader proposes a purge edit, as the active namenode does while
    /// detached subtrees wait (one with nothing to purge changes nothing but the index).
    private mutating func proposePurge() {
        guard options.purgePercentPerTick > 0, chance(options.purgePercentPerTick, &workload), let leader else { return }
        let edit = SlotEdits.purge(timeMs: 1_000 + UInt64(now))
        guard (try? nodes[Int(leader - 1)].core!.propose(try! edit.serializedBytes())) != nil else { return }
        statistics.purgesProposed += 1
        drain(leader)
    }

    private mutating func injectFaults() {
        if chance(perMille: options.crashPerMillePerTick, &rng) {
            let id = ids[Int(rng.next() % UInt64(nodes.count))]
            if node(id).core != nil { crash(id) }
        }
        if chance(options.network.reshapePercentPerTick, &rng) {
            network.reshape(nodes: ids, rng: &rng)
        }
        if chance(options.compactPercentPerTick, &rng) {
            compact(ids[Int(rng.next() % UInt64(nodes.count))])
        }
        if chance(options.checkpointPercentPerTick, &rng) {
            checkpoint(ids[Int(rng.next() % UInt64(nodes.count))])
        }
        if chance(perMille: options.transferPerMillePerTick, &rng), let leader {
            let others = ids.filter { $0 != leader }
            try? nodes[Int(leader - 1)].core!.transferLeadership(to: others[Int(rng.next() % UInt64(others.count))])
            drain(leader)
        }
    }

    /// The live leader of the highest term, if any.
    var leader: NodeID? {
        ids.filter { node($0).core?.role == .leader }.max { node($0).core!.term < node($1).core!.term }
    }

    /// Runs the fault phase, then heals and waits for convergence; returns what went wrong.
    mutating func run() -> [String] {
        for _ in 0..<options.faultTicks {
            tick()
            if !safety.violations.isEmpty { return report(safety.violations) }
        }
        options.calm()
        network.faults = options.network
        network.heal()
        for id in ids where node(id).core == nil { start(id) }
        var problems = settle()
        problems += safety.violations
        problems += checkHistories()
        return report(problems)
    }

    /// The liveness phase: the cluster converges, every client's operation ends, and one
    /// more write goes through.
    private mutating func settle() -> [String] {
        guard converge() else { return ["the cluster did not converge after healing: \(describe())"] }
        guard completeFinalWrite() else { return ["a write after healing did not complete: \(describe())"] }
        guard converge() else { return ["the cluster did not converge after the last write: \(describe())"] }
        if options.purgePercentPerTick > 0, let waiting = finishPurges() {
            return ["detached subtrees were left after purging: \(waiting) on some node, \(describe())"]
        }
        let digests = Set(nodes.map(\.replica.digest))
        if digests.count != 1 { return ["the namespaces differ after converging: \(describe())"] }
        return []
    }

    /// Ticks until every node has applied the leader's commit and no client waits.
    private mutating func converge() -> Bool {
        for _ in 0..<options.healTicksMax {
            if isConverged && clients.allSatisfy({ $0.pending == nil }) { return true }
            tick()
        }
        return false
    }

    /// With faults over, purge edits keep coming until every node has purged every detached
    /// subtree; nil then, or how many a node still holds when the ticks run out.
    private mutating func finishPurges() -> UInt64? {
        func waiting(_ node: Node) -> UInt64 { try! node.replica.detachedSubtrees() }
        for _ in 0..<options.healTicksMax {
            if isConverged && clients.allSatisfy({ $0.pending == nil }) && nodes.allSatisfy({ waiting($0) == 0 }) { return nil }
            tick()
        }
        return nodes.map(waiting).max()
    }

    var isConverged: Bool {
        guard let leader else { return false }
        let commit = node(leader).core!.commitIndex
        return nodes.allSatisfy { $0.core?.commitIndex == commit && $0.replica.appliedIndex == commit }
    }

    private func report(_ problems: [String]) -> [String] {
        problems.map { "seed \(seed), \(options.voters) voters, tick \(now): \($0)" }
    }

    /// Everything a run did that a replay must reproduce: the clients' histories, each
    /// node's state and namespace digest, and the fault counts.
    var transcript: [String] {
        let operations = histories.enumerated().flatMap { slot, history in
            history.map { "\(slot) c\($0.client) \($0.invokedAt) \($0.operation) -> \($0.returned.map { "\($0.at) \($0.outcome)" } ?? "?")" }
        }
        let states = [describe()] + ids.map { "node \($0) digest \(node($0).replica.digest)" }
        return operations + states + ["tick \(now) \(statistics)"]
    }

    /// Each node's state, for a failure message.
    func describe() -> String {
        ids.map { id in
            let node = node(id)
            guard let core = node.core else { return "\(id): down" }
            return "\(id): \(core.role) term \(core.term) leader \(core.leader) last \(core.lastIndex) commit \(core.commitIndex) applied \(node.replica.appliedIndex)\(core.role == .leader ? " " + core.progressDescription : "")"
        }.joined(separator: " | ")
    }
}

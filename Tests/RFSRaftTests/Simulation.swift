@testable import RFSRaft
import RFSModel

/// A deterministic Raft cluster: one seed drives message delays, drops, partitions, crashes,
/// restarts, proposals and compactions, so a failing seed replays exactly. Each node's "disk"
/// holds what its Readies told it to persist (persisted before its messages leave, as the
/// shell must); its state machine is the list of entries it applied. Checkers run as it goes:
/// one leader per term, and every node applies the same entry at every index.
struct Simulation {
    struct Disk {
        var hardState = HardState()
        var snapshot: SnapshotMeta?
        var entries: [RaftEntry] = []
        /// The state machine: data applied at each index (a snapshot installs a prefix).
        var applied: [UInt64: [UInt8]] = [:]
        var appliedIndex: UInt64 = 0
    }

    struct Node {
        var core: RaftCore?
        var disk = Disk()
    }

    struct Faults {
        var dropPercent = 0
        var maxDelayTicks = 1
        var crashPercentPerTick = 0
        var partitionPercentPerTick = 0
        var compactPercentPerTick = 0
    }

    private(set) var nodes: [NodeID: Node] = [:]
    let initial: Membership
    var faults = Faults()
    private(set) var rng: SplitMix64
    private(set) var now = 0
    /// Messages on the wire: when they arrive and what they are.
    private var wire: [(at: Int, message: RaftMessage)] = []
    /// Nodes that cannot reach each other: a node's side of the current partition.
    private var side: [NodeID: Int] = [:]
    /// What was applied at each index, by the first node to apply it.
    private(set) var committedLog: [UInt64: (term: UInt64, data: [UInt8])] = [:]
    private(set) var leaders: [UInt64: NodeID] = [:]
    /// Proposals a leader saw applied: what a client was told is done.
    private(set) var acknowledged: Set<[UInt8]> = []
    private var proposed: [NodeID: Set<[UInt8]>] = [:]
    private var nextProposal: UInt64 = 1
    private(set) var violations: [String] = []
    /// What leaders reported: followers whose log no longer held what they acknowledged.
    private(set) var lostLogs: [LostLog] = []
    private var reads: [NodeID: [ReadState]] = [:]
    /// A directed test's own message loss: messages it returns true for never arrive.
    var dropIf: ((RaftMessage) -> Bool)?

    func releasedReads(on id: NodeID) -> [ReadState] { reads[id] ?? [] }

    /// A node that is not in the initial membership (it joins by a membership change).
    mutating func addNode(_ id: NodeID) {
        nodes[id] = Node()
        start(id)
    }

    init(seed: UInt64, voters: Int, electionTicks: Int = 10) {
        rng = SplitMix64(seed: seed)
        initial = Membership(voters: Set((1...UInt64(voters))))
        for id in initial.voters.sorted() { nodes[id] = Node() }
        for id in initial.voters.sorted() { start(id, electionTicks: electionTicks) }
    }

    private var electionTicks = 10

    mutating func start(_ id: NodeID, electionTicks: Int? = nil) {
        if let electionTicks { self.electionTicks = electionTicks }
        var configuration = RaftConfiguration(id: id, seed: rng.next())
        configuration.electionTicks = self.electionTicks
        configuration.maxEntriesPerMessage = 8
        configuration.maxInflightMessages = 4
        let disk = nodes[id]?.disk ?? Disk()
        nodes[id, default: Node()].core = RaftCore(configuration: configuration, hardState: disk.hardState, snapshot: disk.snapshot,
                                                   entries: disk.entries, appliedIndex: disk.appliedIndex, membership: initial)
    }

    /// Crashes `id`, loses its disk whole (a replaced drive), and starts it empty.
    mutating func wipe(_ id: NodeID) {
        crash(id)
        nodes[id]!.disk = Disk()
        start(id)
    }

    mutating func crash(_ id: NodeID) {
        nodes[id]?.core = nil
        let dropped = wire.filter { $0.message.to == id }
        wire.removeAll { $0.message.to == id }
        for (_, message) in dropped { lost(message) }
    }

    var leader: NodeID? {
        let current = nodes.compactMap { id, node in node.core?.role == .leader ? (id, node.core!.term) : nil }
        return current.max { $0.1 < $1.1 }?.0
    }

    func core(_ id: NodeID) -> RaftCore? { nodes[id]?.core }

    // MARK: - Driving

    /// One tick: every live node ticks, due messages arrive, and faults strike by the seed.
    mutating func tick() {
        now += 1
        for id in nodes.keys.sorted() where nodes[id]!.core != nil {
            nodes[id]!.core!.tick()
            drain(id)
        }
        deliverDue()
        injectFaults()
    }

    mutating func run(ticks: Int) { for _ in 0..<ticks { tick() } }

    /// Ticks until `condition` holds; false if it never did within `limit` ticks.
    mutating func run(until condition: (Simulation) -> Bool, limit: Int = 2000) -> Bool {
        for _ in 0..<limit {
            if condition(self) { return true }
            tick()
        }
        return condition(self)
    }

    /// Proposes a fresh payload on the current leader, if there is one; returns it.
    @discardableResult
    mutating func propose() -> [UInt8]? {
        guard let leader else { return nil }
        let data = (0..<8).map { UInt8(truncatingIfNeeded: nextProposal >> (56 - 8 * UInt64($0))) }
        nextProposal += 1
        guard (try? nodes[leader]!.core!.propose(data)) != nil else { return nil }
        proposed[leader, default: []].insert(data)
        drain(leader)
        return data
    }

    mutating func with(_ id: NodeID, _ body: (inout RaftCore) throws -> Void) rethrows {
        try body(&nodes[id]!.core!)
        drain(id)
    }

    /// Heals the network and stops faults: the liveness phase.
    mutating func heal() {
        faults = Faults()
        side = [:]
        for id in nodes.keys.sorted() where nodes[id]!.core == nil { start(id) }
    }

    mutating func partition(_ groups: [[NodeID]]) {
        side = [:]
        for (number, group) in groups.enumerated() { for id in group { side[id] = number } }
    }

    // MARK: - The shell of each node

    private mutating func drain(_ id: NodeID) {
        while let ready = nodes[id]!.core!.takeReady() {
            var disk = nodes[id]!.disk
            if let snapshot = ready.snapshot {
                disk.snapshot = snapshot
                disk.entries = []
                disk.applied = [:]
                for index in 1...max(1, snapshot.index) where index <= snapshot.index {
                    guard let entry = committedLog[index] else {
                        violations.append("node \(id) installed a snapshot through \(snapshot.index) but \(index) was never committed")
                        continue
                    }
                    disk.applied[index] = entry.data
                }
                disk.appliedIndex = snapshot.index
            }
            if let first = ready.entries.first {
                disk.entries.removeAll { $0.index >= first.index }
                disk.entries += ready.entries
            }
            if let hardState = ready.hardState { disk.hardState = hardState }
            if let last = ready.entries.last { nodes[id]!.core!.persisted(through: last.index, term: last.term) }
            for entry in ready.committed {
                check(entry, on: id)
                disk.applied[entry.index] = entry.data
                disk.appliedIndex = entry.index
                if proposed[id]?.contains(entry.data) == true { acknowledged.insert(entry.data) }
            }
            nodes[id]!.disk = disk
            reads[id, default: []] += ready.reads
            lostLogs += ready.lostLogs
            for message in ready.messages { send(message) }
            if nodes[id]!.core!.role == .leader {
                let term = nodes[id]!.core!.term
                if let other = leaders[term], other != id {
                    violations.append("term \(term) has two leaders: \(other) and \(id)")
                }
                leaders[term] = id
            }
        }
    }

    private mutating func check(_ entry: RaftEntry, on id: NodeID) {
        if let seen = committedLog[entry.index] {
            if seen.term != entry.term || seen.data != entry.data {
                violations.append("index \(entry.index): node \(id) applied term \(entry.term), another applied term \(seen.term)")
            }
        } else {
            committedLog[entry.index] = (entry.term, entry.data)
        }
    }

    private mutating func send(_ message: RaftMessage) {
        if dropIf?(message) == true { return lost(message) }
        if faults.dropPercent > 0 && Int(rng.next() % 100) < faults.dropPercent { return lost(message) }
        let delay = 1 + Int(rng.next() % UInt64(max(1, faults.maxDelayTicks)))
        wire.append((now + delay, message))
    }

    private mutating func deliverDue() {
        let due = wire.filter { $0.at <= now }
        wire.removeAll { $0.at <= now }
        for (_, message) in due {
            guard nodes[message.to]?.core != nil, side[message.from] == side[message.to] else {
                lost(message)
                continue
            }
            nodes[message.to]!.core!.step(message)
            drain(message.to)
        }
    }

    /// A message that never arrives. A snapshot is streamed by the sender's shell, which
    /// learns that the stream failed and says so to its core.
    private mutating func lost(_ message: RaftMessage) {
        guard case .snapshot = message.body, nodes[message.from]?.core != nil else { return }
        nodes[message.from]!.core!.reportSnapshotFailure(to: message.to)
        drain(message.from)
    }

    private mutating func injectFaults() {
        let ids = nodes.keys.sorted()
        if faults.crashPercentPerTick > 0 && Int(rng.next() % 100) < faults.crashPercentPerTick {
            let id = ids[Int(rng.next() % UInt64(ids.count))]
            if nodes[id]!.core != nil { crash(id) } else { start(id) }
        }
        if faults.partitionPercentPerTick > 0 && Int(rng.next() % 100) < faults.partitionPercentPerTick {
            side = [:]
            for id in ids where rng.next() % 3 == 0 { side[id] = 1 }
        }
        if faults.compactPercentPerTick > 0 && Int(rng.next() % 100) < faults.compactPercentPerTick {
            let id = ids[Int(rng.next() % UInt64(ids.count))]
            if nodes[id]!.core != nil { compact(id) }
        }
    }

    /// The node's state machine snapshots what it applied; its log before that goes.
    mutating func compact(_ id: NodeID) {
        let applied = nodes[id]!.core!.appliedIndex
        guard applied > 2 else { return }
        nodes[id]!.core!.compact(through: applied - 2)
        if let snapshot = nodes[id]!.core!.snapshot {
            nodes[id]!.disk.snapshot = snapshot
            nodes[id]!.disk.entries.removeAll { $0.index <= snapshot.index }
        }
    }

    // MARK: - Final checks

    /// Each node's state, for a failure message.
    func describe() -> String {
        nodes.keys.sorted().map { id in
            guard let core = nodes[id]!.core else { return "\(id): down" }
            return "\(id): \(core.role) term \(core.term) leader \(core.leader) last \(core.lastIndex) commit \(core.commitIndex) applied \(nodes[id]!.disk.appliedIndex) \(core.progressDescription)"
        }.joined(separator: " | ")
    }

    /// After healing: every node has applied the same log, holding every acknowledged proposal.
    func convergenceProblems(excluding removed: Set<NodeID> = []) -> [String] {
        var problems = violations
        let applied = nodes.filter { !removed.contains($0.key) }.mapValues { $0.disk.appliedIndex }
        guard let highest = applied.values.max() else { return problems }
        for (id, index) in applied.sorted(by: { $0.key < $1.key }) where index != highest {
            problems.append("node \(id) applied through \(index), another through \(highest)")
        }
        let finalData = Set((1...max(1, highest)).compactMap { committedLog[$0]?.data })
        for data in acknowledged where !finalData.contains(data) {
            problems.append("an acknowledged proposal \(data) is not in the committed log")
        }
        return problems
    }
}

@testable import RFSRaft
import RFSModel

typealias SlotHistoryEntry = HistoryEntry<SlotOperation, SlotOutcome>

extension SlotModel: SequentialSpecification {}

/// A client of the namenode group: one operation at a time, sent to the node it believes
/// leads (a refusal names the leader, or it tries another node).
struct SimClient {
    let id: Int
    var guess: NodeID
    var pending: PendingOperation?
}

/// A log position: (index, term) names one entry, whichever node holds it.
struct EntryPosition: Hashable {
    let index: UInt64
    let term: UInt64
}

struct PendingOperation {
    let slot: Int
    let historyIndex: Int
    let node: NodeID
    var awaiting: Awaiting
    let deadline: Int

    enum Awaiting: Equatable {
        /// A write: its entry's position; it answers when the node applies that entry.
        case entry(index: UInt64, term: UInt64)
        /// A read waiting for the leader's ReadIndex round.
        case readIndex(context: UInt64)
        /// A read the leader confirmed: served once the node has applied `index`.
        case applied(index: UInt64)
    }
}

/// The clients: they invoke operations, and are answered when the node they called applies
/// their entry (writes) or has applied its confirmed read index (reads). A client that
/// times out, or whose node crashes, never learns the outcome.
extension ClusterSimulation {
    mutating func tickClients() {
        for client in clients.indices {
            if let pending = clients[client].pending, pending.deadline <= now { clients[client].pending = nil }
            guard clients[client].pending == nil, chance(options.issuePercentPerTick, &rng) else { continue }
            let slot = Int(rng.next() % UInt64(options.slots))
            _ = submit(randomOperation(), slot: slot, client: client)
        }
    }

    private mutating func randomOperation() -> SlotOperation {
        let names = UInt64(SlotModel.names.count)
        let name = Int(rng.next() % names)
        let permission = UInt32(rng.next() % 0o1000)
        if chance(options.readPercent, &rng) { return .stat(name: name) }
        if options.purgePercentPerTick > 0 && chance(20, &workload) { return .fill(name: name) }
        switch rng.next() % 5 {
        case 0: return .mkdirs(name: name, permission: permission)
        case 1: return .create(name: name, permission: permission, overwrite: rng.next() % 2 == 0)
        case 2: return .delete(name: name)
        case 3:
            let to = (name + 1 + Int(rng.next() % (names - 1))) % Int(names)
            return .rename(from: name, to: to, overwrite: rng.next() % 2 == 0)
        default: return .setPermission(name: name, permission: permission)
        }
    }

    /// Sends `operation` to the node the client believes leads. True when a leader took it
    /// (it is in the history from then on); a refusal changes nothing, so it is not recorded.
    mutating func submit(_ operation: SlotOperation, slot: Int, client: Int) -> Bool {
        let id = clients[client].guess
        guard let core = node(id).core, core.role == .leader else {
            let hint = node(id).core?.leader ?? 0
            clients[client].guess = hint != 0 ? hint : ids[Int(rng.next() % UInt64(nodes.count))]
            return false
        }
        let awaiting: PendingOperation.Awaiting
        if operation.isRead {
            let context = nextReadContext
            nextReadContext += 1
            // A new leader refuses reads until its term's first entry commits.
            guard (try? nodes[Int(id - 1)].core!.readIndex(context: context)) != nil else { return false }
            awaiting = .readIndex(context: context)
        } else {
            let edit = SlotEdits.edit(for: operation, slot: slot, client: client, timeMs: 1_000 + UInt64(now))
            guard let index = try? nodes[Int(id - 1)].core!.propose(try! edit.serializedBytes()) else { return false }
            awaiting = .entry(index: index, term: core.term)
        }
        eventClock += 1
        histories[slot].append(SlotHistoryEntry(client: client, operation: operation, invokedAt: eventClock, returned: nil))
        if case .entry(let index, let term) = awaiting {
            proposals[slot].append(EntryPosition(index: index, term: term))
        } else {
            proposals[slot].append(nil)
        }
        clients[client].pending = PendingOperation(slot: slot, historyIndex: histories[slot].count - 1, node: id,
                                                   awaiting: awaiting, deadline: now + options.clientTimeoutTicks)
        drain(id)
        return true
    }

    private mutating func finish(_ client: Int, _ outcome: SlotOutcome) {
        let pending = clients[client].pending!
        eventClock += 1
        histories[pending.slot][pending.historyIndex].returned = (eventClock, outcome)
        clients[client].pending = nil
    }

    /// Writes whose entries `id` just applied get their answers. An entry of another term at
    /// the write's index means the write's own entry was replaced: the client cannot tell
    /// whether it will ever apply, so its outcome stays unknown.
    mutating func answerWrites(_ applied: [AppliedEntry], on id: NodeID) {
        for entry in applied {
            for client in clients.indices {
                guard let pending = clients[client].pending, pending.node == id,
                      case .entry(let index, let term) = pending.awaiting, index == entry.index else { continue }
                if term == entry.term, let result = entry.result {
                    if result.effects.contains(where: { if case .subtreeDetached = $0 { true } else { false } }) {
                        statistics.subtreesDetached += 1
                    }
                    finish(client, SlotEdits.outcome(of: result))
                } else {
                    clients[client].pending = nil
                }
            }
        }
    }

    mutating func releaseReads(_ reads: [ReadState], on id: NodeID) {
        guard !reads.isEmpty else { return }
        for read in reads {
            for client in clients.indices {
                guard let pending = clients[client].pending, pending.node == id,
                      pending.awaiting == .readIndex(context: read.context) else { continue }
                clients[client].pending!.awaiting = .applied(index: read.index)
            }
        }
        serveReads(on: id)
    }

    /// Reads confirmed on `id` whose index it has applied are answered from its namespace.
    mutating func serveReads(on id: NodeID) {
        let replica = node(id).replica
        for client in clients.indices {
            guard let pending = clients[client].pending, pending.node == id,
                  case .applied(let index) = pending.awaiting, replica.appliedIndex >= index,
                  case .stat(let name) = histories[pending.slot][pending.historyIndex].operation else { continue }
            let inode = try! replica.fileInfo(SlotEdits.path(pending.slot, name))
            finish(client, SlotEdits.outcome(ofRead: inode))
        }
    }

    /// `id` crashed: whatever its clients were waiting for, they will not hear.
    mutating func abandonClients(of id: NodeID) {
        for client in clients.indices where clients[client].pending?.node == id {
            clients[client].pending = nil
        }
    }

    /// After healing: one more write must be answered (liveness).
    mutating func completeFinalWrite() -> Bool {
        var submitted: (slot: Int, index: Int)?
        for _ in 0..<options.healTicksMax {
            if let submitted, histories[submitted.slot][submitted.index].returned != nil { return true }
            if clients[0].pending == nil {
                if submitted != nil { submitted = nil }
                if submit(.mkdirs(name: 0, permission: 0o711), slot: 0, client: 0) {
                    submitted = (0, histories[0].count - 1)
                    continue
                }
            }
            tick()
        }
        return false
    }

    /// Every slot's history must have a linearization under the specification.
    ///
    /// Operations whose outcome is unknown are pruned where that is certain: a read changed
    /// nothing and constrains nothing; a write whose log position holds another entry in the
    /// committed log never took effect and never will. Only that committed log (itself
    /// checked by `SafetyChecker`) is consulted, never an outcome: the other unknown writes
    /// stay in, free to take effect at any point after their invocation. Without the pruning,
    /// each write lost with a deposed leader doubles what the search may have to explore.
    func checkHistories() -> [String] {
        var problems: [String] = []
        for (slot, history) in histories.enumerated() {
            let kept = history.indices.filter { position in
                let entry = history[position]
                guard entry.returned == nil else { return true }
                guard let proposal = proposals[slot][position] else { return false }
                return !safety.replaced(proposal)
            }
            let answered = kept.map { history[$0] }
            switch LinearizabilityChecker(initial: SlotModel()).check(answered) {
            case .linearizable: break
            case .violation(let text): problems.append("slot \(slot) (\(SlotEdits.directory(slot))) is not linearizable: \(text)")
            case .inconclusive(let steps): problems.append("slot \(slot): the linearizability search gave up after \(steps) steps")
            }
        }
        return problems
    }
}

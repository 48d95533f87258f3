@testable import RFSRaft

/// Raft's safety properties (Figure 3 of the paper), checked as the simulation goes, each
/// from what the nodes hand their shells:
/// - election safety: at most one leader per term;
/// - log matching: two logs with an entry of the same index and term agree on it and on
///   everything before it;
/// - leader completeness: a leader's log holds every entry committed before it was elected;
/// - state machine safety: no two nodes apply different entries at an index, and nodes that
///   have applied the same prefix hold the same namespace.
struct SafetyChecker {
    private(set) var violations: [String] = []
    private var leaderOfTerm: [UInt64: NodeID] = [:]
    /// Log matching, by induction over the log: the first entry seen at each (index, term),
    /// with the term of the entry before it. If every log that holds (index, term) holds the
    /// same data after the same (index - 1, previous term), the logs agree all the way down.
    private var entryAt: [EntryPosition: (data: [UInt8], previousTerm: UInt64)] = [:]
    /// The entry applied at each index (position index - 1), as the first node to apply it did.
    private(set) var applied: [RaftEntry] = []
    /// The namespace's digest after each index at which some node finished a batch.
    private var digestAfter: [UInt64: StoreDigest] = [:]

    var committedIndex: UInt64 { UInt64(applied.count) }

    /// True when another entry is committed where `position` was: that entry never will be.
    func replaced(_ position: EntryPosition) -> Bool {
        position.index <= committedIndex && applied[Int(position.index - 1)].term != position.term
    }

    // MARK: - Election safety and leader completeness

    /// A node that leads: it must be its term's only leader and, the first time it is seen
    /// leading, hold every entry committed so far. True the first time.
    @discardableResult
    mutating func observeLeader(_ core: RaftCore) -> Bool {
        if let other = leaderOfTerm[core.term] {
            if other != core.id { fail("election safety: term \(core.term) has two leaders, \(other) and \(core.id)") }
            return false
        }
        leaderOfTerm[core.term] = core.id
        checkCompleteness(of: core)
        return true
    }

    private mutating func checkCompleteness(of leader: RaftCore) {
        guard leader.lastIndex >= committedIndex else {
            return fail("leader completeness: node \(leader.id) leads term \(leader.term) with its log through \(leader.lastIndex), but \(committedIndex) is committed")
        }
        let snapshotIndex = leader.log.snapshotIndex
        guard snapshotIndex < committedIndex else { return }
        for index in (snapshotIndex + 1)...committedIndex {
            let committed = applied[Int(index - 1)]
            if leader.log.term(at: index) != committed.term {
                return fail("leader completeness: node \(leader.id) leads term \(leader.term) with term \(leader.log.term(at: index) ?? 0) at \(index), where term \(committed.term) is committed")
            }
        }
    }

    // MARK: - Log matching

    /// Entries a node hands its shell to persist; `previousTerm` is its log's term just
    /// before the first of them.
    mutating func observePersisted(_ entries: [RaftEntry], previousTerm: UInt64, on node: NodeID) {
        var previousTerm = previousTerm
        for entry in entries {
            let position = EntryPosition(index: entry.index, term: entry.term)
            if let seen = entryAt[position] {
                if seen.data != entry.data || seen.previousTerm != previousTerm {
                    fail("log matching: node \(node) holds a different entry of term \(entry.term) at \(entry.index) (or after a different term: \(previousTerm), elsewhere \(seen.previousTerm))")
                }
            } else {
                entryAt[position] = (entry.data, previousTerm)
            }
            previousTerm = entry.term
        }
    }

    // MARK: - State machine safety

    mutating func observeApplied(_ entry: RaftEntry, on node: NodeID) {
        let position = Int(entry.index) - 1
        if position < applied.count {
            let committed = applied[position]
            if committed.term != entry.term || committed.data != entry.data || committed.kind != entry.kind {
                fail("state machine safety: node \(node) applied term \(entry.term) at \(entry.index), another node applied term \(committed.term)")
            }
        } else if position == applied.count {
            applied.append(entry)
        } else {
            fail("state machine safety: node \(node) applied \(entry.index) before anyone applied \(applied.count + 1)")
        }
    }

    /// A node's namespace after it applied (or recovered, or installed) through `index`.
    mutating func observeNamespace(_ digest: StoreDigest, through index: UInt64, on node: NodeID) {
        guard index > 0 else { return }
        if let seen = digestAfter[index] {
            if seen != digest { fail("state machine safety: node \(node)'s namespace through \(index) differs from another node's") }
        } else {
            digestAfter[index] = digest
        }
    }

    mutating func fail(_ violation: String) {
        violations.append(violation)
    }
}

@testable import RFSRaft
import Testing

/// Directed tests, named after the part of the Raft paper (or etcd's extension) they check,
/// each on a simulated cluster with no faults unless it adds some.
@Suite struct RaftTests {
    static func elected(seed: UInt64 = 1, voters: Int = 3) -> Simulation {
        var sim = Simulation(seed: seed, voters: voters)
        let reached1 = sim.run(until: { $0.leader != nil })
        #expect(reached1)
        // The new leader's no-op commits everywhere.
        let reached2 = sim.run(until: { sim in sim.nodes.values.allSatisfy { $0.core!.commitIndex >= 1 } })
        #expect(reached2)
        return sim
    }

    @Test("§5.2 one leader is elected, and the others follow it in its term")
    func election() {
        let sim = Self.elected()
        let leader = sim.leader!
        for (id, node) in sim.nodes where id != leader {
            #expect(node.core!.role == .follower && node.core!.leader == leader && node.core!.term == sim.core(leader)!.term)
        }
    }

    @Test("§5.3 proposals replicate and apply on every node in order")
    func replication() {
        var sim = Self.elected()
        let payloads = (0..<50).compactMap { _ in sim.propose() }
        #expect(payloads.count == 50)
        let reached3 = sim.run(until: { $0.nodes.values.allSatisfy { $0.disk.appliedIndex == 51 } })
        #expect(reached3)
        #expect(sim.acknowledged == Set(payloads))
        #expect(sim.convergenceProblems().isEmpty)
    }

    @Test("§5.4.1 a candidate with a shorter log is refused")
    func electionRestriction() {
        var configuration = RaftConfiguration(id: 1, seed: 1)
        configuration.preVote = false
        var voter = RaftCore(configuration: configuration, hardState: HardState(term: 2),
                             entries: [RaftEntry(term: 1, index: 1), RaftEntry(term: 2, index: 2)],
                             membership: Membership(voters: [1, 2, 3]))
        voter.step(RaftMessage(from: 2, to: 1, term: 3, body: .requestVote(lastIndex: 1, lastTerm: 1, preVote: false, transfer: false)))
        #expect(voter.takeReady()?.messages.first?.body == .voteResponse(granted: false, preVote: false))
        voter.step(RaftMessage(from: 3, to: 1, term: 3, body: .requestVote(lastIndex: 2, lastTerm: 2, preVote: false, transfer: false)))
        let ready = voter.takeReady()!
        #expect(ready.messages.first?.body == .voteResponse(granted: true, preVote: false))
        #expect(ready.hardState == HardState(term: 3, vote: 3, commit: 0))
    }

    @Test("§5.4.2 a leader commits entries of earlier terms only through one of its own")
    func commitOnlyOwnTerm() {
        // Node 1 leads term 3 with an entry of term 2 at index 2 that node 2 also holds.
        var configuration = RaftConfiguration(id: 1, seed: 3)
        configuration.preVote = false
        var leader = RaftCore(configuration: configuration, hardState: HardState(term: 2, vote: 1, commit: 1),
                              entries: [RaftEntry(term: 1, index: 1), RaftEntry(term: 2, index: 2)],
                              membership: Membership(voters: [1, 2, 3]))
        for _ in 0..<30 where leader.role != .candidate { leader.tick() }
        leader.step(RaftMessage(from: 2, to: 1, term: 3, body: .voteResponse(granted: true, preVote: false)))
        #expect(leader.role == .leader)
        let ready = leader.takeReady()!
        leader.persisted(through: ready.entries.last!.index, term: ready.entries.last!.term)
        // Node 2 acknowledges index 2 (term 2) only: not committed, it is not of term 3.
        leader.step(RaftMessage(from: 2, to: 1, term: 3, body: .appendResponse(success: true, index: 2, hintIndex: 0, hintTerm: 0, context: 0)))
        #expect(leader.commitIndex == 1)
        // Once node 2 holds the term-3 no-op (index 3), both commit.
        leader.step(RaftMessage(from: 2, to: 1, term: 3, body: .appendResponse(success: true, index: 3, hintIndex: 0, hintTerm: 0, context: 0)))
        #expect(leader.commitIndex == 3)
    }

    @Test("§10.2.1 a leader sends appends before its own fsync and counts its copy only once persisted")
    func leaderCountsItsOwnCopyOnlyOncePersisted() {
        var configuration = RaftConfiguration(id: 1, seed: 5)
        configuration.preVote = false
        var leader = RaftCore(configuration: configuration, hardState: HardState(term: 1, vote: 1, commit: 1),
                              entries: [RaftEntry(term: 1, index: 1)], membership: Membership(voters: [1, 2, 3]))
        for _ in 0..<30 where leader.role != .candidate { leader.tick() }
        // The candidate's Ready changes its term and vote: nothing may leave before it is durable.
        let campaign = leader.takeReady()!
        #expect(!campaign.termAndVoteUnchanged && campaign.sendableBeforePersisting.isEmpty)
        leader.step(RaftMessage(from: 2, to: 1, term: 2, body: .voteResponse(granted: true, preVote: false)))
        #expect(leader.role == .leader)
        let noOp = leader.takeReady()!
        leader.persisted(through: noOp.entries.last!.index, term: noOp.entries.last!.term)
        // The followers take the no-op (and so stop being probed: appends flow to them).
        for follower: NodeID in [2, 3] {
            leader.step(RaftMessage(from: follower, to: 1, term: 2, body: .appendResponse(success: true, index: 2, hintIndex: 0, hintTerm: 0, context: 0)))
        }
        #expect(leader.commitIndex == 2)
        _ = leader.takeReady()
        let index = try! leader.propose([7])
        let ready = leader.takeReady()!
        // Its appends may go before its own persist; the new entry is not counted yet.
        #expect(ready.termAndVoteUnchanged && ready.entries.map(\.index) == [index])
        #expect(!ready.sendableBeforePersisting.isEmpty && ready.sendableAfterPersisting.allSatisfy {
            if case .append = $0.body { false } else { true }
        })
        #expect(leader.replication[1]?.match == index - 1)
        // One follower's copy alone is not a quorum of three while the leader's is not durable...
        leader.step(RaftMessage(from: 2, to: 1, term: 2, body: .appendResponse(success: true, index: index, hintIndex: 0, hintTerm: 0, context: 0)))
        #expect(leader.commitIndex == index - 1)
        // ...with the leader's persisted, it is.
        leader.persisted(through: index, term: 2)
        #expect(leader.commitIndex == index)
        // A report about an entry that was replaced (another term at that index) counts for nothing.
        leader.persisted(through: index, term: 9)
        #expect(leader.replication[1]?.match == index)
    }

    @Test("proposals made between two Readies leave together: as few appends per follower as the message size allows")
    func proposalsBetweenReadiesShareOneAppend() {
        var sim = Self.elected(seed: 6)
        let leader = sim.leader!
        let before = sim.core(leader)!.lastIndex
        var core = sim.core(leader)!
        _ = core.takeReady()
        for value in 0..<20 { _ = try! core.propose([UInt8(value)]) }
        let ready = core.takeReady()!
        #expect(ready.entries.map(\.index) == Array(before + 1...before + 20))
        // The simulation's messages carry at most 8 entries: 8 + 8 + 4 to each follower.
        var sent: [NodeID: [Int]] = [:]
        for message in ready.sendableBeforePersisting {
            guard case .append(_, _, let entries, _, _) = message.body, !entries.isEmpty else { continue }
            sent[message.to, default: []].append(entries.count)
        }
        #expect(sent.count == 2 && sent.values.allSatisfy { $0 == [8, 8, 4] })
    }

    @Test("a follower applies a committed entry only once its own copy is durable")
    func followerAppliesOnlyWhatItPersisted() {
        var follower = RaftCore(configuration: RaftConfiguration(id: 2, seed: 7), hardState: HardState(term: 1, vote: 1, commit: 0),
                                membership: Membership(voters: [1, 2, 3]))
        // The leader sends two entries with a commit index covering both (a quorum without us).
        let entries = [RaftEntry(term: 1, index: 1, data: [1]), RaftEntry(term: 1, index: 2, data: [2])]
        follower.step(RaftMessage(from: 1, to: 2, term: 1, body: .append(prevIndex: 0, prevTerm: 0, entries: entries, commit: 2, context: 0)))
        let ready = follower.takeReady()!
        #expect(ready.entries.map(\.index) == [1, 2])
        #expect(follower.commitIndex == 2)
        // Handed over to persist, not yet durable: nothing to apply.
        #expect(ready.committed.isEmpty)
        follower.persisted(through: 1, term: 1)
        #expect(follower.takeReady()?.committed.map(\.index) == [1])
        follower.persisted(through: 2, term: 1)
        #expect(follower.takeReady()?.committed.map(\.index) == [2])
    }

    @Test("§5.3 a follower's conflicting tail is replaced, skipping back a term per round trip")
    func conflictingTailIsReplaced() {
        var sim = Self.elected(seed: 4)
        let leader = sim.leader!
        let follower = sim.nodes.keys.sorted().first { $0 != leader }!
        sim.partition([[follower], Array(sim.nodes.keys.filter { $0 != follower })])
        for _ in 0..<20 { sim.propose() }
        let reached4 = sim.run(until: { $0.core(leader)!.commitIndex >= 21 })
        #expect(reached4)
        sim.heal()
        let reached5 = sim.run(until: { $0.nodes.values.allSatisfy { $0.disk.appliedIndex == $0.core!.commitIndex && $0.core!.commitIndex >= 21 } })
        #expect(reached5)
        #expect(sim.convergenceProblems().isEmpty)
    }

    /// Raft assumes acknowledged entries stay on disk. A member whose disk was replaced
    /// refused every heartbeat at its old match for good, and the leader went on counting
    /// entries it no longer had.
    @Test("a follower that lost its disk is found out: its old match stops counting and the log is sent again")
    func followerLostItsLog() {
        var sim = Self.elected(seed: 5)
        let leader = sim.leader!
        let wiped = sim.nodes.keys.sorted().first { $0 != leader }!
        for _ in 0..<20 { sim.propose() }
        let applied = sim.run(until: { $0.nodes.values.allSatisfy { $0.disk.appliedIndex >= 21 } })
        #expect(applied)
        let acknowledged = sim.core(leader)!.replication[wiped]!.match
        #expect(acknowledged >= 21)
        sim.wipe(wiped)
        let found = sim.run(until: { !$0.lostLogs.isEmpty }, limit: 200)
        #expect(found)
        #expect(sim.lostLogs.first == LostLog(member: wiped, acknowledged: acknowledged, holds: 0))
        let caughtUp = sim.run(until: { $0.nodes[wiped]!.disk.appliedIndex >= 21 }, limit: 500)
        #expect(caughtUp, "\(sim.describe())")
        let matched = sim.run(until: { $0.core(leader)!.replication[wiped]!.match == $0.core(leader)!.lastIndex }, limit: 100)
        #expect(matched)
        #expect(sim.lostLogs.count == 1)
        #expect(sim.convergenceProblems().isEmpty)
    }

    @Test("pre-vote: a node cut off and back does not raise the term or unseat the leader")
    func preVote() {
        var sim = Self.elected(seed: 5)
        let leader = sim.leader!
        let term = sim.core(leader)!.term
        let loner = sim.nodes.keys.sorted().first { $0 != leader }!
        sim.partition([[loner], Array(sim.nodes.keys.filter { $0 != loner })])
        sim.run(ticks: 200)
        #expect(sim.core(loner)!.term == term)  // pre-votes failed; the term never moved
        sim.heal()
        sim.run(ticks: 50)
        #expect(sim.leader == leader && sim.core(leader)!.term == term)
    }

    @Test("check-quorum: a leader cut off from its majority steps down")
    func checkQuorum() {
        var sim = Self.elected(seed: 6)
        let leader = sim.leader!
        sim.partition([[leader], Array(sim.nodes.keys.filter { $0 != leader })])
        sim.run(ticks: 60)
        #expect(sim.core(leader)!.role != .leader)
        #expect(sim.leader != nil && sim.leader != leader)
    }

    @Test("ReadIndex: a read is released once a quorum confirms the leader")
    func readIndex() throws {
        var sim = Self.elected(seed: 7)
        let leader = sim.leader!
        sim.propose()
        let reached6 = sim.run(until: { $0.core(leader)!.commitIndex == 2 })
        #expect(reached6)
        var reads: [ReadState] = []
        try sim.with(leader) { core in
            try core.readIndex(context: 42)
        }
        // The confirmation arrives with the heartbeat round trip; the shell sees it in a Ready.
        let released = sim.run(until: { sim in sim.core(leader)!.pendingReadsCount == 0 })
        #expect(released)
        reads = sim.releasedReads(on: leader)
        #expect(reads.contains(ReadState(index: 2, context: 42)))
        // A follower refuses and names the leader.
        let follower = sim.nodes.keys.first { $0 != leader }!
        #expect(throws: RaftRefusal.notLeader(leader: leader)) {
            var core = sim.core(follower)!
            try core.readIndex(context: 1)
        }
    }

    @Test("leadership transfer: the target takes over once caught up")
    func transfer() throws {
        var sim = Self.elected(seed: 8)
        let leader = sim.leader!
        let target = sim.nodes.keys.sorted().first { $0 != leader }!
        try sim.with(leader) { try $0.transferLeadership(to: target) }
        #expect(throws: RaftRefusal.transferInProgress) { var core = sim.core(leader)!; try core.propose([1]) }
        let reached7 = sim.run(until: { $0.leader == target }, limit: 100)
        #expect(reached7)
        #expect(sim.convergenceProblems().isEmpty)
    }

    @Test("snapshots: a follower behind the leader's compacted log is sent a snapshot")
    func snapshot() {
        var sim = Self.elected(seed: 9)
        let leader = sim.leader!
        let lagging = sim.nodes.keys.sorted().first { $0 != leader }!
        sim.crash(lagging)
        for _ in 0..<40 { sim.propose() }
        let reached8 = sim.run(until: { $0.core(leader)!.appliedIndex >= 41 })
        #expect(reached8)
        sim.compact(leader)
        #expect(sim.core(leader)!.snapshot!.index >= 39)
        sim.start(lagging)
        let reached9 = sim.run(until: { $0.nodes[lagging]!.disk.appliedIndex >= 41 })
        #expect(reached9)
        #expect(sim.nodes[lagging]!.disk.snapshot != nil)
        #expect(sim.convergenceProblems().isEmpty)
    }

    /// Found by the cluster simulation: the leader stayed in its snapshot state for good, and
    /// a follower whose match it had compacted was sent no heartbeat at all, so it
    /// campaigned forever while the others, hearing the leader, ignored it.
    @Test("snapshots: a follower whose answer to the snapshot is lost still catches up")
    func lostSnapshotAnswer() {
        var sim = Self.elected(seed: 9)
        let leader = sim.leader!
        let lagging = sim.nodes.keys.sorted().first { $0 != leader }!
        sim.crash(lagging)
        for _ in 0..<40 { sim.propose() }
        let applied = sim.run(until: { $0.core(leader)!.appliedIndex >= 41 })
        #expect(applied)
        sim.compact(leader)
        let snapshotIndex = sim.core(leader)!.snapshot!.index
        sim.dropIf = { message in
            guard message.from == lagging, case .appendResponse(true, let index, _, _, _) = message.body else { return false }
            return index == snapshotIndex
        }
        sim.start(lagging)
        let installed = sim.run(until: { $0.nodes[lagging]!.disk.appliedIndex >= snapshotIndex }, limit: 200)
        #expect(installed)
        sim.dropIf = nil
        let caughtUp = sim.run(until: { $0.nodes[lagging]!.disk.appliedIndex >= 41 }, limit: 200)
        #expect(caughtUp, "\(sim.describe())")
        #expect(sim.convergenceProblems().isEmpty)
    }

    @Test("membership: a fourth voter joins and catches up, then a voter leaves")
    func membershipChanges() throws {
        var sim = Self.elected(seed: 10)
        let leader = sim.leader!
        sim.addNode(4)
        try sim.with(leader) { _ = try $0.proposeConfChange(.addVoter(4)) }
        #expect(throws: RaftRefusal.confChangePending) { var core = sim.core(leader)!; try core.proposeConfChange(.removeNode(2)) }
        let reached10 = sim.run(until: { $0.core(4)?.membership.voters == [1, 2, 3, 4] && $0.nodes[4]!.disk.appliedIndex >= 2 })
        #expect(reached10)
        #expect(sim.core(leader)!.membership.quorum == 3)
        let leaving = sim.nodes.keys.sorted().first { $0 != leader && $0 != 4 }!
        try sim.with(leader) { _ = try $0.proposeConfChange(.removeNode(leaving)) }
        let reached11 = sim.run(until: { $0.core(leader)!.membership.voters.count == 3 })
        #expect(reached11)
        sim.crash(leaving)
        for _ in 0..<10 { sim.propose() }
        let reached12 = sim.run(until: { sim in [leader, 4].allSatisfy { sim.nodes[$0]!.disk.appliedIndex >= 13 } })
        #expect(reached12)
        #expect(sim.convergenceProblems(excluding: [leaving]).isEmpty)
    }
}

/// The byte bound of an append counts each entry's encoding, not only its data.
@Suite struct RaftLogBoundsTests {
    static func log(entries: Int, dataBytes: Int) -> RaftLog {
        RaftLog(snapshot: nil, entries: (1...UInt64(entries)).map { RaftEntry(term: 1, index: $0, data: Array(repeating: 7, count: dataBytes)) },
                committed: 0)
    }

    @Test func emptyEntriesAreBoundedByTheirEncoding() {
        // 256 no-ops carry no data, yet each costs bytes on the wire: a 1 KiB bound takes 28.
        let taken = Self.log(entries: 256, dataBytes: 0).entries(from: 1, maxCount: 256, maxBytes: 1024)
        #expect(taken.count == 1024 / RaftLog.encodingOverhead)
        #expect(taken.map(\.index) == Array(1...UInt64(taken.count)))
    }

    @Test func dataAndOverheadTogetherStayWithinTheBound() {
        let taken = Self.log(entries: 100, dataBytes: 100).entries(from: 5, maxCount: 256, maxBytes: 1000)
        #expect(taken.count == 1000 / (100 + RaftLog.encodingOverhead))
        #expect(taken.first?.index == 5)
    }

    @Test func oneEntryLargerThanTheBoundStillGoes() {
        let taken = Self.log(entries: 3, dataBytes: 5000).entries(from: 2, maxCount: 256, maxBytes: 1000)
        #expect(taken.map(\.index) == [2])
    }
}

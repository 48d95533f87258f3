import RFSModel

/// Raft as a pure state machine (the shape of etcd-io/raft's core): `tick()`, `step(message)`
/// and the requests (`propose`, `proposeConfChange`, `readIndex`, `transferLeadership`) go
/// in; `takeReady()` hands out what the shell must persist, send, apply and answer. No clock,
/// socket, file or thread: time is a tick, randomness comes from the seed, so a simulation
/// replays a run exactly.
///
/// Built in: elections with randomized timeouts, pre-vote (a node cut off and back cannot
/// force a new term), check-quorum (a leader that loses its majority steps down) with the
/// matching leader lease on voters, log replication with batching and a per-follower window
/// of pipelined appends, fast backtracking by term, commitment counted only for the leader's
/// own term, ReadIndex for linearizable reads, snapshots for followers behind the log's
/// start, leadership transfer, and single-server membership changes.
public struct RaftCore: Sendable {
    public let configuration: RaftConfiguration
    public var id: NodeID { configuration.id }

    public private(set) var term: UInt64
    public private(set) var vote: NodeID
    public private(set) var role: RaftRole = .follower
    /// The leader of `term` as far as this node knows; 0 when none.
    public private(set) var leader: NodeID = 0
    /// Ticks since a follower last heard from its leader (0 on the leader): a standby that
    /// has missed several heartbeats knows an election is coming before it starts.
    public var ticksSinceLeaderContact: Int { role == .leader ? 0 : electionElapsed }
    public private(set) var membership: Membership

    var log: RaftLog
    /// Deliberate bugs, for the simulation to prove it catches them; always off outside tests.
    var unsafeVariants = UnsafeVariants()
    private var rng: SplitMix64
    private var electionElapsed = 0
    private var heartbeatElapsed = 0
    private var randomizedElectionTicks: Int
    private var votes: [NodeID: Bool] = [:]
    private var progress: [NodeID: Progress] = [:]
    /// ReadIndex requests waiting for a quorum's heartbeat acknowledgement.
    private var pendingReads: [(context: UInt64, index: UInt64, acks: Set<NodeID>)] = []
    private var transferee: NodeID = 0
    private var transferElapsed = 0
    /// Index of the last membership change proposed; another waits until it is applied.
    private var pendingConfIndex: UInt64 = 0
    /// Membership as of each change, for the snapshots compaction makes.
    private var membershipHistory: [(index: UInt64, membership: Membership)]
    private var snapshotMeta: SnapshotMeta?

    // Output not yet taken by the shell.
    private var messages: [RaftMessage] = []
    /// Entries were appended as leader since the last Ready: send them with it.
    private var appendsPending = false
    private var reads: [ReadState] = []
    private var lostLogs: [LostLog] = []
    private var snapshotToInstall: SnapshotMeta?
    private var persistedHardState: HardState

    /// A node starting from what it persisted: its hard state, its snapshot (if any), the
    /// entries after it, and the membership before any entry (the initial cluster).
    /// `appliedIndex`: what the state machine already holds (entries after it are handed out
    /// again as committed).
    public init(configuration: RaftConfiguration, hardState: HardState = HardState(), snapshot: SnapshotMeta? = nil,
                entries: [RaftEntry] = [], appliedIndex: UInt64 = 0, membership: Membership) {
        self.configuration = configuration
        term = hardState.term
        vote = hardState.vote
        persistedHardState = hardState
        log = RaftLog(snapshot: snapshot, entries: entries, committed: hardState.commit)
        log.applied = max(log.applied, min(appliedIndex, log.committed))
        rng = SplitMix64(seed: configuration.seed ^ configuration.id)
        randomizedElectionTicks = configuration.electionTicks
        snapshotMeta = snapshot
        self.membership = snapshot?.membership ?? membership
        membershipHistory = [(snapshot?.index ?? 0, self.membership)]
        // Changes in the log take effect as they commit; those committed already are replayed.
        for entry in log.entries where entry.kind == .configChange && entry.index <= log.committed {
            applyConfChange(entry)
        }
        resetElectionTimer()
    }

    public var hardState: HardState { HardState(term: term, vote: vote, commit: log.committed) }
    /// The latest snapshot the log starts after (from `compact` or one installed), if any.
    public var snapshot: SnapshotMeta? { snapshotMeta }
    public var commitIndex: UInt64 { log.committed }
    public var lastIndex: UInt64 { log.lastIndex }
    public var appliedIndex: UInt64 { log.applied }
    private var isVoter: Bool { membership.voters.contains(id) }

    /// The leader's view of each member's log (its own included): empty on a non-leader.
    public var replication: [NodeID: MemberReplication] {
        progress.mapValues { MemberReplication(match: $0.match, recentlyActive: $0.recentActive) }
    }
    var pendingReadsCount: Int { pendingReads.count }
    var progressDescription: String {
        progress.keys.sorted().map { "[\($0) m\(progress[$0]!.match) n\(progress[$0]!.next) \(progress[$0]!.state) inflight \(progress[$0]!.inflight.count) probeSent \(progress[$0]!.probeSent)]" }.joined()
    }

    // MARK: - Time

    public mutating func tick() {
        if role == .leader {
            tickLeader()
        } else {
            electionElapsed += 1
            if electionElapsed >= randomizedElectionTicks && isVoter {
                campaign(preVote: configuration.preVote, transfer: false)
            }
        }
    }

    private mutating func tickLeader() {
        heartbeatElapsed += 1
        electionElapsed += 1
        if transferee != 0 {
            transferElapsed += 1
            if transferElapsed >= configuration.electionTicks { transferee = 0 }
        }
        if electionElapsed >= configuration.electionTicks {
            electionElapsed = 0
            if configuration.checkQuorum {
                let active = membership.voters.filter { $0 == id || progress[$0]?.recentActive == true }.count
                for peer in progress.keys { progress[peer]!.recentActive = false }
                if active < membership.quorum {
                    becomeFollower(term: term, leader: 0)
                    return
                }
            }
        }
        if heartbeatElapsed >= configuration.heartbeatTicks {
            heartbeatElapsed = 0
            broadcastHeartbeat(context: 0)
        }
    }

    // MARK: - Requests

    /// Appends `data` as a new entry; its index, once committed, is where it applies.
    @discardableResult
    public mutating func propose(_ data: [UInt8]) throws(RaftRefusal) -> UInt64 {
        try checkLeaderAccepting()
        return appendAndReplicate(kind: .normal, data: data)
    }

    /// Proposes one membership change; refused while an earlier one is not applied yet.
    @discardableResult
    public mutating func proposeConfChange(_ change: ConfChange, context: [UInt8] = []) throws(RaftRefusal) -> UInt64 {
        try checkLeaderAccepting()
        guard pendingConfIndex <= log.applied else { throw .confChangePending }
        let index = appendAndReplicate(kind: .configChange, data: change.encoded(context: context))
        pendingConfIndex = index
        return index
    }

    /// A linearizable read: once a quorum confirms this node still leads, a `ReadState` with
    /// the commit index comes out in a Ready; the read may be served once that is applied.
    public mutating func readIndex(context: UInt64) throws(RaftRefusal) {
        guard role == .leader else { throw .notLeader(leader: leader) }
        // Until an entry of its own term commits, a new leader does not know the commit index.
        guard log.term(at: log.committed) == term else { throw .readNotReady }
        if membership.voters == [id] {
            reads.append(ReadState(index: log.committed, context: context))
            return
        }
        pendingReads.append((context, log.committed, [id]))
        broadcastHeartbeat(context: context)
    }

    /// Hands leadership to `target` once its log has caught up (TimeoutNow). Proposals are
    /// refused meanwhile; the attempt is dropped after an election timeout.
    public mutating func transferLeadership(to target: NodeID) throws(RaftRefusal) {
        guard role == .leader else { throw .notLeader(leader: leader) }
        guard membership.voters.contains(target), target != id else { throw .unknownMember(target) }
        transferee = target
        transferElapsed = 0
        if progress[target]?.match == log.lastIndex {
            send(to: target, .timeoutNow)
        } else {
            sendAppend(to: target)
        }
    }

    /// The snapshot to `peer` failed (the shell could not stream it): probe again.
    public mutating func reportSnapshotFailure(to peer: NodeID) {
        guard role == .leader, progress[peer] != nil else { return }
        progress[peer]!.becomeProbe()
    }

    /// The state machine holds everything through `index` in a snapshot: the log before it
    /// can go. Followers behind it will be sent the snapshot.
    public mutating func compact(through index: UInt64) {
        guard index > log.snapshotIndex, index <= log.applied, let term = log.term(at: index) else { return }
        let membershipThen = membershipHistory.last { $0.index <= index }!.membership
        log.compact(through: index)
        snapshotMeta = SnapshotMeta(index: index, term: term, membership: membershipThen)
        let current = membershipHistory.lastIndex { $0.index <= index }!
        membershipHistory.removeFirst(current)
    }

    /// What a snapshot of the state machine taken with everything through `index` applied
    /// holds: that entry's term and the membership then. Nil when `index` is not applied yet or
    /// is older than the log remembers (before the last compaction).
    public func snapshotMeta(at index: UInt64) -> SnapshotMeta? {
        guard index <= log.applied, index >= log.snapshotIndex, let term = log.term(at: index) else { return nil }
        guard let then = membershipHistory.last(where: { $0.index <= index }) else { return nil }
        return SnapshotMeta(index: index, term: term, membership: then.membership)
    }

    private func checkLeaderAccepting() throws(RaftRefusal) {
        guard role == .leader else { throw .notLeader(leader: leader) }
        guard transferee == 0 else { throw .transferInProgress }
    }

    private mutating func appendAndReplicate(kind: RaftEntry.Kind, data: [UInt8]) -> UInt64 {
        let entry = RaftEntry(term: term, index: log.lastIndex + 1, kind: kind, data: data)
        log.append(entry)
        // The leader's own copy counts only once the shell reports it durable (`persisted`):
        // the appends go out meanwhile, so its fsync and the followers' overlap (Raft thesis
        // §10.2.1). A quorum of followers alone may commit it before that.
        maybeCommit()
        // The appends go out when the shell next takes a Ready: every entry proposed until
        // then travels in one message per follower, not one message each.
        appendsPending = true
        return entry.index
    }

    /// The shell has made the log durable through `index` (whose entry has `term`; an entry
    /// replaced since then is not the one it made durable, and counts for nothing). A leader
    /// counts its own copy from here on.
    public mutating func persisted(through index: UInt64, term entryTerm: UInt64) {
        guard index > log.persisted, index <= log.lastIndex, log.term(at: index) == entryTerm else { return }
        log.persisted = index
        guard role == .leader, progress[id]?.acknowledge(index) == true else { return }
        maybeCommit()
    }

    // MARK: - Messages

    public mutating func step(_ message: RaftMessage) {
        guard message.to == id, message.from != id else { return }
        if message.term > term {
            switch message.body {
            case .requestVote(_, _, let preVote, let transfer):
                // Leader lease: while a leader is heard from, a disruptive candidate is ignored.
                if configuration.checkQuorum && leader != 0 && electionElapsed < configuration.electionTicks && !transfer {
                    return
                }
                if !preVote { becomeFollower(term: message.term, leader: 0) }
            case .voteResponse(let granted, let preVote) where preVote && granted:
                break // a granted pre-vote carries the term we would run in
            case .append, .snapshot, .timeoutNow:
                becomeFollower(term: message.term, leader: message.from)
            default:
                becomeFollower(term: message.term, leader: 0)
            }
        } else if message.term < term {
            switch message.body {
            case .append, .timeoutNow:
                // A deposed leader: tell it the new term so it steps down.
                send(to: message.from, .appendResponse(success: false, index: 0, hintIndex: 0, hintTerm: 0, context: 0))
            case .requestVote(_, _, let preVote, _) where preVote:
                send(to: message.from, .voteResponse(granted: false, preVote: true))
            default:
                break
            }
            return
        }

        switch message.body {
        case .requestVote(let lastIndex, let lastTerm, let preVote, _):
            handleVoteRequest(message, lastIndex: lastIndex, lastTerm: lastTerm, preVote: preVote)
        case .voteResponse(let granted, let preVote):
            handleVoteResponse(from: message.from, granted: granted, preVote: preVote)
        case .append(let prevIndex, let prevTerm, let entries, let commit, let context):
            becomeFollowerOfLeader(message.from)
            handleAppend(from: message.from, prevIndex: prevIndex, prevTerm: prevTerm, entries: entries, commit: commit, context: context)
        case .appendResponse(let success, let index, let hintIndex, let hintTerm, let context):
            guard role == .leader, progress[message.from] != nil else { return }
            progress[message.from]!.recentActive = true
            if success {
                handleAppendSuccess(from: message.from, index: index, context: context)
            } else {
                handleAppendRejection(from: message.from, rejected: index, hintIndex: hintIndex, hintTerm: hintTerm)
            }
        case .snapshot(let meta):
            becomeFollowerOfLeader(message.from)
            handleSnapshot(from: message.from, meta)
        case .timeoutNow:
            if isVoter { campaign(preVote: false, transfer: true) }
        }
    }

    private mutating func becomeFollowerOfLeader(_ from: NodeID) {
        if role != .follower || leader != from { becomeFollower(term: term, leader: from) }
        electionElapsed = 0
    }

    // MARK: - Elections

    private mutating func campaign(preVote: Bool, transfer: Bool) {
        let campaignTerm: UInt64
        if preVote {
            role = .preCandidate
            leader = 0
            campaignTerm = term + 1
        } else {
            role = .candidate
            term += 1
            vote = id
            leader = 0
            campaignTerm = term
        }
        electionElapsed = 0
        resetElectionTimer()
        votes = [id: true]
        if tally() { return }
        for peer in membership.voters.sorted() where peer != id {
            messages.append(RaftMessage(from: id, to: peer, term: campaignTerm,
                                        body: .requestVote(lastIndex: log.lastIndex, lastTerm: log.lastTerm, preVote: preVote, transfer: transfer)))
        }
    }

    private mutating func handleVoteRequest(_ message: RaftMessage, lastIndex: UInt64, lastTerm: UInt64, preVote: Bool) {
        let canVote = vote == message.from || (vote == 0 && leader == 0) || (preVote && message.term > term)
        let upToDate = unsafeVariants.voteWithoutLogCheck || log.isUpToDate(lastIndex: lastIndex, lastTerm: lastTerm)
        let granted = canVote && upToDate && isMemberOrAny(message.from)
        // A granted pre-vote answers in the term asked about; everything else in our own.
        messages.append(RaftMessage(from: id, to: message.from, term: granted && preVote ? message.term : term,
                                    body: .voteResponse(granted: granted, preVote: preVote)))
        if granted && !preVote {
            vote = message.from
            electionElapsed = 0
        }
    }

    private func isMemberOrAny(_ node: NodeID) -> Bool { membership.voters.contains(node) || membership.voters.isEmpty }

    private mutating func handleVoteResponse(from: NodeID, granted: Bool, preVote: Bool) {
        guard (role == .preCandidate && preVote) || (role == .candidate && !preVote) else { return }
        guard membership.voters.contains(from), votes[from] == nil else { return }
        votes[from] = granted
        _ = tally()
    }

    /// Counts the votes: true when the campaign is decided.
    private mutating func tally() -> Bool {
        let granted = votes.values.filter { $0 }.count
        let rejected = votes.values.filter { !$0 }.count
        if granted >= membership.quorum {
            if role == .preCandidate {
                campaign(preVote: false, transfer: false)
            } else {
                becomeLeader()
            }
            return true
        }
        if rejected >= membership.quorum {
            becomeFollower(term: term, leader: 0)
            return true
        }
        return false
    }

    private mutating func becomeFollower(term newTerm: UInt64, leader newLeader: NodeID) {
        if newTerm > term {
            term = newTerm
            vote = 0
        }
        role = .follower
        leader = newLeader
        progress = [:]
        pendingReads = []
        transferee = 0
        votes = [:]
        electionElapsed = 0
        resetElectionTimer()
    }

    private mutating func becomeLeader() {
        role = .leader
        leader = id
        heartbeatElapsed = 0
        electionElapsed = 0
        transferee = 0
        progress = [:]
        for peer in membership.members {
            progress[peer] = Progress(next: log.lastIndex + 1)
        }
        // Its own copy: what is durable here (entries it received and has not yet persisted
        // count once they are).
        progress[id]!.match = min(log.persisted, log.lastIndex)
        progress[id]!.becomeReplicate()
        // A membership change in the uncommitted tail counts as pending.
        pendingConfIndex = log.lastIndex
        // The no-op of this term: committing it commits every earlier entry.
        _ = appendAndReplicate(kind: .normal, data: [])
    }

    private mutating func resetElectionTimer() {
        randomizedElectionTicks = configuration.electionTicks + Int(rng.next() % UInt64(configuration.electionTicks))
    }

    // MARK: - Replication (follower side)

    private mutating func handleAppend(from: NodeID, prevIndex: UInt64, prevTerm: UInt64, entries: [RaftEntry],
                                       commit: UInt64, context: UInt64) {
        if prevIndex < log.committed {
            send(to: from, .appendResponse(success: true, index: log.committed, hintIndex: 0, hintTerm: 0, context: context))
            return
        }
        guard log.matches(index: prevIndex, term: prevTerm) else {
            let hint = log.lastIndex(atOrBefore: prevIndex, withTermAtMost: prevTerm)
            send(to: from, .appendResponse(success: false, index: prevIndex, hintIndex: hint,
                                           hintTerm: log.term(at: hint) ?? 0, context: context))
            return
        }
        let lastNew = entries.isEmpty ? prevIndex : log.merge(entries)
        commitTo(min(commit, lastNew))
        send(to: from, .appendResponse(success: true, index: lastNew, hintIndex: 0, hintTerm: 0, context: context))
    }

    private mutating func handleSnapshot(from: NodeID, _ meta: SnapshotMeta) {
        if meta.index <= log.committed {
            send(to: from, .appendResponse(success: true, index: log.committed, hintIndex: 0, hintTerm: 0, context: 0))
            return
        }
        if log.matches(index: meta.index, term: meta.term) {
            commitTo(meta.index)
        } else {
            log.restore(meta)
            snapshotMeta = meta
            snapshotToInstall = meta
            membership = meta.membership
            membershipHistory = [(meta.index, meta.membership)]
        }
        send(to: from, .appendResponse(success: true, index: meta.index, hintIndex: 0, hintTerm: 0, context: 0))
    }

    // MARK: - Replication (leader side)

    private mutating func handleAppendSuccess(from peer: NodeID, index: UInt64, context: UInt64) {
        let moved = progress[peer]!.acknowledge(index)
        if context != 0 { acknowledgeRead(context: context, from: peer) }
        // Appends in a full window may have been lost (a partition, a restart): an answer that
        // moves nothing frees one slot, so the next append goes out and a gap is found by its
        // rejection, as etcd does on heartbeat responses.
        if !moved, progress[peer]!.state == .replicate, !progress[peer]!.inflight.isEmpty,
           progress[peer]!.isPaused(maxInflight: configuration.maxInflightMessages) {
            progress[peer]!.inflight.removeFirst()
        }
        switch progress[peer]!.state {
        case .probe: progress[peer]!.becomeReplicate()
        case .snapshot(let snapshotIndex) where progress[peer]!.match >= snapshotIndex: progress[peer]!.becomeProbe()
        default: break
        }
        if moved && maybeCommit() {
            for other in progress.keys.sorted() where other != id { sendAppend(to: other) }
        } else if progress[peer]!.next <= log.lastIndex {
            sendAppend(to: peer)
        }
        if peer == transferee && progress[peer]!.match == log.lastIndex {
            send(to: peer, .timeoutNow)
        }
    }

    private mutating func handleAppendRejection(from peer: NodeID, rejected: UInt64, hintIndex: UInt64, hintTerm: UInt64) {
        var entry = progress[peer]!
        if rejected <= entry.match {
            // A rejection of an append older than what we know matches is stale, except one at
            // exactly the acknowledged index from a follower whose log now ends below it: its
            // heartbeat was refused because it no longer holds what it acknowledged (its disk
            // was lost or replaced). Raft assumes that never happens; left alone, the lost
            // entries would still count toward commits and every heartbeat would be refused for
            // good. So forget the match and find it again by probing. This relies on a member's
            // messages reaching the leader in the order it sent them (the shell's one sender per
            // peer; a lost message is not resent): a rejection sent before the acknowledgement
            // cannot then arrive after it. Were one to, the member would be sent its log again
            // (or a snapshot) and an error logged for nothing.
            guard rejected == entry.match, hintIndex < entry.match else { return }
            lostLogs.append(LostLog(member: peer, acknowledged: entry.match, holds: hintIndex))
            entry.match = 0
            entry.matchAtLastHeartbeat = 0
            entry.state = .probe
        } else {
            // While a snapshot is on its way, the stream decides: its failure is reported, and
            // the follower's answer once it is installed moves the match. A rejected heartbeat
            // at that snapshot only says that it has not arrived yet; one at a later snapshot
            // (this leader compacted again meanwhile) means the follower needs the newer one.
            if case .snapshot(let sending) = entry.state, rejected <= sending { return }
            if case .probe = entry.state, rejected != entry.next - 1 { return }
        }
        var probe = hintIndex
        if hintTerm > 0 { probe = log.lastIndex(atOrBefore: hintIndex, withTermAtMost: hintTerm) }
        entry.becomeProbe()
        entry.next = max(min(rejected, probe + 1), entry.match + 1)
        progress[peer] = entry
        sendAppend(to: peer)
    }

    /// Sends `peer` what it lacks in as many messages as its window allows (one, while it is
    /// probed or being sent a snapshot).
    private mutating func sendAppends(to peer: NodeID) {
        while true {
            let next = progress[peer]?.next
            sendAppend(to: peer)
            guard let entry = progress[peer], entry.state == .replicate, entry.next != next, entry.next <= log.lastIndex else { return }
        }
    }

    /// Sends what `peer` needs next: entries from its next index (a snapshot when those are
    /// compacted away), unless its window is full.
    private mutating func sendAppend(to peer: NodeID, allowEmpty: Bool = false) {
        guard var entry = progress[peer], peer != id, !entry.isPaused(maxInflight: configuration.maxInflightMessages) else { return }
        let prevIndex = entry.next - 1
        guard let prevTerm = log.term(at: prevIndex) else {
            // Compacted: only a snapshot brings this follower up.
            guard let meta = snapshotMeta else { return }
            entry.state = .snapshot(index: meta.index)
            progress[peer] = entry
            send(to: peer, .snapshot(meta))
            return
        }
        let entries = log.entries(from: entry.next, maxCount: configuration.maxEntriesPerMessage, maxBytes: configuration.maxBytesPerMessage)
        if entries.isEmpty && !allowEmpty && entry.state == .replicate { return }
        switch entry.state {
        case .replicate:
            if let last = entries.last {
                entry.next = last.index + 1
                entry.inflight.append(last.index)
            }
        case .probe:
            entry.probeSent = true
        case .snapshot:
            break
        }
        progress[peer] = entry
        send(to: peer, .append(prevIndex: prevIndex, prevTerm: prevTerm, entries: entries,
                               commit: log.committed, context: 0))
    }

    private mutating func broadcastHeartbeat(context: UInt64) {
        for peer in progress.keys.sorted() where peer != id {
            let entry = progress[peer]!
            if case .probe = entry.state { progress[peer]!.probeSent = false }
            let sentBeyondMatch = !entry.inflight.isEmpty || entry.match + 1 < entry.next
            if entry.state == .replicate, sentBeyondMatch, entry.match == entry.matchAtLastHeartbeat {
                // Nothing acknowledged for a whole interval with appends out: they were lost
                // (a partition, a restart). Probe again from what is known to match. The window
                // may be empty with entries still unacknowledged (a full window frees a slot on
                // an answer that moves nothing): without this, a follower whose last append was
                // lost missed the tail until the next proposal, or for good once the leader had
                // compacted its match and could send it no heartbeat (the cluster simulation's
                // seed 1006119524482472517, among others, stalls so without this).
                progress[peer]!.becomeProbe()
                sendAppend(to: peer)
            }
            progress[peer]!.matchAtLastHeartbeat = entry.match
            // A heartbeat names the follower's matched index, so it never conflicts; it carries
            // the commit only that far.
            let match = entry.match
            guard let matchTerm = log.term(at: match) else {
                if case .snapshot = entry.state, let meta = snapshotMeta {
                    // Being sent the snapshot: a heartbeat anchored at it. A follower that has
                    // installed it answers success, which ends the snapshot state even when its
                    // answer to the snapshot itself was lost (the simulation found a follower
                    // left behind for good that way).
                    send(to: peer, .append(prevIndex: meta.index, prevTerm: meta.term, entries: [],
                                           commit: min(log.committed, meta.index), context: context))
                    continue
                }
                // What it holds is compacted away here: it needs the snapshot, not a heartbeat.
                sendAppend(to: peer)
                continue
            }
            send(to: peer, .append(prevIndex: match, prevTerm: matchTerm, entries: [],
                                   commit: min(log.committed, match), context: context))
        }
    }

    /// Moves the commit index to the highest index a quorum holds, if that entry is of this
    /// term (Raft §5.4.2). True when it moved.
    @discardableResult
    private mutating func maybeCommit() -> Bool {
        let matches = membership.voters.map { progress[$0]?.match ?? 0 }.sorted(by: >)
        guard matches.count >= membership.quorum else { return false }
        let candidate = matches[membership.quorum - 1]
        guard candidate > log.committed, log.term(at: candidate) == term || unsafeVariants.commitEarlierTermsByCounting else { return false }
        commitTo(candidate)
        return true
    }

    private mutating func commitTo(_ index: UInt64) {
        guard index > log.committed else { return }
        let previous = log.committed
        log.committed = min(index, log.lastIndex)
        for entry in log.entries(from: previous + 1, maxCount: Int.max, maxBytes: Int.max)
        where entry.kind == .configChange && entry.index <= log.committed {
            applyConfChange(entry)
        }
    }

    /// A committed membership change takes effect at once on every node.
    private mutating func applyConfChange(_ entry: RaftEntry) {
        guard let change = ConfChange(encoded: entry.data) else { return }
        membership = change.applied(to: membership)
        membershipHistory.append((entry.index, membership))
        guard role == .leader else { return }
        for peer in membership.members where progress[peer] == nil {
            progress[peer] = Progress(next: log.lastIndex + 1)
        }
        for peer in progress.keys where !membership.members.contains(peer) && peer != id {
            progress[peer] = nil
        }
        if !membership.voters.contains(id) {
            becomeFollower(term: term, leader: 0)
        } else {
            _ = maybeCommit()
        }
    }

    private mutating func acknowledgeRead(context: UInt64, from peer: NodeID) {
        guard membership.voters.contains(peer), let position = pendingReads.firstIndex(where: { $0.context == context }) else { return }
        pendingReads[position].acks.insert(peer)
        guard pendingReads[position].acks.count >= membership.quorum else { return }
        // This read and every earlier one are confirmed by the same quorum round.
        for read in pendingReads[...position] { reads.append(ReadState(index: read.index, context: read.context)) }
        pendingReads.removeFirst(position + 1)
    }

    private mutating func send(to peer: NodeID, _ body: RaftMessage.Body) {
        messages.append(RaftMessage(from: id, to: peer, term: term, body: body))
    }

    // MARK: - Output

    /// What the shell must do now (see `Ready`), or nil when there is nothing.
    public mutating func takeReady(maxCommittedEntries: Int = 1024) -> Ready? {
        var ready = Ready()
        ready.snapshot = snapshotToInstall
        snapshotToInstall = nil
        if appendsPending {
            appendsPending = false
            if role == .leader { for peer in progress.keys.sorted() where peer != id { sendAppends(to: peer) } }
        }
        ready.entries = log.takeUnstable()
        if hardState != persistedHardState {
            ready.termAndVoteUnchanged = hardState.term == persistedHardState.term && hardState.vote == persistedHardState.vote
            ready.hardState = hardState
            persistedHardState = hardState
        }
        ready.messages = messages
        messages = []
        ready.committed = log.takeCommitted(maxCount: maxCommittedEntries)
        ready.reads = reads
        reads = []
        ready.lostLogs = lostLogs
        lostLogs = []
        return ready.isEmpty ? nil : ready
    }
}

/// Bugs a test can switch on (through `@testable import`) to check that the simulation
/// notices them. Each names the rule of the Raft paper it breaks.
struct UnsafeVariants: Sendable, Hashable {
    /// §5.4.2 / Figure 8: commit whatever a quorum holds, even an entry of an earlier term.
    var commitEarlierTermsByCounting = false
    /// §5.4.1: grant votes (and pre-votes) without checking that the candidate's log is at
    /// least as up to date as the voter's.
    var voteWithoutLogCheck = false
}

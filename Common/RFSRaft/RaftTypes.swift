/// A Raft member's id: non-zero (0 means "none").
public typealias NodeID = UInt64

/// One log entry: a namespace edit (`normal`; empty data is a new leader's no-op) or a
/// membership change (`configChange`, data = `ConfChange.encoded`).
public struct RaftEntry: Sendable, Hashable {
    public enum Kind: Sendable, Hashable { case normal, configChange }

    public var term: UInt64
    public var index: UInt64
    public var kind: Kind
    public var data: [UInt8]

    public init(term: UInt64, index: UInt64, kind: Kind = .normal, data: [UInt8] = []) {
        self.term = term
        self.index = index
        self.kind = kind
        self.data = data
    }
}

/// What must be durable before any message that depends on it is sent.
public struct HardState: Sendable, Hashable {
    public var term: UInt64 = 0
    public var vote: NodeID = 0
    public var commit: UInt64 = 0

    public init(term: UInt64 = 0, vote: NodeID = 0, commit: UInt64 = 0) {
        self.term = term
        self.vote = vote
        self.commit = commit
    }
}

/// Who votes and who only follows the log.
public struct Membership: Sendable, Hashable {
    public var voters: Set<NodeID>
    public var learners: Set<NodeID>

    public init(voters: Set<NodeID>, learners: Set<NodeID> = []) {
        self.voters = voters
        self.learners = learners
    }

    public var members: Set<NodeID> { voters.union(learners) }
    /// Votes (or acknowledgements) that make a majority of the voters.
    public var quorum: Int { voters.count / 2 + 1 }
}

/// One membership change; one at a time (a single-server change keeps any two majorities
/// overlapping, so no joint configuration is needed).
public enum ConfChange: Sendable, Hashable {
    case addVoter(NodeID)
    case addLearner(NodeID)
    case removeNode(NodeID)

    public var encoded: [UInt8] {
        let (tag, id): (UInt8, NodeID) = switch self {
        case .addVoter(let id): (0, id)
        case .addLearner(let id): (1, id)
        case .removeNode(let id): (2, id)
        }
        return [tag] + (0..<8).map { UInt8(truncatingIfNeeded: id >> (56 - 8 * $0)) }
    }

    /// The entry data of this change with `context` after it: what the shell needs to act on
    /// it (for rfs, the member's name and address); the core ignores it.
    public func encoded(context: [UInt8]) -> [UInt8] { encoded + context }

    /// The context an entry's data carries after its change (see `encoded(context:)`).
    public static func context(ofEncoded bytes: [UInt8]) -> [UInt8] { bytes.count > 9 ? Array(bytes[9...]) : [] }

    public init?(encoded bytes: [UInt8]) {
        guard bytes.count >= 9 else { return nil }
        let id = bytes[1..<9].reduce(NodeID(0)) { $0 << 8 | NodeID($1) }
        switch bytes[0] {
        case 0: self = .addVoter(id)
        case 1: self = .addLearner(id)
        case 2: self = .removeNode(id)
        default: return nil
        }
    }

    func applied(to membership: Membership) -> Membership {
        var next = membership
        switch self {
        case .addVoter(let id): next.learners.remove(id); next.voters.insert(id)
        case .addLearner(let id): next.voters.remove(id); next.learners.insert(id)
        case .removeNode(let id): next.voters.remove(id); next.learners.remove(id)
        }
        return next
    }
}

/// The state a snapshot holds: everything through `index` (of `term`), and the membership then.
public struct SnapshotMeta: Sendable, Hashable {
    public var index: UInt64
    public var term: UInt64
    public var membership: Membership

    public init(index: UInt64, term: UInt64, membership: Membership) {
        self.index = index
        self.term = term
        self.membership = membership
    }
}

/// A message between members. `term` is the sender's (for a pre-vote, the term it would run in).
public struct RaftMessage: Sendable, Hashable {
    public var from: NodeID
    public var to: NodeID
    public var term: UInt64
    public var body: Body

    public enum Body: Sendable, Hashable {
        /// Replication, or a heartbeat when `entries` is empty. `context` tags a heartbeat that
        /// confirms leadership for linearizable reads (0 = none).
        case append(prevIndex: UInt64, prevTerm: UInt64, entries: [RaftEntry], commit: UInt64, context: UInt64)
        /// `index`: on success the last index known to match; on rejection the prevIndex
        /// rejected, with the follower's hint for skipping back whole terms.
        case appendResponse(success: Bool, index: UInt64, hintIndex: UInt64, hintTerm: UInt64, context: UInt64)
        case requestVote(lastIndex: UInt64, lastTerm: UInt64, preVote: Bool, transfer: Bool)
        case voteResponse(granted: Bool, preVote: Bool)
        /// Install this snapshot: the shell streams its bytes, then hands the follower's core
        /// the same message once they are all in place.
        case snapshot(SnapshotMeta)
        /// Leadership transfer: campaign now.
        case timeoutNow
    }

    public init(from: NodeID, to: NodeID, term: UInt64, body: Body) {
        self.from = from
        self.to = to
        self.term = term
        self.body = body
    }
}

/// How far a member's log matches the leader's, as the leader knows it.
public struct MemberReplication: Sendable, Hashable {
    public var match: UInt64
    /// Heard from since the leader's last check-quorum pass.
    public var recentlyActive: Bool
}

/// A linearizable read may be served once the state machine has applied `index`.
public struct ReadState: Sendable, Hashable {
    public var index: UInt64
    public var context: UInt64
}

/// A follower that no longer holds entries it acknowledged (see `Ready.lostLogs`).
public struct LostLog: Sendable, Hashable {
    public var member: NodeID
    /// What it had acknowledged to this leader.
    public var acknowledged: UInt64
    /// Where its log ends now, as its rejection says.
    public var holds: UInt64
}

public enum RaftRole: Sendable, Hashable { case follower, preCandidate, candidate, leader }

/// Why the core refused a request.
public enum RaftRefusal: Error, Sendable, Hashable {
    case notLeader(leader: NodeID)
    case transferInProgress
    case confChangePending
    case readNotReady
    case unknownMember(NodeID)
}

/// Everything the shell must do, in this order: persist `snapshot` (install it into the state
/// machine), `entries` (dropping any persisted entries from the first one's index on) and
/// `hardState`, durably, then report the entries with `RaftCore.persisted`; then send
/// `messages`; then apply `committed`; then serve `reads` once the state machine has applied
/// their index. Only `sendableBeforePersisting` may leave before the persist.
public struct Ready: Sendable, Hashable {
    public var hardState: HardState?
    public var snapshot: SnapshotMeta?
    public var entries: [RaftEntry] = []
    public var messages: [RaftMessage] = []
    public var committed: [RaftEntry] = []
    public var reads: [ReadState] = []
    /// Followers found to have lost acknowledged entries (a lost or replaced disk): Raft's
    /// safety assumes that never happens, so the shell tells the operator. The leader has
    /// stopped counting what they lost and sends it to them again.
    public var lostLogs: [LostLog] = []
    /// Whether this Ready leaves the term and vote as they were durably: then a leader's
    /// appends claim nothing that is not on disk yet.
    public var termAndVoteUnchanged = true

    /// The messages that may be sent while `entries` are still being persisted: a leader's
    /// appends (its term was durable before it could win; its own entries count toward commit
    /// only once reported persisted). Responses and votes claim durability, and wait.
    public var sendableBeforePersisting: [RaftMessage] {
        guard termAndVoteUnchanged && snapshot == nil else { return [] }
        return messages.filter { if case .append = $0.body { true } else { false } }
    }

    /// The rest of `messages`, for after the persist.
    public var sendableAfterPersisting: [RaftMessage] {
        guard termAndVoteUnchanged && snapshot == nil else { return messages }
        return messages.filter { if case .append = $0.body { false } else { true } }
    }

    public var isEmpty: Bool {
        hardState == nil && snapshot == nil && entries.isEmpty && messages.isEmpty && committed.isEmpty && reads.isEmpty
            && lostLogs.isEmpty
    }
}

/// Tuning, in ticks (the shell decides how long a tick is).
public struct RaftConfiguration: Sendable, Hashable {
    public var id: NodeID
    /// A follower that hears nothing for between this and twice this many ticks campaigns.
    public var electionTicks = 10
    public var heartbeatTicks = 1
    /// Append messages in flight to one follower before waiting for acknowledgements.
    public var maxInflightMessages = 64
    public var maxEntriesPerMessage = 256
    public var maxBytesPerMessage = 1 << 20
    public var preVote = true
    public var checkQuorum = true
    /// Seed of the randomized election timeouts.
    public var seed: UInt64

    public init(id: NodeID, seed: UInt64) {
        precondition(id != 0, "node ids are non-zero")
        self.id = id
        self.seed = seed
    }
}

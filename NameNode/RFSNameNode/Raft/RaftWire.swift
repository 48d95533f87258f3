import Foundation
import RFSProtocol
import RFSRaft

/// The Raft core's messages on the wire (RaftProtocol.proto) and back. The core speaks its own
/// plain types so that it stays pure and cheap to simulate; the shell converts at the socket.
/// A snapshot travels as InstallSnapshotRequest chunks; `snapshotRequest` is the metadata every
/// chunk carries (the shell fills offset, data, done and crc32c).
enum RaftWire {
    enum WireError: Error, CustomStringConvertible {
        case badContext(Int)
        var description: String {
            switch self {
            case .badContext(let count): "a Raft context of \(count) bytes (expected 0 or 8)"
            }
        }
    }

    // MARK: - Envelopes (what `deliver` carries)

    static func envelope(_ message: RaftMessage) -> Rfs_Raft_RaftEnvelope {
        var envelope = Rfs_Raft_RaftEnvelope()
        envelope.to = message.to
        switch message.body {
        case .append: envelope.appendEntries = appendRequest(message)!
        case .appendResponse: envelope.appendEntriesResponse = appendResponse(message)!
        case .requestVote: envelope.requestVote = voteRequest(message)!
        case .voteResponse: envelope.requestVoteResponse = voteResponse(message)!
        case .snapshot: envelope.installSnapshot = snapshotRequest(message)!
        case .timeoutNow: envelope.timeoutNow = timeoutNow(message)!
        }
        return envelope
    }

    /// The core message an envelope carries; nil for a snapshot chunk or its response, which
    /// the shell handles itself.
    static func message(_ envelope: Rfs_Raft_RaftEnvelope) throws -> RaftMessage? {
        switch envelope.message {
        case .appendEntries(let proto): try message(proto, to: envelope.to)
        case .appendEntriesResponse(let proto): try message(proto, to: envelope.to)
        case .requestVote(let proto): message(proto, to: envelope.to)
        case .requestVoteResponse(let proto): message(proto, to: envelope.to)
        case .timeoutNow(let proto): message(proto, to: envelope.to)
        case .installSnapshot, .installSnapshotResponse, .none: nil
        }
    }

    // MARK: - Core → wire

    static func appendRequest(_ message: RaftMessage) -> Rfs_Raft_AppendEntriesRequest? {
        guard case let .append(prevIndex, prevTerm, entries, commit, context) = message.body else { return nil }
        var proto = Rfs_Raft_AppendEntriesRequest()
        proto.term = message.term
        proto.leaderID = message.from
        proto.prevLogIndex = prevIndex
        proto.prevLogTerm = prevTerm
        proto.entries = entries.map(entry)
        proto.leaderCommit = commit
        proto.context = contextBytes(context)
        return proto
    }

    static func appendResponse(_ message: RaftMessage) -> Rfs_Raft_AppendEntriesResponse? {
        guard case let .appendResponse(success, index, hintIndex, hintTerm, context) = message.body else { return nil }
        var proto = Rfs_Raft_AppendEntriesResponse()
        proto.term = message.term
        proto.followerID = message.from
        proto.success = success
        proto.matchIndex = index
        proto.rejectHintIndex = hintIndex
        proto.rejectHintTerm = hintTerm
        proto.context = contextBytes(context)
        return proto
    }

    static func voteRequest(_ message: RaftMessage) -> Rfs_Raft_RequestVoteRequest? {
        guard case let .requestVote(lastIndex, lastTerm, preVote, transfer) = message.body else { return nil }
        var proto = Rfs_Raft_RequestVoteRequest()
        proto.term = message.term
        proto.candidateID = message.from
        proto.lastLogIndex = lastIndex
        proto.lastLogTerm = lastTerm
        proto.preVote = preVote
        proto.leadershipTransfer = transfer
        return proto
    }

    static func voteResponse(_ message: RaftMessage) -> Rfs_Raft_RequestVoteResponse? {
        guard case let .voteResponse(granted, preVote) = message.body else { return nil }
        var proto = Rfs_Raft_RequestVoteResponse()
        proto.term = message.term
        proto.voterID = message.from
        proto.voteGranted = granted
        proto.preVote = preVote
        return proto
    }

    static func snapshotRequest(_ message: RaftMessage) -> Rfs_Raft_InstallSnapshotRequest? {
        guard case let .snapshot(meta) = message.body else { return nil }
        var proto = Rfs_Raft_InstallSnapshotRequest()
        proto.term = message.term
        proto.leaderID = message.from
        proto.metadata.index = meta.index
        proto.metadata.term = meta.term
        proto.metadata.confState.voters = meta.membership.voters.sorted()
        proto.metadata.confState.learners = meta.membership.learners.sorted()
        return proto
    }

    static func timeoutNow(_ message: RaftMessage) -> Rfs_Raft_TimeoutNowRequest? {
        guard case .timeoutNow = message.body else { return nil }
        var proto = Rfs_Raft_TimeoutNowRequest()
        proto.term = message.term
        proto.leaderID = message.from
        return proto
    }

    static func entry(_ entry: RaftEntry) -> Rfs_Raft_Entry {
        var proto = Rfs_Raft_Entry()
        proto.term = entry.term
        proto.index = entry.index
        proto.type = entry.kind == .configChange ? .configChange : .normal
        proto.data = Data(entry.data)
        return proto
    }

    // MARK: - Wire → core (`to` is the receiving node)

    static func message(_ proto: Rfs_Raft_AppendEntriesRequest, to: NodeID) throws -> RaftMessage {
        RaftMessage(from: proto.leaderID, to: to, term: proto.term,
                    body: .append(prevIndex: proto.prevLogIndex, prevTerm: proto.prevLogTerm, entries: proto.entries.map(entry),
                                  commit: proto.leaderCommit, context: try context(proto.context)))
    }

    static func message(_ proto: Rfs_Raft_AppendEntriesResponse, to: NodeID) throws -> RaftMessage {
        RaftMessage(from: proto.followerID, to: to, term: proto.term,
                    body: .appendResponse(success: proto.success, index: proto.matchIndex, hintIndex: proto.rejectHintIndex,
                                          hintTerm: proto.rejectHintTerm, context: try context(proto.context)))
    }

    static func message(_ proto: Rfs_Raft_RequestVoteRequest, to: NodeID) -> RaftMessage {
        RaftMessage(from: proto.candidateID, to: to, term: proto.term,
                    body: .requestVote(lastIndex: proto.lastLogIndex, lastTerm: proto.lastLogTerm, preVote: proto.preVote,
                                       transfer: proto.leadershipTransfer))
    }

    static func message(_ proto: Rfs_Raft_RequestVoteResponse, to: NodeID) -> RaftMessage {
        RaftMessage(from: proto.voterID, to: to, term: proto.term, body: .voteResponse(granted: proto.voteGranted, preVote: proto.preVote))
    }

    static func message(_ proto: Rfs_Raft_InstallSnapshotRequest, to: NodeID) -> RaftMessage {
        let membership = Membership(voters: Set(proto.metadata.confState.voters), learners: Set(proto.metadata.confState.learners))
        return RaftMessage(from: proto.leaderID, to: to, term: proto.term,
                           body: .snapshot(SnapshotMeta(index: proto.metadata.index, term: proto.metadata.term, membership: membership)))
    }

    static func message(_ proto: Rfs_Raft_TimeoutNowRequest, to: NodeID) -> RaftMessage {
        RaftMessage(from: proto.leaderID, to: to, term: proto.term, body: .timeoutNow)
    }

    static func entry(_ proto: Rfs_Raft_Entry) -> RaftEntry {
        RaftEntry(term: proto.term, index: proto.index, kind: proto.type == .configChange ? .configChange : .normal, data: Array(proto.data))
    }

    /// A read's context travels as 8 big-endian bytes; none is 0.
    static func contextBytes(_ context: UInt64) -> Data {
        context == 0 ? Data() : Data((0..<8).map { UInt8(truncatingIfNeeded: context >> (56 - 8 * UInt64($0))) })
    }

    static func context(_ bytes: Data) throws -> UInt64 {
        guard !bytes.isEmpty else { return 0 }
        guard bytes.count == 8 else { throw WireError.badContext(bytes.count) }
        return bytes.reduce(0) { $0 << 8 | UInt64($1) }
    }
}

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

    /// `message` as a serialized RaftEnvelope, what a peer's sender queues. An append (nearly
    /// every message a busy leader sends, each with a batch of entries) is written here
    /// directly from the core's types: SwiftProtobuf first builds the generated messages (a
    /// copy of every entry's data), then sizes each nested message once per level above it
    /// (an entry inside an append inside an envelope inside a batch), which made encoding a
    /// visible share of a leader's time. The bytes are SwiftProtobuf's own (RaftWireTests).
    static func encodedEnvelope(_ message: RaftMessage) -> [UInt8] {
        guard case let .append(prevIndex, prevTerm, entries, commit, context) = message.body else {
            // proto3 has no required fields: encoding cannot fail.
            return (try? envelope(message).serializedBytes()) ?? []
        }
        let entrySizes = entries.map { entry in
            ProtoWriter.varintFieldSize(entry.term) + ProtoWriter.varintFieldSize(entry.index)
                + ProtoWriter.varintFieldSize(entry.kind == .configChange ? 1 : 0)
                + (entry.data.isEmpty ? 0 : ProtoWriter.lengthDelimitedFieldSize(entry.data.count))
        }
        let appendSize = ProtoWriter.varintFieldSize(message.term) + ProtoWriter.varintFieldSize(message.from)
            + ProtoWriter.varintFieldSize(prevIndex) + ProtoWriter.varintFieldSize(prevTerm)
            + entrySizes.reduce(0) { $0 + ProtoWriter.lengthDelimitedFieldSize($1) }
            + ProtoWriter.varintFieldSize(commit) + (context == 0 ? 0 : ProtoWriter.lengthDelimitedFieldSize(8))
        var writer = ProtoWriter(capacity: ProtoWriter.varintFieldSize(message.to) + ProtoWriter.lengthDelimitedFieldSize(appendSize))
        writer.varintField(1, message.to)                      // RaftEnvelope.to
        writer.lengthPrefix(2, appendSize)                     // RaftEnvelope.append_entries (set even when empty)
        writer.varintField(1, message.term)                    // AppendEntriesRequest.term
        writer.varintField(2, message.from)                    // .leader_id
        writer.varintField(3, prevIndex)                       // .prev_log_index
        writer.varintField(4, prevTerm)                        // .prev_log_term
        for (entry, size) in zip(entries, entrySizes) {
            writer.lengthPrefix(5, size)                       // .entries
            writer.varintField(1, entry.term)                  // Entry.term
            writer.varintField(2, entry.index)                 // Entry.index
            writer.varintField(3, entry.kind == .configChange ? 1 : 0) // Entry.type
            writer.bytesField(4, entry.data)                   // Entry.data
        }
        writer.varintField(6, commit)                          // .leader_commit
        if context != 0 { writer.bytesField(7, Array(contextBytes(context))) } // .context
        return writer.bytes
    }

    /// Serialized envelopes as one serialized RaftEnvelopeBatch.
    static func encodedBatch(_ envelopes: [[UInt8]]) -> [UInt8] {
        var writer = ProtoWriter(capacity: envelopes.reduce(0) { $0 + ProtoWriter.lengthDelimitedFieldSize($1.count) })
        for envelope in envelopes {
            writer.lengthPrefix(1, envelope.count)             // RaftEnvelopeBatch.envelopes
            writer.append(envelope)
        }
        return writer.bytes
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

/// Protobuf's wire format, written by hand for `RaftWire.encodedEnvelope`: varints and
/// length-delimited fields with one-byte keys (field numbers below 16), proto3's defaults
/// (zero, empty) left out as SwiftProtobuf leaves them out.
struct ProtoWriter {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int) { bytes.reserveCapacity(capacity) }

    static func varintSize(_ value: UInt64) -> Int { value < 0x80 ? 1 : (70 - value.leadingZeroBitCount) / 7 }
    /// A varint field's size: key and value, or nothing for zero.
    static func varintFieldSize(_ value: UInt64) -> Int { value == 0 ? 0 : 1 + varintSize(value) }
    static func lengthDelimitedFieldSize(_ length: Int) -> Int { 1 + varintSize(UInt64(length)) + length }

    mutating func varint(_ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    mutating func varintField(_ field: UInt8, _ value: UInt64) {
        guard value != 0 else { return }
        bytes.append(field << 3)
        varint(value)
    }

    /// A length-delimited field's key and length; its `length` bytes follow.
    mutating func lengthPrefix(_ field: UInt8, _ length: Int) {
        bytes.append(field << 3 | 2)
        varint(UInt64(length))
    }

    mutating func bytesField(_ field: UInt8, _ value: [UInt8]) {
        guard !value.isEmpty else { return }
        lengthPrefix(field, value.count)
        bytes.append(contentsOf: value)
    }

    mutating func append(_ raw: [UInt8]) { bytes.append(contentsOf: raw) }
}

import Foundation
import RFSModel
import RFSProtocol
import RFSRaft
@testable import RFSNameNode
import SwiftProtobuf
import Testing

/// Every Raft core message survives the trip through RaftProtocol.proto's bytes.
@Suite struct RaftWireTests {
    static let messages: [RaftMessage] = [
        RaftMessage(from: 1, to: 2, term: 7, body: .append(prevIndex: 10, prevTerm: 6, entries: [
            RaftEntry(term: 7, index: 11, data: [1, 2, 3]),
            RaftEntry(term: 7, index: 12, kind: .configChange, data: ConfChange.addVoter(4).encoded),
        ], commit: 9, context: 0)),
        RaftMessage(from: 1, to: 3, term: 7, body: .append(prevIndex: 12, prevTerm: 7, entries: [], commit: 12, context: 0xDEAD_BEEF_0000_0001)),
        RaftMessage(from: 2, to: 1, term: 7, body: .appendResponse(success: false, index: 10, hintIndex: 8, hintTerm: 5, context: 0)),
        RaftMessage(from: 3, to: 1, term: 7, body: .appendResponse(success: true, index: 12, hintIndex: 0, hintTerm: 0, context: 42)),
        RaftMessage(from: 2, to: 3, term: 8, body: .requestVote(lastIndex: 12, lastTerm: 7, preVote: true, transfer: false)),
        RaftMessage(from: 3, to: 2, term: 8, body: .voteResponse(granted: true, preVote: true)),
        RaftMessage(from: 1, to: 2, term: 7, body: .snapshot(SnapshotMeta(index: 100, term: 6, membership: Membership(voters: [1, 2, 3], learners: [4])))),
        RaftMessage(from: 1, to: 2, term: 7, body: .timeoutNow),
    ]

    static func roundTrip<M: SwiftProtobuf.Message>(_ proto: M) throws -> M {
        try M(serializedBytes: try proto.serializedBytes() as [UInt8])
    }

    @Test(arguments: messages)
    func roundTrip(_ message: RaftMessage) throws {
        let back: RaftMessage
        if let proto = RaftWire.appendRequest(message) {
            back = try RaftWire.message(try Self.roundTrip(proto), to: message.to)
        } else if let proto = RaftWire.appendResponse(message) {
            back = try RaftWire.message(try Self.roundTrip(proto), to: message.to)
        } else if let proto = RaftWire.voteRequest(message) {
            back = RaftWire.message(try Self.roundTrip(proto), to: message.to)
        } else if let proto = RaftWire.voteResponse(message) {
            back = RaftWire.message(try Self.roundTrip(proto), to: message.to)
        } else if let proto = RaftWire.snapshotRequest(message) {
            back = RaftWire.message(try Self.roundTrip(proto), to: message.to)
        } else {
            back = RaftWire.message(try Self.roundTrip(RaftWire.timeoutNow(message)!), to: message.to)
        }
        #expect(back == message)
    }

    /// Appends of every shape: empty, one entry, many, large values (multi-byte varints),
    /// empty and large data, configuration changes, with and without a context.
    static func appends(seed: UInt64) -> [RaftMessage] {
        var random = SplitMix64(seed: seed)
        func value() -> UInt64 {
            switch UInt64.random(in: 0...4, using: &random) {
            case 0: 0
            case 1: UInt64.random(in: 1..<0x80, using: &random)
            case 2: UInt64.random(in: 0x80..<0x4000, using: &random)
            case 3: UInt64.max - UInt64.random(in: 0...10, using: &random)
            default: UInt64.random(in: 0...UInt64.max, using: &random)
            }
        }
        return (0..<300).map { _ in
            let entries = (0..<Int.random(in: 0...40, using: &random)).map { _ in
                RaftEntry(term: value(), index: value(), kind: Bool.random(using: &random) ? .normal : .configChange,
                          data: [UInt8](repeating: UInt8.random(in: 0...255, using: &random),
                                        count: [0, 1, 127, 128, 300, 20_000][Int.random(in: 0...5, using: &random)]))
            }
            return RaftMessage(from: value(), to: value(), term: value(),
                               body: .append(prevIndex: value(), prevTerm: value(), entries: entries, commit: value(), context: value()))
        }
    }

    @Test("envelopes and batches written by hand are SwiftProtobuf's bytes, and read back as the same messages")
    func handEncoding() throws {
        let all = Self.messages + Self.appends(seed: 20261127)
        for message in all {
            let expected: [UInt8] = try RaftWire.envelope(message).serializedBytes()
            #expect(RaftWire.encodedEnvelope(message) == expected)
        }
        var batch = Rfs_Raft_RaftEnvelopeBatch()
        batch.envelopes = all.map(RaftWire.envelope)
        let encoded = RaftWire.encodedBatch(all.map(RaftWire.encodedEnvelope))
        #expect(encoded == (try batch.serializedBytes() as [UInt8]))
        let decoded = try Rfs_Raft_RaftEnvelopeBatch(serializedBytes: encoded)
        #expect(try decoded.envelopes.map { try RaftWire.message($0) } == all.map { message -> RaftMessage? in
            if case .snapshot = message.body { return nil }   // a snapshot travels as chunks, not as an envelope's message
            return message
        })
        #expect(RaftWire.encodedBatch([]).isEmpty)
    }

    @Test("a peer's queue hands out batches bounded by count and bytes, oldest first, and drops the oldest when full")
    func envelopeQueueBatches() {
        let queue = EnvelopeQueue()
        for size in [10, 20, 30, 5_000, 40] { queue.append([UInt8](repeating: UInt8(size % 256), count: size), keepingAtMost: 4) }
        #expect(queue.take(10, maxBytes: 100).map(\.count) == [20, 30])            // 10 was dropped: at most 4 kept
        #expect(queue.take(10, maxBytes: 100).map(\.count) == [5_000])             // a first message goes whatever its size
        #expect(queue.take(10, maxBytes: 100).map(\.count) == [40])
        #expect(queue.take(10, maxBytes: 100).isEmpty)
        for size in 1...5 { queue.append([UInt8](repeating: 0, count: size), keepingAtMost: 100) }
        #expect(queue.take(2, maxBytes: 1_000).map(\.count) == [1, 2])
        #expect(queue.take(10, maxBytes: 7).map(\.count) == [3, 4])
    }

    @Test func aMalformedContextIsRefused() {
        var proto = Rfs_Raft_AppendEntriesResponse()
        proto.context = Data([1, 2, 3])
        #expect(throws: RaftWire.WireError.self) { _ = try RaftWire.message(proto, to: 1) }
    }
}

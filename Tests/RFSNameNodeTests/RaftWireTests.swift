import Foundation
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

    @Test func aMalformedContextIsRefused() {
        var proto = Rfs_Raft_AppendEntriesResponse()
        proto.context = Data([1, 2, 3])
        #expect(throws: RaftWire.WireError.self) { _ = try RaftWire.message(proto, to: 1) }
    }
}

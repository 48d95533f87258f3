import Foundation
import Logging
import RFSChecksum
import RFSModel
import RFSProtocol
import RFSRaft
import RFSRPC

/// A consistent image of the state machine being read for a follower: `index` is the last
/// entry it holds, `next` hands out its bytes in order, nil at the end.
public protocol RaftSnapshotReader: AnyObject, Sendable {
    var index: UInt64 { get }
    func next(maxBytes: Int) throws -> [UInt8]?
}

/// Where a follower puts a snapshot's bytes while they arrive, beside its current state
/// (which stays in use until the snapshot is installed).
public protocol RaftSnapshotWriter: AnyObject, Sendable {
    func write(_ bytes: [UInt8]) throws
    /// Every byte arrived: make them durable, ready for `installSnapshot(meta)`.
    func finish(_ meta: SnapshotMeta) throws
    /// Not to be installed (a newer snapshot came, or the member already has the state).
    func discard()
}

public struct SnapshotsUnsupported: Error, CustomStringConvertible {
    public var description: String { "this state machine cannot make or install snapshots" }
}

/// A state machine without snapshots: its group never compacts the log below what every
/// member holds, so none is ever asked of it.
extension RaftStateMachine {
    public func readSnapshot() throws -> any RaftSnapshotReader { throw SnapshotsUnsupported() }
    public func receiveSnapshot(_ meta: SnapshotMeta) throws -> any RaftSnapshotWriter { throw SnapshotsUnsupported() }
    public func installSnapshot(_ meta: SnapshotMeta) async throws { throw SnapshotsUnsupported() }
}

/// Streams one snapshot to one member: InstallSnapshotRequest chunks in order, each answered
/// before the next leaves (so a slow member slows the stream, not the leader's memory), the
/// last one marked `done`. Any gap, refusal or error ends the attempt; the core then probes
/// the member again and asks for a new snapshot if it still needs one.
struct SnapshotStream {
    /// A chunk's size unless the RPC frame limit asks for less (`chunkBytes`).
    static let defaultChunkBytes = 1 << 20

    enum Outcome: Sendable, Equatable {
        case sent(bytes: UInt64)
        case failed(String)
        /// The member answered with a newer term: this leader is deposed.
        case newerTerm(UInt64)
    }

    let client: RPCClient
    let leader: NodeID
    let term: UInt64
    let meta: SnapshotMeta
    /// The largest chunk: the core's largest append, which the daemon keeps at or below a
    /// quarter of the receiver's RPC frame limit (a bigger chunk would be refused every time).
    var chunkBytes = defaultChunkBytes

    func send(_ reader: any RaftSnapshotReader) async -> Outcome {
        var offset: UInt64 = 0
        do {
            while true {
                let data = try reader.next(maxBytes: chunkBytes)
                let done = data == nil
                let response = try await client.call(
                    "installSnapshot", request(offset: offset, data: data ?? [], done: done),
                    returning: Rfs_Raft_InstallSnapshotResponse.self, idempotent: false)
                if response.term > term { return .newerTerm(response.term) }
                if response.rejected { return .failed("the member refused the snapshot") }
                let expected = offset + UInt64(data?.count ?? 0)
                guard response.nextOffset == expected else {
                    return .failed("the member holds \(response.nextOffset) bytes of it, not \(expected)")
                }
                offset = expected
                if done { return .sent(bytes: offset) }
            }
        } catch {
            return .failed("\(error)")
        }
    }

    private func request(offset: UInt64, data: [UInt8], done: Bool) -> Rfs_Raft_InstallSnapshotRequest {
        var message = RaftWire.snapshotRequest(RaftMessage(from: leader, to: 0, term: term, body: .snapshot(meta)))!
        message.offset = offset
        message.data = Data(data)
        message.crc32C = CRC32C.checksum(data)
        message.done = done
        return message
    }
}

/// A snapshot a follower is receiving: from which leader and term, and how far it got.
struct IncomingSnapshot {
    var leader: NodeID
    var term: UInt64
    var meta: SnapshotMeta
    var writer: any RaftSnapshotWriter
    var nextOffset: UInt64 = 0
}

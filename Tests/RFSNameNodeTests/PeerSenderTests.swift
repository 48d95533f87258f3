import Logging
import NIOCore
import NIOPosix
import RFSModel
import RFSProtocol
import RFSRaft
@testable import RFSNameNode
import RFSRPC
import Synchronization
import Testing

/// Numbers a handler saw, in order.
private final class Numbers: Sendable {
    private let seen = Mutex<[UInt64]>([])
    func add(_ numbers: [UInt64]) { seen.withLock { $0 += numbers } }
    var all: [UInt64] { seen.withLock { $0 } }
}

/// A member's messages to a peer, over a real socket to a real RPC server.
@Suite("Raft peer senders", .serialized)
struct PeerSenderTests {
    @Test("a sender delivers one-way to a member that serves it, and by two-way deliverBatch to a member of an earlier version, in order either way")
    func probeAndFallback() async throws {
        for modern in [true, false] {
            let oneWay = Numbers(), twoWay = Numbers()
            var registry = RPCServiceRegistry()
            registry.register(protocol: ProtocolNames.raftProtocol, method: "deliverBatch") { (batch: Rfs_Raft_RaftEnvelopeBatch, _: RPCCallContext) in
                twoWay.add(batch.envelopes.map(\.to))
                return Rfs_Raft_RaftDelivered()
            }
            if modern {
                // What a member of this version registers beside deliverBatch.
                registry.registerOneWay(protocol: ProtocolNames.raftProtocol, method: RaftNode.oneWayDelivery, logger: Logger(label: "test")) {
                    (batch: Rfs_Raft_RaftEnvelopeBatch, _: Int, _: RPCCallContext) in
                    oneWay.add(batch.envelopes.map(\.to))
                }
                registry.register(protocol: ProtocolNames.raftProtocol, method: RaftNode.oneWayProbe) { (_: Rfs_Raft_RaftDelivered, _: RPCCallContext) in
                    Rfs_Raft_RaftDelivered()
                }
            }
            let server = try await RPCServer.start(host: "127.0.0.1", port: 0, registry: registry, group: MultiThreadedEventLoopGroup.singleton,
                                                   logger: Logger(label: "test"))
            let sender = PeerSender(peer: RaftNode.Peer(id: 2, address: HostPort(host: "127.0.0.1", port: server.localAddress.port!)),
                                    loop: MultiThreadedEventLoopGroup.singleton.next(), maxBytesPerCall: 1 << 20, logger: Logger(label: "test"))
            // `to` numbers the messages, so the receiver's order shows.
            for number in 1...300 {
                sender.send(RaftWire.encodedEnvelope(RaftMessage(from: 1, to: UInt64(number), term: 1, body: .timeoutNow)))
                if number % 50 == 0 { try await Task.sleep(for: .milliseconds(5)) }
            }
            let deadline = ContinuousClock.now + .seconds(20)
            while oneWay.all.count + twoWay.all.count < 300, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect((modern ? oneWay : twoWay).all == Array(1...300))
            #expect((modern ? twoWay : oneWay).all.isEmpty)
            await sender.close()
            try await server.close()
        }
    }

    @Test("a write under way longer than the limit is reported once; a finished one never")
    func stuckWrites() async throws {
        let clock = WriteClock()
        #expect(!clock.endIfOlder(than: .zero))                 // nothing under way
        clock.begin()
        #expect(!clock.endIfOlder(than: .seconds(60)))
        try await Task.sleep(for: .milliseconds(5))
        #expect(clock.endIfOlder(than: .milliseconds(1)))
        #expect(!clock.endIfOlder(than: .zero))                 // reported: no longer counts
        clock.begin()
        clock.end()
        try await Task.sleep(for: .milliseconds(5))
        #expect(!clock.endIfOlder(than: .milliseconds(1)))
    }

    @Test("a member's inbox keeps batches in order and drops the oldest past its bounds, never the newest")
    func inboxBounds() {
        func batch(_ numbers: ClosedRange<UInt64>) -> [Rfs_Raft_RaftEnvelope] {
            numbers.map { number in Rfs_Raft_RaftEnvelope.with { $0.to = number } }
        }
        var inbox = Inbox()
        inbox.add(batch(1...3), bytes: 30, keepingAtMost: 5, bytes: 100)
        inbox.add(batch(4...5), bytes: 20, keepingAtMost: 5, bytes: 100)
        #expect(inbox.messages == 5 && inbox.bytes == 50)
        inbox.add(batch(6...6), bytes: 10, keepingAtMost: 5, bytes: 100)     // six messages: the first batch goes
        #expect(inbox.takeAll().map(\.to) == [4, 5, 6])
        #expect(inbox.messages == 0 && inbox.bytes == 0 && inbox.takeAll().isEmpty)
        inbox.add(batch(7...8), bytes: 60, keepingAtMost: 100, bytes: 100)
        inbox.add(batch(9...9), bytes: 500, keepingAtMost: 100, bytes: 100)  // too big alone: kept, the older dropped
        #expect(inbox.takeAll().map(\.to) == [9])
    }
}

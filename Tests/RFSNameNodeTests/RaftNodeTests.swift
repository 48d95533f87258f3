import Foundation
import Logging
import NIOCore
import NIOPosix
import RFSModel
@testable import RFSNameNode
import RFSProtocol
import RFSRaft
import RFSRPC
import Synchronization
import Testing

/// Three Raft members as real RPC servers on loopback, each with its WAL and hard-state file
/// in a temporary directory: they elect a leader, replicate and apply proposals, elect a new
/// leader when the old one stops, and a restarted member catches up from its own log.
@Suite(.serialized) struct RaftNodeTests {
    final class AppliedLog: RaftStateMachine {
        private let entries = Mutex<[(index: UInt64, data: [UInt8])]>([])
        func apply(_ committed: [RaftEntry]) throws {
            entries.withLock { entries in
                for entry in committed {
                    precondition(entries.last.map { $0.index + 1 == entry.index } ?? true, "applied out of order")
                    entries.append((entry.index, entry.data))
                }
            }
        }
        var proposals: [[UInt8]] { entries.withLock { $0.map(\.data).filter { !$0.isEmpty } } }
        var lastIndex: UInt64 { entries.withLock { $0.last?.index ?? 0 } }
    }

    /// One member: its node, its server, its state machine. The server forwards to whatever
    /// node currently serves this member (a restart replaces it).
    final class Member: @unchecked Sendable {
        let id: NodeID
        let directory: String
        var node: RaftNode!
        var server: RPCServer!
        var log = AppliedLog()

        init(id: NodeID, directory: String) {
            self.id = id
            self.directory = directory
        }
    }

    static let logger = Logger(label: "raft-test") { _ in SwiftLogNoOpLogHandler() }

    static func start(_ member: Member, peers: [RaftNode.Peer], port: Int) async throws {
        var configuration = RaftConfiguration(id: member.id, seed: member.id &* 7919)
        configuration.electionTicks = 10
        member.log = AppliedLog()
        member.node = try await RaftNode(configuration: configuration, peers: peers, directory: member.directory,
                                   stateMachine: member.log, group: MultiThreadedEventLoopGroup.singleton, logger: logger)
        var registry = RPCServiceRegistry()
        member.node.register(into: &registry)
        member.server = try await listen(on: port, registry: registry)
        await member.node.start(tick: .milliseconds(20))
    }

    /// An RPC server on `port`, which `freePorts` found free or a stopped member just released.
    /// With the whole suite running on two cores, a bind has been refused as in use there for
    /// a moment (both Raft tests at once, never alone); a few retries ride that out, and a port
    /// that stays taken still fails the test.
    static func listen(on port: Int, registry: RPCServiceRegistry) async throws -> RPCServer {
        var attempt = 0
        while true {
            do {
                return try await RPCServer.start(host: "127.0.0.1", port: port, registry: registry,
                                                 group: MultiThreadedEventLoopGroup.singleton, logger: logger)
            } catch let error as IOError where error.errnoCode == EADDRINUSE && attempt < 50 {
                attempt += 1
                logger.warning("port \(port) in use; retrying (\(attempt))")
                try await Task.sleep(for: .milliseconds(200))
            }
        }
    }

    static func leader(of members: [Member]) async -> Member? {
        for member in members where member.node != nil {
            if await member.node.role == .leader { return member }
        }
        return nil
    }

    static func waitUntil(_ what: String, timeout: Duration = .seconds(20), _ condition: () async -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while !(await condition()) {
            guard ContinuousClock.now < deadline else { throw TimedOut(what: what) }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    struct TimedOut: Error { let what: String }

    /// Loopback ports for `count` members, bound then released, so that every member knows
    /// every address before any starts.
    /// Ports free now, below Linux's ephemeral range (32768 and up): a member stopped and
    /// started again on its port must find it free, and a port the kernel may hand to any
    /// outgoing connection in the meantime (another test's, say) would not be. None is handed
    /// out twice in one run.
    static func freePorts(_ count: Int) async throws -> [Int] {
        var ports: [Int] = []
        var attempts = 0
        while ports.count < count {
            attempts += 1
            guard attempts < 1000 else { throw TimedOut(what: "\(count) free ports below 32768") }
            let candidate = Int.random(in: 20_000..<32_768)
            guard handedOut.withLock({ $0.insert(candidate).inserted }) else { continue }
            guard let probe = try? await RPCServer.start(host: "127.0.0.1", port: candidate, registry: RPCServiceRegistry(),
                                                         group: MultiThreadedEventLoopGroup.singleton, logger: logger) else { continue }
            try await probe.close()
            ports.append(candidate)
        }
        return ports
    }

    private static let handedOut = Mutex<Set<Int>>([])

    @Test func electReplicateFailOverAndCatchUp() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("rfs-raft-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let ports = try await Self.freePorts(3)
        let peers = (0..<3).map { RaftNode.Peer(id: NodeID($0 + 1), address: HostPort(host: "127.0.0.1", port: ports[$0])) }
        let members = (0..<3).map { Member(id: NodeID($0 + 1), directory: root + "/member\($0 + 1)") }
        for (index, member) in members.enumerated() { try await Self.start(member, peers: peers, port: ports[index]) }

        try await Self.waitUntil("a leader") { await Self.leader(of: members) != nil }
        let first = await Self.leader(of: members)!
        let payloads = (0..<200).map { Array("entry \($0)".utf8) }
        try await withThrowingTaskGroup(of: UInt64.self) { group in
            for payload in payloads { group.addTask { try await first.node.propose(payload) } }
            for try await _ in group {}
        }
        try await Self.waitUntil("every member applied 200 proposals") {
            for member in members where member.log.proposals.count < 200 { return false }
            return true
        }
        for member in members { #expect(Set(member.log.proposals) == Set(payloads)) }
        let order = first.log.proposals
        for member in members { #expect(member.log.proposals == order) }

        // The leader stops: the other two elect one of themselves and go on.
        await first.node.stop()
        try await first.server.close()
        let rest = members.filter { $0 !== first }
        try await Self.waitUntil("a new leader") { await Self.leader(of: rest) != nil }
        let second = await Self.leader(of: rest)!
        #expect(await second.node.term > 1)
        let more = (0..<50).map { Array("after \($0)".utf8) }
        for payload in more { _ = try await second.node.propose(payload) }

        // The old leader restarts from its WAL and hard state and catches up.
        try await Self.start(first, peers: peers, port: ports[Int(first.id) - 1])
        try await Self.waitUntil("the restarted member caught up") { first.log.proposals.count == 250 }
        #expect(first.log.proposals == second.log.proposals)
        // A follower refuses proposals and names the leader.
        let follower = rest.first { $0 !== second }!
        await #expect(throws: RaftNode.ProposalError.notLeader(leader: second.id)) { _ = try await follower.node.propose([1]) }

        for member in members {
            await member.node.stop()
            try await member.server.close()
        }
    }
}

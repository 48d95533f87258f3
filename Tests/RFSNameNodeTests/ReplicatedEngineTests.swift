import Foundation
import Logging
import NIOPosix
import RFSModel
import RFSNamespace
@testable import RFSNameNode
import RFSProtocol
import RFSRaft
import RFSRPC
import Testing

/// Three namespace engines whose edit log is one Raft group, each with its own LevelDB, WAL
/// and RPC server on loopback: the group formats itself alike, an edit proposed on the leader
/// applies on every member, a follower refuses to propose, and a restarted member catches up.
@Suite("Replicated namespace engine (Raft + LevelDB)", .serialized)
struct ReplicatedEngineTests {
    final class Member: @unchecked Sendable {
        let id: NodeID
        let directory: String
        var engine: NamespaceEngine!
        var server: RPCServer!
        init(id: NodeID, directory: String) {
            self.id = id
            self.directory = directory
        }
    }

    static let logger = Logger(label: "replicated-engine-test") { _ in SwiftLogNoOpLogHandler() }

    static func formatEdit() -> Rfs_Namenode_Edit {
        var edit = Rfs_Namenode_Edit()
        edit.caller.user = "hdfs"
        edit.operation = .format(NamespaceEngineTests.format())
        return edit
    }

    static func start(_ member: Member, peers: [RaftNode.Peer], port: Int) async throws {
        var raft = RaftConfiguration(id: member.id, seed: member.id &* 31)
        raft.electionTicks = 10
        member.engine = try await NamespaceEngine.openReplicated(
            directory: member.directory, configuration: NamespaceConfiguration(), format: formatEdit(), raft: raft, peers: peers,
            group: MultiThreadedEventLoopGroup.singleton, logger: logger)
        var registry = RPCServiceRegistry()
        member.engine.raft!.register(into: &registry)
        member.server = try await RPCServer.start(host: "127.0.0.1", port: port, registry: registry,
                                                  group: MultiThreadedEventLoopGroup.singleton, logger: logger)
        await member.engine.startReplication(tick: .milliseconds(20))
    }

    static func stop(_ member: Member) async throws {
        try await member.server.close()
        try await member.engine.close()
    }

    static func leader(of members: [Member]) -> Member? {
        members.first { $0.engine != nil && $0.engine.raft!.status.role == .leader }
    }

    @Test("format, replicate, refuse on a follower, fail over, catch up after a restart")
    func replicate() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("rfs-replicated-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let ports = try await RaftNodeTests.freePorts(3)
        let peers = (0..<3).map { RaftNode.Peer(id: NodeID($0 + 1), address: HostPort(host: "127.0.0.1", port: ports[$0])) }
        let members = (0..<3).map { Member(id: NodeID($0 + 1), directory: root + "/nn\($0 + 1)") }
        for (index, member) in members.enumerated() { try await Self.start(member, peers: peers, port: ports[index]) }
        // Formatted at once, alike, before any election.
        let clusterIDs = try members.map { try $0.engine.reads.counters()?.clusterID }
        #expect(clusterIDs == Array(repeating: "CID-engine-test", count: 3))

        try await RaftNodeTests.waitUntil("a leader") { Self.leader(of: members) != nil }
        let first = Self.leader(of: members)!
        try await withThrowingTaskGroup(of: Void.self) { group in
            for n in 0..<50 {
                group.addTask {
                    let result = try await first.engine.propose(NamespaceEngineTests.mkdirs("/d\(n)"))
                    guard case .success = result.outcome else { throw RaftNodeTests.TimedOut(what: "mkdirs /d\(n) was rejected") }
                }
            }
            try await group.waitForAll()
        }
        let caller = Caller(user: "hdfs", groups: [])
        try await RaftNodeTests.waitUntil("every member applied the 50 edits") {
            members.allSatisfy { (try? $0.engine.reads.listing("/", startAfter: [], limit: 1000, caller: caller)?.entries.count) == 50 }
        }
        let follower = members.first { $0 !== first }!
        await #expect(throws: RaftNode.ProposalError.self) { _ = try await follower.engine.propose(NamespaceEngineTests.mkdirs("/no")) }

        // The leader stops; the others elect one of themselves and go on.
        try await Self.stop(first)
        let rest = members.filter { $0 !== first }
        try await RaftNodeTests.waitUntil("a new leader") { Self.leader(of: rest) != nil }
        let second = Self.leader(of: rest)!
        let after = try await second.engine.propose(NamespaceEngineTests.mkdirs("/after"))
        guard case .success = after.outcome else {
            Issue.record("mkdirs /after on the new leader: \(after.outcome)")
            return
        }

        // The old leader restarts from its store and log, and catches up with the group.
        try await Self.start(first, peers: peers, port: ports[Int(first.id) - 1])
        try await RaftNodeTests.waitUntil("the restarted member applied /after") {
            (try? first.engine.reads.fileInfo("/after", caller: caller)) != nil
        }
        #expect(first.engine.lastAppliedIndex <= second.engine.lastAppliedIndex)

        // Every member holds the log: the active proposes dropping it, every member does so
        // once it applies that entry, and a member restarted after that starts from its store
        // and the rest of its log.
        try await RaftNodeTests.waitUntil("a leader every member has caught up with") {
            guard let leader = Self.leader(of: members) else { return false }
            return members.allSatisfy { $0.engine.lastAppliedIndex == leader.engine.lastAppliedIndex }
        }
        let leader = Self.leader(of: members)!
        await leader.engine.proposeLogCompaction(minimumEntries: 10)
        try await RaftNodeTests.waitUntil("every member compacted its log") { members.allSatisfy { $0.engine.raft!.compactedIndex > 50 } }
        let restarted = members.first { $0 !== leader }!
        try await Self.stop(restarted)
        try await Self.start(restarted, peers: peers, port: ports[Int(restarted.id) - 1])
        #expect(restarted.engine.raft!.compactedIndex > 50)
        let last = try await leader.engine.propose(NamespaceEngineTests.mkdirs("/after-compaction"))
        guard case .success = last.outcome else {
            Issue.record("mkdirs after compaction: \(last.outcome)")
            return
        }
        try await RaftNodeTests.waitUntil("the restarted member applied an edit made after the compaction") {
            (try? restarted.engine.reads.fileInfo("/after-compaction", caller: caller)) != nil
        }
        for member in members { try await Self.stop(member) }
    }
}

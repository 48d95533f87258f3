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

    static let logger = Logger(label: "replicated-engine-test") { label in
        ProcessInfo.processInfo.environment["RFS_TEST_LOG"] == nil ? SwiftLogNoOpLogHandler() as any LogHandler : StreamLogHandler.standardError(label: label)
    }

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
        member.server = try await RaftNodeTests.listen(on: port, registry: registry)
        await member.engine.startReplication(tick: .milliseconds(20))
    }

    static func stop(_ member: Member) async throws {
        try await member.server.close()
        try await member.engine.close()
    }

    /// Proposes `edit` on whichever member leads, again on the next leader if leadership
    /// moves first (the test's 20 ms ticks elect quickly, and a loaded machine makes them).
    static func proposeOnLeader(of members: [Member], _ edit: Rfs_Namenode_Edit) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while true {
            if let leader = leader(of: members), let result = try? await leader.engine.propose(edit) {
                guard case .success = result.outcome else { throw RaftNodeTests.TimedOut(what: "edit rejected: \(result.outcome)") }
                return
            }
            guard ContinuousClock.now < deadline else { throw RaftNodeTests.TimedOut(what: "a leader to take the edit") }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Three members on loopback under `root`, started.
    static func startGroup(in root: String) async throws -> (members: [Member], peers: [RaftNode.Peer], ports: [Int]) {
        let ports = try await RaftNodeTests.freePorts(3)
        let peers = (0..<3).map { RaftNode.Peer(id: NodeID($0 + 1), address: HostPort(host: "127.0.0.1", port: ports[$0])) }
        let members = (0..<3).map { Member(id: NodeID($0 + 1), directory: root + "/nn\($0 + 1)") }
        for (index, member) in members.enumerated() { try await start(member, peers: peers, port: ports[index]) }
        return (members, peers, ports)
    }

    /// Has whoever leads `members` propose compactions (every half second, as leadership may
    /// move on a loaded machine) until every one of them has dropped its log past `index`.
    static func compact(_ members: [Member], past index: UInt64, until what: String) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while !members.allSatisfy({ $0.engine.raft!.compactedIndex > index }) {
            guard ContinuousClock.now < deadline else { throw RaftNodeTests.TimedOut(what: what) }
            if let leader = leader(of: members) { await leader.engine.proposeLogCompaction(minimumEntries: 10) }
            try await Task.sleep(for: .milliseconds(500))
        }
    }

    static func leader(of members: [Member]) -> Member? {
        members.first { $0.engine != nil && $0.engine.raft!.status.role == .leader }
    }

    @Test("format, replicate, refuse on a follower, fail over, catch up after a restart")
    func replicate() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("rfs-replicated-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let (members, peers, ports) = try await Self.startGroup(in: root)
        // Formatted at once, alike, before any election.
        let clusterIDs = try members.map { try $0.engine.reads.counters()?.clusterID }
        #expect(clusterIDs == Array(repeating: "CID-engine-test", count: 3))

        try await RaftNodeTests.waitUntil("a leader") { Self.leader(of: members) != nil }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for n in 0..<50 {
                group.addTask { try await Self.proposeOnLeader(of: members, NamespaceEngineTests.mkdirs("/d\(n)")) }
            }
            try await group.waitForAll()
        }
        let caller = Caller(user: "hdfs", groups: [])
        try await RaftNodeTests.waitUntil("every member applied the 50 edits", timeout: .seconds(60)) {
            members.allSatisfy { (try? $0.engine.reads.listing("/", startAfter: [], limit: 1000, caller: caller)?.entries.count) == 50 }
        }
        try await RaftNodeTests.waitUntil("a leader") { Self.leader(of: members) != nil }
        let first = Self.leader(of: members)!
        // A follower refuses to propose (it knows a leader, or none yet).
        let follower = members.first { $0.engine.raft!.status.role != .leader }!
        await #expect(throws: RaftNode.ProposalError.self) { _ = try await follower.engine.propose(NamespaceEngineTests.mkdirs("/no")) }

        // The leader stops; the others elect one of themselves and go on.
        try await Self.stop(first)
        let rest = members.filter { $0 !== first }
        try await RaftNodeTests.waitUntil("a new leader") { Self.leader(of: rest) != nil }
        try await Self.proposeOnLeader(of: rest, NamespaceEngineTests.mkdirs("/after"))

        // The old leader restarts from its store and log, and catches up with the group.
        try await Self.start(first, peers: peers, port: ports[Int(first.id) - 1])
        try await RaftNodeTests.waitUntil("the restarted member applied /after", timeout: .seconds(60)) {
            (try? first.engine.reads.fileInfo("/after", caller: caller)) != nil
        }

        // Every member holds the log: the active proposes dropping it, every member does so
        // once it applies that entry, and a member restarted after that starts from its store
        // and the rest of its log. (Leadership may move under a loaded machine: whoever leads
        // proposes, every half second, until every member has compacted.)
        try await Self.compact(members, past: 50, until: "every member compacted its log")
        let restarted = members[0]
        try await Self.stop(restarted)
        try await Self.start(restarted, peers: peers, port: ports[Int(restarted.id) - 1])
        #expect(restarted.engine.raft!.compactedIndex > 50)
        try await Self.proposeOnLeader(of: members, NamespaceEngineTests.mkdirs("/after-compaction"))
        try await RaftNodeTests.waitUntil("the restarted member applied an edit made after the compaction", timeout: .seconds(60)) {
            (try? restarted.engine.reads.fileInfo("/after-compaction", caller: caller)) != nil
        }
        for member in members { try await Self.stop(member) }
    }

    static func propose(_ count: Int, named prefix: String, on members: [Member]) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for n in 0..<count {
                group.addTask { try await Self.proposeOnLeader(of: members, NamespaceEngineTests.mkdirs("/\(prefix)\(n)")) }
            }
            try await group.waitForAll()
        }
    }

    @Test("a member down while the group compacted past it is streamed a snapshot, installs it, catches up and restarts on it")
    func snapshotToAMemberBehindTheCompactedLog() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("rfs-snapshot-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let (members, peers, ports) = try await Self.startGroup(in: root)
        try await RaftNodeTests.waitUntil("a leader") { Self.leader(of: members) != nil }
        try await Self.propose(300, named: "d", on: members)

        // A follower goes down; the group goes on and, the member lagging by more than the
        // compaction threshold, drops its log past what that member holds.
        let down = members.first { $0.engine.raft!.status.role != .leader }!
        let downHolds = down.engine.raft!.status.lastIndex
        try await Self.stop(down)
        let rest = members.filter { $0 !== down }
        try await Self.propose(100, named: "g", on: rest)
        try await Self.compact(rest, past: downHolds + 50, until: "the live members compacted past the one down")

        // Its log as it was before the snapshot, to play a crash after the store switched to
        // the snapshot and before the log restarted after it (below).
        let files = FileManager.default
        let oldLog = root + "/old-log"
        try files.createDirectory(atPath: oldLog, withIntermediateDirectories: true)
        for name in ["log", "compacted"] { try files.copyItem(atPath: down.directory + "/raft/" + name, toPath: oldLog + "/" + name) }

        // Back, it needs entries no log holds: only the snapshot brings it up.
        try await Self.start(down, peers: peers, port: ports[Int(down.id) - 1])
        let caller = Caller(user: "hdfs", groups: [])
        try await RaftNodeTests.waitUntil("the member installed a snapshot", timeout: .seconds(60)) {
            down.engine.raft!.compactedIndex > downHolds + 50 && (try? down.engine.reads.fileInfo("/g99", caller: caller)) != nil
        }
        #expect(try down.engine.reads.listing("/", startAfter: [], limit: 1000, caller: caller)?.entries.count == 400)
        #expect(FileManager.default.fileExists(atPath: down.directory + "/namespace.current"))
        let installedAt = down.engine.raft!.compactedIndex

        // A crash between the two steps of an install, played by putting the old log back
        // before anything else arrives: the store in use is the snapshot's, the log the old
        // one. The member restarts its log after the snapshot and goes on from there.
        try await Self.stop(down)
        for name in ["log", "compacted"] {
            try files.removeItem(atPath: down.directory + "/raft/" + name)
            try files.copyItem(atPath: oldLog + "/" + name, toPath: down.directory + "/raft/" + name)
        }
        try await Self.start(down, peers: peers, port: ports[Int(down.id) - 1])
        #expect(down.engine.raft!.compactedIndex == installedAt)
        #expect(down.engine.raft!.wal.firstIndex == installedAt + 1)
        try await Self.proposeOnLeader(of: members, NamespaceEngineTests.mkdirs("/after-the-snapshot"))
        try await RaftNodeTests.waitUntil("the member applies edits after the snapshot", timeout: .seconds(60)) {
            (try? down.engine.reads.fileInfo("/after-the-snapshot", caller: caller)) != nil
        }

        // It restarts on the installed store and its restarted log, and keeps up.
        try await Self.stop(down)
        try await Self.start(down, peers: peers, port: ports[Int(down.id) - 1])
        #expect(try down.engine.reads.listing("/", startAfter: [], limit: 1000, caller: caller)?.entries.count == 401)
        try await Self.proposeOnLeader(of: members, NamespaceEngineTests.mkdirs("/after-its-restart"))
        try await RaftNodeTests.waitUntil("the member applies edits after its restart", timeout: .seconds(60)) {
            (try? down.engine.reads.fileInfo("/after-its-restart", caller: caller)) != nil
        }
        for member in members { try await Self.stop(member) }
    }

    @Test("a member cut off while the group compacted past it installs the snapshot while running: its caches see the new namespace")
    func snapshotIntoARunningMember() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("rfs-snapshot-live-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let (members, _, ports) = try await Self.startGroup(in: root)
        try await RaftNodeTests.waitUntil("a leader") { Self.leader(of: members) != nil }
        try await Self.propose(100, named: "d", on: members)
        let caller = Caller(user: "hdfs", groups: [])
        let cut = members.first { $0.engine.raft!.status.role != .leader }!
        try await RaftNodeTests.waitUntil("the follower applied the edits") {
            (try? cut.engine.reads.fileInfo("/d99", caller: caller)) != nil
        }
        // Read through its caches, so that they hold /d5 and /d6.
        #expect(try cut.engine.reads.fileInfo("/d5", caller: caller) != nil)
        #expect(try cut.engine.reads.fileInfo("/d6", caller: caller) != nil)

        // Cut off (its RPC server closed, the member itself running): the group deletes /d5,
        // renames /d6, and compacts past it.
        try await cut.server.close()
        let rest = members.filter { $0 !== cut }
        var delete = Rfs_Namenode_Edit()
        delete.caller.user = "hdfs"
        var op = Rfs_Namenode_Delete()
        op.path = "/d5"
        op.recursive = true
        delete.operation = .delete(op)
        try await Self.proposeOnLeader(of: rest, delete)
        var rename = Rfs_Namenode_Edit()
        rename.caller.user = "hdfs"
        var move = Rfs_Namenode_Rename()
        move.source = "/d6"
        move.destination = "/moved"
        rename.operation = .rename(move)
        try await Self.proposeOnLeader(of: rest, rename)
        try await Self.propose(60, named: "g", on: rest)
        let behind = cut.engine.raft!.status.lastIndex
        try await Self.compact(rest, past: behind + 20, until: "the others compacted past the cut-off member")

        // Reachable again: the snapshot replaces its namespace under its running readers.
        var registry = RPCServiceRegistry()
        cut.engine.raft!.register(into: &registry)
        cut.server = try await RPCServer.start(host: "127.0.0.1", port: ports[Int(cut.id) - 1], registry: registry,
                                               group: MultiThreadedEventLoopGroup.singleton, logger: Self.logger)
        try await RaftNodeTests.waitUntil("the member installed the snapshot", timeout: .seconds(60)) {
            cut.engine.raft!.compactedIndex > behind + 20 && (try? cut.engine.reads.fileInfo("/g59", caller: caller)) != nil
        }
        #expect(try cut.engine.reads.fileInfo("/d5", caller: caller) == nil)
        #expect(try cut.engine.reads.fileInfo("/d6", caller: caller) == nil)
        #expect(try cut.engine.reads.fileInfo("/moved", caller: caller) != nil)
        try await Self.proposeOnLeader(of: members, NamespaceEngineTests.mkdirs("/after-the-snapshot"))
        try await RaftNodeTests.waitUntil("the member applies edits after the snapshot", timeout: .seconds(60)) {
            (try? cut.engine.reads.fileInfo("/after-the-snapshot", caller: caller)) != nil
        }
        #expect(try cut.engine.reads.listing("/", startAfter: [], limit: 1000, caller: caller)?.entries.count == 160)
        for member in members { try await Self.stop(member) }
    }
}

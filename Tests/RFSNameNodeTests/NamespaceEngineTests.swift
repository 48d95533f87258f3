import Foundation
import Logging
import RFSNamespace
@testable import RFSNameNode
import RFSProtocol
import RFSRaft
import Testing

/// The namespace engine on real files: WAL (group commit, fsync) and LevelDB in a temporary
/// directory, edits proposed concurrently as RPC handlers do.
@Suite("Namespace engine (WAL + LevelDB)", .serialized)
struct NamespaceEngineTests {
    static func format() -> Rfs_Namenode_Format {
        Rfs_Namenode_Format(namespaceID: 7, clusterID: "CID-engine-test", blockPoolID: "BP-engine-test",
                            superuser: "hdfs", supergroup: "supergroup")
    }

    static func mkdirs(_ path: String) -> Rfs_Namenode_Edit {
        var op = Rfs_Namenode_Mkdirs()
        op.path = path
        op.permission = 0o755
        op.createParent = true
        var edit = Rfs_Namenode_Edit()
        edit.timeMs = 1_700_000_000_000
        edit.caller.user = "hdfs"
        edit.operation = .mkdirs(op)
        return edit
    }

    static func temporaryDirectory() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("rfs-engine-\(UUID().uuidString)").path
    }

    @Test("concurrent proposals are all applied, share fsyncs, and survive a restart")
    func groupCommitAndRestart() async throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let logger = Logger(label: "test.engine")
        let engine = try await NamespaceEngine.open(directory: directory, configuration: NamespaceConfiguration(),
                                                    format: Self.format(), logger: logger)
        let fsyncsBefore = engine.wal.stats.fsyncs
        let proposals = 64 * 10
        try await withThrowingTaskGroup(of: Void.self) { group in
            for client in 0..<64 {
                group.addTask {
                    for n in 0..<10 {
                        let result = try await engine.propose(Self.mkdirs("/c\(client)/d\(n)"))
                        guard case .success(.flag(true)) = result.outcome else {
                            Issue.record("mkdirs failed: \(result.outcome)")
                            return
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        let fsyncs = engine.wal.stats.fsyncs - fsyncsBefore
        // Group commit: concurrent edits share fsyncs. Counting, not timing, decides this.
        #expect(fsyncs < UInt64(proposals))
        #expect(engine.lastAppliedIndex == engine.wal.lastIndex)
        let applied = engine.lastAppliedIndex
        try await engine.close()

        let reopened = try await NamespaceEngine.open(directory: directory, configuration: NamespaceConfiguration(),
                                                      format: Self.format(), logger: logger)
        #expect(reopened.lastAppliedIndex == applied)
        let caller = Caller(user: "hdfs", groups: [])
        #expect(try reopened.reads.listing("/", startAfter: [], limit: 1000, caller: caller)?.entries.count == 64)
        #expect(try reopened.reads.fileInfo("/c63/d9", caller: caller)?.kind == .inodeDirectory)
        #expect(try reopened.reads.counters()?.clusterID == "CID-engine-test")
        // The root's quota counter saw every edit of every batch: itself, 64 + 640 directories.
        #expect(try reopened.reads.quotaUsage("/", caller: caller).fileAndDirectoryCount == 1 + 64 + 640)
        try await reopened.close()
    }

    @Test("a second engine on the same directory is refused while the first runs")
    func exclusive() async throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let engine = try await NamespaceEngine.open(directory: directory, configuration: NamespaceConfiguration(),
                                                    format: Self.format(), logger: Logger(label: "test.engine"))
        await #expect(throws: (any Error).self) {
            _ = try await NamespaceEngine.open(directory: directory, configuration: NamespaceConfiguration(),
                                               format: Self.format(), logger: Logger(label: "test.engine"))
        }
        try await engine.close()
    }

    @Test("edits in the WAL but not in LevelDB are replayed at open")
    func replay() async throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let logger = Logger(label: "test.engine")
        let engine = try await NamespaceEngine.open(directory: directory, configuration: NamespaceConfiguration(),
                                                    format: Self.format(), logger: logger)
        for n in 0..<5 { _ = try await engine.propose(Self.mkdirs("/kept\(n)")) }
        let lastIndex = engine.wal.lastIndex
        try await engine.close()
        // Roll LevelDB's applied index back, as a crash that lost its unsynced writes would:
        // the WAL still has the edits, so reopening must apply them again.
        try rewindAppliedIndex(directory: directory, to: 1)
        let reopened = try await NamespaceEngine.open(directory: directory, configuration: NamespaceConfiguration(),
                                                      format: Self.format(), logger: logger)
        #expect(reopened.lastAppliedIndex == lastIndex)
        #expect(try reopened.reads.fileInfo("/kept4", caller: Caller(user: "hdfs", groups: [])) != nil)
        try await reopened.close()
    }

    struct WALLost: Error {}

    /// An applier on a fresh store, driven by hand as the WAL drives it (file, take, durable).
    final class ApplierFixture {
        let directory = NamespaceEngineTests.temporaryDirectory()
        let store: LevelDBStore
        let applier: Applier
        let reads: NamespaceReads

        init() throws {
            store = try LevelDBStore(path: directory, options: .creatingIfMissing)
            applier = Applier(store: store, machine: NamespaceStateMachine(configuration: NamespaceConfiguration()),
                              lastAppliedIndex: 0, logger: Logger(label: "test.applier"))
            reads = NamespaceReads(reader: StoreReader(store), configuration: NamespaceConfiguration())
        }

        deinit {
            applier.thread.stop()
            store.close()
            try? FileManager.default.removeItem(atPath: directory)
        }

        /// Files `edit` at `index`, as a proposal the WAL has just numbered.
        func propose(_ edit: Rfs_Namenode_Edit, at index: UInt64) -> Task<EditResult, any Error> {
            let applier = applier
            return Task { try await withCheckedThrowingContinuation { applier.enqueue(index: index, edit: edit, continuation: $0) } }
        }

        /// The format edit, filed at index 1.
        func format() -> Task<EditResult, any Error> {
            propose(Self.formatEdit, at: 1)
        }

        static var formatEdit: Rfs_Namenode_Edit {
            var format = Rfs_Namenode_Edit()
            format.caller.user = "hdfs"
            format.operation = .format(NamespaceEngineTests.format())
            return format
        }

        /// A committed Raft entry carrying `edit`.
        func entry(_ edit: Rfs_Namenode_Edit, index: UInt64, term: UInt64) throws -> RaftEntry {
            RaftEntry(term: term, index: index, data: try edit.serializedBytes())
        }

        /// A Raft proposer of a mkdirs of `path` whose entry got `index` in `term`.
        func expect(_ path: String, index: UInt64, term: UInt64) -> Task<EditResult, any Error> {
            let applier = applier, edit = NamespaceEngineTests.mkdirs(path)
            return Task { try await withCheckedThrowingContinuation { applier.expect(index: index, term: term, edit: edit, continuation: $0) } }
        }

        func exists(_ path: String) throws -> Bool {
            try reads.fileInfo(path, caller: Caller(user: "hdfs", groups: [])) != nil
        }

        /// Waits until `count` Raft proposers are filed (each files from a task of its own).
        func waitForProposers(_ count: Int) async throws {
            while applier.expectedCount < count { try await Task.sleep(for: .milliseconds(2)) }
        }
    }

    @Test("a group applied during its fsync is written and answered only once durable; a WAL failure drops it unwritten")
    func heldUntilDurable() async throws {
        let fixture = try ApplierFixture()
        let applier = fixture.applier
        let formatted = fixture.format()
        let made = fixture.propose(Self.mkdirs("/held"), at: 2)
        // Filed, then taken by the writer: applied in memory, but neither written nor answered
        // however long the fsync takes (the waits only give the apply thread time to run).
        try await Task.sleep(for: .milliseconds(50))
        applier.markTaken(through: 2)
        try await Task.sleep(for: .milliseconds(200))
        #expect(applier.lastAppliedIndex == 0)
        #expect(try fixture.reads.counters() == nil)
        // Durable: written, then answered.
        applier.markDurable(through: 2)
        applier.thread.signal()
        guard case .success = try await formatted.value.outcome, case .success(.flag(true)) = try await made.value.outcome else {
            Issue.record("the held edits failed")
            return
        }
        #expect(applier.lastAppliedIndex == 2)
        #expect(try fixture.exists("/held"))

        // Taken, then the WAL fails before the fsync ends: the proposer hears the failure and
        // the store never sees the edit.
        let lost = fixture.propose(Self.mkdirs("/lost"), at: 3)
        try await Task.sleep(for: .milliseconds(50))
        applier.markTaken(through: 3)
        try await Task.sleep(for: .milliseconds(200))
        applier.walFailed(from: 3, WALLost())
        await #expect(throws: WALLost.self) { try await lost.value }
        #expect(applier.lastAppliedIndex == 2)
        #expect(try !fixture.exists("/lost"))
    }

    @Test("a Raft proposer is answered when its entry commits, and told its proposal was dropped when another term's entry took the index",
          .timeLimit(.minutes(1)))
    func raftProposersAnsweredOrDropped() async throws {
        let fixture = try ApplierFixture()
        let applier = fixture.applier
        let format = ApplierFixture.formatEdit
        // This member, leading in term 2, proposed /kept at 2 and /replaced at 3; a new leader's
        // term-3 entry took index 3 (/theirs), and came with the entries of another member's
        // proposals (the format at 1).
        let kept = fixture.expect("/kept", index: 2, term: 2)
        let replaced = fixture.expect("/replaced", index: 3, term: 2)
        try await fixture.waitForProposers(2)
        applier.enqueueCommitted([try fixture.entry(format, index: 1, term: 1), try fixture.entry(Self.mkdirs("/kept"), index: 2, term: 2),
                                  try fixture.entry(Self.mkdirs("/theirs"), index: 3, term: 3)])
        guard case .success(.flag(true)) = try await kept.value.outcome else {
            Issue.record("the committed proposal was not answered as done")
            return
        }
        await #expect(throws: RaftNode.ProposalError.dropped(index: 3)) { try await replaced.value }
        await applier.waitUntilApplied()
        #expect(applier.lastAppliedIndex == 3)
        #expect(try fixture.exists("/kept"))
        #expect(try fixture.exists("/theirs"))
        #expect(try !fixture.exists("/replaced"))
        // Entries already applied (a restart hands them over again) are skipped.
        applier.enqueueCommitted([try fixture.entry(Self.mkdirs("/again"), index: 3, term: 3)])
        await applier.waitUntilApplied()
        #expect(try !fixture.exists("/again"))
    }

    // Before, the later proposer replaced the earlier one: that one was never answered.
    @Test("proposers at one index in two terms (a leader whose log was cut back): the one whose entry commits is answered, the other dropped",
          .timeLimit(.minutes(1)))
    func raftProposersAtOneIndexInTwoTerms() async throws {
        let fixture = try ApplierFixture()
        let applier = fixture.applier
        let format = ApplierFixture.formatEdit
        // Term 2: proposed at 2, 3 and 4; cut back to 1, then leading again in term 4: proposed
        // at 2 again (lower than what waits), and at 4 in term 5.
        let first = fixture.expect("/first", index: 2, term: 2)
        let second = fixture.expect("/second", index: 3, term: 2)
        let third = fixture.expect("/third", index: 4, term: 2)
        try await fixture.waitForProposers(3)
        let again = fixture.expect("/again", index: 2, term: 4)
        let later = fixture.expect("/later", index: 4, term: 5)
        try await fixture.waitForProposers(5)
        // Term 2's entry at 2 committed after all (another member held it); 3 and 4 are other terms'.
        applier.enqueueCommitted([try fixture.entry(format, index: 1, term: 1), try fixture.entry(Self.mkdirs("/first"), index: 2, term: 2),
                                  try fixture.entry(Self.mkdirs("/other"), index: 3, term: 3), try fixture.entry(Self.mkdirs("/later"), index: 4, term: 5)])
        for (task, name) in [(first, "/first"), (later, "/later")] {
            guard case .success(.flag(true)) = try await task.value.outcome else {
                Issue.record("\(name) was not answered as done")
                continue
            }
        }
        await #expect(throws: RaftNode.ProposalError.dropped(index: 2)) { try await again.value }
        await #expect(throws: RaftNode.ProposalError.dropped(index: 3)) { try await second.value }
        await #expect(throws: RaftNode.ProposalError.dropped(index: 4)) { try await third.value }
        await applier.waitUntilApplied()
        #expect(try fixture.exists("/first") && fixture.exists("/other") && fixture.exists("/later"))
        #expect(try !fixture.exists("/again") && !fixture.exists("/second") && !fixture.exists("/third"))
    }

    @Test("proposers of entries a snapshot covered hear that their outcome is not known here; later ones still wait",
          .timeLimit(.minutes(1)))
    func raftProposersCoveredByASnapshot() async throws {
        let fixture = try ApplierFixture()
        let applier = fixture.applier
        // A deposed leader's proposals at 4 and 6; the new leader's snapshot through 5 arrives.
        let covered = fixture.expect("/covered", index: 4, term: 2)
        let after = fixture.expect("/after", index: 6, term: 2)
        try await fixture.waitForProposers(2)
        applier.snapshotInstalled(through: 5)
        await #expect(throws: RaftNode.ProposalError.outcomeUnknown(index: 4)) { try await covered.value }
        #expect(applier.expectedCount == 1)
        #expect(applier.lastAppliedIndex == 5)
        applier.failWaiting(RaftNode.ProposalError.stopped)
        await #expect(throws: RaftNode.ProposalError.stopped) { try await after.value }
    }

    @Test("a WAL failure fails the appends from the failed one on; a durable group before it is still applied and answered")
    func walFailureAfterADurableGroup() async throws {
        let fixture = try ApplierFixture()
        let applier = fixture.applier
        let formatted = fixture.format()
        let durable = fixture.propose(Self.mkdirs("/durable"), at: 2)
        let failed = fixture.propose(Self.mkdirs("/failed"), at: 3)
        try await Task.sleep(for: .milliseconds(50))
        // Group 1-2 taken and made durable; group 3 taken, and its write fails, all before the
        // apply thread has necessarily run (it is woken by the writer's batch observer).
        applier.markTaken(through: 2)
        applier.markDurable(through: 2)
        applier.markTaken(through: 3)
        applier.walFailed(from: 3, WALLost())
        applier.thread.signal()
        _ = try await formatted.value
        guard case .success(.flag(true)) = try await durable.value.outcome else {
            Issue.record("the durable mkdirs was not answered as done")
            return
        }
        await #expect(throws: WALLost.self) { try await failed.value }
        #expect(applier.lastAppliedIndex == 2)
        #expect(try fixture.exists("/durable"))
        #expect(try !fixture.exists("/failed"))
        // A later proposal filed at a failed index hears the failure at once.
        await #expect(throws: WALLost.self) { try await fixture.propose(Self.mkdirs("/after"), at: 4).value }
    }
}

import RFSKeyValue

/// Sets the store's last applied index back and removes what the later edits created, so the
/// store looks as it did after edit `index`.
func rewindAppliedIndex(directory: String, to index: UInt64) throws {
    let store = try LevelDBStore(path: directory + "/namespace", options: LevelDBOptions())
    defer { store.close() }
    var batch = WriteBatch()
    for pair in try store.scan() where pair.key != StoreKeys.counters {
        // Keep only the root inode (format's work); everything else came from later edits.
        if pair.key != StoreKeys.inode(NamespaceStateMachine.rootInodeID) { batch.delete(pair.key) }
    }
    var counters = try Rfs_Namenode_NamespaceCounters(serializedBytes: try store.get(StoreKeys.counters)!)
    counters.lastAppliedIndex = index
    counters.lastInodeID = NamespaceStateMachine.rootInodeID
    batch.put(StoreKeys.counters, try counters.serializedBytes())
    var root = try Rfs_Namenode_InodeRecord(serializedBytes: try store.get(StoreKeys.inode(NamespaceStateMachine.rootInodeID))!)
    root.childCount = 0
    batch.put(StoreKeys.inode(NamespaceStateMachine.rootInodeID), try root.serializedBytes())
    try store.write(batch, sync: true)
}

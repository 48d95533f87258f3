import Foundation
import Logging
import RFSKeyValue
import RFSNamespace
import NIOCore
import RFSModel
import RFSProtocol
import RFSRaft
import RFSWAL
import Synchronization

/// Where the namespace's edits go and how they become state: every mutation is appended to
/// the edit log, then applied in index order by the namespace state machine into one LevelDB
/// WriteBatch per applied batch, which also records the last applied index. A proposer hears
/// its result only after both.
///
/// The edit log is either this namenode's own WAL (group commit: concurrent proposers share
/// one fsync) or, with HA, the Raft group's log (`RaftNode`, whose WAL is the same format with
/// terms): there an edit applies on every member once a majority holds it.
///
/// Restart = open LevelDB, then replay the log from the last applied index + 1.
public final class NamespaceEngine: Sendable {
    enum EditLog: Sendable {
        case local(WriteAheadLog)
        case replicated(RaftNode)
    }

    public let store: LevelDBStore
    let log: EditLog
    let machine: NamespaceStateMachine
    private let applier: Applier
    private let logger: Logger

    /// Ids the proposer hands out before appending (block ids, generation stamps), kept
    /// above every id the store has seen.
    private let idCounters: Mutex<(blockID: UInt64, generationStamp: UInt64)>
    /// The applied index at the last checkpoint (see `checkpoint()`).
    private let checkpointState = Mutex<UInt64>(0)

    /// Reads of the committed store, through the cache the applier keeps in step with it.
    public var reads: NamespaceReads {
        NamespaceReads(reader: StoreReader(store), configuration: machine.configuration, cache: applier.readCache)
    }

    public var lastAppliedIndex: UInt64 { applier.lastAppliedIndex }

    /// The WAL behind the edit log: this namenode's own, or its Raft member's.
    var wal: WriteAheadLog {
        switch log {
        case .local(let wal): wal
        case .replicated(let node): node.wal
        }
    }

    /// The Raft member behind the edit log, with HA; nil for a single namenode.
    public var raft: RaftNode? {
        if case .replicated(let node) = log { return node }
        return nil
    }

    /// What runs after a snapshot from the leader replaced the namespace (with HA, on a member
    /// that was behind the compacted log): the namenode rebuilds what it derives from it.
    public func onSnapshotInstalled(_ observer: @escaping @Sendable () -> Void) {
        applier.setSnapshotObserver(observer)
    }

    /// What runs after every applied batch, on the apply thread, before any proposer of it
    /// resumes: the namenode keeps leases and the block map in step there, on every member.
    public func onApplied(_ observer: @escaping @Sendable ([AppliedEdit]) -> Void) {
        applier.setObserver(observer)
    }

    /// Opens (and on first start formats) the namespace under `directory`: `directory/wal`
    /// holds the edit log, `directory/namespace` the LevelDB store.
    public static func open(directory: String, configuration: NamespaceConfiguration, format: Rfs_Namenode_Format,
                            logger: Logger) async throws -> NamespaceEngine {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var options = LevelDBOptions.creatingIfMissing
        options.blockCacheBytes = 64 << 20
        let store = try LevelDBStore(path: directory + "/namespace", options: options)
        let wal = try WriteAheadLog.open(directory: directory + "/wal", options: WALOptions(), logger: logger)
        let machine = NamespaceStateMachine(configuration: configuration)
        let reads = NamespaceReads(reader: StoreReader(store), configuration: configuration)
        let counters = try reads.counters()
        let applied = counters?.lastAppliedIndex ?? 0
        let applier = Applier(store: store, machine: machine, lastAppliedIndex: applied, logger: logger)
        let engine = NamespaceEngine(store: store, log: .local(wal), machine: machine, applier: applier, logger: logger,
                                     counters: counters)
        // The writer thread only signals: applying runs on its own thread. A group is applied
        // in memory once the writer takes it (during its fsync) and written and answered once
        // it is durable; the next group's fsync overlaps that.
        wal.onBatchTaken { range in applier.markTaken(through: range.upperBound) }
        wal.onBatchDurable { applier.thread.signal() }
        if applied > wal.lastIndex {
            // The store holds edits the WAL no longer has (its tail was cut or lost after they
            // were applied and the store synced). They are safe in the store; fill the gap with
            // empty records so new edits continue after them rather than reuse their indexes.
            logger.warning("the WAL ends before the namespace store's last applied edit; continuing after it",
                           metadata: ["walLastIndex": "\(wal.lastIndex)", "storeApplied": "\(applied)"])
            let filler: [UInt8] = try Rfs_Namenode_Edit().serializedBytes()
            _ = try await wal.append(Array(repeating: filler, count: Int(applied - wal.lastIndex)), term: 0)
        }
        try engine.replay(wal, after: applied)
        if try engine.reads.counters() == nil {
            var edit = Rfs_Namenode_Edit()
            edit.timeMs = UInt64(Date().timeIntervalSince1970 * 1000)
            edit.caller.user = format.superuser
            edit.operation = .format(format)
            let result = try await engine.propose(edit)
            if case .failure(let rejection) = result.outcome { throw rejection }
            logger.info("namespace formatted", metadata: ["directory": "\(directory)", "cluster": "\(format.clusterID)"])
        }
        return engine
    }

    /// Opens the namespace of one member of a Raft group under `directory` (`directory/raft`
    /// holds the group's log and hard state, `directory/namespace` the store). A new group's
    /// first entry is `format`, written by every member alike (so it must be the same edit on
    /// each: derived from the shared configuration) and applied here at once, so the namespace
    /// is formatted before the member first hears from its peers. Replication starts with
    /// `startReplication`, once the namenode follows what is applied (`onApplied`).
    public static func openReplicated(directory: String, configuration: NamespaceConfiguration, format: Rfs_Namenode_Edit,
                                      raft: RaftConfiguration, peers: [RaftNode.Peer], group: EventLoopGroup,
                                      logger: Logger) async throws -> NamespaceEngine {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var options = LevelDBOptions.creatingIfMissing
        options.blockCacheBytes = 64 << 20
        let layout = NamespaceDirectory(root: directory)
        let storePath = try layout.currentStore()
        layout.removeStores(except: storePath, logger: logger)
        let store = try LevelDBStore(path: storePath, options: options)
        let machine = NamespaceStateMachine(configuration: configuration)
        var counters = try NamespaceReads(reader: StoreReader(store), configuration: configuration).counters()
        let applier = Applier(store: store, machine: machine, lastAppliedIndex: counters?.lastAppliedIndex ?? 0, logger: logger)
        if counters == nil {
            _ = try applier.applyBatch([(1, format)])
            counters = try NamespaceReads(reader: StoreReader(store), configuration: configuration).counters()
        }
        let bootstrap = RaftEntry(term: 1, index: 1, data: try format.serializedBytes())
        let node = try await RaftNode(configuration: raft, peers: peers, directory: directory + "/raft",
                                      stateMachine: CommittedEdits(applier: applier, store: store, directory: layout, logger: logger),
                                      appliedIndex: applier.lastAppliedIndex,
                                      installedSnapshot: try layout.snapshotPoint(ofStore: storePath),
                                      bootstrap: [bootstrap], group: group, logger: logger)
        // A CompactLog entry applied here: make the store durable through it, then drop the log.
        applier.setCompactionHandler { through in
            do {
                try store.sync()
            } catch {
                logger.error("syncing the namespace store before compacting the log failed; the log is kept",
                             metadata: ["error": "\(error)"])
                return
            }
            Task { await node.compactLog(through: through) }
        }
        return NamespaceEngine(store: store, log: .replicated(node), machine: machine, applier: applier, logger: logger,
                               counters: counters)
    }

    /// With HA, on the active: proposes dropping the log through the newest index every
    /// member holds (and that is committed and applied here), when that is at least
    /// `minimumEntries` past the last compaction. Members apply it in log order; each then
    /// syncs its store and drops its log through that index. A member that is down holds
    /// compaction back only while it lags by less than `minimumEntries`: past that, the log
    /// is dropped through what the live members hold, and the member, once back, is streamed
    /// a snapshot of the namespace instead (so a standby down for days does not make the
    /// log grow without bound).
    public func proposeLogCompaction(minimumEntries: UInt64) async {
        guard let node = raft else { return }
        let status = node.status
        guard status.role == .leader, status.replication.count > 1 else { return }
        let everyoneHas = status.replication.values.map(\.match).min() ?? 0
        let liveHave = status.replication.values.filter(\.recentlyActive).map(\.match).min() ?? everyoneHas
        let held = liveHave > everyoneHas + minimumEntries ? liveHave : everyoneHas
        let through = min(held, status.commitIndex, lastAppliedIndex)
        let compacted = node.compactedIndex
        guard through >= compacted + minimumEntries else { return }
        var edit = Rfs_Namenode_Edit()
        edit.timeMs = UInt64(Date().timeIntervalSince1970 * 1000)
        edit.caller.user = "namenode"
        var op = Rfs_Namenode_CompactLog()
        op.throughIndex = through
        edit.operation = .compactLog(op)
        do {
            _ = try await propose(edit)
            logger.info("log compaction proposed", metadata: ["through": "\(through)", "previous": "\(compacted)"])
        } catch {
            logger.warning("log compaction not proposed", metadata: ["error": "\(error)"])
        }
    }

    /// Starts the Raft member's clock: from now on it elects, replicates and applies.
    public func startReplication(tick: Duration) async {
        await raft?.start(tick: tick)
    }

    /// Raises the id counters to what the store has applied: a new leader calls it before
    /// handing out ids, since the previous leader's edits raised them on its own counters.
    public func catchUpIDCounters() throws {
        guard let counters = try reads.counters() else { return }
        idCounters.withLock { $0 = (max($0.blockID, counters.lastBlockID), max($0.generationStamp, counters.lastGenerationStamp)) }
    }

    private init(store: LevelDBStore, log: EditLog, machine: NamespaceStateMachine, applier: Applier,
                 logger: Logger, counters: Rfs_Namenode_NamespaceCounters?) {
        self.store = store
        self.log = log
        self.machine = machine
        self.applier = applier
        self.logger = logger
        self.idCounters = Mutex((counters?.lastBlockID ?? 0, counters?.lastGenerationStamp ?? 0))
    }

    /// Applies WAL records past the store's last applied index, in batches.
    private func replay(_ wal: WriteAheadLog, after applied: UInt64) throws {
        var next = applied + 1
        var replayed = 0
        while next <= wal.lastIndex {
            let records = try wal.read(from: next, maxCount: 1024)
            guard !records.isEmpty else { break }
            var edits: [(UInt64, Rfs_Namenode_Edit)] = []
            for record in records {
                edits.append((record.index, try Rfs_Namenode_Edit(serializedBytes: record.payload)))
            }
            _ = try applier.applyBatch(edits)
            replayed += records.count
            next = records.last!.index + 1
        }
        try catchUpIDCounters()
        logger.info("namespace opened", metadata: ["replayed": "\(replayed)", "lastApplied": "\(applier.lastAppliedIndex)",
                                                   "walLastIndex": "\(wal.lastIndex)"])
    }

    /// Makes `edit` durable, applies it, and returns its result. The proposer suspends once:
    /// the WAL's writer thread hands each durable edit to the applier and, after the group
    /// commit, applies the whole batch in one LevelDB write and resumes every proposer of it.
    ///
    /// With Raft, the edit applies once a majority of the group holds it; a proposer whose
    /// entry a new leader replaced hears `RaftNode.ProposalError.dropped` (it never took effect).
    public func propose(_ edit: Rfs_Namenode_Edit) async throws -> EditResult {
        let payload: [UInt8] = try edit.serializedBytes()
        let applier = applier
        switch log {
        case .local(let wal):
            return try await withCheckedThrowingContinuation { continuation in
                // Filed with the applier as soon as the WAL numbers it; answered by the applier
                // once durable. An append refused at once was never filed: answered here.
                let filed = FiledIndex()
                wal.append([payload], term: 0, assigned: { range in
                    filed.index = range.lowerBound
                    applier.enqueue(index: range.lowerBound, edit: edit, continuation: continuation)
                }) { result in
                    switch result {
                    case .success(let range): applier.markDurable(through: range.upperBound)
                    case .failure(let error):
                        // After it was filed, a failure is the WAL's: it fails this append and
                        // every later one, while the durable ones before it still apply.
                        if let index = filed.index { applier.walFailed(from: index, error) } else { continuation.resume(throwing: error) }
                    }
                }
            }
        case .replicated(let node):
            return try await withCheckedThrowingContinuation { continuation in
                node.submit(payload) { accepted in
                    switch accepted {
                    case .success(let entry): applier.expect(index: entry.index, term: entry.term, edit: edit, continuation: continuation)
                    case .failure(let error): continuation.resume(throwing: error)
                    }
                }
            }
        }
    }

    /// A fresh block id and generation stamp for addBlock.
    public func allocateBlock() -> (id: UInt64, generationStamp: UInt64) {
        idCounters.withLock {
            $0.blockID += 1
            $0.generationStamp += 1
            return ($0.blockID, $0.generationStamp)
        }
    }

    public func allocateGenerationStamp() -> UInt64 {
        idCounters.withLock {
            $0.generationStamp += 1
            return $0.generationStamp
        }
    }

    /// Makes LevelDB durable and drops WAL segments it no longer needs. The WAL is cut only
    /// through the index applied at the *previous* checkpoint: LevelDB's sync covers its current
    /// log, and a log it has just rotated away from is written to a (synced) table file within
    /// moments, so one checkpoint interval of slack keeps every dropped edit in a synced file.
    ///
    /// With Raft the log is kept whole for now: a member that fell behind a compacted log would
    /// need the store streamed to it (InstallSnapshot), which the shell does not do yet.
    public func checkpoint() throws {
        let applied = applier.lastAppliedIndex
        try store.sync()
        guard case .local(let wal) = log else { return }
        let safe = checkpointState.withLock { previous -> UInt64 in
            let through = previous
            previous = applied
            return through
        }
        if safe > wal.firstIndex { try wal.compactPrefix(through: safe) }
    }

    public func close() async throws {
        switch log {
        case .local(let wal): wal.close()
        case .replicated(let node): await node.stop()
        }
        applier.thread.stop()
        applier.failHeld(RaftNode.ProposalError.stopped)
        applier.failWaiting(RaftNode.ProposalError.stopped)
        try store.sync()
        store.close()
    }
}

/// Applies edits in index order, on the apply thread. A local proposal is filed here when the
/// WAL numbers it; when the WAL's writer takes a group, the group is applied in memory (during
/// its fsync), and once it is durable its one LevelDB write is made and its proposers resumed
/// with their results. Raft's committed entries are applied and written at once.
final class Applier: Sendable {
    typealias WaitingEdit = Waiting

    struct Waiting {
        var edit: Rfs_Namenode_Edit
        /// Nil for an edit proposed on another member (a Raft proposer here moves in from
        /// `expected` when its entry commits).
        var continuation: CheckedContinuation<EditResult, any Error>?
    }

    private struct State {
        var lastAppliedIndex: UInt64
        var waiting: [UInt64: Waiting] = [:]
        /// Raft proposers, by the index their entry got (ascending), with its term. When the
        /// entry at that index commits, the proposer of its term moves to `waiting` with its
        /// edit; any other there hears that another term's entry took the index. There can be
        /// more than one per index: a leader whose log was cut back proposes at an index again
        /// in a later term, while the earlier entry may still commit (another member holds it).
        var expected = CircularBuffer<ExpectedProposal>()
        var observer: (@Sendable ([AppliedEdit]) -> Void)?
        /// Runs after a snapshot replaced the store (see `NamespaceEngine.onSnapshotInstalled`).
        var snapshotObserver: (@Sendable () -> Void)?
        /// The last index handed to `enqueueCommitted` (what "applied everything" means).
        var lastEnqueuedIndex: UInt64 = 0
        /// Edits through this index may be applied in memory (the WAL's writer has taken
        /// them; with Raft, they are committed).
        var preparableThrough: UInt64
        /// Edits through this index may be written to the store and answered (durable; with
        /// Raft, committed and durable here).
        var committableThrough: UInt64
        var compactionHandler: (@Sendable (UInt64) -> Void)?
        /// Set when the store failed: nothing after it can be applied, every later edit fails.
        var failure: (any Error)?
        /// The WAL failed the append at this index (and fails every later one): edits before
        /// it are durable and are still applied; from it on, proposers hear `walFailure`.
        var walFailedFrom: UInt64?
        var walFailure: (any Error)?
    }

    private let state: Mutex<State>
    private let store: LevelDBStore
    private let machine: NamespaceStateMachine
    private let logger: Logger
    /// Inode records decoded from the store, kept across batches (apply thread only).
    private let committedInodes = CommittedInodeCache()
    /// The readers' cache of the store: every batch's changes go into it after the batch is
    /// written and before its proposers resume.
    let readCache = CommittedReadCache()

    /// Where `drain` runs: woken by the WAL when it takes a group and after its fsync.
    let thread: SignalledThread
    /// The batch applied in memory and waiting for its fsync (apply thread only).
    private let held = PreparedHolder()

    init(store: LevelDBStore, machine: NamespaceStateMachine, lastAppliedIndex: UInt64, logger: Logger) {
        self.state = Mutex(State(lastAppliedIndex: lastAppliedIndex, preparableThrough: lastAppliedIndex,
                                 committableThrough: lastAppliedIndex))
        self.store = store
        self.machine = machine
        self.logger = logger
        let box = WeakApplier()
        thread = SignalledThread(name: "rfs-apply") { box.applier?.drain() }
        box.applier = self
    }

    var lastAppliedIndex: UInt64 { state.withLock { $0.lastAppliedIndex } }

    func setObserver(_ observer: @escaping @Sendable ([AppliedEdit]) -> Void) {
        state.withLock { $0.observer = observer }
    }

    /// What runs (on the apply thread) when a CompactLog edit has been applied.
    func setCompactionHandler(_ handler: @escaping @Sendable (UInt64) -> Void) {
        state.withLock { $0.compactionHandler = handler }
    }

    /// Entries the Raft group committed, in index order: applied by the apply thread.
    /// Those already in the store (a restart replays from the log's commit) are skipped; a
    /// no-op, a membership change or an undecodable entry applies as an empty edit, which
    /// changes nothing but the applied index.
    func enqueueCommitted(_ entries: [RaftEntry]) {
        // One pass under the lock: the leader's own proposals wait here with their edits and
        // become waiting edits at once (no decoding, no second lookup when they apply); only
        // entries proposed elsewhere are decoded, outside the lock, and added after.
        var replaced: [(UInt64, CheckedContinuation<EditResult, any Error>)] = []
        let foreign: [RaftEntry] = state.withLock { state in
            guard state.failure == nil else { return [] }
            var foreign: [RaftEntry] = []
            for entry in entries where entry.index > state.lastAppliedIndex {
                var mine: ExpectedProposal?
                // A proposer below this entry's index was replaced there: each index is handed
                // over once, in order, and a proposal always gets an index above the commit
                // (a snapshot, which skips indexes, settles the proposers it covers).
                while let first = state.expected.first, first.index <= entry.index {
                    let proposer = state.expected.removeFirst()
                    if proposer.index == entry.index && proposer.term == entry.term { mine = proposer } else { replaced.append((proposer.index, proposer.continuation)) }
                }
                if let mine {
                    state.waiting[entry.index] = Waiting(edit: mine.edit, continuation: mine.continuation)
                } else {
                    foreign.append(entry)
                }
            }
            if foreign.isEmpty, let last = entries.last { markCommitted(through: last.index, &state) }
            return foreign
        }
        // Another term's entry took the index: the proposal never took effect.
        for (index, continuation) in replaced { continuation.resume(throwing: RaftNode.ProposalError.dropped(index: index)) }
        if !foreign.isEmpty {
            let decoded: [(UInt64, Rfs_Namenode_Edit)] = foreign.map { entry in
                guard entry.kind == .normal && !entry.data.isEmpty else { return (entry.index, Rfs_Namenode_Edit()) }
                do {
                    return (entry.index, try Rfs_Namenode_Edit(serializedBytes: entry.data))
                } catch {
                    logger.error("a committed entry is not an edit; applied as a no-op", metadata: ["index": "\(entry.index)", "error": "\(error)"])
                    return (entry.index, Rfs_Namenode_Edit())
                }
            }
            state.withLock { state in
                guard state.failure == nil else { return }
                for (index, edit) in decoded { state.waiting[index] = Waiting(edit: edit, continuation: nil) }
                if let last = entries.last { markCommitted(through: last.index, &state) }
            }
        }
        thread.signal()
    }

    /// Committed entries through `index` are handed over; they are durable here already, so
    /// they are applied and answered at once.
    private func markCommitted(through index: UInt64, _ state: inout State) {
        guard index > state.lastAppliedIndex else { return }
        state.lastEnqueuedIndex = max(state.lastEnqueuedIndex, index)
        state.preparableThrough = max(state.preparableThrough, state.lastEnqueuedIndex)
        state.committableThrough = max(state.committableThrough, state.lastEnqueuedIndex)
    }

    /// Waits until every entry handed over has been applied (or the store failed).
    func waitUntilApplied() async {
        while state.withLock({ $0.failure == nil && $0.lastAppliedIndex < $0.lastEnqueuedIndex }) {
            try? await Task.sleep(for: .milliseconds(1))
        }
    }

    /// The store now holds a snapshot through `index` (the apply thread is idle: the Raft
    /// member hands over nothing while it installs one): forget what was cached of the old
    /// store, continue after `index`, and tell the namenode.
    func snapshotInstalled(through index: UInt64) {
        committedInodes.removeAll()
        readCache.removeAll()
        var covered: [ExpectedProposal] = []
        let observer = state.withLock { state in
            // Proposers of entries the snapshot covers: those entries are never handed over
            // here, so whether each took effect is not known on this member (a deposed
            // leader's entry may have committed through another member).
            while let first = state.expected.first, first.index <= index { covered.append(state.expected.removeFirst()) }
            state.lastAppliedIndex = index
            state.lastEnqueuedIndex = index
            state.preparableThrough = index
            state.committableThrough = index
            return state.snapshotObserver
        }
        for proposer in covered { proposer.continuation.resume(throwing: RaftNode.ProposalError.outcomeUnknown(index: proposer.index)) }
        observer?()
    }

    func setSnapshotObserver(_ observer: @escaping @Sendable () -> Void) {
        state.withLock { $0.snapshotObserver = observer }
    }

    /// How many Raft proposers wait (tests wait for theirs to be filed).
    var expectedCount: Int { state.withLock { $0.expected.count } }

    /// A Raft proposer waits for the entry it got at `index` in `term` (`edit`: what it proposed).
    func expect(index: UInt64, term: UInt64, edit: Rfs_Namenode_Edit, continuation: CheckedContinuation<EditResult, any Error>) {
        let failure = state.withLock { state -> (any Error)? in
            guard state.failure == nil else { return state.failure }
            let proposer = ExpectedProposal(index: index, term: term, edit: edit, continuation: continuation)
            // Indexes rise within a term; only a leader whose log was cut back goes lower.
            if let last = state.expected.last, last.index > index {
                let position = state.expected.firstIndex { $0.index > index } ?? state.expected.endIndex
                state.expected.insert(proposer, at: position)
            } else {
                state.expected.append(proposer)
            }
            return nil
        }
        if let failure { continuation.resume(throwing: failure) }
    }

    /// Fails every proposer still waiting (the member is stopping).
    func failWaiting(_ error: any Error) {
        let (waiting, expected) = state.withLock { state in
            defer {
                state.waiting.removeAll()
                state.expected.removeAll()
                state.failure = state.failure ?? error
            }
            return (Array(state.waiting.values), Array(state.expected))
        }
        for entry in waiting { entry.continuation?.resume(throwing: error) }
        for entry in expected { entry.continuation.resume(throwing: error) }
        // A batch held for its fsync is failed by the apply thread, which owns it.
        thread.signal()
    }

    /// After the apply thread stopped: fails the proposers of a batch still held for its fsync.
    func failHeld(_ error: any Error) {
        guard let prepared = held.batch else { return }
        held.batch = nil
        for (_, waiting) in prepared.edits { waiting.continuation?.resume(throwing: error) }
    }

    /// The WAL failed the append at `index`, and will fail every later one: proposers from
    /// there on hear `error`; the durable edits before it are still applied and answered.
    func walFailed(from index: UInt64, _ error: any Error) {
        let failed: [Waiting] = state.withLock { state in
            state.walFailedFrom = min(state.walFailedFrom ?? index, index)
            state.walFailure = state.walFailure ?? error
            return state.waiting.keys.filter { $0 >= index }.compactMap { state.waiting.removeValue(forKey: $0) }
        }
        for entry in failed { entry.continuation?.resume(throwing: error) }
        thread.signal()
    }

    /// The WAL's writer took the appends through `index`: they may be applied in memory.
    func markTaken(through index: UInt64) {
        state.withLock { $0.preparableThrough = max($0.preparableThrough, index) }
        thread.signal()
    }

    /// The appends through `index` are durable: their batch may be written and answered (the
    /// WAL's batch observer signals the apply thread once the group's completions are in).
    func markDurable(through index: UInt64) {
        state.withLock { $0.committableThrough = max($0.committableThrough, index) }
    }

    /// An edit the WAL has just queued at `index` (not yet durable), to be applied in memory
    /// once the writer takes it and written and answered once it is durable.
    func enqueue(index: UInt64, edit: Rfs_Namenode_Edit, continuation: CheckedContinuation<EditResult, any Error>) {
        let failure = state.withLock { state -> (any Error)? in
            let walFailed = state.walFailedFrom.map { index >= $0 } ?? false
            let failure = state.failure ?? (walFailed ? state.walFailure : nil)
            if failure == nil { state.waiting[index] = Waiting(edit: edit, continuation: continuation) }
            return failure
        }
        if let failure { continuation.resume(throwing: failure) }
    }

    /// Applies waiting edits in batches and resumes their proposers; called by one thread
    /// only, the apply thread, whenever the WAL takes a group or finishes one. A batch is
    /// applied in memory as soon as the writer has taken it, while its fsync runs, and written
    /// to the store and answered once it is durable: readers never see an edit before that,
    /// and the fsync no longer waits for the apply, nor the apply for the fsync.
    func drain() {
        while true {
            if let prepared = held.batch {
                let (committable, failure) = state.withLock { state -> (Bool, (any Error)?) in
                    let walFailed = state.walFailedFrom.map { $0 <= prepared.lastIndex } ?? false
                    return (state.committableThrough >= prepared.lastIndex, state.failure ?? (walFailed ? state.walFailure : nil))
                }
                // Durable: written and answered, whatever failed after it.
                if committable {
                    held.batch = nil
                    guard commit(prepared) else { return }
                    continue
                }
                guard let failure else { return }
                // Not durable and never will be: one group in flight (see below), which the WAL
                // failed whole. Nothing of it was written.
                held.batch = nil
                for (_, waiting) in prepared.edits { waiting.continuation?.resume(throwing: failure) }
                continue
            }
            let (batch, failure) = state.withLock { state in
                var next = state.lastAppliedIndex + 1
                // Durable edits alone first: a held batch is then either wholly durable or the
                // one group whose fsync is running, never both.
                var end = state.committableThrough > state.lastAppliedIndex ? state.committableThrough : state.preparableThrough
                if let from = state.walFailedFrom { end = min(end, from - 1) }
                var batch: [(UInt64, Waiting)] = []
                while next <= end, let waiting = state.waiting.removeValue(forKey: next) {
                    batch.append((next, waiting))
                    next += 1
                }
                return (batch, state.failure)
            }
            guard !batch.isEmpty else { return }
            if let failure {
                for (_, waiting) in batch { waiting.continuation?.resume(throwing: failure) }
                return
            }
            do {
                let prepared = try machine.prepareBatch(batch.map(\.1.edit), lastAppliedIndex: batch[batch.count - 1].0, over: store,
                                                        committedInodes: committedInodes, readCache: readCache)
                held.batch = HeldBatch(edits: batch, prepared: prepared)
            } catch {
                storeFailed(error, batch: batch)
                return
            }
        }
    }

    /// Writes a held batch, tells the observer, and resumes its proposers. False when the
    /// store failed (everything waiting has then been failed).
    private func commit(_ held: HeldBatch) -> Bool {
        let batch = held.edits
        let results = held.prepared.results
        let (observer, compaction) = state.withLock { ($0.observer, $0.compactionHandler) }
        do {
            _ = try machine.commit(held.prepared, to: store)
        } catch {
            storeFailed(error, batch: batch)
            return false
        }
        state.withLock { $0.lastAppliedIndex = held.lastIndex }
        observer?(zip(batch, results).map { AppliedEdit(edit: $0.0.1.edit, result: $0.1) })
        if let compaction, let through = batch.compactMap({ entry -> UInt64? in
            if case .compactLog(let op) = entry.1.edit.operation { return op.throughIndex }
            return nil
        }).max() {
            compaction(through)
        }
        for ((_, waiting), result) in zip(batch, results) { waiting.continuation?.resume(returning: result) }
        return true
    }

    /// The store failed under us: nothing after this edit can be applied safely.
    private func storeFailed(_ error: any Error, batch: [(UInt64, Waiting)]) {
        logger.critical("applying edits failed; the namenode cannot continue", metadata: ["error": "\(error)"])
        for (_, waiting) in batch { waiting.continuation?.resume(throwing: error) }
        failWaiting(error)
    }

    /// Applies `edits` (consecutive indexes) into one WriteBatch and writes it. LevelDB's
    /// write is not synced: the WAL already is, and replay covers what LevelDB loses.
    @discardableResult
    func applyBatch(_ edits: [(UInt64, Rfs_Namenode_Edit)]) throws -> [EditResult] {
        guard let last = edits.last?.0 else { return [] }
        let applied = try machine.applyBatch(edits.map(\.1), lastAppliedIndex: last, to: store,
                                             committedInodes: committedInodes, readCache: readCache)
        state.withLock { $0.lastAppliedIndex = last }
        return applied.results
    }
}

/// A Raft proposer waiting for the entry it got at `index` in `term` to commit.
struct ExpectedProposal {
    var index: UInt64
    var term: UInt64
    var edit: Rfs_Namenode_Edit
    var continuation: CheckedContinuation<EditResult, any Error>
}

/// An edit as applied, with its result: what the namenode's observer sees.
public struct AppliedEdit: Sendable {
    public var edit: Rfs_Namenode_Edit
    public var result: EditResult
}

/// The Raft member's committed entries go to the applier, which applies them on its own
/// thread: the member goes on persisting and replicating meanwhile.
struct CommittedEdits: RaftStateMachine {
    let applier: Applier
    let store: LevelDBStore
    let directory: NamespaceDirectory
    let logger: Logger

    func apply(_ entries: [RaftEntry]) throws {
        applier.enqueueCommitted(entries)
    }

    /// A LevelDB snapshot of the store: consistent, at the index its last write applied.
    func readSnapshot() throws -> any RaftSnapshotReader {
        try StoreSnapshotReader(store: store)
    }

    func receiveSnapshot(_ meta: SnapshotMeta) throws -> any RaftSnapshotWriter {
        try StoreSnapshotWriter(directory: directory, meta: meta, options: store.options)
    }

    /// Makes the received store the one in use: durably named current first (a crash after
    /// that restarts on it, and the Raft log is restarted after it then), then switched to,
    /// then the applier continues after it. The replaced store is deleted a little later,
    /// once reads still under way on it are done (or at the next start).
    func installSnapshot(_ meta: SnapshotMeta) async throws {
        let path = directory.installedStore(index: meta.index)
        guard let point = try directory.snapshotPoint(ofStore: path), point.index == meta.index, point.term == meta.term else {
            throw NamespaceSnapshotError.badDirectory("\(path) does not hold the snapshot at \(meta.index)")
        }
        await applier.waitUntilApplied()
        try directory.switchCurrent(to: path)
        try store.switchDatabase(to: path)
        applier.snapshotInstalled(through: meta.index)
        let (directory, logger) = (directory, logger)
        Task.detached {
            try? await Task.sleep(for: .seconds(30))
            directory.removeStores(except: path, logger: logger)
        }
    }
}

/// The index under which a local proposal was filed with the applier (nil: never filed).
/// @unchecked is safe: written under the WAL's lock when the WAL numbers the append, read by
/// its completion, which the writer runs after taking the append under that lock (or, for an
/// append refused at once, on the proposer's thread, where it was never written).
private final class FiledIndex: @unchecked Sendable {
    var index: UInt64?
}

/// A batch applied in memory, with the edits (and proposers) it holds.
private struct HeldBatch {
    let edits: [(UInt64, Applier.WaitingEdit)]
    let prepared: NamespaceStateMachine.PreparedBatch
    var lastIndex: UInt64 { edits[edits.count - 1].0 }
}

/// The apply thread's held batch.
private final class PreparedHolder: @unchecked Sendable {
    // @unchecked is safe: only the apply thread reads or writes `batch` (and `failHeld`, after
    // that thread has stopped).
    var batch: HeldBatch?
}

private final class WeakApplier: @unchecked Sendable {
    // Set once, before the thread is first signalled.
    weak var applier: Applier?
}

/// One thread that runs `work` whenever it is signalled (signals while it works coalesce into
/// one more run), until stopped. A dedicated thread, not a task: the work blocks on LevelDB.
final class SignalledThread: @unchecked Sendable {
    // @unchecked is safe: `pending` and `stopped` are read and written only under `condition`.
    private let condition = NSCondition()
    private var pending = false
    private var stopped = false
    private let finished = DispatchSemaphore(value: 0)

    init(name: String, work: @escaping @Sendable () -> Void) {
        let thread = Thread { [condition] in
            CurrentThread.setName(name)
            // Whoever signals (the WAL writer after a group commit) goes on undisturbed.
            CurrentThread.preferThroughput()
            while true {
                condition.lock()
                while !self.pending && !self.stopped { condition.wait() }
                let run = self.pending
                self.pending = false
                let stop = self.stopped
                condition.unlock()
                if run { work() }
                if stop && !run { break }
            }
            self.finished.signal()
        }
        thread.name = name
        thread.start()
    }

    func signal() {
        condition.lock()
        pending = true
        condition.signal()
        condition.unlock()
    }

    /// Runs any signalled work, then ends the thread and waits for it.
    func stop() {
        condition.lock()
        let already = stopped
        stopped = true
        condition.signal()
        condition.unlock()
        if !already { finished.wait() }
    }
}

import Foundation
import Logging
import RFSKeyValue
import RFSNamespace
import RFSProtocol
import RFSWAL
import Synchronization

/// Where the namespace's edits go and how they become state: every mutation is appended to
/// the WAL (group commit: concurrent proposers share one fsync), then applied in index order
/// by the namespace state machine into one LevelDB WriteBatch per applied batch, which also
/// records the last applied index. A proposer hears its result only after both.
///
/// Restart = open LevelDB, then replay the WAL from the last applied index + 1.
public final class NamespaceEngine: Sendable {
    public let store: LevelDBStore
    let wal: WriteAheadLog
    let machine: NamespaceStateMachine
    private let applier: Applier
    private let logger: Logger

    /// Ids the proposer hands out before appending (block ids, generation stamps), kept
    /// above every id the store has seen.
    private let idCounters: Mutex<(blockID: UInt64, generationStamp: UInt64)>
    /// The applied index at the last checkpoint (see `checkpoint()`).
    private let checkpointState = Mutex<UInt64>(0)

    public var reads: NamespaceReads {
        NamespaceReads(reader: StoreReader(store), configuration: machine.configuration)
    }

    public var lastAppliedIndex: UInt64 { applier.lastAppliedIndex }

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
        let engine = NamespaceEngine(store: store, wal: wal, machine: machine, applier: applier, logger: logger,
                                     counters: counters)
        // The writer thread only signals: applying runs on its own thread, so the next group's
        // fsync overlaps this group's apply.
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
        try engine.replay(after: applied)
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

    private init(store: LevelDBStore, wal: WriteAheadLog, machine: NamespaceStateMachine, applier: Applier,
                 logger: Logger, counters: Rfs_Namenode_NamespaceCounters?) {
        self.store = store
        self.wal = wal
        self.machine = machine
        self.applier = applier
        self.logger = logger
        self.idCounters = Mutex((counters?.lastBlockID ?? 0, counters?.lastGenerationStamp ?? 0))
    }

    /// Applies WAL records past the store's last applied index, in batches.
    private func replay(after applied: UInt64) throws {
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
        if let counters = try reads.counters() {
            idCounters.withLock { $0 = (max($0.blockID, counters.lastBlockID), max($0.generationStamp, counters.lastGenerationStamp)) }
        }
        logger.info("namespace opened", metadata: ["replayed": "\(replayed)", "lastApplied": "\(applier.lastAppliedIndex)",
                                                   "walLastIndex": "\(wal.lastIndex)"])
    }

    /// Makes `edit` durable, applies it, and returns its result. The proposer suspends once:
    /// the WAL's writer thread hands each durable edit to the applier and, after the group
    /// commit, applies the whole batch in one LevelDB write and resumes every proposer of it.
    public func propose(_ edit: Rfs_Namenode_Edit) async throws -> EditResult {
        let payload: [UInt8] = try edit.serializedBytes()
        let applier = applier
        return try await withCheckedThrowingContinuation { continuation in
            wal.append([payload], term: 0) { result in
                switch result {
                case .success(let range): applier.enqueue(index: range.lowerBound, edit: edit, continuation: continuation)
                case .failure(let error): continuation.resume(throwing: error)
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
    public func checkpoint() throws {
        let applied = applier.lastAppliedIndex
        try store.sync()
        let safe = checkpointState.withLock { previous -> UInt64 in
            let through = previous
            previous = applied
            return through
        }
        if safe > wal.firstIndex { try wal.compactPrefix(through: safe) }
    }

    public func close() throws {
        wal.close()
        applier.thread.stop()
        try store.sync()
        store.close()
    }
}

/// Applies edits in index order. The WAL's writer thread enqueues each edit of a group
/// commit as it becomes durable, then drains: every consecutive waiting edit is applied as
/// one batch (one LevelDB write) and its proposers are resumed with their results.
final class Applier: Sendable {
    private struct Waiting {
        var edit: Rfs_Namenode_Edit
        var continuation: CheckedContinuation<EditResult, any Error>
    }

    private struct State {
        var lastAppliedIndex: UInt64
        var waiting: [UInt64: Waiting] = [:]
        /// Set when the store failed: nothing after it can be applied, every later edit fails.
        var failure: (any Error)?
    }

    private let state: Mutex<State>
    private let store: LevelDBStore
    private let machine: NamespaceStateMachine
    private let logger: Logger

    /// Where `drain` runs: woken by the WAL after each group commit.
    let thread: SignalledThread

    init(store: LevelDBStore, machine: NamespaceStateMachine, lastAppliedIndex: UInt64, logger: Logger) {
        self.state = Mutex(State(lastAppliedIndex: lastAppliedIndex))
        self.store = store
        self.machine = machine
        self.logger = logger
        let box = WeakApplier()
        thread = SignalledThread(name: "rfs-apply") { box.applier?.drain() }
        box.applier = self
    }

    var lastAppliedIndex: UInt64 { state.withLock { $0.lastAppliedIndex } }

    /// A durable edit, to be applied with the next `drain`.
    func enqueue(index: UInt64, edit: Rfs_Namenode_Edit, continuation: CheckedContinuation<EditResult, any Error>) {
        let failure = state.withLock { state -> (any Error)? in
            if state.failure == nil { state.waiting[index] = Waiting(edit: edit, continuation: continuation) }
            return state.failure
        }
        if let failure { continuation.resume(throwing: failure) }
    }

    /// Applies every consecutive waiting edit as one batch and resumes their proposers. Called
    /// by one thread only: the apply thread, after each group commit.
    func drain() {
        let batch: [(UInt64, Waiting)] = state.withLock { state in
            var next = state.lastAppliedIndex + 1
            var batch: [(UInt64, Waiting)] = []
            while let waiting = state.waiting.removeValue(forKey: next) {
                batch.append((next, waiting))
                next += 1
            }
            return batch
        }
        guard !batch.isEmpty else { return }
        do {
            let results = try applyBatch(batch.map { ($0.0, $0.1.edit) })
            for ((_, waiting), result) in zip(batch, results) { waiting.continuation.resume(returning: result) }
        } catch {
            // The store failed under us: nothing after this edit can be applied safely.
            logger.critical("applying edits failed; the namenode cannot continue", metadata: ["error": "\(error)"])
            let stranded = state.withLock { state in
                state.failure = error
                defer { state.waiting.removeAll() }
                return Array(state.waiting.values)
            }
            for (_, waiting) in batch { waiting.continuation.resume(throwing: error) }
            for waiting in stranded { waiting.continuation.resume(throwing: error) }
        }
    }

    /// Applies `edits` (consecutive indexes) into one WriteBatch and writes it. LevelDB's
    /// write is not synced: the WAL already is, and replay covers what LevelDB loses.
    @discardableResult
    func applyBatch(_ edits: [(UInt64, Rfs_Namenode_Edit)]) throws -> [EditResult] {
        let overlay = Overlay(base: StoreReader(store))
        var results: [EditResult] = []
        results.reserveCapacity(edits.count)
        for (_, edit) in edits {
            results.append(try machine.apply(edit, to: overlay))
        }
        guard let last = edits.last?.0 else { return results }
        try machine.finishBatch(lastAppliedIndex: last, overlay: overlay)
        try store.write(overlay.batch, sync: false)
        state.withLock { $0.lastAppliedIndex = last }
        return results
    }
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

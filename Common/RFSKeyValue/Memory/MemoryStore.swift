/// An in-memory `KeyValueStore` with LevelDB's semantics (bytewise order, atomic batches,
/// snapshot-consistent cursors) and a disk that loses unsynced writes on a crash, for the
/// simulator. Everything is deterministic.
///
/// The store keeps two images, like the page cache and the platter: `live`, which reads see,
/// and `durable`, what a power loss leaves behind, with the unsynced writes in order between
/// them (`durable` + `unsynced` = `live`). A write with `sync: true` makes every write so far
/// durable, as LevelDB's fsync of its log does. `crash()` returns a new store holding the
/// durable image only: the worst case for real LevelDB, where an unsynced write may or may not
/// survive. `crash(keepingUnsyncedWrites:)` keeps a prefix of them instead, for a simulator that
/// wants the other cases (LevelDB's log is append-only, so what survives is in order).
///
/// Real LevelDB 1.23 is weaker than this model in one window: when the memtable fills, the old
/// log file is closed without an fsync, so a sync write to the new log does not make the old
/// log's unsynced tail durable until the background compaction has written it as a table
/// (google/leveldb#193). Callers that need "everything before a sync" should sync every write
/// that matters, not rely on a later sync.
///
/// Costs: get O(log n); put/delete O(log n) to find plus an O(n) memmove, twice (once for
/// `live`, once for `durable` at the next sync); snapshots and cursors O(1), but the first write
/// after one is taken copies the table (O(n)) while it is alive. Memory: entries are shared
/// between the two images; unsynced writes are kept until the next sync.
public final class MemoryStore: KeyValueStore {
    private struct State: Sendable {
        var live = SortedTable()
        var durable = SortedTable()
        /// Writes since the last sync, oldest first; each is atomic.
        var unsynced: [WriteBatch] = []
        var isClosed = false
        /// Set once `crash` or `reopen` has passed the disk to a new store.
        var isDiskHandedOver = false
    }

    private let state: Locked<State>
    static let path = "<memory>"

    public init() {
        state = Locked(State())
    }

    private init(state: State) {
        self.state = Locked(state)
    }

    public var isClosed: Bool {
        state.withLock { $0.isClosed }
    }

    /// Writes (puts, deletes and batches) not yet made durable by a sync.
    public var unsyncedWriteCount: Int {
        state.withLock { $0.unsynced.count }
    }

    public func close() {
        state.withLock { $0.isClosed = true }
    }

    // MARK: - Crash and restart

    /// The power fails: returns a store holding only what was synced, as a restarted node would
    /// find it. This store is closed (the process is gone).
    public func crash() -> MemoryStore {
        crash(keepingUnsyncedWrites: 0)
    }

    /// The power fails after the first `count` unsynced writes reached the disk. Returns a store
    /// holding the durable image plus those writes (they reached the disk, so they are durable), and
    /// closes this store. `count` must be at most `unsyncedWriteCount`.
    public func crash(keepingUnsyncedWrites count: Int) -> MemoryStore {
        state.withLock { state in
            precondition(
                count >= 0 && count <= state.unsynced.count,
                "crash keeps \(count) unsynced writes, but there are \(state.unsynced.count)")
            var disk = state.durable
            for batch in state.unsynced.prefix(count) {
                disk.apply(batch)
            }
            Self.handOver(&state)
            return MemoryStore(state: State(live: disk, durable: disk))
        }
    }

    /// The process stops and starts again, without a power loss: every write survives, and the
    /// unsynced ones stay at risk of a later crash. (Real LevelDB's recovery writes the replayed
    /// log out as a synced table, which would make them durable; the twin keeps the worse case.)
    /// This store is closed.
    public func reopen() -> MemoryStore {
        state.withLock { state in
            let next = State(live: state.live, durable: state.durable, unsynced: state.unsynced)
            Self.handOver(&state)
            return MemoryStore(state: next)
        }
    }

    /// A crashed or reopened store's disk belongs to its successor; crashing it again would
    /// fork the disk, which is a simulator bug.
    private static func handOver(_ state: inout State) {
        precondition(!state.isDiskHandedOver, "this MemoryStore's disk already belongs to a new store")
        state.isDiskHandedOver = true
        state.isClosed = true
    }

    // MARK: - KeyValueStore

    public func get(_ key: [UInt8]) throws -> [UInt8]? {
        try withOpenState(.get) { $0.live.get(key) }
    }

    public func put(_ key: [UInt8], _ value: [UInt8], sync: Bool) throws {
        try write(WriteBatch([.put(key: key, value: value)]), sync: sync, operation: .put)
    }

    public func delete(_ key: [UInt8], sync: Bool) throws {
        try write(WriteBatch([.delete(key: key)]), sync: sync, operation: .delete)
    }

    public func write(_ batch: WriteBatch, sync: Bool) throws {
        try write(batch, sync: sync, operation: .write)
    }

    public func makeCursor() throws -> MemoryCursor {
        try withOpenState(.iterate) { MemoryCursor(table: $0.live) }
    }

    public func snapshot() throws -> MemorySnapshot {
        try withOpenState(.snapshot) { MemorySnapshot(table: $0.live) }
    }

    public func approximateSizes(of ranges: [KeyRange]) throws -> [UInt64] {
        try withOpenState(.approximateSizes) { state in ranges.map { state.live.payloadBytes(in: $0) } }
    }

    /// Nothing to compact; checks only that the store is open.
    public func compact(_ range: KeyRange) throws {
        try withOpenState(.compact) { _ in }
    }

    // MARK: - Helpers

    private func write(_ batch: WriteBatch, sync: Bool, operation: KeyValueError.Operation) throws {
        try withOpenState(operation) { state in
            state.live.apply(batch)
            state.unsynced.append(batch)
            if sync {
                for unsynced in state.unsynced {
                    state.durable.apply(unsynced)
                }
                state.unsynced.removeAll()
            }
        }
    }

    private func withOpenState<R>(
        _ operation: KeyValueError.Operation, _ body: (inout State) throws -> R
    ) throws -> R {
        try state.withLock { state in
            guard !state.isClosed else { throw KeyValueError.closed(operation, path: Self.path) }
            return try body(&state)
        }
    }
}

// The key-value interface that the namespace state machine is written against, so that it runs
// unchanged on LevelDB (`LevelDBStore`) in a daemon and on the crash-aware twin (`MemoryStore`)
// in the Raft simulation.
//
// Keys and values are `[UInt8]`. Keys are ordered bytewise (memcmp, then the shorter key first),
// which is LevelDB's default comparator; `BytewiseOrder` exposes the same order.
//
// Threading: stores and snapshots are `Sendable` and may be used from several threads at once
// (LevelDB's `DB` is internally synchronized for reads and writes; `MemoryStore` takes a lock).
// Cursors are not: a cursor, like a LevelDB iterator, belongs to one thread at a time.

/// Read access shared by a store and by its snapshots.
public protocol KeyValueReader: AnyObject, Sendable {
    associatedtype Cursor: KeyValueCursor

    /// The value stored under `key`, or nil if there is none.
    func get(_ key: [UInt8]) throws -> [UInt8]?

    /// A cursor over a consistent view: for a store, the state when the cursor is made (later
    /// writes are not seen, as with a LevelDB iterator); for a snapshot, the snapshot's state.
    /// The cursor starts unpositioned (`isValid` is false); call one of its `seek` methods.
    func makeCursor() throws -> Cursor
}

/// A consistent, read-only view of a store as it was when `KeyValueStore.snapshot()` was called.
/// It keeps the store's resources alive until it is released.
public protocol KeyValueSnapshot: KeyValueReader {}

/// An ordered, durable key-value store.
///
/// `sync: true` on a write makes that write, and every write before it, survive a power loss
/// before the call returns (LevelDB fsyncs its log). A write with `sync: false` survives a
/// process crash but may be lost on a power loss; `MemoryStore.crash()` models the worst case.
public protocol KeyValueStore: KeyValueReader {
    associatedtype Snapshot: KeyValueSnapshot

    func put(_ key: [UInt8], _ value: [UInt8], sync: Bool) throws

    /// Removes `key`; removing a missing key is not an error.
    func delete(_ key: [UInt8], sync: Bool) throws

    /// Applies every operation of `batch`, in order, atomically: readers and a crash see all of
    /// them or none.
    func write(_ batch: WriteBatch, sync: Bool) throws

    /// A consistent view that later writes do not change.
    func snapshot() throws -> Snapshot

    /// Approximate bytes used by the keys in each range, in the same order. For LevelDB this is
    /// the size of the table files on disk (compressed) and excludes recent writes still in the
    /// memtable; for `MemoryStore` it is the sum of key and value lengths.
    func approximateSizes(of ranges: [KeyRange]) throws -> [UInt64]

    /// Compacts the keys in `range` (LevelDB: rewrites overlapping table files, dropping deleted
    /// and overwritten entries). Returns when done.
    func compact(_ range: KeyRange) throws

    /// Refuses further calls on this store (they throw `KeyValueError` of kind `.closed`).
    /// Snapshots and cursors already made keep working; LevelDB's files and lock are released
    /// when the last of them is gone (immediately if there are none). Idempotent.
    func close()
}

extension KeyValueStore {
    /// Makes every write so far durable, as a sync write does.
    public func sync() throws {
        try write(WriteBatch(), sync: true)
    }

    /// Approximate bytes used by the keys in `range`.
    public func approximateSize(of range: KeyRange) throws -> UInt64 {
        try approximateSizes(of: [range])[0]
    }
}

/// A position in an ordered view of keys, like LevelDB's iterator. Not thread-safe: use a cursor
/// from one thread at a time. Moving methods throw if the underlying store reports an error (for
/// LevelDB, a corrupt or unreadable table file); running off either end is not an error, it
/// makes `isValid` false.
public protocol KeyValueCursor: AnyObject {
    /// Whether the cursor is at an entry. `key` and `value` require it.
    var isValid: Bool { get }
    /// The current entry's key (a copy).
    var key: [UInt8] { get }
    /// The current entry's value (a copy).
    var value: [UInt8] { get }

    /// Positions at the first key at or after `target`.
    func seek(_ target: [UInt8]) throws
    func seekToFirst() throws
    func seekToLast() throws
    /// Moves to the next key. Requires `isValid`.
    func next() throws
    /// Moves to the previous key. Requires `isValid`.
    func prev() throws
}

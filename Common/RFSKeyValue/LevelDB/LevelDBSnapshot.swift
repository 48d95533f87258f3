import CLevelDB

/// A LevelDB snapshot: reads see the database as it was when the snapshot was taken. Keeps the
/// database open until released; released (`leveldb_release_snapshot`) in deinit.
public final class LevelDBSnapshot: KeyValueSnapshot, @unchecked Sendable {
    // @unchecked is safe: the snapshot and its read options are immutable after init, and
    // LevelDB allows concurrent reads through them; `handle` is Sendable.
    private let handle: LevelDBHandle
    private let snapshot: OpaquePointer
    private let readOptions: OpaquePointer

    init(handle: LevelDBHandle) {
        self.handle = handle
        snapshot = leveldb_create_snapshot(handle.db)
        readOptions = handle.makeReadOptions(snapshot: snapshot)
    }

    deinit {
        leveldb_release_snapshot(handle.db, snapshot)
        leveldb_readoptions_destroy(readOptions)
    }

    public func get(_ key: [UInt8]) throws -> [UInt8]? {
        try handle.get(key, readOptions: readOptions)
    }

    public func makeCursor() throws -> LevelDBCursor {
        LevelDBCursor(handle: handle, readOptions: readOptions, snapshot: self)
    }
}

import CLevelDB

/// A LevelDB iterator. Not thread-safe (LevelDB iterators are not); not `Sendable`. Keeps the
/// database (and its snapshot, if made from one) alive until released; destroyed in deinit.
public final class LevelDBCursor: KeyValueCursor {
    private let handle: LevelDBHandle
    /// Held only to keep the snapshot alive while the cursor reads at it.
    private let snapshot: LevelDBSnapshot?
    private let iterator: OpaquePointer

    init(handle: LevelDBHandle, readOptions: OpaquePointer, snapshot: LevelDBSnapshot?) {
        self.handle = handle
        self.snapshot = snapshot
        iterator = handle.makeIterator(readOptions: readOptions)
    }

    deinit {
        leveldb_iter_destroy(iterator)
    }

    public var isValid: Bool {
        leveldb_iter_valid(iterator) != 0
    }

    public var key: [UInt8] {
        precondition(isValid, "LevelDBCursor.key needs a valid cursor")
        var length = 0
        let pointer = leveldb_iter_key(iterator, &length)
        return copyBytes(pointer, count: length)
    }

    public var value: [UInt8] {
        precondition(isValid, "LevelDBCursor.value needs a valid cursor")
        var length = 0
        let pointer = leveldb_iter_value(iterator, &length)
        return copyBytes(pointer, count: length)
    }

    public func seek(_ target: [UInt8]) throws {
        withCBytes(target) { leveldb_iter_seek(iterator, $0, $1) }
        try checkStatus()
    }

    public func seekToFirst() throws {
        leveldb_iter_seek_to_first(iterator)
        try checkStatus()
    }

    public func seekToLast() throws {
        leveldb_iter_seek_to_last(iterator)
        try checkStatus()
    }

    public func next() throws {
        precondition(isValid, "LevelDBCursor.next needs a valid cursor")
        leveldb_iter_next(iterator)
        try checkStatus()
    }

    public func prev() throws {
        precondition(isValid, "LevelDBCursor.prev needs a valid cursor")
        leveldb_iter_prev(iterator)
        try checkStatus()
    }

    /// An iterator that hits an error becomes invalid, so only an invalid one needs asking.
    private func checkStatus() throws {
        guard !isValid else { return }
        try leveldbCall(.iterate, path: handle.path) { leveldb_iter_get_error(iterator, $0) }
    }
}

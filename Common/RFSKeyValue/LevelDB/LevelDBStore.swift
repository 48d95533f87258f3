import CLevelDB

/// A `KeyValueStore` on LevelDB (the C API of the system's libleveldb).
///
/// Safe to use from several threads: LevelDB synchronizes reads and writes. `close()` may race
/// with other calls; a call already running keeps the database open until it returns.
public final class LevelDBStore: KeyValueStore {
    /// The database directory (the one `switchDatabase` moved to, if it did).
    public var path: String { paths.withLock { $0 } }
    private let paths: Locked<String>
    public let options: LevelDBOptions
    /// Nil once closed. Each call takes a strong reference under the lock and then works without
    /// it, so concurrent calls do not serialize.
    private let state: Locked<LevelDBHandle?>

    /// Opens (or, with `createIfMissing`, creates) the database in directory `path`.
    /// Throws `KeyValueError` with LevelDB's message if it is missing, exists with
    /// `errorIfExists`, is locked by another open, or is damaged.
    ///
    /// LevelDB 1.23 creates the directory, `LOCK` and `LOG` before it finds that the database is
    /// missing, so a failed open leaves them behind: test for a database by its `CURRENT` file,
    /// not by the directory. Two opens in one process conflict too (LevelDB keeps its own table
    /// of locked files, since fcntl locks do not conflict within a process).
    public init(path: String, options: LevelDBOptions = LevelDBOptions()) throws {
        paths = Locked(path)
        self.options = options
        state = Locked(try LevelDBHandle(path: path, options: options))
    }

    /// The LevelDB library's version, e.g. (1, 23).
    public static var libraryVersion: (major: Int, minor: Int) {
        (Int(leveldb_major_version()), Int(leveldb_minor_version()))
    }

    public var isClosed: Bool {
        state.withLock { $0 == nil }
    }

    public func close() {
        // Dropping the reference outside the lock: if it is the last one, deinit closes the
        // database, which waits for background compaction.
        let handle = state.withLock { handle in
            defer { handle = nil }
            return handle
        }
        _ = consume handle
    }

    /// Moves this store to the database in `newPath` (opened with the same options): calls from
    /// now on see it; calls already running finish on the old one, which closes when the last
    /// of them returns. A Raft member installing a snapshot does this, so that everything
    /// holding the store sees the new namespace at once.
    public func switchDatabase(to newPath: String) throws {
        guard !isClosed else { throw KeyValueError.closed(.open, path: path) }
        let opened = try LevelDBHandle(path: newPath, options: options)
        let previous: LevelDBHandle? = state.withLock { handle in
            defer { handle = opened }
            return handle
        }
        paths.withLock { $0 = newPath }
        _ = consume previous
    }

    public func get(_ key: [UInt8]) throws -> [UInt8]? {
        try withHandle(.get) { try $0.get(key, readOptions: $0.readOptions) }
    }

    public func put(_ key: [UInt8], _ value: [UInt8], sync: Bool) throws {
        try withHandle(.put) { handle in
            try withCBytes(key) { keyPointer, keyLength in
                try withCBytes(value) { valuePointer, valueLength in
                    try leveldbCall(.put, path: handle.path) {
                        leveldb_put(
                            handle.db, handle.writeOptions(sync: sync), keyPointer, keyLength,
                            valuePointer, valueLength, $0)
                    }
                }
            }
        }
    }

    public func delete(_ key: [UInt8], sync: Bool) throws {
        try withHandle(.delete) { handle in
            try withCBytes(key) { keyPointer, keyLength in
                try leveldbCall(.delete, path: handle.path) {
                    leveldb_delete(handle.db, handle.writeOptions(sync: sync), keyPointer, keyLength, $0)
                }
            }
        }
    }

    public func write(_ batch: WriteBatch, sync: Bool) throws {
        try withHandle(.write) { handle in
            let cBatch = leveldb_writebatch_create()
            defer { leveldb_writebatch_destroy(cBatch) }
            for operation in batch.operations {
                Self.append(operation, to: cBatch)
            }
            try leveldbCall(.write, path: handle.path) {
                leveldb_write(handle.db, handle.writeOptions(sync: sync), cBatch, $0)
            }
        }
    }

    public func makeCursor() throws -> LevelDBCursor {
        try withHandle(.iterate) { LevelDBCursor(handle: $0, readOptions: $0.readOptions, snapshot: nil) }
    }

    public func snapshot() throws -> LevelDBSnapshot {
        try withHandle(.snapshot) { LevelDBSnapshot(handle: $0) }
    }

    public func approximateSizes(of ranges: [KeyRange]) throws -> [UInt64] {
        try withHandle(.approximateSizes) { handle in
            // LevelDB wants finite limits; past the last key, its successor is as good.
            let lastKeySuccessor = try ranges.contains { $0.end == nil } ? Self.lastKeySuccessor(handle) : []
            let limits = ranges.map { $0.end ?? lastKeySuccessor }
            return Self.approximateSizes(handle, starts: ranges.map(\.start), limits: limits)
        }
    }

    public func compact(_ range: KeyRange) throws {
        try withHandle(.compact) { handle in
            // A nil start means "from the first key"; the C API takes NULL for that. The end is
            // inclusive for LevelDB, which at worst compacts one more key than asked.
            withCBytes(range.start) { startPointer, startLength in
                withOptionalCBytes(range.end) { endPointer, endLength in
                    leveldb_compact_range(
                        handle.db, range.start.isEmpty ? nil : startPointer, startLength, endPointer, endLength)
                }
            }
        }
    }

    /// A LevelDB property, e.g. `leveldb.stats`, `leveldb.sstables`,
    /// `leveldb.num-files-at-level0`, `leveldb.approximate-memory-usage`; nil if unknown.
    public func property(_ name: String) throws -> String? {
        try withHandle(.property) { handle in
            guard let value = leveldb_property_value(handle.db, name) else { return nil }
            defer { leveldb_free(value) }
            return String(cString: value)
        }
    }

    /// Deletes the database in `path` and its files. The database must not be open.
    public static func destroy(path: String, options: LevelDBOptions = LevelDBOptions()) throws {
        let cOptions = LevelDBCOptions(options)
        try leveldbCall(.destroy, path: path) { leveldb_destroy_db(cOptions.pointer, path, $0) }
    }

    /// Rebuilds the database in `path` from whatever table and log files are readable,
    /// discarding what is not. Data may be lost; back the directory up first.
    public static func repair(path: String, options: LevelDBOptions = LevelDBOptions()) throws {
        let cOptions = LevelDBCOptions(options)
        try leveldbCall(.repair, path: path) { leveldb_repair_db(cOptions.pointer, path, $0) }
    }

    // MARK: - Helpers

    private func withHandle<R>(
        _ operation: KeyValueError.Operation, _ body: (LevelDBHandle) throws -> R
    ) throws -> R {
        guard let handle = state.withLock({ $0 }) else {
            throw KeyValueError.closed(operation, path: path)
        }
        // Keeps the database open until `body` is done with its raw pointers.
        return try withExtendedLifetime(handle) { try body(handle) }
    }

    private static func append(_ operation: WriteBatch.Operation, to cBatch: OpaquePointer?) {
        switch operation {
        case .put(let key, let value):
            withCBytes(key) { keyPointer, keyLength in
                withCBytes(value) { valuePointer, valueLength in
                    leveldb_writebatch_put(cBatch, keyPointer, keyLength, valuePointer, valueLength)
                }
            }
        case .delete(let key):
            withCBytes(key) { leveldb_writebatch_delete(cBatch, $0, $1) }
        }
    }

    private static func lastKeySuccessor(_ handle: LevelDBHandle) throws -> [UInt8] {
        let cursor = LevelDBCursor(handle: handle, readOptions: handle.readOptions, snapshot: nil)
        try cursor.seekToLast()
        return cursor.isValid ? BytewiseOrder.successor(ofKey: cursor.key) : []
    }

    /// One call for all ranges. The keys are laid end to end in one buffer so that a single
    /// `withUnsafeBytes` lends them all to C.
    private static func approximateSizes(_ handle: LevelDBHandle, starts: [[UInt8]], limits: [[UInt8]]) -> [UInt64] {
        let keys = starts + limits
        let lengths = keys.map(\.count)
        let joined = Array(keys.joined())
        var sizes = [UInt64](repeating: 0, count: starts.count)
        joined.withUnsafeBytes { raw in
            // An empty buffer may have no address; any non-null pointer will do for zero lengths.
            let base = raw.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!
            var offset = 0
            let pointers = lengths.map { length -> UnsafePointer<CChar>? in
                defer { offset += length }
                return (base + offset).assumingMemoryBound(to: CChar.self)
            }
            let startPointers = Array(pointers[..<starts.count])
            let limitPointers = Array(pointers[starts.count...])
            let startLengths = Array(lengths[..<starts.count])
            let limitLengths = Array(lengths[starts.count...])
            leveldb_approximate_sizes(
                handle.db, Int32(starts.count), startPointers, startLengths, limitPointers, limitLengths, &sizes)
        }
        return sizes
    }
}

/// Like `withCBytes`, passing NULL and 0 for nil.
private func withOptionalCBytes<R>(_ bytes: [UInt8]?, _ body: (UnsafePointer<CChar>?, Int) throws -> R) rethrows -> R {
    guard let bytes else { return try body(nil, 0) }
    return try withCBytes(bytes, body)
}

import CLevelDB

/// One open LevelDB database and the C objects it needs. Closed and freed exactly once, in
/// deinit, so it lives exactly as long as the store, snapshots and cursors that hold it: LevelDB
/// requires every iterator and snapshot to be released before the database is closed.
final class LevelDBHandle: @unchecked Sendable {
    // @unchecked is safe: `db` is a `leveldb::DB`, which LevelDB synchronizes internally for
    // concurrent reads and writes; the option objects are never modified after init, and LevelDB
    // only reads them.
    let db: OpaquePointer
    let path: String
    let readOptions: OpaquePointer
    let syncWriteOptions: OpaquePointer
    let asyncWriteOptions: OpaquePointer
    let verifyChecksums: Bool
    private let options: LevelDBCOptions

    init(path: String, options: LevelDBOptions) throws {
        let cOptions = LevelDBCOptions(options)
        // Nil together with an error message on failure, so not unwrapped inside the call.
        let opened: OpaquePointer? = try leveldbCall(.open, path: path) { leveldb_open(cOptions.pointer, path, $0) }
        guard let opened else {
            throw KeyValueError(kind: .other, operation: .open, path: path, message: "leveldb_open returned no database")
        }
        db = opened
        self.path = path
        self.options = cOptions
        verifyChecksums = options.verifyChecksums
        readOptions = leveldb_readoptions_create()
        leveldb_readoptions_set_verify_checksums(readOptions, verifyChecksums ? 1 : 0)
        syncWriteOptions = leveldb_writeoptions_create()
        leveldb_writeoptions_set_sync(syncWriteOptions, 1)
        asyncWriteOptions = leveldb_writeoptions_create()
        leveldb_writeoptions_set_sync(asyncWriteOptions, 0)
    }

    deinit {
        leveldb_close(db)
        leveldb_readoptions_destroy(readOptions)
        leveldb_writeoptions_destroy(syncWriteOptions)
        leveldb_writeoptions_destroy(asyncWriteOptions)
        // `options` (with the cache and filter policy) is released after this, once `db` is gone.
    }

    func writeOptions(sync: Bool) -> OpaquePointer {
        sync ? syncWriteOptions : asyncWriteOptions
    }

    /// Read options with the checksum setting of the store, reading at `snapshot`.
    func makeReadOptions(snapshot: OpaquePointer) -> OpaquePointer {
        let readOptions = leveldb_readoptions_create()!
        leveldb_readoptions_set_verify_checksums(readOptions, verifyChecksums ? 1 : 0)
        leveldb_readoptions_set_snapshot(readOptions, snapshot)
        return readOptions
    }

    func get(_ key: [UInt8], readOptions: OpaquePointer) throws -> [UInt8]? {
        var length = 0
        let value = try withCBytes(key) { keyPointer, keyLength in
            try leveldbCall(.get, path: path) {
                leveldb_get(db, readOptions, keyPointer, keyLength, &length, $0)
            }
        }
        guard let value else { return nil }
        defer { leveldb_free(value) }
        return copyBytes(value, count: length)
    }

    func makeIterator(readOptions: OpaquePointer) -> OpaquePointer {
        leveldb_create_iterator(db, readOptions)
    }
}

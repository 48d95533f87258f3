import CLevelDB

/// How to open a LevelDB database. Defaults are LevelDB's own, except where noted.
public struct LevelDBOptions: Hashable, Sendable {
    public enum Compression: Hashable, Sendable {
        case none, snappy
    }

    /// Create the database if the directory holds none. LevelDB's default: false.
    public var createIfMissing = false
    /// Fail if a database already exists.
    public var errorIfExists = false
    /// Stop at the first sign of corruption instead of skipping damaged log records.
    public var paranoidChecks = false
    /// Verify block checksums on every read. On here (LevelDB's default is off): the namespace
    /// must not serve metadata from a silently damaged block.
    public var verifyChecksums = true
    /// Size of the LRU cache of uncompressed blocks; nil uses LevelDB's internal 8 MiB cache.
    public var blockCacheBytes: Int? = nil
    /// Bloom filter bits per key, 0 for none. 10 here (LevelDB's default is none): point lookups
    /// of paths dominate namespace reads, and 10 bits give about 1% false positives.
    public var bloomFilterBitsPerKey = 10
    public var compression = Compression.snappy
    /// Bytes of writes buffered in the memtable before it is written out as a table file.
    public var writeBufferBytes = 4 << 20
    /// Table files LevelDB keeps open (each costs a descriptor and its index in memory).
    public var maxOpenFiles = 1000
    /// Uncompressed bytes per table block.
    public var blockSizeBytes = 4 << 10

    public init() {}

    /// Options that create the database when it is missing.
    public static var creatingIfMissing: LevelDBOptions {
        var options = LevelDBOptions()
        options.createIfMissing = true
        return options
    }
}

/// The C objects behind one `LevelDBOptions`. The cache and the filter policy must outlive every
/// database opened with them, so whoever opens a database keeps this alive until it is closed.
final class LevelDBCOptions {
    let pointer: OpaquePointer
    private let cache: OpaquePointer?
    private let filterPolicy: OpaquePointer?

    init(_ options: LevelDBOptions) {
        precondition(options.bloomFilterBitsPerKey >= 0, "bloomFilterBitsPerKey cannot be negative")
        precondition(options.writeBufferBytes > 0 && options.blockSizeBytes > 0 && options.maxOpenFiles > 0)
        pointer = leveldb_options_create()
        leveldb_options_set_create_if_missing(pointer, options.createIfMissing ? 1 : 0)
        leveldb_options_set_error_if_exists(pointer, options.errorIfExists ? 1 : 0)
        leveldb_options_set_paranoid_checks(pointer, options.paranoidChecks ? 1 : 0)
        leveldb_options_set_compression(
            pointer,
            Int32(options.compression == .snappy ? leveldb_snappy_compression : leveldb_no_compression))
        leveldb_options_set_write_buffer_size(pointer, options.writeBufferBytes)
        leveldb_options_set_max_open_files(pointer, Int32(options.maxOpenFiles))
        leveldb_options_set_block_size(pointer, options.blockSizeBytes)
        cache = options.blockCacheBytes.map { leveldb_cache_create_lru($0) }
        if let cache { leveldb_options_set_cache(pointer, cache) }
        filterPolicy =
            options.bloomFilterBitsPerKey > 0
            ? leveldb_filterpolicy_create_bloom(Int32(options.bloomFilterBitsPerKey)) : nil
        if let filterPolicy { leveldb_options_set_filter_policy(pointer, filterPolicy) }
    }

    deinit {
        leveldb_options_destroy(pointer)
        if let cache { leveldb_cache_destroy(cache) }
        if let filterPolicy { leveldb_filterpolicy_destroy(filterPolicy) }
    }
}

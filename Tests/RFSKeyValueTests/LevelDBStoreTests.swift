import Foundation
import RFSKeyValue
import Testing

/// What only the LevelDB backend has: opening rules, the LOCK file, options, properties,
/// destroy and repair, and LevelDB's own error messages.
@Suite("LevelDBStore")
struct LevelDBStoreTests {
    @Test("the library is LevelDB 1.x")
    func version() {
        #expect(LevelDBStore.libraryVersion.major == 1)
        #expect(LevelDBStore.libraryVersion.minor >= 20)
    }

    @Test("opening a missing database without createIfMissing throws LevelDB's message")
    func missing() throws {
        try withTemporaryDirectory { root in
            let path = root.appendingPathComponent("absent").path
            let error = #expect(throws: KeyValueError.self) { try LevelDBStore(path: path) }
            #expect(error?.kind == .invalidArgument)
            #expect(error?.operation == .open)
            #expect(error?.path == path)
            #expect(error?.message.contains("does not exist") == true)
            #expect(error?.message.contains("create_if_missing") == true)
            #expect(error.map { "\($0)" }?.contains("createIfMissing") == true)
        }
    }

    @Test("errorIfExists refuses an existing database")
    func errorIfExists() throws {
        try withTemporaryDirectory { root in
            let path = root.appendingPathComponent("db").path
            try LevelDBStore(path: path, options: .creatingIfMissing).close()
            var options = LevelDBOptions.creatingIfMissing
            options.errorIfExists = true
            let error = #expect(throws: KeyValueError.self) { try LevelDBStore(path: path, options: options) }
            #expect(error?.kind == .invalidArgument)
            #expect(error?.message.contains("exists") == true)
        }
    }

    @Test("a second open of the same path fails on the LOCK file until the first is closed")
    func lock() throws {
        try withTemporaryDirectory { root in
            let path = root.appendingPathComponent("db").path
            let first = try LevelDBStore(path: path, options: .creatingIfMissing)
            try first.put(b("k"), b("v"), sync: true)
            let error = #expect(throws: KeyValueError.self) { try LevelDBStore(path: path) }
            #expect(error?.kind == .ioError)
            #expect(error?.message.contains("LOCK") == true)
            #expect(error.map { "\($0)" }?.contains("another process") == true)
            first.close()
            #expect(first.isClosed)
            let second = try LevelDBStore(path: path)
            #expect(try second.get(b("k")) == b("v"))
            second.close()
        }
    }

    @Test("close waits for the last snapshot and cursor before releasing the LOCK")
    func closeWithSnapshot() throws {
        try withTemporaryDirectory { root in
            let path = root.appendingPathComponent("db").path
            let store = try LevelDBStore(path: path, options: .creatingIfMissing)
            try store.put(b("k"), b("v"), sync: true)
            var snapshot: LevelDBSnapshot? = try store.snapshot()
            var cursor: LevelDBCursor? = try snapshot?.makeCursor()
            store.close()
            #expect(throws: KeyValueError.self) { try LevelDBStore(path: path) }
            #expect(try snapshot?.get(b("k")) == b("v"))
            snapshot = nil
            try cursor?.seekToFirst()
            #expect(cursor?.key == b("k"))
            cursor = nil
            let reopened = try LevelDBStore(path: path)
            #expect(try reopened.get(b("k")) == b("v"))
            reopened.close()
        }
    }

    @Test("every option combination opens, writes and reads", arguments: [
        (LevelDBOptions.Compression.none, 0, nil as Int?), (.snappy, 10, 1 << 20), (.none, 16, 64 << 10),
    ])
    func options(compression: LevelDBOptions.Compression, bloomBits: Int, cacheBytes: Int?) throws {
        try withTemporaryDirectory { root in
            var options = LevelDBOptions.creatingIfMissing
            options.compression = compression
            options.bloomFilterBitsPerKey = bloomBits
            options.blockCacheBytes = cacheBytes
            options.paranoidChecks = true
            options.writeBufferBytes = 64 << 10
            options.blockSizeBytes = 1024
            options.maxOpenFiles = 64
            options.verifyChecksums = false
            let store = try LevelDBStore(path: root.appendingPathComponent("db").path, options: options)
            // Enough to flush several memtables of 64 KiB into table files.
            for index in 0..<2000 {
                try store.put(b("key\(index)"), Array(repeating: UInt8(index % 251), count: 200), sync: false)
            }
            try store.compact(.all)
            #expect(try store.get(b("key1234")) == Array(repeating: UInt8(1234 % 251), count: 200))
            #expect(try store.get(b("key2000")) == nil)
            #expect(try store.scan(prefix: b("key19")).count == 111)
            store.close()
        }
    }

    @Test("compression shrinks repetitive values on disk")
    func compression() throws {
        var sizes: [LevelDBOptions.Compression: UInt64] = [:]
        for compression in [LevelDBOptions.Compression.none, .snappy] {
            try withTemporaryDirectory { root in
                var options = LevelDBOptions.creatingIfMissing
                options.compression = compression
                let store = try LevelDBStore(path: root.appendingPathComponent("db").path, options: options)
                for index in 0..<500 {
                    try store.put(b("k\(index)"), Array(repeating: 0x61, count: 1000), sync: false)
                }
                try store.compact(.all)
                sizes[compression] = try store.approximateSize(of: .all)
                store.close()
            }
        }
        #expect(sizes[.none]! > 400_000)
        #expect(sizes[.snappy]! < sizes[.none]! / 4)
    }

    @Test("properties: stats, level counts, and nil for an unknown name")
    func properties() throws {
        let harness = try Harness(.leveldb)
        let store = try #require(harness.store as? LevelDBStore)
        for index in 0..<100 { try store.put(b("k\(index)"), b("v"), sync: false) }
        try store.compact(.all)
        let stats = try #require(try store.property("leveldb.stats"))
        #expect(stats.contains("Compactions"))
        #expect(try store.property("leveldb.num-files-at-level0") == "0")
        #expect(try store.property("leveldb.sstables") != nil)
        #expect(try store.property("leveldb.no-such-property") == nil)
    }

    @Test("destroy removes a database; destroying a missing one is fine")
    func destroy() throws {
        try withTemporaryDirectory { root in
            let path = root.appendingPathComponent("db").path
            let store = try LevelDBStore(path: path, options: .creatingIfMissing)
            try store.put(b("k"), b("v"), sync: true)
            // Open: the LOCK is held, so destroy must refuse.
            #expect(throws: KeyValueError.self) { try LevelDBStore.destroy(path: path) }
            store.close()
            try LevelDBStore.destroy(path: path)
            #expect(throws: KeyValueError.self) { try LevelDBStore(path: path) }
            try LevelDBStore.destroy(path: path)
        }
    }

    @Test("repair keeps a healthy database's data")
    func repair() throws {
        try withTemporaryDirectory { root in
            let path = root.appendingPathComponent("db").path
            let store = try LevelDBStore(path: path, options: .creatingIfMissing)
            for index in 0..<100 { try store.put(b("k\(index)"), b("v\(index)"), sync: false) }
            try store.compact(.all)
            try store.put(b("in-log"), b("x"), sync: true)
            store.close()
            try LevelDBStore.repair(path: path)
            let repaired = try LevelDBStore(path: path)
            #expect(try repaired.scan().count == 101)
            #expect(try repaired.get(b("in-log")) == b("x"))
            repaired.close()
        }
    }

    @Test("a damaged table file is reported as corruption by get and by a cursor")
    func corruption() throws {
        try withTemporaryDirectory { root in
            let path = root.appendingPathComponent("db").path
            var options = LevelDBOptions.creatingIfMissing
            options.compression = .none
            options.bloomFilterBitsPerKey = 0
            let store = try LevelDBStore(path: path, options: options)
            for index in 0..<1000 {
                try store.put(b(String(format: "k%04d", index)), Array(repeating: 0x42, count: 100), sync: false)
            }
            try store.compact(.all)
            store.close()

            let tables = try FileManager.default.contentsOfDirectory(atPath: path).filter { $0.hasSuffix(".ldb") }
            let table = try #require(tables.first)
            let url = URL(fileURLWithPath: path).appendingPathComponent(table)
            var bytes = try Data(contentsOf: url)
            // Damage the data blocks (the first third), not the index and footer at the end.
            for offset in stride(from: 100, to: bytes.count / 3, by: 50) { bytes[offset] ^= 0xFF }
            try bytes.write(to: url)

            let damaged = try LevelDBStore(path: path, options: options)
            let getError = #expect(throws: KeyValueError.self) { try damaged.get(b("k0001")) }
            #expect(getError?.kind == .corruption)
            #expect(getError.map { "\($0)" }?.contains("repair") == true)
            let scanError = #expect(throws: KeyValueError.self) { try damaged.scan() }
            #expect(scanError?.kind == .corruption)
            #expect(scanError?.operation == .iterate)
            damaged.close()
        }
    }
}

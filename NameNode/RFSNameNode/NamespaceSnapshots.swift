import Foundation
import Logging
import RFSFileIO
import RFSKeyValue
import RFSNamespace
import RFSRaft

/// Where a namenode keeps its namespace store, and the stores snapshots bring.
///
/// The store in use is the LevelDB directory named in `namespace.current` (`namespace` when
/// that file is absent: a namenode that never installed a snapshot). A snapshot from the
/// leader is written into `snapshot-<index>.incoming`, made durable, and renamed
/// `namespace-<index>` with a `SNAPSHOT` file naming its index and term; installing it
/// rewrites `namespace.current` (atomically: a temporary file renamed over it). Whatever else
/// is found at start (an unfinished or an old store) is deleted.
struct NamespaceDirectory: Sendable {
    let root: String
    static let initialStore = "namespace"
    static let currentFile = "namespace.current"
    static let markerFile = "SNAPSHOT"

    /// The store directory in use.
    func currentStore() throws -> String {
        let file = root + "/" + Self.currentFile
        guard FileManager.default.fileExists(atPath: file) else { return root + "/" + Self.initialStore }
        let name = try String(contentsOfFile: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty, !name.contains("/") else {
            throw NamespaceSnapshotError.badDirectory("\(file) names no store directory")
        }
        return root + "/" + name
    }

    func incomingStore(index: UInt64) -> String { root + "/snapshot-\(index).incoming" }
    func installedStore(index: UInt64) -> String { root + "/namespace-\(index)" }

    /// The snapshot a store was installed from: its index and term (nil for a store built by
    /// applying the log).
    func snapshotPoint(ofStore store: String) throws -> (index: UInt64, term: UInt64)? {
        let file = store + "/" + Self.markerFile
        guard FileManager.default.fileExists(atPath: file) else { return nil }
        let fields = try String(contentsOfFile: file, encoding: .utf8).split(whereSeparator: \.isWhitespace)
        guard fields.count == 2, let index = UInt64(fields[0]), let term = UInt64(fields[1]) else {
            throw NamespaceSnapshotError.badDirectory("\(file) is not '<index> <term>'")
        }
        return (index, term)
    }

    /// Makes `store` the one in use, durably.
    func switchCurrent(to store: String) throws {
        let name = (store as NSString).lastPathComponent
        let temporary = root + "/" + Self.currentFile + ".tmp"
        try DurableFiles.write(Array((name + "\n").utf8), to: temporary)
        try DurableFiles.rename(temporary, to: root + "/" + Self.currentFile, directory: root)
    }

    /// Deletes every store directory but the one in use (unfinished snapshots, replaced stores).
    func removeStores(except current: String, logger: Logger) {
        let keep = (current as NSString).lastPathComponent
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        for name in names where name != keep && Self.isStoreName(name) {
            do {
                try FileManager.default.removeItem(atPath: root + "/" + name)
                logger.info("removed a namespace store no longer in use", metadata: ["directory": "\(root)/\(name)"])
            } catch {
                logger.warning("could not remove a namespace store no longer in use",
                               metadata: ["directory": "\(root)/\(name)", "error": "\(error)"])
            }
        }
    }

    static func isStoreName(_ name: String) -> Bool {
        name == initialStore || (name.hasPrefix("namespace-") && UInt64(name.dropFirst("namespace-".count)) != nil)
            || (name.hasPrefix("snapshot-") && name.hasSuffix(".incoming"))
    }
}

enum NamespaceSnapshotError: Error, CustomStringConvertible {
    case badDirectory(String)
    case malformed(String)
    case wrongIndex(expected: UInt64, found: UInt64)

    var description: String {
        switch self {
        case .badDirectory(let why): "namespace directory: \(why)"
        case .malformed(let why): "malformed snapshot stream: \(why)"
        case .wrongIndex(let expected, let found): "the snapshot's store is at index \(found), not \(expected)"
        }
    }
}

/// The snapshot stream: every key-value pair of the store in key order, each as a 4-byte
/// big-endian key length, a 4-byte value length, the key, the value. Chunks end on a pair.
enum SnapshotStreamFormat {
    static func append(key: [UInt8], value: [UInt8], to bytes: inout [UInt8]) {
        for length in [UInt32(key.count), UInt32(value.count)] {
            withUnsafeBytes(of: length.bigEndian) { bytes.append(contentsOf: $0) }
        }
        bytes.append(contentsOf: key)
        bytes.append(contentsOf: value)
    }

    /// The pairs of one chunk, as one write batch.
    static func batch(from bytes: [UInt8]) throws -> WriteBatch {
        var batch = WriteBatch()
        var position = 0
        func length(at offset: Int) -> Int {
            Int(bytes[offset..<offset + 4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
        }
        while position < bytes.count {
            guard bytes.count - position >= 8 else { throw NamespaceSnapshotError.malformed("a pair's header is cut") }
            let keyLength = length(at: position)
            let valueLength = length(at: position + 4)
            let keyStart = position + 8
            guard bytes.count - keyStart >= keyLength + valueLength else {
                throw NamespaceSnapshotError.malformed("a pair is cut (\(keyLength)+\(valueLength) bytes at \(position))")
            }
            let valueStart = keyStart + keyLength
            batch.put(Array(bytes[keyStart..<valueStart]), Array(bytes[valueStart..<valueStart + valueLength]))
            position = valueStart + valueLength
        }
        return batch
    }
}

/// Reads a LevelDB snapshot of the namespace store for a follower, in key order.
final class StoreSnapshotReader: RaftSnapshotReader, @unchecked Sendable {
    // @unchecked is safe: one stream task reads it, one chunk after another.
    let index: UInt64
    private let snapshot: LevelDBSnapshot
    private let cursor: LevelDBCursor

    init(store: LevelDBStore) throws {
        snapshot = try store.snapshot()
        guard let counters = try NamespaceReads(reader: StoreReader(snapshot), configuration: NamespaceConfiguration()).counters() else {
            throw NamespaceSnapshotError.malformed("the store is not formatted")
        }
        index = counters.lastAppliedIndex
        cursor = try snapshot.makeCursor()
        try cursor.seekToFirst()
    }

    func next(maxBytes: Int) throws -> [UInt8]? {
        guard cursor.isValid else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(maxBytes)
        while cursor.isValid && (bytes.isEmpty || bytes.count < maxBytes) {
            SnapshotStreamFormat.append(key: cursor.key, value: cursor.value, to: &bytes)
            try cursor.next()
        }
        return bytes
    }
}

/// Writes an incoming snapshot into a new LevelDB store beside the one in use.
final class StoreSnapshotWriter: RaftSnapshotWriter, @unchecked Sendable {
    // @unchecked is safe: the Raft member calls it from its actor, one chunk after another.
    private let directory: NamespaceDirectory
    private let path: String
    private let index: UInt64
    private var store: LevelDBStore?

    init(directory: NamespaceDirectory, meta: SnapshotMeta, options: LevelDBOptions) throws {
        self.directory = directory
        index = meta.index
        path = directory.incomingStore(index: meta.index)
        for leftover in [path, directory.installedStore(index: meta.index)] where FileManager.default.fileExists(atPath: leftover) {
            try FileManager.default.removeItem(atPath: leftover)
        }
        var options = options
        options.createIfMissing = true
        options.errorIfExists = true
        store = try LevelDBStore(path: path, options: options)
    }

    func write(_ bytes: [UInt8]) throws {
        guard let store else { throw NamespaceSnapshotError.malformed("the snapshot was already finished") }
        try store.write(try SnapshotStreamFormat.batch(from: bytes), sync: false)
    }

    func finish(_ meta: SnapshotMeta) throws {
        guard let store else { throw NamespaceSnapshotError.malformed("the snapshot was already finished") }
        let counters = try NamespaceReads(reader: StoreReader(store), configuration: NamespaceConfiguration()).counters()
        guard let applied = counters?.lastAppliedIndex, applied == meta.index else {
            throw NamespaceSnapshotError.wrongIndex(expected: meta.index, found: counters?.lastAppliedIndex ?? 0)
        }
        try store.sync()
        store.close()
        self.store = nil
        try DurableFiles.write(Array("\(meta.index) \(meta.term)\n".utf8), to: path + "/" + NamespaceDirectory.markerFile)
        try DurableFiles.rename(path, to: directory.installedStore(index: index), directory: directory.root)
    }

    func discard() {
        store?.close()
        store = nil
        for leftover in [path, directory.installedStore(index: index)] {
            try? FileManager.default.removeItem(atPath: leftover)
        }
    }
}

/// Small durable file operations (RFSFileIO's calls): written and fsynced; renamed and the
/// directory fsynced.
enum DurableFiles {
    static func write(_ bytes: [UInt8], to path: String) throws {
        let descriptor = try FileIO.open(path, flags: O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC)
        defer { FileIO.close(descriptor) }
        let written: Result<Void, FileIOError> = bytes.withUnsafeBytes { buffer in
            Result { () throws(FileIOError) in try FileIO.write(descriptor, buffer, at: 0, path: path) }
        }
        try written.get()
        try FileIO.syncFile(descriptor, path: path)
    }

    static func rename(_ from: String, to: String, directory: String) throws {
        try FileIO.rename(from, to: to)
        try FileIO.syncDirectory(directory)
    }
}

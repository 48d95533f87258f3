import Foundation
import RFSKeyValue
import Testing

/// The two backends the behavioural suite runs on.
enum Backend: String, CaseIterable, CustomStringConvertible, Sendable {
    case leveldb, memory

    var description: String { rawValue }
}

/// A fresh store of one backend, which can be closed and reopened on the same "disk".
final class Harness {
    let backend: Backend
    private(set) var store: any KeyValueStore
    /// The LevelDB directory (inside `root`); nil for the memory backend.
    let directory: URL?
    private let root: URL?

    init(_ backend: Backend, options: LevelDBOptions = .creatingIfMissing) throws {
        self.backend = backend
        switch backend {
        case .leveldb:
            let root = try makeTemporaryDirectory()
            let directory = root.appendingPathComponent("db")
            self.root = root
            self.directory = directory
            store = try LevelDBStore(path: directory.path, options: options)
        case .memory:
            root = nil
            directory = nil
            store = MemoryStore()
        }
    }

    /// Closes the store and opens the same database again, as a restarted process would.
    func reopen() throws {
        switch store {
        case let memory as MemoryStore:
            store = memory.reopen()
        case let leveldb as LevelDBStore:
            leveldb.close()
            store = try LevelDBStore(path: leveldb.path, options: leveldb.options)
        default:
            Issue.record("unknown store \(type(of: store))")
        }
    }

    deinit {
        store.close()
        if let root { try? FileManager.default.removeItem(at: root) }
    }
}

func makeTemporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("rfs-kv-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Runs `body` with a fresh temporary directory and removes it afterwards.
func withTemporaryDirectory<R>(_ body: (URL) throws -> R) throws -> R {
    let url = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: url) }
    return try body(url)
}

/// Bytes of a string, for readable keys.
func b(_ text: String) -> [UInt8] { Array(text.utf8) }

/// SplitMix64: a tiny seeded generator, so failures replay.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476C_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// `count` bytes that do not compress.
    mutating func bytes(_ count: Int) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: count)
        result.withUnsafeMutableBytes { raw in
            var offset = 0
            while offset < count {
                var word = next()
                let chunk = min(8, count - offset)
                withUnsafeBytes(of: &word) { raw.baseAddress!.advanced(by: offset).copyMemory(from: $0.baseAddress!, byteCount: chunk) }
                offset += chunk
            }
        }
        return result
    }
}

extension Array where Element == KeyValuePair {
    var keys: [[UInt8]] { map(\.key) }
}

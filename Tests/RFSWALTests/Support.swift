import Foundation
import Logging
import RFSWAL
import Testing

/// A fresh directory under the system's temporary directory, removed after `body`.
func withTemporaryDirectory<R>(_ body: (String) async throws -> R) async throws -> R {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("rfs-wal-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: url) }
    return try await body(url.path + "/wal")
}

/// Payload `n` of a test: `size` bytes that depend on `n`, so a record read back under the
/// wrong index does not compare equal.
func payload(_ n: UInt64, size: Int = 100) -> [UInt8] {
    (0..<size).map { UInt8(truncatingIfNeeded: UInt64($0) &* 31 &+ n &* 131 &+ 7) }
}

/// Bytes one record of `payloadBytes` takes on disk (the 24-byte header plus the payload).
func recordBytes(_ payloadBytes: Int = 100) -> Int { 24 + payloadBytes }

func segmentFileName(_ firstIndex: UInt64) -> String {
    let decimal = String(firstIndex)
    return "wal-" + String(repeating: "0", count: 20 - decimal.count) + decimal + ".log"
}

/// The segment files of a WAL directory, sorted.
func segmentFiles(_ directory: String) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".log") }.sorted()
}

func fileSize(_ path: String) throws -> Int {
    (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? -1
}

func truncateFile(_ path: String, to size: Int) throws {
    let handle = try #require(FileHandle(forWritingAtPath: path))
    defer { try? handle.close() }
    try handle.truncate(atOffset: UInt64(size))
}

func appendToFile(_ path: String, _ bytes: [UInt8]) throws {
    let handle = try #require(FileHandle(forWritingAtPath: path))
    defer { try? handle.close() }
    try handle.seekToEnd()
    try handle.write(contentsOf: Data(bytes))
}

/// Overwrites `bytes` at `offset` (the file grows if it ends before).
func writeFile(_ path: String, _ bytes: [UInt8], at offset: Int) throws {
    let handle = try #require(FileHandle(forWritingAtPath: path))
    defer { try? handle.close() }
    try handle.seek(toOffset: UInt64(offset))
    try handle.write(contentsOf: Data(bytes))
}

func flipByte(_ path: String, at offset: Int) throws {
    var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
    bytes[offset] ^= 0x5A
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}

/// Opens, appends `count` records (payload(n) for index n, one call each), closes.
func writeLog(_ directory: String, count: UInt64, options: WALOptions = WALOptions(), term: UInt64 = 1) async throws {
    let wal = try WriteAheadLog.open(directory: directory, options: options, logger: quietLogger)
    for n in 1...count {
        let range = try await wal.append([payload(n)], term: term)
        #expect(range == n...n)
    }
    wal.close()
}

/// Reads every record and checks that index n holds payload(n).
func expectRecords(_ wal: WriteAheadLog, _ indexes: ClosedRange<UInt64>, term: UInt64 = 1,
                   sourceLocation: SourceLocation = #_sourceLocation) throws {
    let records = try wal.read(from: indexes.lowerBound)
    #expect(records.map(\.index) == Array(indexes), sourceLocation: sourceLocation)
    #expect(records.allSatisfy { $0.payload == payload($0.index) && $0.term == term }, sourceLocation: sourceLocation)
}

let quietLogger = Logger(label: "rfs.wal.test") { _ in SwiftLogNoOpLogHandler() }

/// Log lines a WAL emitted, for the tests that check what an operator sees.
final class LogCapture: @unchecked Sendable {
    // @unchecked is safe: `entries` is only touched with `lock` held.
    private let lock = NSLock()
    private var entries: [(level: Logger.Level, message: String)] = []

    var lines: [(level: Logger.Level, message: String)] { lock.withLock { entries } }

    var logger: Logger {
        var logger = Logger(label: "rfs.wal.test") { _ in Handler(capture: self) }
        logger.logLevel = .trace
        return logger
    }

    fileprivate func record(_ level: Logger.Level, _ message: String) {
        lock.withLock { entries.append((level, message)) }
    }

    private struct Handler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            capture.record(event.level, event.message.description)
        }
    }
}

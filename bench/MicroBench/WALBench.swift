import Dispatch
import Foundation
import Logging
import RFSWAL

/// The WAL benchmark: 200-byte records (the size of a namespace edit) appended with fsync on by
/// 1 and by 64 concurrent appenders, next to the disk's own fsync rate measured in the same run
/// (a loop of one 200-byte `pwrite` + `fdatasync` per record). Group commit shows as records/s
/// far above the baseline's, with fsyncs/s near it. A row with fsync off gives the WAL's CPU
/// ceiling.
func runWALBench(quick: Bool) -> [String] {
    let recordBytes = 200
    let serialRecords = quick ? 300 : 3_000
    let recordsPerAppender = quick ? 40 : 400
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("rfs-walbench-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: root) }
    do {
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        var lines = [
            "wal: \(recordBytes)-byte records; baseline = one pwrite+fdatasync per record on the same disk, same run",
            walBenchPad(["case", "records", "records/s", "fsyncs/s", "rec/fsync", "x baseline"]),
        ]
        // A first, unreported round: this disk's first fsyncs after a pause run slower.
        _ = try walBenchRawFsync(path: root + "/raw.dat", records: 200, recordBytes: recordBytes)
        let baseline = try walBenchRawFsync(path: root + "/raw.dat", records: serialRecords, recordBytes: recordBytes)
        lines.append(baseline.row("raw fdatasync", baseline: baseline.recordsPerSecond))
        let cases: [(String, Int, Int, Bool)] = [
            ("1 appender", 1, serialRecords, true),
            ("64 appenders", 64, recordsPerAppender, true),
            ("64, no fsync", 64, recordsPerAppender, false),
        ]
        for (index, (name, appenders, perAppender, fsync)) in cases.enumerated() {
            let result = try walBenchAppend(directory: root + "/wal\(index)", appenders: appenders,
                                            recordsPerAppender: perAppender, recordBytes: recordBytes, fsync: fsync)
            lines.append(result.row(name, baseline: baseline.recordsPerSecond))
        }
        // The baseline again: a disk shared with other work drifts, and this shows by how much.
        let after = try walBenchRawFsync(path: root + "/raw.dat", records: serialRecords, recordBytes: recordBytes)
        lines.append(after.row("raw fdatasync, again", baseline: baseline.recordsPerSecond))
        return lines
    } catch {
        return ["wal: failed: \(error)"]
    }
}

private struct WALBenchResult {
    var records: Int
    var fsyncs: Int
    var seconds: Double

    var recordsPerSecond: Double { Double(records) / seconds }

    func row(_ name: String, baseline: Double) -> String {
        walBenchPad([
            name, String(records), walBenchRound(recordsPerSecond), walBenchRound(Double(fsyncs) / seconds),
            fsyncs > 0 ? walBenchRound(Double(records) / Double(fsyncs)) : "-",
            walBenchRound(recordsPerSecond / baseline) + "x",
        ])
    }
}

/// The disk's fsync rate: append one record, fdatasync, repeat.
private func walBenchRawFsync(path: String, records: Int, recordBytes: Int) throws -> WALBenchResult {
    let descriptor = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard descriptor >= 0 else { throw WALError.io(operation: "open", path: path, code: errno) }
    defer { close(descriptor) }
    let record = [UInt8](repeating: 0x5A, count: recordBytes)
    let clock = ContinuousClock()
    let start = clock.now
    for index in 0..<records {
        let written = record.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, off_t(index * recordBytes)) }
        guard written == recordBytes else { throw WALError.io(operation: "pwrite", path: path, code: errno) }
        guard fdatasync(descriptor) == 0 else { throw WALError.io(operation: "fdatasync", path: path, code: errno) }
    }
    return WALBenchResult(records: records, fsyncs: records, seconds: walBenchSeconds(clock.now - start))
}

/// `appenders` tasks each appending `recordsPerAppender` records, one per call, to a fresh WAL.
private func walBenchAppend(directory: String, appenders: Int, recordsPerAppender: Int, recordBytes: Int,
                            fsync: Bool) throws -> WALBenchResult {
    let quiet = Logger(label: "rfs.walbench") { _ in SwiftLogNoOpLogHandler() }
    let wal = try WriteAheadLog.open(directory: directory, options: WALOptions(fsync: fsync), logger: quiet)
    defer { wal.close() }
    let record = [UInt8](repeating: 0xA5, count: recordBytes)
    let clock = ContinuousClock()
    let start = clock.now
    try walBenchBlock {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<appenders {
                group.addTask {
                    for _ in 0..<recordsPerAppender { try await wal.append([record], term: 0) }
                }
            }
            try await group.waitForAll()
        }
    }
    let seconds = walBenchSeconds(clock.now - start)
    return WALBenchResult(records: appenders * recordsPerAppender, fsyncs: Int(wal.stats.fsyncs), seconds: seconds)
}

/// Runs async work from the synchronous bench command and waits for it.
private func walBenchBlock(_ body: @escaping @Sendable () async throws -> Void) throws {
    final class Outcome: @unchecked Sendable {
        // @unchecked is safe: `error` is written once before `done.signal()` and read after `done.wait()`.
        var error: (any Error)?
        let done = DispatchSemaphore(value: 0)
    }
    let outcome = Outcome()
    Task {
        do { try await body() } catch { outcome.error = error }
        outcome.done.signal()
    }
    outcome.done.wait()
    if let error = outcome.error { throw error }
}

private func walBenchSeconds(_ duration: Duration) -> Double {
    let parts = duration.components
    return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
}

private func walBenchRound(_ value: Double) -> String {
    value >= 100 ? String(Int(value.rounded())) : String((value * 10).rounded() / 10)
}

private func walBenchPad(_ columns: [String]) -> String {
    columns.enumerated().map { index, column in
        let width = index == 0 ? 22 : 12
        return column.count >= width ? column + " " : column + String(repeating: " ", count: width - column.count)
    }.joined()
}

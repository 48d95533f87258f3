import Foundation
import RFSWAL
import Synchronization
import Testing

@Suite("WAL group commit and failures")
struct GroupCommitTests {
    @Test("completions run in index order, then the batch observer, once per group commit")
    func completionsThenObserver() async throws {
        try await withTemporaryDirectory { directory in
            let wal = try WriteAheadLog.open(directory: directory, logger: quietLogger)
            // What the writer thread did, in order: "c<index>" per completion, "b" per batch.
            let events = Locked<[String]>([])
            wal.onBatchDurable { events.withLock { $0.append("b") } }
            await withTaskGroup(of: Void.self) { group in
                for n in 0..<200 {
                    group.addTask {
                        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
                            wal.append([payload(UInt64(n), size: 100)], term: 1) { result in
                                let index = (try? result.get())?.lowerBound ?? 0
                                events.withLock { $0.append("c\(index)") }
                                done.resume()
                            }
                        }
                    }
                }
            }
            // The last batch's observer runs after its completions resumed the waiters.
            for _ in 0..<100 where events.withLock({ $0.last }) != "b" { try await Task.sleep(for: .milliseconds(10)) }
            let log = events.withLock { $0 }
            #expect(log.filter { $0.hasPrefix("c") } == (1...200).map { "c\($0)" })
            #expect(log.last == "b" && log.filter { $0 == "b" }.count == Int(wal.stats.batches))
            // A rejected append completes at once with its error, and is not a batch.
            let rejected = Locked<WALError?>(nil)
            wal.append([[UInt8](repeating: 0, count: wal.options.maxRecordBytes + 1)], term: 1) { result in
                if case .failure(let error) = result { rejected.withLock { $0 = error } }
            }
            #expect(rejected.withLock { $0 } != nil)
        }
    }

    @Test("64 concurrent appenders of 20 records each share fsyncs")
    func concurrentAppendersShareFsyncs() async throws {
        try await withTemporaryDirectory { directory in
            let wal = try WriteAheadLog.open(directory: directory, logger: quietLogger)
            let perTask = 20
            let ranges = try await withThrowingTaskGroup(of: [ClosedRange<UInt64>].self) { group in
                for task in 0..<64 {
                    group.addTask {
                        // Payloads made first, so that the loop is only appends: a debug build's
                        // per-byte loop here would thin out what arrives during each fsync.
                        let payloads = (0..<perTask).map { payload(UInt64(task * 1000 + $0), size: 200) }
                        var ranges: [ClosedRange<UInt64>] = []
                        for record in payloads {
                            ranges.append(try await wal.append([record], term: 1))
                        }
                        return ranges
                    }
                }
                var all: [[ClosedRange<UInt64>]] = []
                for try await ranges in group { all.append(ranges) }
                return all
            }
            // Each task's records got increasing indexes, and together they are 1...1280 once each.
            for taskRanges in ranges {
                #expect(zip(taskRanges, taskRanges.dropFirst()).allSatisfy { $0.upperBound < $1.lowerBound })
            }
            #expect(ranges.flatMap { $0.map(\.lowerBound) }.sorted() == Array(1...1280))
            let stats = wal.stats
            #expect(stats.records == 1280 && stats.appends == 1280)
            #expect(stats.fsyncs < 1280 / 2, "fsyncs: \(stats.fsyncs)")
            #expect(stats.fsyncs == stats.batches)
            print("group commit: 1280 records from 64 tasks in \(stats.fsyncs) fsyncs")
            #expect(wal.lastIndex == 1280)
            #expect(try wal.read(from: 1).count == 1280)
            wal.close()
        }
    }

    @Test("a failed write fails its batch, then every later operation, with one log line")
    func writeFailureFailsTheWAL() async throws {
        try await withTemporaryDirectory { directory in
            // A segment that is /dev/full: opening it finds an empty segment, writing to it
            // fails with ENOSPC, as a full disk would.
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: directory + "/" + segmentFileName(1),
                                                       withDestinationPath: "/dev/full")
            let capture = LogCapture()
            let wal = try WriteAheadLog.open(directory: directory, logger: capture.logger)
            let errors = await withTaskGroup(of: WALError?.self) { group in
                for n in UInt64(1)...8 {
                    group.addTask {
                        do throws(WALError) {
                            try await wal.append([payload(n)], term: 1)
                            return nil
                        } catch {
                            return error
                        }
                    }
                }
                var errors: [WALError?] = []
                for await error in group { errors.append(error) }
                return errors
            }
            #expect(errors.allSatisfy { $0 != nil })
            #expect(errors.contains { if case .io(operation: "write", _, code: ENOSPC) = $0 { true } else { false } })
            let later = await #expect(throws: WALError.self) { try await wal.append([payload(9)], term: 1) }
            guard case .failed(cause: .io(_, _, ENOSPC))? = later else {
                Issue.record("expected .failed(.io(ENOSPC)), got \(String(describing: later))")
                return
            }
            #expect(throws: WALError.self) { try wal.truncateSuffix(after: 0) }
            #expect(throws: WALError.self) { try wal.compactPrefix(through: 0) }
            #expect(wal.lastIndex == 0 && wal.stats.fsyncs == 0)
            #expect(capture.lines.filter { $0.level == .error }.count == 1)
            #expect(capture.lines.contains { $0.message.contains("stopped accepting writes") })
            wal.close()
        }
    }

    @Test("a closed WAL refuses appends and reads; close is idempotent")
    func closed() async throws {
        try await withTemporaryDirectory { directory in
            let wal = try WriteAheadLog.open(directory: directory, logger: quietLogger)
            try await wal.append([payload(1)], term: 1)
            wal.close()
            wal.close()
            await #expect(throws: WALError.closed(directory: directory)) { try await wal.append([payload(2)], term: 1) }
            #expect(throws: WALError.closed(directory: directory)) { try wal.read(from: 1) }
            #expect(wal.lastIndex == 1)
        }
    }

    @Test("dropping the last reference stops the writer and releases the lock")
    func deinitCloses() async throws {
        try await withTemporaryDirectory { directory in
            do {
                let wal = try WriteAheadLog.open(directory: directory, logger: quietLogger)
                try await wal.append([payload(1)], term: 1)
            }
            let again = try WriteAheadLog.open(directory: directory, logger: quietLogger)
            #expect(again.lastIndex == 1)
            again.close()
        }
    }
}

/// A value behind a lock that escaping closures can share (a `Mutex` cannot be captured).
final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>
    init(_ value: Value) { mutex = Mutex(value) }
    func withLock<T>(_ body: (inout Value) -> T) -> T { mutex.withLock { body(&$0) } }
}

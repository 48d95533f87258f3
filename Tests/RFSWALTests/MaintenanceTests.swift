import Foundation
import RFSWAL
import Testing

/// The Raft-ready operations: suffix truncation, prefix compaction, caller-indexed appends.
@Suite("WAL truncation, compaction and caller-indexed appends")
struct MaintenanceTests {
    /// 5 records of 124 bytes per segment with this size (see AppendReadTests.rollover).
    static let options = WALOptions(segmentBytes: 500)

    func open(_ directory: String) throws -> WriteAheadLog {
        try WriteAheadLog.open(directory: directory, options: Self.options, logger: quietLogger)
    }

    @Test("truncateSuffix inside a segment, across segments, at a boundary, and to empty; then reopen")
    func truncateSuffix() async throws {
        try await withTemporaryDirectory { directory in
            try await writeLog(directory, count: 30, options: Self.options)
            let wal = try open(directory)
            #expect(try segmentFiles(directory).count == 6)

            try wal.truncateSuffix(after: 28)
            #expect(wal.lastIndex == 28 && wal.lastTerm == 1)
            try wal.truncateSuffix(after: 12)
            #expect(wal.lastIndex == 12)
            #expect(try segmentFiles(directory) == [1, 6, 11].map(segmentFileName))
            #expect(try fileSize(directory + "/" + segmentFileName(11)) == 2 * recordBytes())
            try expectRecords(wal, 1...12)
            #expect(try wal.read(from: 13).isEmpty)
            #expect(throws: WALError.indexOutOfRange(index: 14, firstIndex: 1, lastIndex: 12)) { try wal.read(from: 14) }
            // Appends continue at 13, with the new term.
            #expect(try await wal.append([payload(13)], term: 2) == 13...13)
            #expect(wal.lastTerm == 2)

            // At a segment boundary: segment 11 goes entirely; the next append rolls again.
            try wal.truncateSuffix(after: 10)
            #expect(try segmentFiles(directory) == [1, 6].map(segmentFileName))
            #expect(wal.lastIndex == 10 && wal.lastTerm == 1)
            #expect(try await wal.append([payload(11)], term: 1) == 11...11)
            #expect(try segmentFiles(directory) == [1, 6, 11].map(segmentFileName))

            // Nothing to do past the end.
            try wal.truncateSuffix(after: 100)
            #expect(wal.lastIndex == 11)
            wal.close()

            let reopened = try open(directory)
            #expect(reopened.recovery.bytesCut == 0 && reopened.lastIndex == 11)
            try expectRecords(reopened, 1...11)

            // To empty: firstIndex - 1; below that is refused.
            try reopened.compactPrefix(through: 0)  // nothing to compact
            try reopened.truncateSuffix(after: 0)
            #expect(reopened.lastIndex == 0 && reopened.firstIndex == 1 && reopened.lastTerm == 0)
            #expect(try segmentFiles(directory) == [segmentFileName(1)])
            #expect(try await reopened.append([payload(1)], term: 3) == 1...1)
            reopened.close()
        }
    }

    @Test("restart drops every record and continues after the given index, behind or ahead of the log; then reopen")
    func restart() async throws {
        try await withTemporaryDirectory { directory in
            try await writeLog(directory, count: 12, options: Self.options)
            let wal = try open(directory)
            // Ahead of the log (a snapshot past everything it holds).
            try wal.restart(after: 40)
            #expect(wal.firstIndex == 41 && wal.lastIndex == 40)
            #expect(try segmentFiles(directory) == [segmentFileName(41)])
            #expect(try wal.read(from: 41).isEmpty)
            #expect(try await wal.append(records: [WALRecord(index: 41, term: 5, payload: payload(41))]) == 41...41)
            // Behind its end (a snapshot whose index the log held with another term).
            try wal.restart(after: 38)
            #expect(wal.firstIndex == 39 && wal.lastIndex == 38)
            #expect(try await wal.append([payload(39), payload(40)], term: 6) == 39...40)
            wal.close()

            let reopened = try open(directory)
            #expect(reopened.firstIndex == 39 && reopened.lastIndex == 40 && reopened.lastTerm == 6)
            try expectRecords(reopened, 39...40, term: 6)
            reopened.close()
        }
    }

    @Test("compactPrefix deletes whole segments at or below the index, never the active one")
    func compactPrefix() async throws {
        try await withTemporaryDirectory { directory in
            try await writeLog(directory, count: 30, options: Self.options)
            let wal = try open(directory)
            try wal.compactPrefix(through: 3)
            #expect(wal.firstIndex == 1)
            #expect(try segmentFiles(directory).count == 6)
            try wal.compactPrefix(through: 12)
            #expect(wal.firstIndex == 11)
            #expect(try segmentFiles(directory) == [11, 16, 21, 26].map(segmentFileName))
            #expect(throws: WALError.indexOutOfRange(index: 10, firstIndex: 11, lastIndex: 30)) { try wal.read(from: 10) }
            try expectRecords(wal, 11...30)
            // Truncating below what compaction kept is refused.
            #expect(throws: WALError.indexOutOfRange(index: 9, firstIndex: 11, lastIndex: 30)) {
                try wal.truncateSuffix(after: 9)
            }
            try wal.compactPrefix(through: 1000)
            #expect(try segmentFiles(directory) == [segmentFileName(26)])
            #expect(wal.firstIndex == 26 && wal.lastIndex == 30)
            #expect(wal.stats.segmentsDeleted == 5)
            wal.close()

            let reopened = try open(directory)
            #expect(reopened.firstIndex == 26 && reopened.lastIndex == 30)
            try expectRecords(reopened, 26...30)
            // The whole remaining log can be truncated away; the log then starts at 26.
            try reopened.truncateSuffix(after: 25)
            #expect(reopened.firstIndex == 26 && reopened.lastIndex == 25)
            #expect(try await reopened.append([payload(26)], term: 1) == 26...26)
            reopened.close()
        }
    }

    @Test("compaction and truncation together, across segment boundaries, then reopen")
    func compactThenTruncate() async throws {
        try await withTemporaryDirectory { directory in
            try await writeLog(directory, count: 23, options: Self.options)
            let wal = try open(directory)
            try wal.compactPrefix(through: 7)
            try wal.truncateSuffix(after: 14)
            #expect(try segmentFiles(directory) == [6, 11].map(segmentFileName))
            for n in UInt64(15)...21 { try await wal.append([payload(n)], term: 1) }
            wal.close()
            let reopened = try open(directory)
            #expect(reopened.firstIndex == 6 && reopened.lastIndex == 21)
            try expectRecords(reopened, 6...21)
            #expect(try segmentFiles(directory) == [6, 11, 16, 21].map(segmentFileName))
            reopened.close()
        }
    }

    @Test("caller-indexed appends must continue the log, consecutively")
    func callerIndexedAppends() async throws {
        try await withTemporaryDirectory { directory in
            let wal = try open(directory)
            let records = (UInt64(1)...3).map { WALRecord(index: $0, term: $0, payload: payload($0)) }
            #expect(try await wal.append(records: records) == 1...3)
            await #expect(throws: WALError.indexMismatch(expected: 4, got: 5)) {
                try await wal.append(records: [WALRecord(index: 5, term: 3, payload: [])])
            }
            await #expect(throws: WALError.indexMismatch(expected: 5, got: 6)) {
                try await wal.append(records: [WALRecord(index: 4, term: 3, payload: []),
                                               WALRecord(index: 6, term: 3, payload: [])])
            }
            await #expect(throws: WALError.indexMismatch(expected: 4, got: 3)) {
                try await wal.append(records: [WALRecord(index: 3, term: 3, payload: [])])
            }
            await #expect(throws: WALError.emptyAppend) { try await wal.append(records: []) }
            #expect(wal.lastIndex == 3)
            // A follower's conflict: drop 3, take the leader's 3 and 4.
            try wal.truncateSuffix(after: 2)
            let leader = [WALRecord(index: 3, term: 7, payload: [3]), WALRecord(index: 4, term: 7, payload: [4])]
            #expect(try await wal.append(records: leader) == 3...4)
            #expect(try wal.read(from: 1) == Array(records[0..<2]) + leader)
            #expect(wal.lastTerm == 7)
            wal.close()
        }
    }
}

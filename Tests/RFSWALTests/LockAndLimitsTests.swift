import Foundation
import RFSWAL
import Testing

@Suite("WAL directory lock and record bound")
struct LockAndLimitsTests {
    @Test("a second open of an open directory fails naming the lock file; after close it succeeds")
    func secondOpen() async throws {
        try await withTemporaryDirectory { directory in
            let first = try WriteAheadLog.open(directory: directory, logger: quietLogger)
            try await first.append([payload(1)], term: 1)
            let error = #expect(throws: WALError.self) { try WriteAheadLog.open(directory: directory, logger: quietLogger) }
            #expect(error == .locked(path: directory + "/wal.lock", holderPID: getpid()))
            #expect(error.map { "\($0)" }?.contains(directory + "/wal.lock") == true)
            first.close()
            let second = try WriteAheadLog.open(directory: directory, logger: quietLogger)
            #expect(second.lastIndex == 1)
            second.close()
        }
    }

    @Test("an oversized record is refused and the log is unchanged")
    func oversized() async throws {
        try await withTemporaryDirectory { directory in
            // No zeros written ahead: the file's size then says what was written.
            let wal = try WriteAheadLog.open(directory: directory, options: WALOptions(maxRecordBytes: 1000, preallocationBytes: 0),
                                             logger: quietLogger)
            try await wal.append([payload(1)], term: 1)
            let before = wal.stats
            await #expect(throws: WALError.recordTooLarge(bytes: 1001, maxRecordBytes: 1000)) {
                try await wal.append([payload(2, size: 1001)], term: 1)
            }
            // One oversized payload among good ones: none of them is written.
            await #expect(throws: WALError.recordTooLarge(bytes: 5000, maxRecordBytes: 1000)) {
                try await wal.append([payload(2), payload(3, size: 5000)], term: 1)
            }
            #expect(wal.lastIndex == 1 && wal.stats == before)
            #expect(try fileSize(directory + "/" + segmentFileName(1)) == recordBytes())
            #expect(try await wal.append([payload(2, size: 1000)], term: 1) == 2...2)
            await #expect(throws: WALError.emptyAppend) { try await wal.append([], term: 1) }
            wal.close()
        }
    }

    @Test("the default bound is 64 MiB")
    func defaults() {
        #expect(WALOptions().maxRecordBytes == 64 << 20)
        #expect(WALOptions().segmentBytes == 64 << 20)
        #expect(WALOptions().fsync)
    }
}

import Foundation
import RFSChecksum
import RFSWAL
import Testing

@Suite("WAL appends and reads")
struct AppendReadTests {
    @Test("append then read returns the records, indexes consecutive across calls")
    func roundTrip() async throws {
        try await withTemporaryDirectory { directory in
            let wal = try WriteAheadLog.open(directory: directory, logger: quietLogger)
            #expect(wal.recovery.createdFresh)
            #expect(wal.firstIndex == 1 && wal.lastIndex == 0 && wal.lastTerm == 0)
            #expect(try wal.read(from: 1).isEmpty)
            #expect(try await wal.append([payload(1), payload(2), payload(3)], term: 1) == 1...3)
            #expect(try await wal.append([payload(4)], term: 1) == 4...4)
            #expect(try await wal.append((5...9).map { payload($0) }, term: 1) == 5...9)
            #expect(wal.lastIndex == 9 && wal.lastTerm == 1 && wal.firstIndex == 1)
            try expectRecords(wal, 1...9)
            #expect(try wal.read(from: 4, maxCount: 2).map(\.index) == [4, 5])
            #expect(try wal.read(from: 9, maxCount: 100).map(\.index) == [9])
            #expect(try wal.read(from: 10).isEmpty)
            #expect(try wal.read(from: 3, maxCount: 0).isEmpty)
            #expect(throws: WALError.indexOutOfRange(index: 11, firstIndex: 1, lastIndex: 9)) { try wal.read(from: 11) }
            #expect(throws: WALError.indexOutOfRange(index: 0, firstIndex: 1, lastIndex: 9)) { try wal.read(from: 0) }
            let stats = wal.stats
            #expect(stats.appends == 3 && stats.records == 9 && stats.fsyncs == 3 && stats.writes == 3)
            #expect(stats.bytes == UInt64(9 * recordBytes()))
            wal.close()
        }
    }

    @Test("reopening sees every record, and appending continues after them")
    func reopen() async throws {
        try await withTemporaryDirectory { directory in
            try await writeLog(directory, count: 25)
            let wal = try WriteAheadLog.open(directory: directory, logger: quietLogger)
            #expect(!wal.recovery.createdFresh)
            #expect(wal.recovery.lastIndex == 25 && wal.recovery.lastTerm == 1 && wal.recovery.bytesCut == 0)
            try expectRecords(wal, 1...25)
            #expect(try await wal.append([payload(26)], term: 1) == 26...26)
            wal.close()
            let again = try WriteAheadLog.open(directory: directory, logger: quietLogger)
            try expectRecords(again, 1...26)
            again.close()
        }
    }

    @Test("records, terms and empty payloads survive; terms come back per record")
    func termsAndEmptyPayloads() async throws {
        try await withTemporaryDirectory { directory in
            let wal = try WriteAheadLog.open(directory: directory, logger: quietLogger)
            try await wal.append([[], [7]], term: 3)
            try await wal.append([[1, 2, 3]], term: 5)
            wal.close()
            let again = try WriteAheadLog.open(directory: directory, logger: quietLogger)
            #expect(try again.read(from: 1) == [
                WALRecord(index: 1, term: 3, payload: []), WALRecord(index: 2, term: 3, payload: [7]),
                WALRecord(index: 3, term: 5, payload: [1, 2, 3]),
            ])
            #expect(again.lastTerm == 5)
            again.close()
        }
    }

    @Test("segments roll at segmentBytes, are named by their first index, and reads cross them")
    func rollover() async throws {
        try await withTemporaryDirectory { directory in
            // 124-byte records: the roll check before the 5th record sees 496 < 500 bytes, so
            // each segment holds 5 records (620 bytes).
            let options = WALOptions(segmentBytes: 500)
            let wal = try WriteAheadLog.open(directory: directory, options: options, logger: quietLogger)
            for n in UInt64(1)...12 { try await wal.append([payload(n)], term: 1) }
            // One call spanning several segments: written per segment, all durable on return.
            #expect(try await wal.append((13...23).map { payload($0) }, term: 1) == 13...23)
            #expect(try segmentFiles(directory) == [1, 6, 11, 16, 21].map(segmentFileName))
            #expect(try fileSize(directory + "/" + segmentFileName(1)) == 5 * recordBytes())
            try expectRecords(wal, 1...23)
            #expect(try wal.read(from: 4, maxCount: 9).map(\.index) == Array(4...12))
            #expect(wal.stats.segmentsCreated == 4)
            wal.close()
            let again = try WriteAheadLog.open(directory: directory, options: options, logger: quietLogger)
            #expect(again.recovery.segmentCount == 5 && again.recovery.lastIndex == 23)
            try expectRecords(again, 1...23)
            again.close()
        }
    }

    @Test("reads while appends roll segments see a consistent, durable prefix")
    func readsDuringAppends() async throws {
        try await withTemporaryDirectory { directory in
            let wal = try WriteAheadLog.open(directory: directory, options: WALOptions(segmentBytes: 2000),
                                             logger: quietLogger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for task in UInt64(0)..<4 {
                    group.addTask {
                        for n in 0..<50 { try await wal.append([payload(task * 100 + UInt64(n))], term: 1) }
                    }
                }
                group.addTask {
                    var seen = 0
                    while seen < 200 {
                        let records = try wal.read(from: 1)
                        #expect(records.map(\.index) == (0..<records.count).map { UInt64($0) + 1 })
                        #expect(records.count >= seen)
                        seen = records.count
                        await Task.yield()
                    }
                }
                try await group.waitForAll()
            }
            #expect(wal.lastIndex == 200)
            wal.close()
        }
    }

    @Test("records larger than the read window come back whole")
    func largeRecords() async throws {
        try await withTemporaryDirectory { directory in
            let wal = try WriteAheadLog.open(directory: directory, options: WALOptions(segmentBytes: 1 << 20),
                                             logger: quietLogger)
            let sizes = [10, 300_000, 20, 70_000, 1 << 20, 5]
            let payloads = sizes.enumerated().map { payload(UInt64($0.offset + 1), size: $0.element) }
            try await wal.append(payloads, term: 2)
            try await wal.append([payload(7, size: 200_000)], term: 2)
            for start in UInt64(1)...7 {
                let records = try wal.read(from: start)
                #expect(records.map(\.payload) == Array((payloads + [payload(7, size: 200_000)])[Int(start - 1)...]))
            }
            wal.close()
        }
    }

    @Test("the on-disk layout is the one drawn in RecordFormat: LE length, CRC32C, term, index, payload")
    func onDiskFormat() async throws {
        try await withTemporaryDirectory { directory in
            let wal = try WriteAheadLog.open(directory: directory, logger: quietLogger)
            try await wal.append([[0xAA, 0xBB, 0xCC]], term: 0x0102_0304_0506_0708)
            wal.close()
            let file = try [UInt8](Data(contentsOf: URL(fileURLWithPath: directory + "/" + segmentFileName(1))))
            // Then zeros written ahead, to the first MiB.
            #expect(file.count == WALOptions.preallocationBytesDefault)
            #expect(file[27...].allSatisfy { $0 == 0 })
            let bytes = Array(file[0..<27])
            #expect(Array(bytes[0..<4]) == [3, 0, 0, 0])
            #expect(Array(bytes[8..<16]) == [8, 7, 6, 5, 4, 3, 2, 1])
            #expect(Array(bytes[16..<24]) == [1, 0, 0, 0, 0, 0, 0, 0])
            #expect(Array(bytes[24...]) == [0xAA, 0xBB, 0xCC])
            let stored = UInt32(bytes[4]) | UInt32(bytes[5]) << 8 | UInt32(bytes[6]) << 16 | UInt32(bytes[7]) << 24
            #expect(stored == CRC32C.checksum(Array(bytes[24...]) + Array(bytes[0..<4]) + Array(bytes[8..<24])))
        }
    }

    @Test("fsync off writes without fdatasync")
    func fsyncOff() async throws {
        try await withTemporaryDirectory { directory in
            let wal = try WriteAheadLog.open(directory: directory, options: WALOptions(fsync: false), logger: quietLogger)
            for n in UInt64(1)...10 { try await wal.append([payload(n)], term: 1) }
            #expect(wal.stats.fsyncs == 0 && wal.stats.records == 10)
            wal.close()
            let again = try WriteAheadLog.open(directory: directory, logger: quietLogger)
            try expectRecords(again, 1...10)
            again.close()
        }
    }

    @Test("invalid options are refused")
    func invalidOptions() async throws {
        try await withTemporaryDirectory { directory in
            #expect(throws: WALError.self) {
                try WriteAheadLog.open(directory: directory, options: WALOptions(segmentBytes: 0), logger: quietLogger)
            }
            #expect(throws: WALError.self) {
                try WriteAheadLog.open(directory: directory, options: WALOptions(maxRecordBytes: 1 << 40), logger: quietLogger)
            }
            #expect(throws: WALError.self) {
                try WriteAheadLog.open(directory: directory, options: WALOptions(preallocationBytes: -1), logger: quietLogger)
            }
        }
    }
}

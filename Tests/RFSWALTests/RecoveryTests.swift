import Foundation
import RFSWAL
import Testing

/// Recovery on open: a torn tail of the last segment is cut; damage anywhere else is refused.
/// Most cases damage a log written without zeros ahead (as older logs are), so that the file
/// ends where its records do; the preallocated layout has cases of its own at the end.
@Suite("WAL recovery")
struct RecoveryTests {
    static let ten = 10 * recordBytes()
    static let unpreallocated = WALOptions(preallocationBytes: 0)

    /// Writes records 1...10 (100-byte payloads), lets `damage` change the only segment, reopens.
    func reopenAfter(_ damage: (String) throws -> Void, check: (WriteAheadLog, LogCapture, String) async throws -> Void)
        async throws {
        try await withTemporaryDirectory { directory in
            try await writeLog(directory, count: 10, options: Self.unpreallocated)
            let segment = directory + "/" + segmentFileName(1)
            try damage(segment)
            let capture = LogCapture()
            let wal = try WriteAheadLog.open(directory: directory, logger: capture.logger)
            try await check(wal, capture, segment)
            wal.close()
        }
    }

    @Test("a torn last record (file cut mid-payload) is cut; appends continue at its index")
    func tornPayload() async throws {
        try await reopenAfter({ try truncateFile($0, to: Self.ten - 5) }) { wal, capture, segment in
            #expect(wal.lastIndex == 9)
            #expect(wal.recovery.bytesCut == Int64(recordBytes() - 5))
            #expect(wal.recovery.cutOffset == Int64(9 * recordBytes()))
            #expect(wal.recovery.cutSegment == segment)
            #expect(wal.recovery.cutReason?.contains("short payload") == true)
            let warnings = capture.lines.filter { $0.level == .warning }
            #expect(warnings.count == 1)
            #expect(warnings.first?.message.contains("\(recordBytes() - 5) bytes at offset \(9 * recordBytes())") == true)
            #expect(try fileSize(segment) == 9 * recordBytes())
            #expect(try await wal.append([payload(10)], term: 1) == 10...10)
            try expectRecords(wal, 1...10)
        }
    }

    @Test("a torn header is cut")
    func tornHeader() async throws {
        try await reopenAfter({ try truncateFile($0, to: 9 * recordBytes() + 10) }) { wal, _, _ in
            #expect(wal.lastIndex == 9 && wal.recovery.bytesCut == 10)
            #expect(wal.recovery.cutReason?.contains("short header") == true)
        }
    }

    @Test("random garbage after the last record is cut")
    func garbageTail() async throws {
        var generator = SystemRandomNumberGenerator()
        let garbage = (0..<37).map { _ in UInt8.random(in: 0...255, using: &generator) }
        try await reopenAfter({ try appendToFile($0, garbage) }) { wal, _, segment in
            #expect(wal.lastIndex == 10 && wal.recovery.bytesCut == 37)
            #expect(try fileSize(segment) == Self.ten)
            try expectRecords(wal, 1...10)
        }
    }

    @Test("zeros after the last record (written ahead, or extended and unwritten blocks) are the log's clean end")
    func zeroTail() async throws {
        try await reopenAfter({ try appendToFile($0, [UInt8](repeating: 0, count: 4096)) }) { wal, capture, segment in
            #expect(wal.lastIndex == 10 && wal.recovery.bytesCut == 0 && wal.recovery.cutReason == nil)
            #expect(capture.lines.filter { $0.level >= .warning }.isEmpty)
            #expect(try fileSize(segment) == Self.ten + 4096)
            #expect(try await wal.append([payload(11)], term: 1) == 11...11)
            try expectRecords(wal, 1...11)
        }
    }

    @Test("a bad CRC in the last record cuts that record")
    func badCRCLastRecord() async throws {
        try await reopenAfter({ try flipByte($0, at: 9 * recordBytes() + 24 + 50) }) { wal, _, _ in
            #expect(wal.lastIndex == 9 && wal.recovery.bytesCut == Int64(recordBytes()))
            #expect(try await wal.append([payload(10)], term: 1) == 10...10)
            try expectRecords(wal, 1...10)
        }
    }

    @Test("a bad byte in record 3 of 10 is corruption naming the segment and offset")
    func corruptionInTheMiddle() async throws {
        try await withTemporaryDirectory { directory in
            try await writeLog(directory, count: 10, options: Self.unpreallocated)
            let segment = directory + "/" + segmentFileName(1)
            try flipByte(segment, at: 2 * recordBytes() + 24 + 10)
            let error = #expect(throws: WALError.self) { try WriteAheadLog.open(directory: directory, logger: quietLogger) }
            guard case let .corruption(path, offset, reason)? = error else {
                Issue.record("expected corruption, got \(String(describing: error))")
                return
            }
            #expect(path == segment)
            #expect(offset == Int64(2 * recordBytes()))
            #expect(reason.contains("record 3") && reason.contains("CRC mismatch") && reason.contains("index 4"))
            #expect("\(error!)".contains(segment))
            // Nothing was cut, and the failed open released the lock: a second one fails the same way.
            #expect(try fileSize(segment) == Self.ten)
            let second = #expect(throws: WALError.self) { try WriteAheadLog.open(directory: directory, logger: quietLogger) }
            #expect(second == error)
        }
    }

    @Test("a damaged length in the middle (pointing past the end) is corruption, not a torn tail")
    func corruptLengthInTheMiddle() async throws {
        try await withTemporaryDirectory { directory in
            try await writeLog(directory, count: 10, options: Self.unpreallocated)
            let segment = directory + "/" + segmentFileName(1)
            try flipByte(segment, at: 4 * recordBytes() + 2)
            #expect(throws: WALError.self) { try WriteAheadLog.open(directory: directory, logger: quietLogger) }
        }
    }

    @Test("damage in a segment that is not the last is corruption, even at its end")
    func corruptionInEarlierSegment() async throws {
        try await withTemporaryDirectory { directory in
            let options = WALOptions(segmentBytes: 500)
            try await writeLog(directory, count: 12, options: options)
            let first = directory + "/" + segmentFileName(1)
            try truncateFile(first, to: 5 * recordBytes() - 3)
            let error = #expect(throws: WALError.self) {
                try WriteAheadLog.open(directory: directory, options: options, logger: quietLogger)
            }
            guard case let .corruption(path, offset, _)? = error else {
                Issue.record("expected corruption, got \(String(describing: error))")
                return
            }
            #expect(path == first && offset == Int64(4 * recordBytes()))
        }
    }

    @Test("a missing segment in the middle is a gap")
    func gap() async throws {
        try await withTemporaryDirectory { directory in
            let options = WALOptions(segmentBytes: 500)
            try await writeLog(directory, count: 12, options: options)
            try FileManager.default.removeItem(atPath: directory + "/" + segmentFileName(6))
            let error = #expect(throws: WALError.self) {
                try WriteAheadLog.open(directory: directory, options: options, logger: quietLogger)
            }
            guard case let .corruption(path, _, reason)? = error else {
                Issue.record("expected corruption, got \(String(describing: error))")
                return
            }
            #expect(path.hasSuffix(segmentFileName(11)) && reason.contains("ends at index 5"))
        }
    }

    @Test("a first segment whose name does not match its first record is corruption")
    func misnamedSegment() async throws {
        try await withTemporaryDirectory { directory in
            try await writeLog(directory, count: 3, options: Self.unpreallocated)
            try FileManager.default.moveItem(atPath: directory + "/" + segmentFileName(1),
                                             toPath: directory + "/" + segmentFileName(2))
            let error = #expect(throws: WALError.self) { try WriteAheadLog.open(directory: directory, logger: quietLogger) }
            guard case let .corruption(_, offset, reason)? = error else {
                Issue.record("expected corruption, got \(String(describing: error))")
                return
            }
            #expect(offset == 0 && reason.contains("starts at index 2"))
        }
    }

    @Test("a torn tail in the last of several segments is cut; one made all of garbage is emptied")
    func tornTailAcrossSegments() async throws {
        try await withTemporaryDirectory { directory in
            let options = WALOptions(segmentBytes: 500)
            try await writeLog(directory, count: 11, options: options)
            let last = directory + "/" + segmentFileName(11)
            try truncateFile(last, to: 50)
            let wal = try WriteAheadLog.open(directory: directory, options: options, logger: quietLogger)
            #expect(wal.lastIndex == 10 && wal.recovery.segmentCount == 3 && wal.recovery.bytesCut == 50)
            #expect(try fileSize(last) == 0)
            #expect(try await wal.append([payload(11)], term: 1) == 11...11)
            try expectRecords(wal, 1...11)
            wal.close()
        }
    }

    // MARK: - Zeros written ahead (the default layout)

    @Test("a log written with zeros ahead reopens clean, keeps them, and appends over them")
    func preallocatedReopens() async throws {
        try await withTemporaryDirectory { directory in
            try await writeLog(directory, count: 10)
            let segment = directory + "/" + segmentFileName(1)
            #expect(try fileSize(segment) == WALOptions.preallocationBytesDefault)
            let capture = LogCapture()
            let wal = try WriteAheadLog.open(directory: directory, logger: capture.logger)
            #expect(wal.lastIndex == 10 && wal.recovery.bytesCut == 0)
            #expect(capture.lines.filter { $0.level >= .warning }.isEmpty)
            #expect(try await wal.append([payload(11)], term: 1) == 11...11)
            #expect(try fileSize(segment) == WALOptions.preallocationBytesDefault)
            wal.close()
            let again = try WriteAheadLog.open(directory: directory, logger: quietLogger)
            try expectRecords(again, 1...11)
            again.close()
        }
    }

    @Test("records that pass the zeros written ahead extend them by another step")
    func preallocationGrows() async throws {
        try await withTemporaryDirectory { directory in
            let options = WALOptions(preallocationBytes: 4096)
            let wal = try WriteAheadLog.open(directory: directory, options: options, logger: quietLogger)
            for n in UInt64(1)...40 { try await wal.append([payload(n)], term: 1) }
            // 40 records of 124 bytes end at 4,960: the file is extended to the next 4 KiB step.
            #expect(try fileSize(directory + "/" + segmentFileName(1)) == 8192)
            wal.close()
            let again = try WriteAheadLog.open(directory: directory, options: options, logger: quietLogger)
            try expectRecords(again, 1...40)
            again.close()
        }
    }

    @Test("a torn record among the zeros written ahead is cut with them; the log says how many bytes were damage")
    func tornRecordInPreallocatedTail() async throws {
        try await withTemporaryDirectory { directory in
            try await writeLog(directory, count: 10)
            let segment = directory + "/" + segmentFileName(1)
            // Half a record where the next would go, the zeros after it untouched.
            var torn = Array(payload(99, size: 60))
            torn[torn.count - 1] = 0xEE
            try writeFile(segment, torn, at: Self.ten)
            let capture = LogCapture()
            let wal = try WriteAheadLog.open(directory: directory, logger: capture.logger)
            #expect(wal.lastIndex == 10)
            #expect(wal.recovery.bytesCut == Int64(WALOptions.preallocationBytesDefault - Self.ten))
            #expect(try fileSize(segment) == Self.ten)
            let warnings = capture.lines.filter { $0.level == .warning }
            #expect(warnings.count == 1)
            #expect(warnings.first?.message.contains("torn tail of 60 bytes at offset \(Self.ten)") == true)
            #expect(warnings.first?.message.contains("zeros written ahead") == true)
            #expect(try await wal.append([payload(11)], term: 1) == 11...11)
            try expectRecords(wal, 1...11)
            wal.close()
        }
    }

    @Test("a segment the log left that still has zeros after its records (written with a larger segmentBytes) is read clean and trimmed")
    func sealedSegmentWithZeros() async throws {
        try await withTemporaryDirectory { directory in
            let options = WALOptions(segmentBytes: 500)
            try await writeLog(directory, count: 12, options: options)
            let first = directory + "/" + segmentFileName(1)
            #expect(try fileSize(first) == 5 * recordBytes())
            try appendToFile(first, [UInt8](repeating: 0, count: 1000))
            let wal = try WriteAheadLog.open(directory: directory, options: options, logger: quietLogger)
            #expect(wal.lastIndex == 12 && wal.recovery.bytesCut == 0)
            #expect(try fileSize(first) == 5 * recordBytes())
            try expectRecords(wal, 1...12)
            wal.close()
        }
    }

    @Test("a write torn by a power loss, a sector of it never written but later records intact, is cut as a torn tail")
    func sectorMissingFromTheLastWrite() async throws {
        try await withTemporaryDirectory { directory in
            try await writeLog(directory, count: 14)
            let segment = directory + "/" + segmentFileName(1)
            // Records 11-14 were one write; the disk kept the sectors after 1,536 but not the one
            // record 11 starts in, which still holds records 1-10's end and then zeros.
            try writeFile(segment, [UInt8](repeating: 0, count: 1536 - Self.ten), at: Self.ten)
            let capture = LogCapture()
            let wal = try WriteAheadLog.open(directory: directory, logger: capture.logger)
            #expect(wal.lastIndex == 10)
            #expect(wal.recovery.cutOffset == Int64(Self.ten))
            #expect(try fileSize(segment) == Self.ten)
            let warning = capture.lines.first { $0.level == .warning }?.message ?? ""
            #expect(warning.contains("never written") && warning.contains("index 14 at offset \(13 * recordBytes())"), "\(warning)")
            #expect(try await wal.append([payload(11)], term: 1) == 11...11)
            try expectRecords(wal, 1...11)
            wal.close()
        }
    }

    @Test("a torn write whose first sector landed and a later one did not is cut too")
    func laterSectorMissingFromTheLastWrite() async throws {
        try await withTemporaryDirectory { directory in
            try await writeLog(directory, count: 20)
            let segment = directory + "/" + segmentFileName(1)
            // Records 13-20 were one write from 1,488; the sector at 1,536 never landed (record
            // 13's header did), and record 18 at 2,108 did.
            try writeFile(segment, [UInt8](repeating: 0, count: 512), at: 1536)
            let capture = LogCapture()
            let wal = try WriteAheadLog.open(directory: directory, logger: capture.logger)
            #expect(wal.lastIndex == 12)
            #expect(wal.recovery.cutOffset == Int64(12 * recordBytes()))
            #expect(wal.recovery.cutReason?.contains("CRC mismatch") == true)
            #expect(wal.recovery.cutReason?.contains("index 18 at offset \(17 * recordBytes())") == true, "\(wal.recovery.cutReason ?? "")")
            try expectRecords(wal, 1...12)
            wal.close()
        }
    }

    @Test("zeros over part of a sector before intact records are corruption: a sector never written is zero to its end")
    func zerosInsideASectorAreCorruption() async throws {
        try await withTemporaryDirectory { directory in
            try await writeLog(directory, count: 10)
            let segment = directory + "/" + segmentFileName(1)
            // Record 3's header zeroed, the rest of its sector intact.
            try writeFile(segment, [UInt8](repeating: 0, count: 24), at: 2 * recordBytes())
            let error = #expect(throws: WALError.self) { try WriteAheadLog.open(directory: directory, logger: quietLogger) }
            guard case let .corruption(_, offset, reason)? = error else {
                Issue.record("expected corruption, got \(String(describing: error))")
                return
            }
            #expect(offset == Int64(2 * recordBytes()) && reason.contains("index 4"), "\(reason)")
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An open segment file. A class so that its descriptor stays open while any reader still
/// holds it, even after compaction or truncation dropped the segment from the log.
final class SegmentFile: Sendable {
    let path: String
    let descriptor: Int32

    init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = descriptor
    }

    deinit { sysClose(descriptor) }
}

/// One segment of the log as the WAL knows it: only durable records are counted.
struct Segment: Sendable {
    let file: SegmentFile
    /// The index in the file's name: that of its first record, or of the next record appended
    /// while it is empty.
    let firstIndex: UInt64
    /// Index of its last durable record; `firstIndex - 1` while it is empty.
    var lastIndex: UInt64
    /// Term of its last record; nil while it is empty.
    var lastTerm: UInt64?
    /// Bytes of durable records; where the next record goes.
    var sizeBytes: Int64
    /// The file's size: past `sizeBytes` it holds zeros written ahead
    /// (`WALOptions.preallocationBytes`).
    var allocatedBytes: Int64
    /// Record starts, ascending, the first record always among them.
    var checkpoints: [Checkpoint]

    var path: String { file.path }
    var isEmpty: Bool { lastIndex < firstIndex }

    /// The last checkpoint at or before `index`, which must be in the segment.
    func checkpoint(atOrBefore index: UInt64) -> Checkpoint {
        precondition(index >= firstIndex && index <= lastIndex && !checkpoints.isEmpty)
        var low = 0
        var high = checkpoints.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if checkpoints[middle].index <= index { low = middle } else { high = middle - 1 }
        }
        return checkpoints[low]
    }

    /// Records the checkpoint for a record appended at `offset`, if one is due.
    mutating func noteRecord(index: UInt64, term: UInt64, offset: Int64, recordBytes: Int64) {
        if checkpoints.last.map({ offset - $0.offset >= Checkpoint.spacingBytes }) ?? true {
            checkpoints.append(Checkpoint(index: index, offset: offset))
        }
        lastIndex = index
        lastTerm = term
        sizeBytes = offset + recordBytes
    }

    /// Creates the empty segment file for `firstIndex` and makes its name durable.
    static func create(directory: String, firstIndex: UInt64) throws(WALError) -> Segment {
        let path = directory + "/" + SegmentName.fileName(firstIndex: firstIndex)
        let descriptor = try POSIX.open(path, flags: O_RDWR | O_CREAT | O_EXCL)
        let file = SegmentFile(path: path, descriptor: descriptor)
        try POSIX.syncDirectory(directory)
        return Segment(file: file, firstIndex: firstIndex, lastIndex: firstIndex - 1, lastTerm: nil,
                       sizeBytes: 0, allocatedBytes: 0, checkpoints: [])
    }
}

/// Segment file names: `wal-<first index, 20 decimal digits>.log`, so that names sort as
/// their indexes do.
enum SegmentName {
    static let prefix = "wal-"
    static let suffix = ".log"
    static let digits = 20

    static func fileName(firstIndex: UInt64) -> String {
        let decimal = String(firstIndex)
        return prefix + String(repeating: "0", count: digits - decimal.count) + decimal + suffix
    }

    /// The first index a segment file name carries, nil for any other name.
    static func firstIndex(ofFileName name: String) -> UInt64? {
        guard name.hasPrefix(prefix), name.hasSuffix(suffix) else { return nil }
        let number = name.dropFirst(prefix.count).dropLast(suffix.count)
        guard number.count == digits, number.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
        else { return nil }
        return UInt64(number)
    }
}

/// Reads a segment's durable records in order through a window of the file, verifying each
/// CRC and that indexes follow each other.
struct SegmentReader {
    static let windowBytes = 64 << 10

    /// Calls `body` with each record from `index` through `limit` (both in the segment), and the
    /// offset just past the record. The payload pointer is valid only during the call.
    static func forEach(in segment: Segment, from index: UInt64, through limit: UInt64,
                        _ body: (RecordFormat.Header, UnsafeRawBufferPointer, Int64) -> Void) throws(WALError) {
        let start = segment.checkpoint(atOrBefore: index)
        var window = UnsafeMutableRawBufferPointer.allocate(byteCount: windowBytes, alignment: 16)
        defer { window.deallocate() }
        var offset = start.offset
        var expected = start.index
        while expected <= limit {
            guard offset < segment.sizeBytes else {
                throw corruption(segment, offset, "the segment ends before record \(expected)")
            }
            let wanted = Int(min(Int64(window.count), segment.sizeBytes - offset))
            let target = UnsafeMutableRawBufferPointer(rebasing: window[0..<wanted])
            guard try POSIX.read(segment.file.descriptor, into: target, at: offset, path: segment.path) == wanted else {
                throw corruption(segment, offset, "the file is shorter than its durable records")
            }
            let bytes = UnsafeRawBufferPointer(target)
            var position = 0
            decoding: while expected <= limit {
                switch RecordFormat.decode(bytes, at: position) {
                case let .record(header, payloadOffset):
                    let recordOffset = offset + Int64(position)
                    guard header.index == expected else {
                        throw corruption(segment, recordOffset, "record with index \(header.index) where \(expected) was expected")
                    }
                    position += header.recordBytes
                    if header.index >= index {
                        let payload = UnsafeRawBufferPointer(rebasing: bytes[payloadOffset..<(payloadOffset + Int(header.length))])
                        body(header, payload, offset + Int64(position))
                    }
                    expected += 1
                case let .incomplete(needed, reason):
                    guard position == 0 else { break decoding }
                    // A record larger than the window: grow the window to hold it.
                    guard offset + Int64(needed) <= segment.sizeBytes else {
                        throw corruption(segment, offset, "record \(expected): \(reason)")
                    }
                    window.deallocate()
                    window = .allocate(byteCount: needed, alignment: 16)
                    break decoding
                case let .badChecksum(header, computed):
                    throw corruption(segment, offset + Int64(position), "record \(expected): CRC mismatch (stored "
                        + "0x\(String(header.crc, radix: 16)), computed 0x\(String(computed, radix: 16)))")
                }
            }
            offset += Int64(position)
        }
    }

    private static func corruption(_ segment: Segment, _ offset: Int64, _ reason: String) -> WALError {
        .corruption(segment: segment.path, offset: offset, reason: reason)
    }
}

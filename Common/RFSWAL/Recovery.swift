import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Opening a WAL directory: find the segments, check every record, cut a torn tail of the last
/// segment, and refuse anything else that is damaged.
enum Recovery {
    struct Result {
        var segments: [Segment]
        var report: WALRecovery
    }

    static func run(directory: String, logger: Logger) throws(WALError) -> Result {
        let names = try segmentNames(in: directory)
        guard !names.isEmpty else {
            let segment = try Segment.create(directory: directory, firstIndex: 1)
            let report = WALRecovery(firstIndex: 1, lastIndex: 0, lastTerm: 0, segmentCount: 1, bytesCut: 0,
                                     cutSegment: nil, cutOffset: nil, cutReason: nil, createdFresh: true)
            return Result(segments: [segment], report: report)
        }
        var segments: [Segment] = []
        var report = WALRecovery(firstIndex: names[0].index, lastIndex: names[0].index - 1, lastTerm: 0,
                                 segmentCount: names.count, bytesCut: 0, cutSegment: nil, cutOffset: nil,
                                 cutReason: nil, createdFresh: false)
        for (position, name) in names.enumerated() {
            let path = directory + "/" + name.fileName
            let isLast = position == names.count - 1
            if let previous = segments.last {
                guard !previous.isEmpty else {
                    throw .corruption(segment: previous.path, offset: 0, reason: "an empty segment before the last one")
                }
                guard name.index == previous.lastIndex + 1 else {
                    throw .corruption(segment: path, offset: 0, reason: "the segment starts at index \(name.index) but "
                        + "the previous one (\(previous.path)) ends at index \(previous.lastIndex)")
                }
            }
            let segment = try recover(path: path, firstIndex: name.index, isLast: isLast, report: &report, logger: logger)
            segments.append(segment)
        }
        let last = segments[segments.count - 1]
        report.lastIndex = last.lastIndex
        report.lastTerm = last.lastTerm ?? segments.dropLast().last?.lastTerm ?? 0
        return Result(segments: segments, report: report)
    }

    /// Segment files in `directory`, ordered by first index.
    private static func segmentNames(in directory: String) throws(WALError) -> [(fileName: String, index: UInt64)] {
        var names: [(fileName: String, index: UInt64)] = []
        for fileName in try POSIX.listDirectory(directory) {
            guard let index = SegmentName.firstIndex(ofFileName: fileName) else { continue }
            guard index > 0 else {
                throw .corruption(segment: directory + "/" + fileName, offset: 0, reason: "no record has index 0")
            }
            names.append((fileName, index))
        }
        return names.sorted { $0.index < $1.index }
    }

    /// Opens and checks one segment; cuts its torn tail when it is the last one.
    private static func recover(path: String, firstIndex: UInt64, isLast: Bool, report: inout WALRecovery,
                                logger: Logger) throws(WALError) -> Segment {
        let file = SegmentFile(path: path, descriptor: try POSIX.open(path, flags: O_RDWR))
        let size = try POSIX.size(file.descriptor, path: path)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Int(size), alignment: 16)
        defer { buffer.deallocate() }
        guard try POSIX.read(file.descriptor, into: buffer, at: 0, path: path) == Int(size) else {
            throw .io(operation: "read", path: path, code: EIO)
        }
        let scan = SegmentScan.scan(UnsafeRawBufferPointer(buffer), firstIndex: firstIndex)
        var allocated = size
        if scan.damage != nil, SegmentScan.bytesBeforeZeros(UnsafeRawBufferPointer(rebasing: buffer[scan.validBytes...])) == 0 {
            // Zeros written ahead of the records (`WALOptions.preallocationBytes`): the clean end
            // of the log. A segment the log has left keeps none (one written with a larger
            // `segmentBytes` may have some).
            if !isLast {
                try POSIX.truncate(file.descriptor, to: Int64(scan.validBytes), path: path)
                allocated = Int64(scan.validBytes)
            }
        } else if var damage = scan.damage {
            if let intact = damage.intactRecordFollows {
                // Intact records after damage usually mean acknowledged records were damaged
                // (cutting would lose them), except after a power loss in the middle of the
                // last write: it was never acknowledged, and the disk may have kept some of its
                // sectors and not others. A sector it did not keep reads as the zeros that were
                // there before (written ahead, or a hole); decayed or overwritten data does not.
                // Every earlier write was made durable before the next one started, so only
                // that last write can follow such a sector.
                guard isLast, intact.offset > damage.offset,
                      SegmentScan.holdsUnwrittenSector(UnsafeRawBufferPointer(buffer), from: damage.offset, to: intact.offset) else {
                    let after = intact.offset == damage.offset
                        ? "" : "; an intact record (index \(intact.index)) follows at offset \(intact.offset)"
                    throw .corruption(segment: path, offset: Int64(damage.offset), reason: damage.reason + after)
                }
                damage.reason += "; a sector from there on was never written (all zeros), so the intact records after it "
                    + "(from index \(intact.index) at offset \(intact.offset)) belong to the same interrupted write"
            }
            guard isLast else {
                throw .corruption(segment: path, offset: Int64(damage.offset),
                                  reason: damage.reason + ", in a segment that is not the last")
            }
            let tail = UnsafeRawBufferPointer(rebasing: buffer[scan.validBytes...])
            try cutTail(file, at: Int64(scan.validBytes), size: size, torn: Int64(SegmentScan.bytesBeforeZeros(tail)),
                        reason: damage.reason, lastIndex: scan.lastIndex, report: &report, logger: logger)
            allocated = Int64(scan.validBytes)
        }
        return Segment(file: file, firstIndex: firstIndex, lastIndex: scan.lastIndex, lastTerm: scan.lastTerm,
                       sizeBytes: Int64(scan.validBytes), allocatedBytes: allocated, checkpoints: scan.checkpoints)
    }

    /// Cuts the file at `offset`; `torn` of the bytes after it are damage, the rest zeros
    /// written ahead.
    private static func cutTail(_ file: SegmentFile, at offset: Int64, size: Int64, torn: Int64, reason: String,
                                lastIndex: UInt64, report: inout WALRecovery, logger: Logger) throws(WALError) {
        try POSIX.truncate(file.descriptor, to: offset, path: file.path)
        try POSIX.syncFile(file.descriptor, path: file.path)
        report.bytesCut = size - offset
        report.cutSegment = file.path
        report.cutOffset = offset
        report.cutReason = reason
        let ahead = size - offset - torn
        let message = "WAL cut a torn tail of \(torn) bytes at offset \(offset) of \(file.path), after "
            + "index \(lastIndex) (\(reason)): the unacknowledged end of an interrupted write"
            + (ahead > 0 ? "; \(ahead) bytes of zeros written ahead after it went with it" : "")
        logger.warning("\(message)")
    }
}

/// Where a record starts: recovery and appends keep one every `spacingBytes`, so that a read
/// from any index decodes at most that many bytes before reaching it.
struct Checkpoint: Hashable, Sendable {
    static let spacingBytes: Int64 = 32 << 10

    var index: UInt64
    var offset: Int64
}

/// What one segment's bytes hold: the intact records from its start, and the first damage
/// after them, if any. Pure: recovery reads the file, this decides, recovery acts.
struct SegmentScan: Hashable {
    /// Index of the last intact record (`firstIndex - 1` when there is none).
    var lastIndex: UInt64
    /// Term of the last intact record, nil when there is none.
    var lastTerm: UInt64?
    /// Bytes from the start of the segment up to the end of the last intact record.
    var validBytes: Int
    var checkpoints: [Checkpoint]
    /// The first record that is not intact and in sequence, nil when the segment ends cleanly.
    var damage: Damage?

    struct Damage: Hashable {
        var offset: Int
        var reason: String
        /// A record with a valid CRC at or after the damage, continuing past the intact ones:
        /// proof that the damage is in the middle of the log, not a torn tail.
        var intactRecordFollows: IntactRecord?
    }

    struct IntactRecord: Hashable {
        var offset: Int
        var index: UInt64
    }

    /// Scans the records of a segment whose name says it starts at `firstIndex`.
    static func scan(_ bytes: UnsafeRawBufferPointer, firstIndex: UInt64) -> SegmentScan {
        var result = SegmentScan(lastIndex: firstIndex - 1, lastTerm: nil, validBytes: 0, checkpoints: [], damage: nil)
        var offset = 0
        while offset < bytes.count {
            let expected = result.lastIndex + 1
            switch RecordFormat.decode(bytes, at: offset) {
            case let .record(header, _):
                guard header.index == expected else {
                    let reason = offset == 0
                        ? "the segment's name says it starts at index \(firstIndex) but its first record has index \(header.index)"
                        : "record with index \(header.index) where index \(expected) was expected"
                    result.damage = Damage(offset: offset, reason: reason,
                                           intactRecordFollows: IntactRecord(offset: offset, index: header.index))
                    return result
                }
                if result.checkpoints.last.map({ Int64(offset) - $0.offset >= Checkpoint.spacingBytes }) ?? true {
                    result.checkpoints.append(Checkpoint(index: header.index, offset: Int64(offset)))
                }
                offset += header.recordBytes
                result.lastIndex = header.index
                result.lastTerm = header.term
                result.validBytes = offset
            case let .incomplete(_, reason):
                result.damage = damage(in: bytes, at: offset, reason: "record \(expected): \(reason)", after: result.lastIndex)
                return result
            case let .badChecksum(header, computed):
                let reason = "record \(expected): CRC mismatch (stored 0x\(String(header.crc, radix: 16)), "
                    + "computed 0x\(String(computed, radix: 16)))"
                result.damage = damage(in: bytes, at: offset, reason: reason, after: result.lastIndex)
                return result
            }
        }
        return result
    }

    /// How many bytes precede the run of zeros that ends `bytes` (all of them when the last is
    /// not zero).
    static func bytesBeforeZeros(_ bytes: UnsafeRawBufferPointer) -> Int {
        var end = bytes.count
        while end >= 8, bytes.loadUnaligned(fromByteOffset: end - 8, as: UInt64.self) == 0 { end -= 8 }
        while end > 0, bytes[end - 1] == 0 { end -= 1 }
        return end
    }

    /// Whether `bytes[from..<to]` (damage, then the intact record that follows it at `to`)
    /// holds a sector the disk never wrote: a 512-byte sector that lies before `to` and is all
    /// zeros from its start, or, for the sector `from` is in, from `from` (a write that began
    /// there, mid-sector, shares that sector with the durable records before it). Zeros are
    /// what a preallocated or sparse file holds where a write did not land; decayed or
    /// overwritten data does not read as a whole sector of zeros.
    static func holdsUnwrittenSector(_ bytes: UnsafeRawBufferPointer, from: Int, to: Int) -> Bool {
        let sectorBytes = 512
        var start = from
        while true {
            let end = (start / sectorBytes + 1) * sectorBytes
            guard end <= min(to, bytes.count) else { return false }
            // A partial first sector counts only when its zeros could hold a record header: a few
            // zero bytes are ordinary data.
            if end - start >= RecordFormat.headerBytes,
               bytesBeforeZeros(UnsafeRawBufferPointer(rebasing: bytes[start..<end])) == 0 { return true }
            start = end
        }
    }

    private static func damage(in bytes: UnsafeRawBufferPointer, at offset: Int, reason: String,
                               after lastIndex: UInt64) -> Damage {
        Damage(offset: offset, reason: reason,
               intactRecordFollows: findIntactRecord(bytes, from: offset + 1, afterIndex: lastIndex))
    }

    /// The first record with a valid CRC and an index above `afterIndex` starting anywhere in
    /// `bytes[from...]`. A damaged record's length cannot be trusted, so every byte offset is a
    /// candidate; the cheap plausibility checks (index, length within the file) run first and
    /// the CRC only for the rare candidate that passes them. This runs on the recovery path only.
    static func findIntactRecord(_ bytes: UnsafeRawBufferPointer, from start: Int, afterIndex: UInt64) -> IntactRecord? {
        let end = bytes.count - RecordFormat.headerBytes
        guard start <= end else { return nil }
        for offset in start...end {
            let index = UInt64(littleEndian: bytes.loadUnaligned(
                fromByteOffset: offset + RecordFormat.indexOffset, as: UInt64.self))
            guard index > afterIndex else { continue }
            let length = UInt32(littleEndian: bytes.loadUnaligned(
                fromByteOffset: offset + RecordFormat.lengthOffset, as: UInt32.self))
            guard Int(length) <= end - offset else { continue }
            if case .record = RecordFormat.decode(bytes, at: offset) {
                return IntactRecord(offset: offset, index: index)
            }
        }
        return nil
    }
}

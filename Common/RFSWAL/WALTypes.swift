/// One entry of the log.
public struct WALRecord: Sendable, Hashable {
    /// Position in the log: consecutive, 1 for the first record of a fresh log.
    public var index: UInt64
    /// The Raft term that created the record (0 while the namenode runs without Raft).
    public var term: UInt64
    /// The record's bytes, opaque to the WAL.
    public var payload: [UInt8]

    public init(index: UInt64, term: UInt64, payload: [UInt8]) {
        self.index = index
        self.term = term
        self.payload = payload
    }
}

/// Settings of one WAL.
public struct WALOptions: Sendable, Hashable {
    /// Roll to a new segment once the active one holds at least this many bytes (64 MiB). The
    /// check comes before each record, so a segment exceeds it by less than one record.
    public var segmentBytes: Int
    /// Largest payload accepted (64 MiB); a larger one is rejected before anything is written.
    /// Must fit the header's u32 length.
    public var maxRecordBytes: Int
    /// Whether an append waits for `fdatasync`. Only benchmarks turn it off: without it an
    /// acknowledged record can be lost in a power failure.
    public var fsync: Bool
    /// Zeros are written ahead of the records in steps of this many bytes (1 MiB; 0 turns it
    /// off), as HDFS preallocates its edit log: a record then overwrites blocks the file
    /// already has, so its `fdatasync` writes the data alone rather than also the file's size
    /// and block map (one device write per commit instead of two on ext4). A step never
    /// reaches past `segmentBytes`. Recovery reads zeros after the last record as the log's
    /// clean end.
    public var preallocationBytes: Int

    public static let segmentBytesDefault = 64 << 20
    public static let maxRecordBytesDefault = 64 << 20
    public static let preallocationBytesDefault = 1 << 20

    public init(segmentBytes: Int = segmentBytesDefault, maxRecordBytes: Int = maxRecordBytesDefault,
                fsync: Bool = true, preallocationBytes: Int = preallocationBytesDefault) {
        self.segmentBytes = segmentBytes
        self.maxRecordBytes = maxRecordBytes
        self.fsync = fsync
        self.preallocationBytes = preallocationBytes
    }

    /// The file size to extend a segment to once its records reach `sizeBytes`: the next step
    /// of `preallocationBytes`, but not past `segmentBytes` (nor below `sizeBytes`).
    func allocationTarget(sizeBytes: Int64) -> Int64 {
        guard preallocationBytes > 0 else { return sizeBytes }
        let step = Int64(preallocationBytes)
        return max(sizeBytes, min((sizeBytes / step + 1) * step, Int64(segmentBytes)))
    }

    func validate() throws(WALError) {
        guard segmentBytes > 0 else {
            throw .invalidOptions("segmentBytes must be positive, got \(segmentBytes)")
        }
        guard preallocationBytes >= 0, preallocationBytes <= 1 << 30 else {
            throw .invalidOptions("preallocationBytes must be in 0...\(1 << 30), got \(preallocationBytes)")
        }
        guard maxRecordBytes >= 0, maxRecordBytes <= Int(UInt32.max) - RecordFormat.headerBytes else {
            throw .invalidOptions("maxRecordBytes must be in 0...\(Int(UInt32.max) - RecordFormat.headerBytes), "
                + "got \(maxRecordBytes)")
        }
    }
}

/// Counters since the WAL was opened, for tests and metrics.
public struct WALStats: Sendable, Hashable {
    /// Append calls whose records are durable.
    public var appends: UInt64 = 0
    /// Records written.
    public var records: UInt64 = 0
    /// Bytes written to segments, headers included.
    public var bytes: UInt64 = 0
    /// Group commits: drains of the queue, each one write per segment touched and one fsync.
    public var batches: UInt64 = 0
    /// `pwrite` calls of gathered buffers.
    public var writes: UInt64 = 0
    /// `fdatasync` calls on segment files (0 with `WALOptions.fsync` off).
    public var fsyncs: UInt64 = 0
    /// fsyncs of the directory after a segment was created or deleted.
    public var directoryFsyncs: UInt64 = 0
    /// Segments created (rolls) and deleted (compaction, suffix truncation).
    public var segmentsCreated: UInt64 = 0
    public var segmentsDeleted: UInt64 = 0

    public init() {}
}

/// What recovery found and did when the WAL was opened.
public struct WALRecovery: Sendable, Hashable {
    /// Index of the oldest record kept (`lastIndex + 1` when the log is empty).
    public var firstIndex: UInt64
    /// Index of the newest intact record (0 for a fresh log).
    public var lastIndex: UInt64
    /// Term of the newest intact record (0 when the log is empty).
    public var lastTerm: UInt64
    /// Segment files, the active one included.
    public var segmentCount: Int
    /// Bytes cut from the end of the last segment: a torn tail, with any zeros written ahead
    /// after it (0 when the log ended cleanly).
    public var bytesCut: Int64
    /// The segment and byte offset where the tail was cut, when one was.
    public var cutSegment: String?
    public var cutOffset: Int64?
    /// Why the tail was cut (short header, short payload, CRC mismatch), when it was.
    public var cutReason: String?
    /// Whether the directory held no segment and a fresh log was started.
    public var createdFresh: Bool
}

/// The writer thread's half of group commit: encodes a batch of queued appends into one buffer
/// and writes it with one `pwrite` and one fsync per segment it touches (one, unless the batch
/// rolls to a new segment). It lives on the writer thread's stack; nothing else touches it.
struct BatchWriter: ~Copyable {
    let directory: String
    let options: WALOptions
    private var buffer: UnsafeMutableRawBufferPointer
    /// Zeros for preallocation, made on the first extension.
    private var zeros: UnsafeRawBufferPointer?

    /// Buffer kept between batches; a batch of huge records grows it, then it shrinks back.
    private static let bufferBytesKept = 4 << 20

    init(directory: String, options: WALOptions) {
        self.directory = directory
        self.options = options
        buffer = .allocate(byteCount: 64 << 10, alignment: 16)
    }

    deinit {
        buffer.deallocate()
        zeros?.deallocate()
    }

    struct Outcome {
        /// The segment that was active, then any that rolling created, with only what is durable
        /// counted in them.
        var segments: [Segment]
        var stats = WALStats()
        var error: WALError?
    }

    mutating func write(_ batch: [WALCore.PendingAppend], into active: Segment) -> Outcome {
        var outcome = Outcome(segments: [active])
        reserve(batch.reduce(0) { $0 + $1.encodedBytes })
        var working = active
        var pendingBytes = 0
        do throws(WALError) {
            for append in batch {
                for position in append.payloads.indices {
                    let index = append.indexes.lowerBound + UInt64(position)
                    if working.sizeBytes >= Int64(options.segmentBytes) && !working.isEmpty {
                        try flush(&pendingBytes, &working, &outcome)
                        working = try Segment.create(directory: directory, firstIndex: index)
                        outcome.stats.directoryFsyncs += 1
                        outcome.stats.segmentsCreated += 1
                        outcome.segments.append(working)
                    }
                    let recordBytes = encode(append, position, index: index, at: pendingBytes)
                    working.noteRecord(index: index, term: append.terms[position], offset: working.sizeBytes,
                                       recordBytes: Int64(recordBytes))
                    pendingBytes += recordBytes
                }
                outcome.stats.records += UInt64(append.payloads.count)
            }
            try flush(&pendingBytes, &working, &outcome)
            outcome.stats.appends += UInt64(batch.count)
            outcome.stats.batches += 1
        } catch {
            outcome.error = error
        }
        shrink()
        return outcome
    }

    /// Encodes one record at `offset` of the buffer; returns its size.
    private func encode(_ append: WALCore.PendingAppend, _ position: Int, index: UInt64, at offset: Int) -> Int {
        let payload = append.payloads[position]
        let recordBytes = RecordFormat.headerBytes + payload.count
        let destination = UnsafeMutableRawBufferPointer(rebasing: buffer[offset..<(offset + recordBytes)])
        RecordFormat.storeHeader(into: destination, length: UInt32(payload.count), term: append.terms[position],
                                 index: index, payloadCRC: append.payloadCRCs[position])
        payload.withUnsafeBytes { source in
            guard let base = source.baseAddress else { return }
            (destination.baseAddress! + RecordFormat.headerBytes).copyMemory(from: base, byteCount: source.count)
        }
        return recordBytes
    }

    /// Writes the encoded records of `working` that are not yet on disk (and, when they pass
    /// the zeros written ahead, the next step of zeros), makes them durable, and only then
    /// counts them in `outcome.segments`.
    private mutating func flush(_ pendingBytes: inout Int, _ working: inout Segment, _ outcome: inout Outcome) throws(WALError) {
        guard pendingBytes > 0 else { return }
        let start = working.sizeBytes - Int64(pendingBytes)
        let bytes = UnsafeRawBufferPointer(rebasing: buffer[0..<pendingBytes])
        try POSIX.write(working.file.descriptor, bytes, at: start, path: working.path)
        outcome.stats.writes += 1
        outcome.stats.bytes += UInt64(pendingBytes)
        if working.sizeBytes > working.allocatedBytes {
            let target = options.allocationTarget(sizeBytes: working.sizeBytes)
            try writeZeros(working, from: working.sizeBytes, to: target)
            working.allocatedBytes = target
        }
        if options.fsync {
            try POSIX.syncData(working.file.descriptor, path: working.path)
            outcome.stats.fsyncs += 1
        }
        outcome.segments[outcome.segments.count - 1] = working
        pendingBytes = 0
    }

    /// Fills `from..<to` of the segment's file with zeros.
    private mutating func writeZeros(_ segment: Segment, from start: Int64, to end: Int64) throws(WALError) {
        guard end > start else { return }
        let chunk = zeros ?? {
            let made = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
            made.initializeMemory(as: UInt8.self, repeating: 0)
            zeros = UnsafeRawBufferPointer(made)
            return UnsafeRawBufferPointer(made)
        }()
        var offset = start
        while offset < end {
            let count = Int(min(Int64(chunk.count), end - offset))
            try POSIX.write(segment.file.descriptor, UnsafeRawBufferPointer(rebasing: chunk[0..<count]), at: offset, path: segment.path)
            offset += Int64(count)
        }
    }

    private mutating func reserve(_ bytes: Int) {
        guard bytes > buffer.count else { return }
        let capacity = max(bytes, buffer.count * 2)
        buffer.deallocate()
        buffer = .allocate(byteCount: capacity, alignment: 16)
    }

    private mutating func shrink() {
        guard buffer.count > Self.bufferBytesKept else { return }
        buffer.deallocate()
        buffer = .allocate(byteCount: Self.bufferBytesKept, alignment: 16)
    }
}

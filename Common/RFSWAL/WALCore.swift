import Logging
import RFSChecksum
import RFSModel

/// The WAL's state and its writer thread. `WriteAheadLog` is the public face; this is a
/// separate object so that the writer thread can hold it without keeping the public object
/// alive (the public object's deinit stops the thread).
///
/// Threads: callers queue appends and maintenance under `mutex`; one writer pthread drains the
/// queue, does all writes, fsyncs, segment creations and deletions, and publishes the durable state under
/// `mutex`; readers take a snapshot of the segments under `mutex` and read the files outside it.
final class WALCore: @unchecked Sendable {
    // @unchecked is safe: every `var` below is read and written only with `mutex` held (the
    // writer thread's own state lives on its stack, in `BatchWriter`); the `let`s are Sendable
    // values or thread-safe primitives.
    let directory: String
    let options: WALOptions
    let logger: Logger
    private let directoryLock: DirectoryLock

    private let mutex = PthreadMutex()
    private let workAvailable = PthreadCondition()
    private let maintenanceDone = PthreadCondition()
    /// Shared by reads of segment files, exclusive for suffix truncation, which shrinks them.
    private let segmentFiles = PthreadRWLock()

    // Guarded by `mutex`.
    private var queue: [Work] = []
    private var segments: [Segment]
    private var summary: Summary
    /// The index the next queued record gets.
    private var nextIndex: UInt64
    private var failure: WALError?
    private var closing = false
    private var statistics = WALStats()
    private var writer: JoinableThread?
    private var batchObserver: (@Sendable () -> Void)?
    private var batchTakenObserver: (@Sendable (ClosedRange<UInt64>) -> Void)?

    struct Summary {
        var firstIndex: UInt64
        var lastIndex: UInt64
        var lastTerm: UInt64
    }

    init(directory: String, options: WALOptions, logger: Logger, lock: DirectoryLock, segments: [Segment]) {
        precondition(!segments.isEmpty, "a WAL always has an active segment")
        self.directory = directory
        self.options = options
        self.logger = logger
        self.directoryLock = lock
        self.segments = segments
        self.summary = Self.summarize(segments)
        self.nextIndex = segments[segments.count - 1].lastIndex + 1
        self.writer = JoinableThread(name: "rfs-wal-writer") { [self] in
            // Appenders wake the writer; it must not preempt them, so they go on queueing
            // into the next group while it takes the current one.
            CurrentThread.preferThroughput()
            runWriter()
        }
    }

    // MARK: Reading the state

    var currentSummary: Summary { mutex.withLock { summary } }
    var currentStats: WALStats { mutex.withLock { statistics } }

    private static func summarize(_ segments: [Segment]) -> Summary {
        let lastTerm = segments.last { !$0.isEmpty }?.lastTerm ?? 0
        return Summary(firstIndex: segments[0].firstIndex, lastIndex: segments[segments.count - 1].lastIndex,
                       lastTerm: lastTerm)
    }

    // MARK: Appending

    enum Terms {
        case all(UInt64)
        case each([UInt64])

        subscript(position: Int) -> UInt64 {
            switch self {
            case let .all(term): term
            case let .each(terms): terms[position]
            }
        }
    }

    /// Called once with the outcome of an append, on the writer thread, in index order.
    typealias Completion = @Sendable (Result<ClosedRange<UInt64>, WALError>) -> Void

    struct PendingAppend {
        let payloads: [[UInt8]]
        let payloadCRCs: [UInt32]
        let terms: Terms
        let indexes: ClosedRange<UInt64>
        let encodedBytes: Int
        let completion: Completion
    }

    /// Queues records and waits until they are durable. `requiredFirstIndex` is the index the
    /// caller gave the first record, nil to let the WAL number them.
    func append(_ payloads: [[UInt8]], terms: Terms, requiredFirstIndex: UInt64?) async throws(WALError)
        -> ClosedRange<UInt64> {
        let result = await withCheckedContinuation { continuation in
            append(payloads, terms: terms, requiredFirstIndex: requiredFirstIndex) { continuation.resume(returning: $0) }
        }
        return try result.get()
    }

    /// Queues records; `completion` runs on the writer thread once they are durable (or the
    /// append failed), before the batch observer. A rejected append completes at once, here.
    /// `assigned`, when given, runs with the records' indexes as soon as they are queued, before
    /// the writer can take them (under the WAL's lock: it must be brief and must not call the
    /// WAL); it does not run for an append rejected at once.
    func append(_ payloads: [[UInt8]], terms: Terms, requiredFirstIndex: UInt64?,
                assigned: ((ClosedRange<UInt64>) -> Void)? = nil, completion: @escaping Completion) {
        guard !payloads.isEmpty else { return completion(.failure(.emptyAppend)) }
        var encodedBytes = 0
        for payload in payloads {
            guard payload.count <= options.maxRecordBytes else {
                return completion(.failure(.recordTooLarge(bytes: payload.count, maxRecordBytes: options.maxRecordBytes)))
            }
            encodedBytes += RecordFormat.headerBytes + payload.count
        }
        // The payload CRCs are computed here, on the caller's thread, so that concurrent
        // appenders share the work instead of queueing it on the writer thread.
        let crcs = payloads.map { CRC32C.checksum($0) }
        if let rejection = enqueue(payloads, crcs: crcs, terms: terms, encodedBytes: encodedBytes,
                                   requiredFirstIndex: requiredFirstIndex, assigned: assigned, completion: completion) {
            completion(.failure(rejection))
        }
    }

    /// Runs on the writer thread after every group commit, once each append of it has been
    /// completed: a consumer that collects completions can then act on the whole batch at once.
    func setBatchObserver(_ observer: @escaping @Sendable () -> Void) {
        mutex.lock()
        defer { mutex.unlock() }
        batchObserver = observer
    }

    /// Runs on the writer thread when it takes a group of appends, before writing them, with
    /// the group's indexes: a consumer can start on work that must wait for durability only
    /// at its end (the namenode's applier computes the group's changes during the fsync).
    func setBatchTakenObserver(_ observer: @escaping @Sendable (ClosedRange<UInt64>) -> Void) {
        mutex.lock()
        defer { mutex.unlock() }
        batchTakenObserver = observer
    }

    private func enqueue(_ payloads: [[UInt8]], crcs: [UInt32], terms: Terms, encodedBytes: Int,
                         requiredFirstIndex: UInt64?, assigned: ((ClosedRange<UInt64>) -> Void)?,
                         completion: @escaping Completion) -> WALError? {
        mutex.lock()
        defer { mutex.unlock() }
        if closing { return .closed(directory: directory) }
        if let failure { return .failed(cause: failure) }
        if let requiredFirstIndex, requiredFirstIndex != nextIndex {
            return .indexMismatch(expected: nextIndex, got: requiredFirstIndex)
        }
        // Indexes are assigned here, in queue order, so a caller knows its range is the one the
        // writer will use whatever else is queued.
        let indexes = nextIndex...(nextIndex + UInt64(payloads.count) - 1)
        nextIndex = indexes.upperBound + 1
        assigned?(indexes)
        queue.append(.append(PendingAppend(payloads: payloads, payloadCRCs: crcs, terms: terms, indexes: indexes,
                                           encodedBytes: encodedBytes, completion: completion)))
        workAvailable.signal()
        return nil
    }

    // MARK: Maintenance (suffix truncation, prefix compaction)

    enum Maintenance {
        case truncateSuffix(after: UInt64)
        case compactPrefix(through: UInt64)
        /// Every record goes; the log continues at `after + 1` (a snapshot replaced it).
        case restart(after: UInt64)
    }

    final class MaintenanceRequest: @unchecked Sendable {
        // @unchecked is safe: `result` is read and written only with the core's mutex held.
        let operation: Maintenance
        var result: Result<Void, WALError>?

        init(_ operation: Maintenance) { self.operation = operation }
    }

    enum Work {
        case append(PendingAppend)
        case maintenance(MaintenanceRequest)
    }

    /// Queues a maintenance operation behind the appends already queued and waits for the
    /// writer thread to carry it out.
    func perform(_ operation: Maintenance) throws(WALError) {
        let request = MaintenanceRequest(operation)
        mutex.lock()
        switch admit(operation) {
        case .queue:
            break
        case .nothingToDo:
            mutex.unlock()
            return
        case let .reject(error):
            mutex.unlock()
            throw error
        }
        queue.append(.maintenance(request))
        workAvailable.signal()
        while request.result == nil { maintenanceDone.wait(mutex) }
        let result = request.result!
        mutex.unlock()
        try result.get()
    }

    private enum Admission {
        case queue
        case nothingToDo
        case reject(WALError)
    }

    /// Checks a maintenance operation before it is queued (mutex held).
    private func admit(_ operation: Maintenance) -> Admission {
        if closing { return .reject(.closed(directory: directory)) }
        if let failure { return .reject(.failed(cause: failure)) }
        if case let .restart(index) = operation {
            // Appends queued after this restart continue after `index`.
            nextIndex = index + 1
            return .queue
        }
        guard case let .truncateSuffix(index) = operation else { return .queue }
        let lastQueued = nextIndex - 1
        if index >= lastQueued { return .nothingToDo }
        let first = segments[0].firstIndex
        guard index + 1 >= first else {
            return .reject(.indexOutOfRange(index: index, firstIndex: first, lastIndex: summary.lastIndex))
        }
        // Appends queued after this truncation continue from `index`.
        nextIndex = index + 1
        return .queue
    }

    // MARK: Reading

    func read(from index: UInt64, maxCount: Int?) throws(WALError) -> [WALRecord] {
        try segmentFiles.withReadLock { () throws(WALError) -> [WALRecord] in
            mutex.lock()
            let snapshot = segments
            let isClosing = closing
            mutex.unlock()
            if isClosing { throw .closed(directory: directory) }
            let first = snapshot[0].firstIndex
            let last = snapshot[snapshot.count - 1].lastIndex
            guard index >= first, index <= last + 1 else {
                throw .indexOutOfRange(index: index, firstIndex: first, lastIndex: last)
            }
            let wanted = UInt64(max(0, maxCount ?? Int.max))
            guard index <= last, wanted > 0 else { return [] }
            let limit = index + min(wanted, last - index + 1) - 1
            var records: [WALRecord] = []
            records.reserveCapacity(Int(limit - index + 1))
            var position = snapshot.lastIndex { $0.firstIndex <= index }!
            var next = index
            while next <= limit {
                let segment = snapshot[position]
                let through = min(limit, segment.lastIndex)
                if through >= next {
                    try SegmentReader.forEach(in: segment, from: next, through: through) { header, payload, _ in
                        records.append(WALRecord(index: header.index, term: header.term, payload: Array(payload)))
                    }
                    next = through + 1
                }
                position += 1
            }
            return records
        }
    }

    // MARK: Closing

    /// Lets the writer drain what is queued, stops it, and releases the directory lock. A second
    /// call returns at once.
    func close() {
        mutex.lock()
        guard !closing else {
            mutex.unlock()
            return
        }
        closing = true
        let thread = writer
        writer = nil
        workAvailable.signal()
        mutex.unlock()
        thread?.join()
        mutex.withLock {
            // Descriptors close once no reader holds their segment any more. Every use of
            // `segments` checks `closing` first.
            segments.removeAll()
        }
        directoryLock.release()
    }

    // MARK: The writer thread

    private func runWriter() {
        var batchWriter = BatchWriter(directory: directory, options: options)
        let maintenance = SegmentMaintenance(directory: directory, segmentFiles: segmentFiles, logger: logger)
        mutex.lock()
        while true {
            while queue.isEmpty && !closing { workAvailable.wait(mutex) }
            if queue.isEmpty { break }
            if let failure {
                failQueued(with: .failed(cause: failure))
            } else if case let .maintenance(request) = queue[0] {
                queue.removeFirst()
                runMaintenance(request, maintenance)
            } else {
                let split = queue.firstIndex { if case .maintenance = $0 { true } else { false } } ?? queue.count
                let batch = queue[..<split].map { work -> PendingAppend in
                    guard case let .append(append) = work else { preconditionFailure("split at the first maintenance") }
                    return append
                }
                queue.removeFirst(split)
                runBatch(batch, &batchWriter)
            }
        }
        mutex.unlock()
    }

    /// Fails everything queued (mutex held on entry and exit).
    private func failQueued(with error: WALError) {
        let work = queue
        queue.removeAll()
        for case let .maintenance(request) in work { request.result = .failure(error) }
        maintenanceDone.broadcast()
        mutex.unlock()
        for case let .append(append) in work { append.completion(.failure(error)) }
        mutex.lock()
    }

    /// Writes one group commit (mutex held on entry and exit, released while writing).
    private func runBatch(_ batch: [PendingAppend], _ batchWriter: inout BatchWriter) {
        let active = segments[segments.count - 1]
        let taken = batchTakenObserver
        mutex.unlock()
        if let taken, let first = batch.first, let last = batch.last {
            taken(first.indexes.lowerBound...last.indexes.upperBound)
        }
        let outcome = batchWriter.write(batch, into: active)
        mutex.lock()
        segments.removeLast()
        segments.append(contentsOf: outcome.segments)
        summary = Self.summarize(segments)
        statistics.add(outcome.stats)
        if let error = outcome.error { failure = error }
        let observer = batchObserver
        mutex.unlock()
        if let error = outcome.error {
            logger.error("WAL \(directory) stopped accepting writes: \(error); \(batch.count) waiting appends failed")
        }
        for append in batch {
            append.completion(outcome.error.map { .failure($0) } ?? .success(append.indexes))
        }
        observer?()
        mutex.lock()
    }

    /// Carries out one maintenance operation (mutex held on entry and exit, released meanwhile).
    private func runMaintenance(_ request: MaintenanceRequest, _ maintenance: SegmentMaintenance) {
        let snapshot = segments
        mutex.unlock()
        var stats = WALStats()
        let outcome: Result<[Segment], WALError>
        switch request.operation {
        case let .truncateSuffix(index):
            outcome = Result { () throws(WALError) in try maintenance.truncate(snapshot, after: index, stats: &stats) }
        case let .compactPrefix(index):
            outcome = Result { () throws(WALError) in try maintenance.compact(snapshot, through: index, stats: &stats) }
        case let .restart(index):
            outcome = Result { () throws(WALError) in try maintenance.restart(snapshot, after: index, stats: &stats) }
        }
        if case let .failure(error) = outcome {
            logger.error("WAL \(directory) stopped accepting writes: \(request.operation) failed: \(error)")
        }
        mutex.lock()
        statistics.add(stats)
        switch outcome {
        case let .success(updated):
            segments = updated
            summary = Self.summarize(segments)
            request.result = .success(())
        case let .failure(error):
            // Admission checked the request; what fails here is the disk (or a concurrent
            // misuse that left queued indexes wrong): either way the log can no longer be trusted.
            failure = error
            request.result = .failure(error)
        }
        maintenanceDone.broadcast()
    }
}

extension WALStats {
    mutating func add(_ other: WALStats) {
        appends += other.appends
        records += other.records
        bytes += other.bytes
        batches += other.batches
        writes += other.writes
        fsyncs += other.fsyncs
        directoryFsyncs += other.directoryFsyncs
        segmentsCreated += other.segmentsCreated
        segmentsDeleted += other.segmentsDeleted
    }
}

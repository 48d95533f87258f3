import Logging

/// The namenode's edit log, shaped to become its Raft log: records with consecutive indexes and
/// a term, in append-only segment files, made durable by group commit.
///
/// Directory layout: `wal.lock` (held with `flock` while open) and segments
/// `wal-<first index, 20 digits>.log`; the record format is drawn in `RecordFormat`.
///
/// Appends from any number of tasks are queued and written by one dedicated thread, which
/// gathers everything queued into one write and one `fdatasync`, then resumes every waiter: the
/// fsync rate of the disk bounds the rate of commits, not of records. After a failed write or
/// fsync the WAL refuses all further writes (`WALError.failed`): the kernel may have dropped the
/// data, so only a restart and recovery can tell what is on disk.
public final class WriteAheadLog: Sendable {
    private let core: WALCore
    /// What recovery found when the WAL was opened.
    public let recovery: WALRecovery

    private init(core: WALCore, recovery: WALRecovery) {
        self.core = core
        self.recovery = recovery
    }

    deinit { core.close() }

    /// Opens (creating it if needed) the WAL in `directory`, recovers it, and starts its writer.
    ///
    /// Recovery reads every segment and checks each record's CRC and index. A damaged end of the
    /// last segment — the unacknowledged tail of a write a crash interrupted — is cut, logged in
    /// one line and reported in `recovery`. Damage anywhere else throws `WALError.corruption`:
    /// records after it may have been acknowledged, so an operator decides.
    public static func open(directory: String, options: WALOptions = WALOptions(),
                            logger: Logger = Logger(label: "rfs.wal")) throws(WALError) -> WriteAheadLog {
        try options.validate()
        let directory = directory.count > 1 && directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        try POSIX.makeDirectories(directory)
        let lock = try DirectoryLock(directory: directory)
        let recovered: Recovery.Result
        do throws(WALError) {
            recovered = try Recovery.run(directory: directory, logger: logger)
        } catch {
            lock.release()
            throw error
        }
        let report = recovered.report
        let cut = report.bytesCut > 0 ? ", \(report.bytesCut) bytes cut at a torn tail (zeros written ahead included)" : ""
        logger.info("WAL opened \(directory): \(report.segmentCount) segments, records \(report.firstIndex)...\(report.lastIndex), last term \(report.lastTerm)\(cut)")
        let core = WALCore(directory: directory, options: options, logger: logger, lock: lock,
                           segments: recovered.segments)
        return WriteAheadLog(core: core, recovery: report)
    }

    public var directory: String { core.directory }
    public var options: WALOptions { core.options }

    /// Index of the oldest record kept; `lastIndex + 1` when the log holds none.
    public var firstIndex: UInt64 { core.currentSummary.firstIndex }
    /// Index of the newest durable record; 0 for a fresh log.
    public var lastIndex: UInt64 { core.currentSummary.lastIndex }
    /// Term of the newest durable record; 0 when the log holds none.
    public var lastTerm: UInt64 { core.currentSummary.lastTerm }
    /// Counters since open.
    public var stats: WALStats { core.currentStats }

    /// Appends `payloads` as consecutive records of `term` and returns their indexes once they
    /// are durable (written and fsynced). Concurrent calls share one fsync; indexes follow the
    /// order in which calls reached the queue. Cancelling the task does not withdraw the records.
    ///
    /// Throws `recordTooLarge` (nothing written) for a payload above `options.maxRecordBytes`,
    /// `emptyAppend`, `closed`, and `io` or `failed` when the disk failed.
    @discardableResult
    public func append(_ payloads: [[UInt8]], term: UInt64) async throws(WALError) -> ClosedRange<UInt64> {
        try await core.append(payloads, terms: .all(term), requiredFirstIndex: nil)
    }

    /// Appends `payloads` like `append(_:term:)`, but without waiting: `completion` runs on the
    /// WAL's writer thread once they are durable (or failed), in index order, and must be brief;
    /// after the completions of a group commit, the batch observer runs.
    public func append(_ payloads: [[UInt8]], term: UInt64,
                       completion: @escaping @Sendable (Result<ClosedRange<UInt64>, WALError>) -> Void) {
        core.append(payloads, terms: .all(term), requiredFirstIndex: nil, completion: completion)
    }

    /// The same, and `assigned` runs with the records' indexes as soon as they are queued,
    /// before the writer can take them (briefly, under the WAL's lock, and never for an append
    /// rejected at once): a caller can file what it appended under its index first.
    public func append(_ payloads: [[UInt8]], term: UInt64, assigned: @escaping (ClosedRange<UInt64>) -> Void,
                       completion: @escaping @Sendable (Result<ClosedRange<UInt64>, WALError>) -> Void) {
        core.append(payloads, terms: .all(term), requiredFirstIndex: nil, assigned: assigned, completion: completion)
    }

    /// Sets what runs on the writer thread each time it takes a group of appends, before
    /// writing them, with the group's indexes.
    public func onBatchTaken(_ observer: @escaping @Sendable (ClosedRange<UInt64>) -> Void) {
        core.setBatchTakenObserver(observer)
    }

    /// Sets what runs on the writer thread after each group commit's completions: a consumer
    /// that gathered them (the namenode's applier) applies the whole batch there at once.
    public func onBatchDurable(_ observer: @escaping @Sendable () -> Void) {
        core.setBatchObserver(observer)
    }

    /// Appends records that already carry their indexes (a Raft follower's entries from its
    /// leader). The first must be the next index of the log (`lastIndex + 1`, counting appends
    /// still queued) and the rest consecutive; otherwise throws `indexMismatch` and writes nothing.
    @discardableResult
    public func append(records: [WALRecord]) async throws(WALError) -> ClosedRange<UInt64> {
        let result = await withCheckedContinuation { continuation in
            append(records: records) { continuation.resume(returning: $0) }
        }
        return try result.get()
    }

    /// Appends records that carry their indexes, like `append(records:)`, but without waiting:
    /// `completion` runs on the writer thread once they are durable (or failed), in index order,
    /// and must be brief. A Raft member hands its log over this way and goes on stepping.
    public func append(records: [WALRecord], completion: @escaping @Sendable (Result<ClosedRange<UInt64>, WALError>) -> Void) {
        guard let first = records.first else { return completion(.failure(.emptyAppend)) }
        for (position, record) in records.enumerated() where record.index != first.index + UInt64(position) {
            return completion(.failure(.indexMismatch(expected: first.index + UInt64(position), got: record.index)))
        }
        core.append(records.map(\.payload), terms: .each(records.map(\.term)), requiredFirstIndex: first.index,
                    completion: completion)
    }

    /// The records from `index` on, at most `maxCount` of them, CRCs verified again.
    /// `index` must be in `firstIndex...lastIndex + 1` (the latter returns nothing).
    public func read(from index: UInt64, maxCount: Int? = nil) throws(WALError) -> [WALRecord] {
        try core.read(from: index, maxCount: maxCount)
    }

    /// Drops every record after `index` (a Raft follower whose log conflicts with its leader's),
    /// across segments if need be, durably, before returning. Appends queued earlier are written
    /// first; appends queued later continue at `index + 1`. Nothing to do when `index >= lastIndex`;
    /// `index` may be `firstIndex - 1` to empty the log, but not less.
    public func truncateSuffix(after index: UInt64) throws(WALError) {
        try core.perform(.truncateSuffix(after: index))
    }

    /// Deletes the oldest segments whose records are all at or below `index` (covered by a
    /// snapshot); records of a segment that also holds later ones stay, and so does the active
    /// segment. `firstIndex` tells what remains.
    public func compactPrefix(through index: UInt64) throws(WALError) {
        try core.perform(.compactPrefix(through: index))
    }

    /// Drops every record and continues the log at `index + 1`, durably, before returning: a
    /// Raft member that installed a snapshot through `index` keeps none of its old log. Appends
    /// queued earlier are written first (and dropped); appends queued later continue after `index`.
    public func restart(after index: UInt64) throws(WALError) {
        try core.perform(.restart(after: index))
    }

    /// Writes what is queued, stops the writer thread and releases the directory lock. Later
    /// calls throw `closed`; calling it again does nothing. Deinit calls it.
    public func close() {
        core.close()
    }
}

import Logging
import RFSRaft
import RFSWAL

/// Where a Raft member keeps what its core must not forget: the log in the WAL (a record's
/// term and index are the entry's; its payload is one kind byte and the entry's data) and the
/// hard state in a `HardStateFile` beside it.
final class RaftStorage: Sendable {
    let wal: WriteAheadLog
    private let hardStateFile: HardStateFileBox
    /// Where the log was last compacted: (term, index) of the last dropped entry, kept in the
    /// same two-slot CRC'd format as the hard state (`commit` holds the index).
    private let compactionFile: HardStateFileBox

    /// What a restarting member reads back.
    struct Recovered {
        var hardState: HardState
        /// The last entry dropped by compaction (the log continues after it); nil if none.
        var compactedThrough: (index: UInt64, term: UInt64)?
        var entries: [RaftEntry]
    }

    private init(wal: WriteAheadLog, hardStateFile: HardStateFile, compactionFile: HardStateFile) {
        self.wal = wal
        self.hardStateFile = HardStateFileBox(hardStateFile)
        self.compactionFile = HardStateFileBox(compactionFile)
    }

    static func open(directory: String, logger: Logger) throws -> (RaftStorage, Recovered) {
        let wal = try WriteAheadLog.open(directory: directory + "/log", logger: logger)
        let file = try HardStateFile(path: directory + "/hardstate")
        let compaction = try HardStateFile(path: directory + "/compacted")
        let compacted = compaction.state.commit > 0 ? (index: compaction.state.commit, term: compaction.state.term) : nil
        if let compacted, try !holdsSnapshotPoint(wal, index: compacted.index, term: compacted.term) {
            // An installed snapshot replaced the log, and a crash came before the WAL was
            // restarted after it (see `install`): finish that now.
            logger.warning("raft: the log does not reach the installed snapshot; restarting it after the snapshot",
                           metadata: ["snapshotIndex": "\(compacted.index)", "walLastIndex": "\(wal.lastIndex)"])
            try wal.restart(after: compacted.index)
        }
        // Compaction drops whole segments: records at or below the compaction point may remain.
        let first = max(wal.firstIndex, (compacted?.index ?? 0) + 1)
        let records = wal.lastIndex >= first ? try wal.read(from: first) : []
        let entries = records.map { record in
            RaftEntry(term: record.term, index: record.index, kind: record.payload.first == 1 ? .configChange : .normal,
                      data: Array(record.payload.dropFirst()))
        }
        let state = file.state
        return (RaftStorage(wal: wal, hardStateFile: file, compactionFile: compaction),
                Recovered(hardState: HardState(term: state.term, vote: state.vote, commit: state.commit),
                          compactedThrough: compacted, entries: entries))
    }

    /// Records that the log is compacted through `index` (its entry's `term`), durably, then
    /// drops the WAL segments that hold nothing after it.
    func compact(through index: UInt64, term: UInt64) throws {
        try compactionFile.save(HardStateFile.State(term: term, vote: 0, commit: index))
        try wal.compactPrefix(through: index)
    }

    /// Whether the log continues from the compaction point: it ends at or after it, and an
    /// entry it still holds there has the term the point records. (Compaction keeps the log;
    /// a snapshot install restarts it, and a crash can come between the two writes.)
    private static func holdsSnapshotPoint(_ wal: WriteAheadLog, index: UInt64, term: UInt64) throws -> Bool {
        guard wal.lastIndex >= index else { return false }
        guard index >= wal.firstIndex else { return true }
        return try wal.read(from: index, maxCount: 1).first?.term == term
    }

    /// A snapshot through `index` (of `term`) replaced the state machine: record it as the
    /// compaction point, then drop the whole log, durably, in that order (`open` finishes the
    /// second step after a crash between them).
    func install(snapshotThrough index: UInt64, term: UInt64) throws {
        try compactionFile.save(HardStateFile.State(term: term, vote: 0, commit: index))
        try wal.restart(after: index)
    }

    /// Writes a new group's first entries, committed, into an empty log.
    func bootstrap(_ entries: [RaftEntry]) async throws {
        precondition(wal.lastIndex == 0 && entries.first?.index == 1, "bootstrap needs an empty log")
        try await wal.append(records: entries.map(Self.record))
        let last = entries.last!
        try hardStateFile.save(HardStateFile.State(term: last.term, vote: 0, commit: last.index))
        close()
    }

    static func record(_ entry: RaftEntry) -> WALRecord {
        WALRecord(index: entry.index, term: entry.term, payload: [entry.kind == .configChange ? 1 : 0] + entry.data)
    }

    /// Hands a Ready's entries to the log without waiting: entries the leader replaced are cut
    /// first (durably, after what is queued: `lastSubmitted` is the newest index handed over,
    /// durable or not), then the new ones are queued. `completion` runs on the WAL's writer
    /// thread once they are durable, in order: a later completion means every earlier write is
    /// durable too (one file, written and fsynced in order).
    func submit(entries: [RaftEntry], lastSubmitted: UInt64,
                completion: @escaping @Sendable (Result<ClosedRange<UInt64>, WALError>) -> Void) throws(WALError) {
        guard let first = entries.first else { return }
        if first.index <= lastSubmitted { try wal.truncateSuffix(after: first.index - 1) }
        wal.append(records: entries.map(Self.record), completion: completion)
    }

    /// Makes a changed term or vote durable before any message that depends on it leaves. The
    /// commit index need not be (Raft keeps it volatile: a restarted member learns it again
    /// from the leader, and the store skips entries it already holds), so a hard state that
    /// only moves the commit costs no fsync; its commit is written with the next term or vote
    /// change. (The two-slot file must not be written without a sync: an unsynced write could
    /// tear the only durable slot.)
    func saveTermAndVote(_ hardState: HardState) throws {
        guard hardState.term != hardStateFile.state.term || hardState.vote != hardStateFile.state.vote else { return }
        try hardStateFile.save(HardStateFile.State(term: hardState.term, vote: hardState.vote, commit: hardState.commit))
    }

    func close() {
        wal.close()
    }
}

/// The hard-state file is used by one Ready at a time (the node processes Readies in order).
private final class HardStateFileBox: @unchecked Sendable {
    private let file: HardStateFile
    init(_ file: HardStateFile) { self.file = file }
    var state: HardStateFile.State { file.state }
    func save(_ state: HardStateFile.State) throws { try file.save(state) }
}

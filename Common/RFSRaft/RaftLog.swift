/// The log as the core sees it: a snapshot's index and term, then the entries after it, with
/// the commit and apply positions and how much of it the shell has been handed to persist.
struct RaftLog: Sendable {
    private(set) var snapshotIndex: UInt64 = 0
    private(set) var snapshotTerm: UInt64 = 0
    private(set) var entries: [RaftEntry] = []
    var committed: UInt64 = 0
    /// Last index handed to the shell as committed (to apply).
    var applied: UInt64 = 0
    /// Last index handed to the shell to persist.
    var stable: UInt64 = 0
    /// Last index the shell reported durable (`RaftCore.persisted`): what a leader may count
    /// as its own copy. Entries recovered at start are durable.
    var persisted: UInt64 = 0

    init(snapshot: SnapshotMeta?, entries: [RaftEntry], committed: UInt64) {
        if let snapshot {
            snapshotIndex = snapshot.index
            snapshotTerm = snapshot.term
        }
        self.entries = entries.filter { $0.index > snapshotIndex }
        precondition(self.entries.enumerated().allSatisfy { $0.element.index == snapshotIndex + 1 + UInt64($0.offset) },
                     "log entries must follow the snapshot without gaps")
        self.committed = max(snapshotIndex, min(committed, lastIndex))
        applied = snapshotIndex
        stable = lastIndex
        persisted = lastIndex
    }

    var firstIndex: UInt64 { snapshotIndex + 1 }
    var lastIndex: UInt64 { snapshotIndex + UInt64(entries.count) }
    var lastTerm: UInt64 { entries.last?.term ?? snapshotTerm }

    /// The term of the entry at `index`; nil when compacted away or not there.
    func term(at index: UInt64) -> UInt64? {
        if index == snapshotIndex { return snapshotTerm }
        guard index > snapshotIndex, index <= lastIndex else { return nil }
        return entries[Int(index - snapshotIndex - 1)].term
    }

    func matches(index: UInt64, term: UInt64) -> Bool { self.term(at: index) == term }

    /// Raft's "at least as up to date": a later last term, or the same one and no shorter.
    func isUpToDate(lastIndex otherIndex: UInt64, lastTerm otherTerm: UInt64) -> Bool {
        otherTerm > lastTerm || (otherTerm == lastTerm && otherIndex >= lastIndex)
    }

    /// Entries from `index` on, within the message bounds (at least one when any exist).
    /// `maxBytes` bounds the entries as a message carries them: each one's data and its
    /// `encodingOverhead`, so many small entries cannot outgrow a frame limit either.
    func entries(from index: UInt64, maxCount: Int, maxBytes: Int) -> [RaftEntry] {
        guard index > snapshotIndex, index <= lastIndex else { return [] }
        var result: [RaftEntry] = []
        var bytes = 0
        for entry in entries[Int(index - snapshotIndex - 1)...] {
            let size = entry.data.count + Self.encodingOverhead
            if !result.isEmpty && (result.count >= maxCount || bytes + size > maxBytes) { break }
            result.append(entry)
            bytes += size
        }
        return result
    }

    /// A bound on what an entry's encoding in a message adds to its data (RaftProtocol.proto's
    /// Entry inside its batch): its own tag and length (6 bytes for any entry under 32 GiB),
    /// term and index (a tag and a varint, 11 bytes each at most), its type (2) and the
    /// data's tag and length (6): 36.
    static let encodingOverhead = 36

    /// The last index at or before `index` whose term is at most `term`: where a follower's
    /// and a leader's logs can first agree, skipping a whole term per round trip.
    func lastIndex(atOrBefore index: UInt64, withTermAtMost term: UInt64) -> UInt64 {
        var candidate = min(index, lastIndex)
        while candidate > snapshotIndex, let found = self.term(at: candidate), found > term { candidate -= 1 }
        return candidate
    }

    mutating func append(_ entry: RaftEntry) {
        precondition(entry.index == lastIndex + 1, "entry \(entry.index) does not follow \(lastIndex)")
        entries.append(entry)
    }

    /// A leader's entries after a matching prevIndex: entries already here with the same term
    /// stay; the first conflicting one and everything after it go (never a committed one).
    /// Returns the index of the last new entry.
    mutating func merge(_ incoming: [RaftEntry]) -> UInt64 {
        for entry in incoming {
            if let existing = term(at: entry.index) {
                if existing == entry.term { continue }
                precondition(entry.index > committed, "a leader asked to overwrite committed entry \(entry.index)")
                entries.removeLast(Int(lastIndex - entry.index + 1))
                stable = min(stable, entry.index - 1)
                persisted = min(persisted, entry.index - 1)
            } else if entry.index <= snapshotIndex {
                continue
            }
            append(entry)
        }
        return incoming.last?.index ?? 0
    }

    /// Entries not yet handed to the shell to persist; marks them handed.
    mutating func takeUnstable() -> [RaftEntry] {
        guard stable < lastIndex else { return [] }
        let from = max(stable + 1, firstIndex)
        defer { stable = lastIndex }
        return Array(entries[Int(from - snapshotIndex - 1)...])
    }

    /// Committed entries not yet handed to the shell to apply; marks them handed.
    mutating func takeCommitted(maxCount: Int) -> [RaftEntry] {
        // Only what is durable here: a shell that persists while it goes on stepping (RaftNode)
        // must never apply an entry its own disk could still lose.
        let limit = min(committed, persisted)
        guard applied < limit else { return [] }
        let from = applied + 1
        let end = min(limit, from + UInt64(maxCount) - 1)
        defer { applied = end }
        return Array(entries[Int(from - snapshotIndex - 1)...Int(end - snapshotIndex - 1)])
    }

    /// The log becomes the snapshot (a follower too far behind).
    mutating func restore(_ snapshot: SnapshotMeta) {
        snapshotIndex = snapshot.index
        snapshotTerm = snapshot.term
        entries = []
        committed = snapshot.index
        applied = snapshot.index
        stable = snapshot.index
        persisted = snapshot.index
    }

    /// Drops entries through `index` (already in a snapshot of the state machine).
    mutating func compact(through index: UInt64) {
        guard index > snapshotIndex else { return }
        precondition(index <= applied, "cannot compact past the applied index")
        snapshotTerm = term(at: index)!
        entries.removeFirst(Int(index - snapshotIndex))
        snapshotIndex = index
    }
}

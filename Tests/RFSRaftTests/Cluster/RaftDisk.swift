@testable import RFSRaft

/// What a node's Raft storage (the WAL and the hard-state file) holds across a crash:
/// exactly what the shell finished persisting. A Ready taken from the core but not yet
/// persisted when the node crashes is simply lost, as unsynced bytes are.
struct RaftDisk {
    var hardState: HardState
    var snapshot: SnapshotMeta?
    /// The state machine image `snapshot` describes, streamed to followers that need it.
    var snapshotImage: NamespaceImage?
    private(set) var entries: [RaftEntry]

    /// A member of a new group: the bootstrap entries, already committed, as every member
    /// writes them (the namenode's format edit and the directories the clients use).
    init(bootstrap: [RaftEntry]) {
        entries = bootstrap
        hardState = HardState(term: bootstrap.last?.term ?? 0, vote: 0, commit: bootstrap.last?.index ?? 0)
    }

    /// Persists a Ready's snapshot, entries and hard state, in that order.
    mutating func persist(_ ready: Ready, image: NamespaceImage?) {
        if let snapshot = ready.snapshot {
            precondition(image?.index == snapshot.index, "a snapshot through \(snapshot.index) arrived without its image")
            self.snapshot = snapshot
            snapshotImage = image
            entries = []
        }
        if let first = ready.entries.first {
            // The new entries replace any persisted from the first one's index on.
            entries.removeSubrange(position(of: first.index)...)
            entries += ready.entries
        }
        if let hardState = ready.hardState { self.hardState = hardState }
    }

    /// The state machine checkpointed through `snapshot.index`: the log before it goes.
    mutating func compact(to snapshot: SnapshotMeta, image: NamespaceImage) {
        precondition(image.index == snapshot.index, "a snapshot through \(snapshot.index) with an image through \(image.index)")
        self.snapshot = snapshot
        snapshotImage = image
        entries.removeSubrange(..<position(of: snapshot.index + 1))
    }

    /// Where the entry at `index` is (or would go) in `entries`, which are contiguous.
    private func position(of index: UInt64) -> Int {
        guard let first = entries.first?.index else { return 0 }
        return Int(max(0, min(Int64(entries.count), Int64(index) - Int64(first))))
    }
}

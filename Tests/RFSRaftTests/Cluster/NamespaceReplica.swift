import RFSKeyValue
import RFSNamespace
import RFSProtocol
@testable import RFSRaft

/// A namespace as a snapshot carries it: every key and value through `index`.
struct NamespaceImage {
    let index: UInt64
    let pairs: [KeyValuePair]
    let digest: StoreDigest
}

/// What applying one committed entry gave: the edit's result, or nil for an entry that is
/// not an edit (a new leader's no-op).
struct AppliedEntry {
    let index: UInt64
    let term: UInt64
    let result: EditResult?
}

/// One node's namespace, applied the way the namenode's applier does it: each Ready's
/// committed entries in one batch that also records the last applied index, written to a
/// store that is not synced (the Raft log replays what a crash loses). The store is the
/// in-memory twin of LevelDB whose crash keeps only synced writes, or a prefix of the rest.
struct NamespaceReplica {
    private(set) var store = MemoryStore()
    private(set) var appliedIndex: UInt64 = 0
    private(set) var digest = StoreDigest()
    let machine: NamespaceStateMachine

    static let superuser = "hdfs"
    static let caller = Caller(user: superuser, groups: [])

    init(configuration: NamespaceConfiguration) {
        machine = NamespaceStateMachine(configuration: configuration)
    }

    /// Applies `entries` (committed, in order) in one batch; entries the store already
    /// holds are skipped, as on a restart that replays from the log's commit.
    mutating func apply(_ entries: [RaftEntry]) throws -> [AppliedEntry] {
        let overlay = Overlay(base: StoreReader(store))
        var applied: [AppliedEntry] = []
        applied.reserveCapacity(entries.count)
        for entry in entries where entry.index > appliedIndex {
            precondition(entry.index == appliedIndex + 1, "entry \(entry.index) applied after \(appliedIndex)")
            appliedIndex = entry.index
            guard entry.kind == .normal, !entry.data.isEmpty else {
                applied.append(AppliedEntry(index: entry.index, term: entry.term, result: nil))
                continue
            }
            let edit = try Rfs_Namenode_Edit(serializedBytes: entry.data)
            applied.append(AppliedEntry(index: entry.index, term: entry.term, result: try machine.apply(edit, to: overlay)))
        }
        guard !applied.isEmpty else { return [] }
        try machine.finishBatch(lastAppliedIndex: appliedIndex, overlay: overlay)
        try write(overlay.batch)
        return applied
    }

    /// The store's change to the digest, then the write itself (not synced).
    private mutating func write(_ batch: WriteBatch) throws {
        var current: [[UInt8]: [UInt8]?] = [:]
        for operation in batch.operations {
            let key = operation.key
            let old = try current[key] ?? store.get(key)
            let new: [UInt8]? = switch operation {
            case .put(_, let value): value
            case .delete: nil
            }
            digest.replace(key, old: old, new: new)
            current[key] = .some(new)
        }
        try store.write(batch, sync: false)
    }

    /// getFileInfo, as a read served by this node.
    func fileInfo(_ path: String) throws -> Rfs_Namenode_InodeRecord? {
        try NamespaceReads(reader: StoreReader(store), configuration: machine.configuration).fileInfo(path, caller: Self.caller)
    }

    /// Subtrees a recursive delete detached that purge edits have not yet removed.
    func detachedSubtrees() throws -> UInt64 {
        try NamespaceReads(reader: StoreReader(store), configuration: machine.configuration).counters()?.detachedSubtrees ?? 0
    }

    // MARK: - Snapshots, syncs and crashes

    /// Makes every write so far durable (a checkpoint: the log before it may be compacted).
    func sync() throws {
        try store.write(WriteBatch(), sync: true)
    }

    /// The whole namespace as of `appliedIndex`, for a snapshot.
    func image() throws -> NamespaceImage {
        NamespaceImage(index: appliedIndex, pairs: try store.scan(), digest: digest)
    }

    /// Replaces the namespace with a snapshot's, durably.
    mutating func install(_ image: NamespaceImage) throws {
        store.close()
        store = MemoryStore()
        try store.write(WriteBatch(image.pairs.map { .put(key: $0.key, value: $0.value) }), sync: true)
        appliedIndex = image.index
        digest = image.digest
    }

    /// The power fails after the first `keptWrites` unsynced writes reached the disk: the
    /// namespace goes back to what that leaves, and its applied index with it.
    mutating func crash(keepingUnsyncedWrites keptWrites: Int) throws {
        store = store.crash(keepingUnsyncedWrites: keptWrites)
        let pairs = try store.scan()
        digest = StoreDigest(pairs: pairs)
        appliedIndex = try NamespaceReads(reader: StoreReader(store), configuration: machine.configuration)
            .counters()?.lastAppliedIndex ?? 0
    }

    var unsyncedWriteCount: Int { store.unsyncedWriteCount }
}

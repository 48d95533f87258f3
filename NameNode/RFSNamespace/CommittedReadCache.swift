import RFSProtocol
import Synchronization

/// Decoded inode records, directory entries and the counters of the committed store, shared by
/// every reader (RPC calls on any thread). A getFileInfo of a path five deep otherwise costs
/// a dozen LevelDB gets and six inode decodes, most of them for the same few directories;
/// in the namenode's profile those were the largest part of a read's CPU.
///
/// Kept right by the one writer of the store, the applier: after each batch is written and
/// before any of its proposers resumes, `batchWritten` replaces or drops every key the batch
/// changed, so a read that starts after an edit was acknowledged never sees what it replaced.
/// A reader fills a miss from the store, and the generation stops it from putting back a
/// value a batch written in between has already replaced: `lookUp` hands out the generation,
/// `remember` stores only if no batch was written since. Bounded: a table that fills starts
/// over (hot directories come back at once).
public final class CommittedReadCache: Sendable {
    /// What a lookup found, and the generation to quote when remembering what it read instead.
    struct Lookup<Value> {
        var value: Value?
        var generation: UInt64
    }

    private struct State: Sendable {
        var generation: UInt64 = 0
        var inodes: [UInt64: Rfs_Namenode_InodeRecord] = [:]
        var entries: [StoreKey: UInt64] = [:]
        var counters: Rfs_Namenode_NamespaceCounters?
    }

    private let state = Mutex(State())
    /// Most inode records, and most directory entries, kept at once.
    public let capacity: Int

    public init(capacity: Int = 65_536) {
        self.capacity = capacity
    }

    func inode(_ id: UInt64) -> Lookup<Rfs_Namenode_InodeRecord> {
        state.withLock { Lookup(value: $0.inodes[id], generation: $0.generation) }
    }

    func entry(_ key: StoreKey) -> Lookup<UInt64> {
        state.withLock { Lookup(value: $0.entries[key], generation: $0.generation) }
    }

    func counters() -> Lookup<Rfs_Namenode_NamespaceCounters> {
        state.withLock { Lookup(value: $0.counters, generation: $0.generation) }
    }

    func remember(_ record: Rfs_Namenode_InodeRecord, readAt generation: UInt64) {
        state.withLock { state in
            guard state.generation == generation else { return }
            if state.inodes.count >= capacity { state.inodes.removeAll(keepingCapacity: true) }
            state.inodes[record.id] = record
        }
    }

    func remember(entry key: StoreKey, child: UInt64, readAt generation: UInt64) {
        state.withLock { state in
            guard state.generation == generation else { return }
            if state.entries.count >= capacity { state.entries.removeAll(keepingCapacity: true) }
            state.entries[key] = child
        }
    }

    func remember(_ counters: Rfs_Namenode_NamespaceCounters, readAt generation: UInt64) {
        state.withLock { state in
            guard state.generation == generation else { return }
            state.counters = counters
        }
    }

    /// Forgets everything (the store under it was replaced by a snapshot); a read that missed
    /// before this does not put its old value back.
    public func removeAll() {
        state.withLock { state in
            state.generation &+= 1
            state.inodes.removeAll()
            state.entries.removeAll()
            state.counters = nil
        }
    }

    /// One key a written batch changed: what a cached copy must become.
    enum Change {
        /// The inode was rewritten; the record is what it now holds, when the batch decoded it.
        case inode(UInt64, Rfs_Namenode_InodeRecord?)
        /// The entry now names `child`, or was removed (nil).
        case entry(StoreKey, UInt64?)
        case counters
    }

    /// Called by the applier once a batch is in the store, before its proposers resume.
    func batchWritten(_ changes: [Change]) {
        state.withLock { state in
            state.generation &+= 1
            for change in changes {
                switch change {
                case .inode(let id, let record):
                    // Only records already cached are refreshed: a batch of creates would
                    // otherwise fill the table with files nobody has read.
                    if let record, state.inodes[id] != nil {
                        state.inodes[id] = record
                    } else {
                        state.inodes.removeValue(forKey: id)
                    }
                case .entry(let key, let child):
                    if let child, state.entries[key] != nil {
                        state.entries[key] = child
                    } else {
                        state.entries.removeValue(forKey: key)
                    }
                case .counters:
                    state.counters = nil
                }
            }
        }
    }

    /// What it holds now, entries by their store key (tests compare it with the store).
    public var cached: (inodes: [UInt64: Rfs_Namenode_InodeRecord], entries: [[UInt8]: UInt64]) {
        state.withLock { state in
            (state.inodes, Dictionary(uniqueKeysWithValues: state.entries.map { ($0.key.bytes, $0.value) }))
        }
    }
}

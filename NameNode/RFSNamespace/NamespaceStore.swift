import RFSKeyValue
import RFSProtocol
import SwiftProtobuf

// Key layout in LevelDB (all integers big-endian, so keys sort numerically):
//
//   "i" inodeID:u64                 → InodeRecord            (lookup by id)
//   "e" parentID:u64 name':bytes    → childID:u64            (directory entry; a listing is a
//                                                              range scan of "e" parentID)
//
// name' is the name with each byte's top bit flipped, so that LevelDB's unsigned byte order
// is HDFS's order of names: Java compares them as *signed* bytes (DFSUtilClient.compareBytes),
// and clients see listings, and page through them, in that order.
//   "b" blockID:u64                 → fileID:u64             (block → file)
//   "q" inodeID:u64                 → DirectoryQuota         (quota and subtree usage of a
//                                                              directory whose inode has with_quota)
//   "m/counters"                    → NamespaceCounters      (ids, last applied index)
public enum StoreKeys {
    static let inodeTag = UInt8(ascii: "i")
    static let entryTag = UInt8(ascii: "e")
    static let blockTag = UInt8(ascii: "b")
    static let quotaTag = UInt8(ascii: "q")
    public static let counters: [UInt8] = Array("m/counters".utf8)

    public static func inode(_ id: UInt64) -> [UInt8] { [inodeTag] + bigEndian(id) }
    public static func entry(parent: UInt64, name: [UInt8]) -> [UInt8] {
        var key = [entryTag] + bigEndian(parent)
        key.reserveCapacity(key.count + name.count)
        for byte in name { key.append(byte ^ 0x80) }
        return key
    }
    public static func entries(of parent: UInt64) -> [UInt8] { [entryTag] + bigEndian(parent) }
    public static func block(_ id: UInt64) -> [UInt8] { [blockTag] + bigEndian(id) }
    public static func quota(_ directoryID: UInt64) -> [UInt8] { [quotaTag] + bigEndian(directoryID) }
    public static let allBlocks: [UInt8] = [blockTag]

    static func bigEndian(_ value: UInt64) -> [UInt8] {
        withUnsafeBytes(of: value.bigEndian) { Array($0) }
    }

    static func decodeUInt64(_ bytes: some Collection<UInt8>) -> UInt64 {
        bytes.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    }
}

/// What the namespace reads from: point gets and prefix scans. The committed store and the
/// batch overlay (edits applied but not yet written) both provide it.
public protocol NamespaceReader {
    func get(_ key: [UInt8]) throws -> [UInt8]?
    /// Entries with `prefix`, in key order, strictly after `after` when given.
    func scan(prefix: [UInt8], after: [UInt8]?, limit: Int?) throws -> [KeyValuePair]
}

/// A `NamespaceReader` over any key-value store or snapshot.
public struct StoreReader<Reader: KeyValueReader>: NamespaceReader {
    public let reader: Reader

    public init(_ reader: Reader) {
        self.reader = reader
    }

    public func get(_ key: [UInt8]) throws -> [UInt8]? {
        try reader.get(key)
    }

    public func scan(prefix: [UInt8], after: [UInt8]?, limit: Int?) throws -> [KeyValuePair] {
        try reader.scan(prefix: prefix, start: after.map { .after($0) } ?? .first, direction: .forward, limit: limit)
    }
}

/// Edits applied in one batch see each other's writes through this overlay; at the end of
/// the batch its `batch` is written to the store in one WriteBatch.
public final class Overlay: NamespaceReader {
    private let base: any NamespaceReader
    private var pending: [StoreKey: [UInt8]?] = [:]
    /// Pending keys by their first `indexedPrefixLength` bytes (a tag and a parent id: what a
    /// directory listing scans), so that listing a directory in a batch that already changed
    /// thousands of keys (a recursive delete, a big group commit) looks at that directory's
    /// changes only, not at every pending key. Built on the first such listing: most batches
    /// (creates, completes) never list, and should not pay for it.
    private var pendingByPrefix: [StoreKey: Set<StoreKey>]?
    static let indexedPrefixLength = 9
    /// Pending keys looked at by listings so far (building the index included), counting those
    /// of overlays stacked on this one (an edit's scratch overlay): what makes a delete of n
    /// entries cost O(n), not O(n²) (tests hold it to a bound).
    public private(set) var pendingKeysExamined = 0
    /// Inode records decoded in this overlay, by id (`.some(nil)`: known absent). A batch's
    /// edits walk the same directories, so each record is decoded once per batch, not once
    /// per edit and path component.
    private var inodes: [UInt64: Rfs_Namenode_InodeRecord?] = [:]
    /// The namespace counters as this overlay sees them, decoded once (nil: not decoded
    /// here yet). Every create reads them twice (the superuser, the next inode id) and writes
    /// them once, so without this each edit decoded the record its predecessor just encoded.
    private var decodedCounters: Rfs_Namenode_NamespaceCounters?
    /// Records decoded by earlier batches, for a batch overlay over the committed store.
    private let committedInodes: CommittedInodeCache?
    /// The readers' cache of the committed store, told what this batch changed once written.
    private let readCache: CommittedReadCache?

    /// What to write to the store: each changed key once, with its final value, in key
    /// order. Not every put made: a batch's creates rewrite their directory's record and the
    /// namespace counters once per edit, and only the last of those matters (a WriteBatch is
    /// applied atomically), so the store inserts each key once rather than once per edit.
    public var batch: WriteBatch {
        var batch = WriteBatch()
        batch.reserveCapacity(pending.count)
        for key in pending.keys.sorted(by: { BytewiseOrder.less($0.bytes, $1.bytes) }) {
            if let value = pending[key]! { batch.put(key.bytes, value) } else { batch.delete(key.bytes) }
        }
        return batch
    }

    /// Hands every change of this overlay to `target` (an edit's scratch overlay committing
    /// into its batch's), with the inode records it decoded.
    func commit(into target: Overlay) {
        for (key, value) in pending {
            if let value {
                target.put(key.bytes, value, inode: decodedInode(forKey: key.bytes))
            } else {
                target.delete(key.bytes)
            }
        }
        if let decodedCounters, pending[StoreKey(StoreKeys.counters)] != nil { target.decodedCounters = decodedCounters }
    }

    /// `committedInodes`: the applier's cache of the store's inode records (see
    /// `CommittedInodeCache`); only an overlay over the committed store itself may use it.
    /// `readCache`: the readers' cache (`CommittedReadCache`), kept in step by `batchWritten`.
    public init(base: any NamespaceReader, committedInodes: CommittedInodeCache? = nil, readCache: CommittedReadCache? = nil) {
        self.base = base
        self.committedInodes = committedInodes
        self.readCache = readCache
    }

    public func get(_ key: [UInt8]) throws -> [UInt8]? {
        if let value = pending[StoreKey(key)] { return value }
        return try base.get(key)
    }

    /// The inode `id` as this overlay sees it, decoded once. `remember: false` (a subtree
    /// walk, a listing) keeps what it decodes out of this overlay's and the applier's caches:
    /// a walk over a million inodes would otherwise hold them all until the batch ends.
    func inode(_ id: UInt64, remember: Bool = true) throws -> Rfs_Namenode_InodeRecord? {
        if let known = inodes[id] { return known }
        let key = StoreKeys.inode(id)
        let record: Rfs_Namenode_InodeRecord?
        if let value = pending[StoreKey(key)] {
            record = try value.map { try Rfs_Namenode_InodeRecord(serializedBytes: $0) }
        } else if let below = base as? Overlay {
            record = try below.inode(id, remember: remember)
        } else if let cached = committedInodes?.record(id) {
            record = cached
        } else {
            record = try base.get(key).map { try Rfs_Namenode_InodeRecord(serializedBytes: $0) }
            if remember, let record { committedInodes?.remember(record) }
        }
        if remember { inodes[id] = .some(record) }
        return record
    }

    /// Where a directory entry was found: in a batch's changes, in the applier's cache of
    /// the committed store, or in the store itself (which the applier may then remember, see
    /// `rememberDirectoryEntry`).
    enum EntrySource { case pending, cached, store }

    /// The inode id the directory entry `key` names, as this overlay sees it.
    func entry(_ key: [UInt8]) throws -> (child: UInt64, source: EntrySource)? {
        let storeKey = StoreKey(key)
        if let value = pending[storeKey] { return value.map { (StoreKeys.decodeUInt64($0), .pending) } }
        if let below = base as? Overlay { return try below.entry(key) }
        if let cached = committedInodes?.directoryEntry(storeKey) { return (cached, .cached) }
        return try base.get(key).map { (StoreKeys.decodeUInt64($0), .store) }
    }

    /// The committed store's entry `key` names the directory `child`: the applier's cache
    /// keeps it for the next edits that walk through it.
    func rememberDirectoryEntry(_ key: [UInt8], child: UInt64) {
        if let below = base as? Overlay { return below.rememberDirectoryEntry(key, child: child) }
        committedInodes?.remember(directoryEntry: StoreKey(key), child: child)
    }

    /// The namespace counters as this overlay sees them (nil before the namespace is
    /// formatted), decoded once.
    func counters() throws -> Rfs_Namenode_NamespaceCounters? {
        if let decodedCounters { return decodedCounters }
        let found: Rfs_Namenode_NamespaceCounters?
        if let value = pending[StoreKey(StoreKeys.counters)] {
            found = try value.map { try Rfs_Namenode_NamespaceCounters(serializedBytes: $0) }
        } else if let below = base as? Overlay {
            found = try below.counters()
        } else {
            found = try base.get(StoreKeys.counters).map { try Rfs_Namenode_NamespaceCounters(serializedBytes: $0) }
        }
        decodedCounters = found
        return found
    }

    /// Puts the namespace counters (`value` is `counters` encoded).
    func put(counters: Rfs_Namenode_NamespaceCounters, encoded value: [UInt8]) {
        put(StoreKeys.counters, value)
        decodedCounters = counters
    }

    /// Puts `key`; `inode`, when given, is the record `value` encodes (saves decoding it again).
    public func put(_ key: [UInt8], _ value: [UInt8], inode: Rfs_Namenode_InodeRecord? = nil) {
        let storeKey = StoreKey(key)
        if pending.updateValue(.some(value), forKey: storeKey) == nil { index(storeKey) }
        forgetDecoded(key, replacement: inode)
    }

    public func delete(_ key: [UInt8]) {
        let storeKey = StoreKey(key)
        if pending.updateValue(nil as [UInt8]?, forKey: storeKey) == nil { index(storeKey) }
        forgetDecoded(key, replacement: nil)
    }

    /// The decoded record of a changed inode key goes (or becomes `replacement`); so do the
    /// decoded counters when their key changes (`put(counters:encoded:)` sets them after).
    private func forgetDecoded(_ key: [UInt8], replacement: Rfs_Namenode_InodeRecord?) {
        if key == StoreKeys.counters { decodedCounters = nil }
        guard key.count == 9, key[0] == StoreKeys.inodeTag else { return }
        let id = StoreKeys.decodeUInt64(key.dropFirst())
        if let replacement, replacement.id == id {
            inodes[id] = .some(replacement)
        } else {
            inodes.removeValue(forKey: id)
        }
    }

    /// Once this overlay's batch is in the store: the committed cache takes the inode records
    /// the batch wrote (those it has decoded) and forgets the ones it deleted or rewrote
    /// without decoding.
    public func batchWritten() {
        if let committedInodes {
            for (key, value) in pending {
                switch key.bytes.first {
                case StoreKeys.inodeTag where key.bytes.count == 9:
                    let id = StoreKeys.decodeUInt64(key.bytes.dropFirst())
                    if value != nil, let record = inodes[id] ?? nil {
                        committedInodes.remember(record)
                    } else {
                        committedInodes.forget(id)
                    }
                case StoreKeys.entryTag:
                    // A changed entry is read from the store again the next time (and kept
                    // again if it names a directory).
                    committedInodes.forget(entry: key)
                default:
                    break
                }
            }
        }
        readCache?.batchWritten(readCacheChanges())
    }

    /// What this batch changed of the keys the readers' cache holds (inodes, entries, counters).
    private func readCacheChanges() -> [CommittedReadCache.Change] {
        var changes: [CommittedReadCache.Change] = []
        changes.reserveCapacity(pending.count)
        for (key, value) in pending {
            switch key.bytes.first {
            case StoreKeys.inodeTag where key.bytes.count == 9:
                let id = StoreKeys.decodeUInt64(key.bytes.dropFirst())
                changes.append(.inode(id, value == nil ? nil : inodes[id] ?? nil))
            case StoreKeys.entryTag:
                changes.append(.entry(key, value.map { StoreKeys.decodeUInt64($0) }))
            case _ where key.bytes == StoreKeys.counters:
                changes.append(.counters)
            default:
                break
            }
        }
        return changes
    }

    /// The record behind a pending inode key, if this overlay decoded it (for `commit`).
    func decodedInode(forKey key: [UInt8]) -> Rfs_Namenode_InodeRecord? {
        guard key.count == 9, key[0] == StoreKeys.inodeTag else { return nil }
        return inodes[StoreKeys.decodeUInt64(key.dropFirst())] ?? nil
    }

    private func examined(_ count: Int) {
        pendingKeysExamined += count
        (base as? Overlay)?.examined(count)
    }

    private func index(_ key: StoreKey) {
        guard pendingByPrefix != nil, key.bytes.count >= Self.indexedPrefixLength else { return }
        pendingByPrefix![StoreKey(Array(key.bytes.prefix(Self.indexedPrefixLength))), default: []].insert(key)
    }

    /// The pending keys starting with `prefix` (at least `indexedPrefixLength` long).
    private func pendingKeys(withIndexedPrefix prefix: [UInt8]) -> Set<StoreKey> {
        if pendingByPrefix == nil {
            var built: [StoreKey: Set<StoreKey>] = [:]
            for key in pending.keys where key.bytes.count >= Self.indexedPrefixLength {
                built[StoreKey(Array(key.bytes.prefix(Self.indexedPrefixLength))), default: []].insert(key)
            }
            pendingByPrefix = built
            examined(pending.count)
        }
        return pendingByPrefix![StoreKey(Array(prefix.prefix(Self.indexedPrefixLength)))] ?? []
    }

    public func scan(prefix: [UInt8], after: [UInt8]?, limit: Int?) throws -> [KeyValuePair] {
        // Pending changes under the prefix: from the index when the prefix is as long as its
        // keys (a directory's entries), else by looking at every pending key.
        var changed: [[UInt8]: [UInt8]?] = [:]
        let candidates: [StoreKey]
        if prefix.count >= Self.indexedPrefixLength {
            candidates = Array(pendingKeys(withIndexedPrefix: prefix))
        } else {
            candidates = Array(pending.keys)
        }
        examined(candidates.count)
        for key in candidates where key.bytes.starts(with: prefix) {
            if let after, !BytewiseOrder.less(after, key.bytes) { continue }
            changed[key.bytes] = pending[key]!
        }
        let deletions = changed.values.filter { $0 == nil }.count
        var merged = try base.scan(prefix: prefix, after: after, limit: limit.map { $0 + deletions })
            .filter { changed[$0.key] == nil }
        for (key, value) in changed {
            if let value { merged.append(KeyValuePair(key: key, value: value)) }
        }
        merged.sort { BytewiseOrder.less($0.key, $1.key) }
        if let limit, merged.count > limit { merged.removeLast(merged.count - limit) }
        return merged
    }
}

/// Decoded inode records of the committed store, kept across batches by the one thread that
/// applies them: the directories every create walks (the root, a job's output directory)
/// are then neither read from LevelDB nor decoded again. Only the applier writes the store,
/// and it updates this cache after each batch's write (`Overlay.batchWritten`), so it is
/// never stale for the applier. Bounded: it starts over when full.
public final class CommittedInodeCache: @unchecked Sendable {
    // @unchecked: used by the apply thread only (the engine hands it to nothing else).
    private var records: [UInt64: Rfs_Namenode_InodeRecord] = [:]
    /// Directory entries of the store that name directories, by entry key: every edit walks
    /// its path's directories, and each step was a LevelDB get. Entries naming files are not
    /// kept (a batch of completes would fill the table with files read once).
    private var directoryEntries: [StoreKey: UInt64] = [:]
    public let capacity: Int

    public init(capacity: Int = 65_536) {
        self.capacity = capacity
    }

    func record(_ id: UInt64) -> Rfs_Namenode_InodeRecord? { records[id] }

    func remember(_ record: Rfs_Namenode_InodeRecord) {
        if records.count >= capacity && records[record.id] == nil { records.removeAll(keepingCapacity: true) }
        records[record.id] = record
    }

    func forget(_ id: UInt64) {
        records.removeValue(forKey: id)
    }

    func directoryEntry(_ key: StoreKey) -> UInt64? { directoryEntries[key] }

    func remember(directoryEntry key: StoreKey, child: UInt64) {
        if directoryEntries.count >= capacity && directoryEntries[key] == nil { directoryEntries.removeAll(keepingCapacity: true) }
        directoryEntries[key] = child
    }

    func forget(entry key: StoreKey) {
        directoryEntries.removeValue(forKey: key)
    }

    /// Forgets everything (the store under it was replaced).
    public func removeAll() {
        records.removeAll()
        directoryEntries.removeAll()
    }

    /// The directory entries it holds (tests compare them with the store).
    public var cachedDirectoryEntries: [[UInt8]: UInt64] {
        Dictionary(uniqueKeysWithValues: directoryEntries.map { ($0.key.bytes, $0.value) })
    }

    public var count: Int { records.count }

    /// What it holds now (tests compare it with the store).
    public var cached: [UInt64: Rfs_Namenode_InodeRecord] { records }
}

/// A store key as a dictionary key: hashed as one run of bytes (an `[UInt8]` key is hashed
/// byte by byte, which showed in the namenode's profile under group commit).
struct StoreKey: Hashable {
    let bytes: [UInt8]

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    func hash(into hasher: inout Hasher) {
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
    }

    static func == (a: StoreKey, b: StoreKey) -> Bool {
        a.bytes == b.bytes
    }
}

extension BytewiseOrder {
    static func less(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        compare(a, b) < 0
    }
}

/// Typed access to the stored records.
struct Records {
    let reader: any NamespaceReader
    /// The batch overlay, when `reader` is one (it decodes each record once per batch).
    private let overlay: Overlay?
    /// The readers' cache, when `reader` is the committed store (never for an overlay).
    private let cache: CommittedReadCache?

    init(reader: any NamespaceReader, cache: CommittedReadCache? = nil) {
        self.reader = reader
        self.overlay = reader as? Overlay
        self.cache = overlay == nil ? cache : nil
    }

    /// `remember: false` looks in the cache but does not fill it (listings and subtree walks,
    /// which would push out the directories every lookup passes through).
    func inode(_ id: UInt64, remember: Bool = true) throws -> Rfs_Namenode_InodeRecord? {
        if let overlay { return try overlay.inode(id, remember: remember) }
        let cached = cache?.inode(id)
        if let hit = cached?.value { return hit }
        guard let bytes = try reader.get(StoreKeys.inode(id)) else { return nil }
        let record = try Rfs_Namenode_InodeRecord(serializedBytes: bytes)
        if remember, let cached { cache?.remember(record, readAt: cached.generation) }
        return record
    }

    func child(of parent: UInt64, named name: [UInt8]) throws -> Rfs_Namenode_InodeRecord? {
        let key = StoreKeys.entry(parent: parent, name: name)
        if let overlay {
            guard let found = try overlay.entry(key) else { return nil }
            let record = try inode(found.child)
            if found.source == .store, let record, record.kind == .inodeDirectory {
                overlay.rememberDirectoryEntry(key, child: found.child)
            }
            return record
        }
        guard let cache else {
            guard let idBytes = try reader.get(key) else { return nil }
            return try inode(StoreKeys.decodeUInt64(idBytes))
        }
        let storeKey = StoreKey(key)
        let cached = cache.entry(storeKey)
        if let child = cached.value { return try inode(child) }
        guard let idBytes = try reader.get(key) else { return nil }
        let child = StoreKeys.decodeUInt64(idBytes)
        cache.remember(entry: storeKey, child: child, readAt: cached.generation)
        return try inode(child)
    }

    func children(of parent: UInt64, after name: [UInt8]?, limit: Int?) throws -> [Rfs_Namenode_InodeRecord] {
        let prefix = StoreKeys.entries(of: parent)
        let entries = try reader.scan(prefix: prefix, after: name.map { StoreKeys.entry(parent: parent, name: $0) }, limit: limit)
        return try entries.compactMap { try inode(StoreKeys.decodeUInt64($0.value), remember: false) }
    }

    /// Walks `path` from the root, checking EXECUTE on every directory passed through; the
    /// one path walk both edits and reads use. `creating` says whether the operation creates
    /// the path (mkdirs, create, a rename's destination).
    func resolve(_ path: NamespacePath, checker: AccessChecker, creating: Bool = false) throws -> ResolvedPath {
        guard let root = try inode(NamespaceStateMachine.rootInodeID) else { throw NamespaceRejection.notFormatted }
        var resolved = ResolvedPath(path: path, inodes: [root])
        var current = root
        // The path of `current` is the first `depth` components; it is spelled out only for
        // an error message (building it for every component showed in the read profile).
        var depth = 0
        func walked() -> NamespacePath { NamespacePath(components: Array(path.components.prefix(depth))) }
        for component in path.components {
            guard current.kind == .inodeDirectory else {
                // HDFS's resolvePath: a file with components after it is an error, worded the
                // same for every operation; only its class depends on whether the operation
                // creates the path.
                let message = "\(walked()) (is not a directory)"
                throw creating ? NamespaceRejection.parentNotDirectory(message) : NamespaceRejection.pathThroughFile(message)
            }
            try checker.check(current, .execute, path: walked().description)
            guard let child = try child(of: current.id, named: component) else { break }
            resolved.inodes.append(child)
            depth += 1
            current = child
        }
        return resolved
    }

    func quota(_ directoryID: UInt64) throws -> Rfs_Namenode_DirectoryQuota? {
        guard let bytes = try reader.get(StoreKeys.quota(directoryID)) else { return nil }
        return try Rfs_Namenode_DirectoryQuota(serializedBytes: bytes)
    }

    func counters() throws -> Rfs_Namenode_NamespaceCounters? {
        if let overlay { return try overlay.counters() }
        let cached = cache?.counters()
        if let hit = cached?.value { return hit }
        guard let bytes = try reader.get(StoreKeys.counters) else { return nil }
        let counters = try Rfs_Namenode_NamespaceCounters(serializedBytes: bytes)
        if let cached { cache?.remember(counters, readAt: cached.generation) }
        return counters
    }
}

/// Typed writes into an overlay.
struct RecordWriter {
    let overlay: Overlay

    func put(_ inode: Rfs_Namenode_InodeRecord) {
        overlay.put(StoreKeys.inode(inode.id), try! inode.serializedBytes(), inode: inode)
    }

    func link(_ inode: Rfs_Namenode_InodeRecord) {
        overlay.put(StoreKeys.entry(parent: inode.parentID, name: [UInt8](inode.name)), StoreKeys.bigEndian(inode.id))
    }

    func unlink(parent: UInt64, name: [UInt8]) {
        overlay.delete(StoreKeys.entry(parent: parent, name: name))
    }

    /// Removes the directory entry stored under `key` (as a scan of entries found it).
    func unlink(entry key: [UInt8]) {
        overlay.delete(key)
    }

    /// Files a detached subtree's root in the purge queue, named by its id (names of
    /// detached roots may repeat; ids do not).
    func fileDetached(_ id: UInt64) {
        let key = StoreKeys.bigEndian(id)
        overlay.put(StoreKeys.entry(parent: NamespaceStateMachine.detachedSubtreesID, name: key), key)
    }

    func remove(_ inode: Rfs_Namenode_InodeRecord) {
        overlay.delete(StoreKeys.inode(inode.id))
        if inode.withQuota { overlay.delete(StoreKeys.quota(inode.id)) }
        for block in inode.blocks { overlay.delete(StoreKeys.block(block.id)) }
    }

    func mapBlock(_ blockID: UInt64, toFile fileID: UInt64) {
        overlay.put(StoreKeys.block(blockID), StoreKeys.bigEndian(fileID))
    }

    func unmapBlock(_ blockID: UInt64) {
        overlay.delete(StoreKeys.block(blockID))
    }

    func put(_ quota: Rfs_Namenode_DirectoryQuota, of directoryID: UInt64) {
        overlay.put(StoreKeys.quota(directoryID), try! quota.serializedBytes())
    }

    func removeQuota(of directoryID: UInt64) {
        overlay.delete(StoreKeys.quota(directoryID))
    }

    func put(_ counters: Rfs_Namenode_NamespaceCounters) {
        overlay.put(counters: counters, encoded: try! counters.serializedBytes())
    }
}

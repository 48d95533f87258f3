import RFSKeyValue
import RFSModel
import RFSProtocol

/// Rules every replica of the namespace must share (they decide edit outcomes).
public struct NamespaceConfiguration: Sendable, Equatable {
    public var superGroup = HDFSDefaults.superGroup
    public var permissionsEnabled = true
    public var maxComponentBytes = Limits.pathComponentBytesMax
    public var maxDirectoryItems = Limits.directoryItemsMax
    public var minBlockSizeBytes: UInt64 = 1 << 20
    public var maxReplication: UInt32 = 512
    /// dfs.namenode.fs-limits.max-xattrs-per-inode: user. and trusted. attributes per inode.
    public var maxXAttrsPerInode = 32
    /// dfs.namenode.fs-limits.max-xattr-size: bytes of a name (without its prefix) and value.
    public var maxXAttrSize = 16_384

    public init() {}
}

/// What an applied edit changed that other parts of the namenode (block map, leases) must
/// learn. The namespace itself keeps none of that soft state.
public enum NamespaceEffect: Equatable, Sendable {
    case blockAdded(blockID: UInt64, generationStamp: UInt64, fileID: UInt64, replication: UInt32)
    case blockCommitted(blockID: UInt64, generationStamp: UInt64, numBytes: UInt64)
    case blocksRemoved([UInt64])
    case replicationChanged(blockIDs: [UInt64], replication: UInt32)
    /// A block's generation stamp or length changed (append, pipeline recovery).
    case blockUpdated(blockID: UInt64, generationStamp: UInt64, numBytes: UInt64)
    case leaseOpened(fileID: UInt64, holder: String)
    case leaseClosed(fileID: UInt64, holder: String)
    /// A deleted subtree was detached, to be purged by later edits (see `PurgeDetached`).
    case subtreeDetached(rootID: UInt64)
}

/// The reply an applied edit gives its caller.
public enum EditReply: Equatable, Sendable {
    case done
    case flag(Bool)
    /// The inode the edit created or opened.
    case inode(Rfs_Namenode_InodeRecord)
    /// A new block: the block, its offset in the file, and the file.
    case block(Rfs_Namenode_BlockRecord, offset: UInt64, file: Rfs_Namenode_InodeRecord)
}

public struct EditResult: Equatable, Sendable {
    public var outcome: Result<EditReply, NamespaceRejection>
    public var effects: [NamespaceEffect]
}

/// The namespace as a deterministic state machine: an edit and the current store in, the
/// store's changes (into an `Overlay`), a reply and effects out. No clocks, ids or users
/// are invented here: all of them come in the edit, so every replica applying the same
/// edits in the same order reaches the same state.
public struct NamespaceStateMachine: Sendable {
    public static let rootInodeID: UInt64 = 16_385
    public let configuration: NamespaceConfiguration

    public init(configuration: NamespaceConfiguration = NamespaceConfiguration()) {
        self.configuration = configuration
    }

    /// Applies one edit into `overlay`. A rejected edit leaves the overlay untouched and is
    /// an ordinary result; an error reading the store is thrown, because a namenode that
    /// cannot read its own state must stop rather than answer.
    public func apply(_ edit: Rfs_Namenode_Edit, to overlay: Overlay) throws -> EditResult {
        var context = EditContext(edit: edit, overlay: overlay, configuration: configuration)
        do {
            let reply = try context.run()
            context.commit()
            return EditResult(outcome: .success(reply), effects: context.effects)
        } catch let rejection as NamespaceRejection {
            return EditResult(outcome: .failure(rejection), effects: [])
        }
    }

    /// Records that every edit up to `index` is applied; call once per batch, last.
    public func finishBatch(lastAppliedIndex index: UInt64, overlay: Overlay) throws {
        guard var counters = try Records(reader: overlay).counters() else { return }
        counters.lastAppliedIndex = index
        RecordWriter(overlay: overlay).put(counters)
    }

    /// What one applied batch did: each edit's result, the WriteBatch written, and the overlay
    /// it was applied in (for what it counted).
    public struct AppliedBatch {
        public var results: [EditResult]
        public var written: WriteBatch
        public var overlay: Overlay
    }

    /// Applies `edits`, the last of which has index `lastAppliedIndex`, as one batch over
    /// `store`, the way the namenode's applier does: every edit in one overlay (each sees the
    /// ones before it), the last applied index recorded, one WriteBatch written, then the
    /// caches (the applier's, `committedInodes`, and the readers', `readCache`) told what it
    /// changed. Not synced unless `sync`: the log the edits came from is.
    public func applyBatch<Store: KeyValueStore>(_ edits: [Rfs_Namenode_Edit], lastAppliedIndex: UInt64, to store: Store,
                                                 committedInodes: CommittedInodeCache?, readCache: CommittedReadCache?,
                                                 sync: Bool = false) throws -> AppliedBatch {
        let prepared = try prepareBatch(edits, lastAppliedIndex: lastAppliedIndex, over: store,
                                        committedInodes: committedInodes, readCache: readCache)
        return try commit(prepared, to: store, sync: sync)
    }

    /// A batch applied in memory only: its results are known, nothing is written and no cache
    /// has seen it. `commit` writes it; dropping it leaves everything as it was.
    public struct PreparedBatch {
        public let results: [EditResult]
        let overlay: Overlay
    }

    /// The first half of `applyBatch`: every edit applied in one overlay over `store`, and the
    /// last applied index recorded there. Nothing else may write `store` until this batch is
    /// committed or dropped (the overlay reads through to it).
    public func prepareBatch<Store: KeyValueStore>(_ edits: [Rfs_Namenode_Edit], lastAppliedIndex: UInt64, over store: Store,
                                                   committedInodes: CommittedInodeCache?,
                                                   readCache: CommittedReadCache?) throws -> PreparedBatch {
        let overlay = Overlay(base: StoreReader(store), committedInodes: committedInodes, readCache: readCache)
        var results: [EditResult] = []
        results.reserveCapacity(edits.count)
        for edit in edits { results.append(try apply(edit, to: overlay)) }
        try finishBatch(lastAppliedIndex: lastAppliedIndex, overlay: overlay)
        return PreparedBatch(results: results, overlay: overlay)
    }

    /// The second half: the prepared batch's one WriteBatch written, then the caches told.
    public func commit<Store: KeyValueStore>(_ prepared: PreparedBatch, to store: Store, sync: Bool = false) throws -> AppliedBatch {
        let written = prepared.overlay.batch
        try store.write(written, sync: sync)
        prepared.overlay.batchWritten()
        return AppliedBatch(results: prepared.results, written: written, overlay: prepared.overlay)
    }
}

/// A path resolved against the namespace: the inodes of its existing prefix, root first.
struct ResolvedPath {
    let path: NamespacePath
    /// inodes[0] is the root; inodes[i] is the inode of path.components[i-1].
    var inodes: [Rfs_Namenode_InodeRecord]

    var exists: Bool { inodes.count == path.components.count + 1 }
    var inode: Rfs_Namenode_InodeRecord? { exists ? inodes.last : nil }
    var parent: Rfs_Namenode_InodeRecord? {
        inodes.count >= path.components.count && !path.isRoot ? inodes[path.components.count - 1] : nil
    }
    var text: String { path.description }
}

/// Everything one edit's application needs, and what it produced. Writes go to a private
/// scratch overlay first, merged into the batch overlay only when the edit succeeds, so a
/// rejected edit changes nothing.
struct EditContext {
    let edit: Rfs_Namenode_Edit
    let configuration: NamespaceConfiguration
    let batchOverlay: Overlay
    let scratch: Overlay
    var effects: [NamespaceEffect] = []

    init(edit: Rfs_Namenode_Edit, overlay: Overlay, configuration: NamespaceConfiguration) {
        self.edit = edit
        self.batchOverlay = overlay
        self.scratch = Overlay(base: overlay)
        self.configuration = configuration
    }

    var records: Records { Records(reader: scratch) }
    var writer: RecordWriter { RecordWriter(overlay: scratch) }
    var now: UInt64 { edit.timeMs }

    func commit() {
        scratch.commit(into: batchOverlay)
    }

    func counters() throws -> Rfs_Namenode_NamespaceCounters {
        guard let counters = try records.counters() else { throw NamespaceRejection.notFormatted }
        return counters
    }

    func access() throws -> AccessChecker {
        let counters = try counters()
        return AccessChecker(user: edit.caller.user, groups: Set(edit.caller.groups), superuser: counters.superuser,
                             superGroup: configuration.superGroup, enabled: configuration.permissionsEnabled)
    }

    func parse(_ text: String) throws(NamespaceRejection) -> NamespacePath {
        try NamespacePath(text, maxComponentBytes: configuration.maxComponentBytes)
    }

    /// Walks `path` in this edit's view of the store (see `Records.resolve`).
    func resolve(_ path: NamespacePath, checker: AccessChecker, creating: Bool = false) throws -> ResolvedPath {
        try records.resolve(path, checker: checker, creating: creating)
    }

    mutating func run() throws -> EditReply {
        switch edit.operation {
        case .format(let format): return try applyFormat(format)
        case .mkdirs(let op): return try applyMkdirs(op)
        case .create(let op): return try applyCreate(op)
        case .addBlock(let op): return try applyAddBlock(op)
        case .abandonBlock(let op): return try applyAbandonBlock(op)
        case .complete(let op): return try applyComplete(op)
        case .delete(let op): return try applyDelete(op)
        case .rename(let op): return try applyRename(op)
        case .setPermission(let op): return try applySetPermission(op)
        case .setOwner(let op): return try applySetOwner(op)
        case .setReplication(let op): return try applySetReplication(op)
        case .setTimes(let op): return try applySetTimes(op)
        case .append(let op): return try applyAppend(op)
        case .fsync(let op): return try applyFsync(op)
        case .truncate(let op): return try applyTruncate(op)
        case .concat(let op): return try applyConcat(op)
        case .newGenerationStamp(let op): return try applyNewGenerationStamp(op)
        case .updatePipeline(let op): return try applyUpdatePipeline(op)
        case .releaseLease(let op): return try applyReleaseLease(op)
        case .setStoragePolicy(let op): return try applySetStoragePolicy(op)
        case .setXattr(let op): return try applySetXAttr(op)
        case .removeXattr(let op): return try applyRemoveXAttr(op)
        case .setQuota(let op): return try applySetQuota(op)
        case .purgeDetached(let op): return try applyPurgeDetached(op)
        // The Raft shell acts on it (drops its log); the namespace stays as it is.
        case .compactLog: return .done
        case .none: throw NamespaceRejection.illegalArgument("an edit without an operation")
        }
    }

    // MARK: helpers shared by the operations

    /// Allocates the next inode id.
    func nextInodeID() throws -> UInt64 {
        var counters = try counters()
        counters.lastInodeID += 1
        writer.put(counters)
        return counters.lastInodeID
    }

    /// Keeps the block-id and generation-stamp counters at least as high as ids the proposer chose.
    func noteBlockIDs(blockID: UInt64, generationStamp: UInt64) throws {
        var counters = try counters()
        counters.lastBlockID = max(counters.lastBlockID, blockID)
        counters.lastGenerationStamp = max(counters.lastGenerationStamp, generationStamp)
        writer.put(counters)
    }

    func newDirectory(name: [UInt8], parent: UInt64, permission: UInt32) throws -> Rfs_Namenode_InodeRecord {
        var inode = Rfs_Namenode_InodeRecord()
        inode.id = try nextInodeID()
        inode.parentID = parent
        inode.name = Data(name)
        inode.kind = .inodeDirectory
        inode.owner = edit.caller.user
        inode.permission = permission & 0o1777
        inode.modificationTimeMs = now
        return inode
    }

    /// Adds `child` under `parent`, enforcing the directory-item limit and updating the parent.
    func link(_ child: inout Rfs_Namenode_InodeRecord, under parent: inout Rfs_Namenode_InodeRecord,
              parentPath: @autoclosure () -> String) throws {
        guard parent.childCount < UInt64(configuration.maxDirectoryItems) else {
            throw NamespaceRejection.tooManyItems(parentPath(), limit: configuration.maxDirectoryItems)
        }
        child.parentID = parent.id
        // New inodes take the parent directory's group, as HDFS does (BSD semantics).
        if child.group.isEmpty { child.group = parent.group }
        parent.childCount += 1
        parent.modificationTimeMs = now
        writer.put(child)
        writer.link(child)
        writer.put(parent)
    }

    func unlink(_ child: Rfs_Namenode_InodeRecord, from parent: inout Rfs_Namenode_InodeRecord) {
        writer.unlink(parent: parent.id, name: [UInt8](child.name))
        parent.childCount -= 1
        parent.modificationTimeMs = now
        writer.put(parent)
    }

    /// The file at `path` (by id when given, as clients that know it pass it) held open by `holder`.
    func fileUnderConstruction(path text: String, fileID: UInt64, holder: String, checker: AccessChecker) throws -> Rfs_Namenode_InodeRecord {
        let inode: Rfs_Namenode_InodeRecord
        if fileID != 0 {
            guard let byID = try records.liveInode(fileID) else {
                throw NamespaceRejection.leaseExpired("No lease on \(text) (inode \(fileID)): File does not exist.")
            }
            inode = byID
        } else {
            let resolved = try resolve(try parse(text), checker: checker)
            guard let found = resolved.inode else { throw NamespaceRejection.fileNotFound("File does not exist: \(text)") }
            inode = found
        }
        guard inode.kind == .inodeFile else { throw NamespaceRejection.fileNotFound("File does not exist: \(text)") }
        guard inode.hasUnderConstruction else {
            throw NamespaceRejection.leaseExpired("No lease on \(text): File is not open for writing.")
        }
        guard inode.underConstruction.clientName == holder else {
            throw NamespaceRejection.leaseExpired("Client (=\(holder)) is not the lease owner (=\(inode.underConstruction.clientName)) of \(text)")
        }
        return inode
    }

    static func length(of inode: Rfs_Namenode_InodeRecord) -> UInt64 {
        inode.blocks.reduce(0) { $0 + $1.numBytes }
    }
}

import struct Foundation.Data

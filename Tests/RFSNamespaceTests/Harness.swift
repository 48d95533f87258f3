import Foundation
import RFSKeyValue
import RFSNamespace
import RFSProtocol
import Testing

/// Drives the namespace state machine over a store the way the namenode does: edits in,
/// one WriteBatch per batch (with the last applied index), reads from the committed store.
final class Harness {
    let store: MemoryStore
    let machine: NamespaceStateMachine
    var index: UInt64 = 0
    /// As the namenode's applier keeps it: every batch reads through it, and after every
    /// batch each record in it must equal the store's.
    let committedInodes = CommittedInodeCache()
    /// As the namenode's engine keeps it: `reads` go through it, the batches keep it in step,
    /// and after every batch each record and entry in it must equal the store's.
    let readCache = CommittedReadCache()
    var clock: UInt64 = 1_700_000_000_000
    /// The overlay of the last batch, for what it counted, and the WriteBatch it wrote.
    private(set) var lastOverlay: Overlay?
    private(set) var lastWritten: WriteBatch?

    init(configuration: NamespaceConfiguration = NamespaceConfiguration(), store: MemoryStore = MemoryStore()) throws {
        self.store = store
        self.machine = NamespaceStateMachine(configuration: configuration)
        var edit = Rfs_Namenode_Edit()
        edit.operation = .format(Rfs_Namenode_Format(namespaceID: 42, clusterID: "CID-test", blockPoolID: "BP-test",
                                                     superuser: "hdfs", supergroup: "supergroup"))
        _ = try apply(edit, as: "hdfs")
    }

    var reads: NamespaceReads { NamespaceReads(reader: StoreReader(store), configuration: machine.configuration, cache: readCache) }

    /// Applies `edits` as one batch and commits it; returns each edit's result.
    @discardableResult
    func batch(_ edits: [Rfs_Namenode_Edit]) throws -> [EditResult] {
        index += UInt64(edits.count)
        let applied = try machine.applyBatch(edits, lastAppliedIndex: index, to: store, committedInodes: committedInodes,
                                             readCache: readCache, sync: true)
        lastOverlay = applied.overlay
        lastWritten = applied.written
        let results = applied.results
        for (id, record) in committedInodes.cached {
            let stored = try store.get(StoreKeys.inode(id)).map { try Rfs_Namenode_InodeRecord(serializedBytes: $0) }
            if stored != record { Issue.record("the committed inode cache holds a stale record of inode \(id)") }
        }
        for (key, child) in committedInodes.cachedDirectoryEntries where try store.get(key) != withUnsafeBytes(of: child.bigEndian, { Array($0) }) {
            Issue.record("the committed inode cache holds a stale directory entry \(key) → \(child)")
        }
        try checkReadCache()
        return results
    }

    /// Every inode record and directory entry the readers' cache holds is the store's.
    func checkReadCache() throws {
        let (inodes, entries) = readCache.cached
        for (id, record) in inodes {
            let stored = try store.get(StoreKeys.inode(id)).map { try Rfs_Namenode_InodeRecord(serializedBytes: $0) }
            if stored != record { Issue.record("the read cache holds a stale record of inode \(id)") }
        }
        for (key, child) in entries where try store.get(key) != withUnsafeBytes(of: child.bigEndian, { Array($0) }) {
            Issue.record("the read cache holds a stale directory entry \(key) → \(child)")
        }
    }

    func apply(_ edit: Rfs_Namenode_Edit, as user: String, groups: [String] = []) throws -> EditResult {
        var edit = edit
        clock += 1
        edit.timeMs = clock
        edit.caller.user = user
        edit.caller.groups = groups
        return try batch([edit])[0]
    }

    func edit(_ operation: Rfs_Namenode_Edit.OneOf_Operation, as user: String = "alice", groups: [String] = []) throws -> EditResult {
        var edit = Rfs_Namenode_Edit()
        edit.operation = operation
        return try apply(edit, as: user, groups: groups)
    }

    @discardableResult
    func mkdirs(_ path: String, permission: UInt32 = 0o755, parents: Bool = true, as user: String = "alice", groups: [String] = []) throws -> EditResult {
        var op = Rfs_Namenode_Mkdirs()
        op.path = path
        op.permission = permission
        op.createParent = parents
        return try edit(.mkdirs(op), as: user, groups: groups)
    }

    @discardableResult
    func create(_ path: String, overwrite: Bool = false, client: String = "c1", as user: String = "alice", parents: Bool = true) throws -> EditResult {
        var op = Rfs_Namenode_Create()
        op.path = path
        op.permission = 0o644
        op.clientName = client
        op.clientMachine = "host1"
        op.overwrite = overwrite
        op.createParent = parents
        op.replication = 3
        op.blockSizeBytes = 128 << 20
        return try edit(.create(op), as: user)
    }

    /// create + one block of `bytes` + complete.
    @discardableResult
    func writeFile(_ path: String, bytes: UInt64 = 0, as user: String = "alice") throws -> EditResult {
        let created = try create(path, as: user)
        guard case .success = created.outcome else { return created }
        var last: Rfs_Namenode_BlockRecord? = nil
        if bytes > 0 {
            var add = Rfs_Namenode_AddBlock()
            add.path = path
            add.clientName = "c1"
            add.newBlockID = nextBlockID
            add.newGenerationStamp = 1001
            nextBlockID += 1
            let added = try edit(.addBlock(add), as: user)
            guard case .success(.block(var block, _, _)) = added.outcome else { return added }
            block.numBytes = bytes
            last = block
        }
        var complete = Rfs_Namenode_Complete()
        complete.path = path
        complete.clientName = "c1"
        if let last { complete.last = last }
        return try edit(.complete(complete), as: user)
    }

    var nextBlockID: UInt64 = (1 << 30) + 1

    @discardableResult
    func delete(_ path: String, recursive: Bool, detachAbove: UInt64 = 0, as user: String = "alice") throws -> EditResult {
        var op = Rfs_Namenode_Delete()
        op.path = path
        op.recursive = recursive
        op.detachAbove = detachAbove
        return try edit(.delete(op), as: user)
    }

    /// One PurgeDetached edit, as the active namenode proposes it.
    @discardableResult
    func purge(maxInodes: UInt32) throws -> EditResult {
        var op = Rfs_Namenode_PurgeDetached()
        op.maxInodes = maxInodes
        return try edit(.purgeDetached(op), as: "hdfs")
    }

    @discardableResult
    func rename(_ source: String, _ destination: String, overwrite: Bool = false, legacy: Bool = false, as user: String = "alice") throws -> EditResult {
        var op = Rfs_Namenode_Rename()
        op.source = source
        op.destination = destination
        op.overwrite = overwrite
        op.legacy = legacy
        return try edit(.rename(op), as: user)
    }

    func info(_ path: String, as user: String = "alice") throws -> Rfs_Namenode_InodeRecord? {
        try reads.fileInfo(path, caller: Caller(user: user, groups: []))
    }

    func names(_ path: String) throws -> [String] {
        try reads.listing(path, startAfter: [], limit: 100_000, caller: Caller(user: "hdfs", groups: []))?.entries
            .map { String(decoding: $0.name, as: UTF8.self) } ?? []
    }

    /// Every key and value, for comparing two stores.
    func dump() throws -> [KeyValuePair] {
        try store.scan()
    }
}

extension EditResult {
    var rejection: NamespaceRejection? {
        if case .failure(let rejection) = outcome { return rejection }
        return nil
    }

    var succeeded: Bool {
        if case .success = outcome { return true }
        return false
    }

    var flag: Bool? {
        if case .success(.flag(let value)) = outcome { return value }
        return nil
    }
}

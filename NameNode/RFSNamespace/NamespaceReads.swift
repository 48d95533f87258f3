import RFSModel
import RFSProtocol

/// Who is reading, for permission checks on the read path.
public struct Caller: Sendable, Equatable {
    public var user: String
    public var groups: [String]

    public init(user: String, groups: [String]) {
        self.user = user
        self.groups = groups
    }
}

/// A directory's summary, as getContentSummary reports it.
public struct ContentSummary: Sendable, Equatable {
    public var lengthBytes: UInt64 = 0
    public var fileCount: UInt64 = 0
    public var directoryCount: UInt64 = 0
    /// Bytes times replication (a block being written counts as a full preferred block, as
    /// quotas count it).
    public var spaceConsumedBytes: UInt64 = 0
    /// The directory's quotas; -1 when unset (the root's namespace quota is Long.MAX_VALUE).
    public var namespaceQuota: Int64 = -1
    public var storagespaceQuota: Int64 = -1
}

/// What getQuotaUsage reports: a directory's quotas (-1 when unset) and its subtree's usage.
public struct QuotaUsage: Sendable, Equatable {
    public var fileAndDirectoryCount: UInt64
    public var namespaceQuota: Int64
    public var spaceConsumedBytes: UInt64
    public var storagespaceQuota: Int64
}

/// One page of a listing.
public struct ListingPage: Sendable, Equatable {
    public var entries: [Rfs_Namenode_InodeRecord]
    /// Entries after this page (exact on a first page; 1 meaning "more" on later ones).
    public var remainingEntries: UInt32
    /// The listed path is a file, and the page is that file (HDFS lists it with an empty name).
    public var listsFileItself = false
}

/// The read side of the namespace: path lookups, listings and summaries over the committed
/// store, with the same permission rules as the edits.
public struct NamespaceReads {
    let records: Records
    let configuration: NamespaceConfiguration

    /// `cache`: the readers' cache of the committed store (`CommittedReadCache`), only when
    /// `reader` is that store and its applier keeps the cache in step.
    public init(reader: any NamespaceReader, configuration: NamespaceConfiguration, cache: CommittedReadCache? = nil) {
        self.records = Records(reader: reader, cache: cache)
        self.configuration = configuration
    }

    public func counters() throws -> Rfs_Namenode_NamespaceCounters? {
        try records.counters()
    }

    func checker(for caller: Caller) throws -> AccessChecker {
        guard let counters = try records.counters() else { throw NamespaceRejection.notFormatted }
        return AccessChecker(user: caller.user, groups: Set(caller.groups), superuser: counters.superuser,
                             superGroup: configuration.superGroup, enabled: configuration.permissionsEnabled)
    }

    func resolve(_ text: String, checker: AccessChecker) throws -> ResolvedPath {
        try records.resolve(try NamespacePath(text, maxComponentBytes: configuration.maxComponentBytes), checker: checker)
    }

    /// The inode at `path`, nil when it does not exist (not an error: getFileInfo answers
    /// "no status").
    /// Its `storagePolicyID` is the one that applies there (`effectiveStoragePolicy`), as
    /// HDFS's file status reports it.
    public func fileInfo(_ path: String, caller: Caller) throws -> Rfs_Namenode_InodeRecord? {
        let resolved = try resolve(path, checker: checker(for: caller))
        guard var inode = resolved.inode else { return nil }
        inode.storagePolicyID = Self.effectiveStoragePolicy(along: resolved.inodes)
        return inode
    }

    /// The storage policy that applies to the last of `inodes` (a path from the root): the
    /// nearest one set on it or an ancestor (HDFS's INode.getStoragePolicyID), else unspecified.
    static func effectiveStoragePolicy(along inodes: [Rfs_Namenode_InodeRecord]) -> UInt32 {
        inodes.last { $0.storagePolicyID != StoragePolicy.unspecifiedID }?.storagePolicyID ?? StoragePolicy.unspecifiedID
    }

    /// getStoragePolicy: the id of the policy that applies at `path` (unspecified when none is
    /// set on it or above it; the caller answers HDFS's default then). READ access on it.
    public func storagePolicy(_ path: String, caller: Caller) throws -> UInt32 {
        let checker = try checker(for: caller)
        let resolved = try resolve(path, checker: checker)
        guard let inode = resolved.inode else { throw NamespaceRejection.fileNotFound("File/Directory does not exist: \(resolved.text)") }
        try checker.check(inode, .read, path: resolved.text)
        return Self.effectiveStoragePolicy(along: resolved.inodes)
    }

    /// The inode with `id` while it is in the namespace (nil once deleted, including while a
    /// deleted subtree waits to be purged).
    public func inode(id: UInt64) throws -> Rfs_Namenode_InodeRecord? {
        try records.liveInode(id)
    }

    /// Whether deleted subtrees are waiting to be purged (see `PurgeDetached`).
    public func hasDetachedSubtrees() throws -> Bool {
        try (records.counters()?.detachedSubtrees ?? 0) > 0
    }

    /// A page of `path`'s entries strictly after `startAfter`. nil when `path` does not
    /// exist; a file lists as itself, as in HDFS.
    public func listing(_ path: String, startAfter: [UInt8], limit: Int, caller: Caller) throws -> ListingPage? {
        let checker = try checker(for: caller)
        let resolved = try resolve(path, checker: checker)
        guard var inode = resolved.inode else { return nil }
        // Storage policies in a listing as HDFS's getListing reports them: to the superuser,
        // each entry's own or else the directory's; to anyone else, unspecified.
        let directoryPolicy = checker.isSuperuser ? Self.effectiveStoragePolicy(along: resolved.inodes) : StoragePolicy.unspecifiedID
        guard inode.kind == .inodeDirectory else {
            inode.storagePolicyID = directoryPolicy
            return ListingPage(entries: [inode], remainingEntries: 0, listsFileItself: true)
        }
        try checker.check(inode, [.read, .execute], path: resolved.text)
        let page = try records.children(of: inode.id, after: startAfter.isEmpty ? nil : startAfter, limit: limit + 1)
        let more = page.count > limit
        let entries = page.prefix(limit).map { child in
            var entry = child
            entry.storagePolicyID = checker.isSuperuser && child.storagePolicyID != StoragePolicy.unspecifiedID ? child.storagePolicyID : directoryPolicy
            return entry
        }
        let remaining: UInt32
        if !more {
            remaining = 0
        } else if startAfter.isEmpty {
            remaining = UInt32(clamping: inode.childCount - UInt64(entries.count))
        } else {
            remaining = 1
        }
        return ListingPage(entries: entries, remainingEntries: remaining)
    }

    /// Totals under `path`, walking the subtree (READ_EXECUTE needed on every directory).
    public func contentSummary(_ path: String, caller: Caller) throws -> ContentSummary {
        let checker = try checker(for: caller)
        let resolved = try resolve(path, checker: checker)
        guard let root = resolved.inode else { throw NamespaceRejection.fileNotFound("File does not exist: \(resolved.text)") }
        var summary = ContentSummary()
        let limits = try quotaLimits(of: root)
        summary.namespaceQuota = limits.namespaceQuota
        summary.storagespaceQuota = limits.storagespaceQuota
        var stack: [(Rfs_Namenode_InodeRecord, NamespacePath)] = [(root, resolved.path)]
        while let (inode, inodePath) = stack.popLast() {
            if inode.kind == .inodeFile {
                let length = inode.blocks.reduce(UInt64(0)) { $0 + $1.numBytes }
                summary.fileCount += 1
                summary.lengthBytes += length
                summary.spaceConsumedBytes += UInt64(QuotaDelta.storagespace(of: inode))
                continue
            }
            summary.directoryCount += 1
            try checker.check(inode, [.read, .execute], path: inodePath.description)
            var after: [UInt8]? = nil
            while true {
                let page = try records.children(of: inode.id, after: after, limit: 1024)
                for child in page { stack.append((child, inodePath.appending([UInt8](child.name)))) }
                guard page.count == 1024, let last = page.last else { break }
                after = [UInt8](last.name)
            }
        }
        return summary
    }

    /// A directory's quotas and usage. A directory with a quota answers from the counters
    /// it keeps; anything else (and any caller who must pass READ_EXECUTE on every directory
    /// below) is counted by walking, as getContentSummary does.
    public func quotaUsage(_ path: String, caller: Caller) throws -> QuotaUsage {
        let checker = try checker(for: caller)
        let resolved = try resolve(path, checker: checker)
        guard let inode = resolved.inode else { throw NamespaceRejection.fileNotFound("File does not exist: \(resolved.text)") }
        if inode.withQuota, checker.isSuperuser || !checker.enabled, let quota = try records.quota(inode.id) {
            return QuotaUsage(fileAndDirectoryCount: UInt64(clamping: quota.namespaceUsed), namespaceQuota: quota.namespaceQuota,
                              spaceConsumedBytes: UInt64(clamping: quota.storagespaceUsed), storagespaceQuota: quota.storagespaceQuota)
        }
        let summary = try contentSummary(path, caller: caller)
        return QuotaUsage(fileAndDirectoryCount: summary.fileCount + summary.directoryCount, namespaceQuota: summary.namespaceQuota,
                          spaceConsumedBytes: summary.spaceConsumedBytes, storagespaceQuota: summary.storagespaceQuota)
    }

    /// The quotas set on `inode`: -1 for none; the root always has HDFS's unlimited
    /// namespace quota, even in a store formatted before quotas were kept.
    func quotaLimits(of inode: Rfs_Namenode_InodeRecord) throws -> (namespaceQuota: Int64, storagespaceQuota: Int64) {
        if inode.withQuota, let quota = try records.quota(inode.id) {
            return (quota.namespaceQuota, quota.storagespaceQuota)
        }
        let isRoot = inode.id == NamespaceStateMachine.rootInodeID
        return (isRoot ? HDFSDefaults.rootNamespaceQuota : HDFSDefaults.quotaReset, HDFSDefaults.quotaReset)
    }

    /// The file at `path` for reading its blocks (READ permission), or FileNotFoundException.
    public func fileForRead(_ path: String, caller: Caller) throws -> Rfs_Namenode_InodeRecord {
        let checker = try checker(for: caller)
        let resolved = try resolve(path, checker: checker)
        guard let inode = resolved.inode else { throw NamespaceRejection.fileNotFound("File does not exist: \(resolved.text)") }
        guard inode.kind == .inodeFile else { throw NamespaceRejection.fileNotFound("Path is not a file: \(resolved.text)") }
        try checker.check(inode, .read, path: resolved.text)
        // FSDirectory.checkUnreadableBySuperuser: a file marked so keeps even the superuser out.
        if configuration.permissionsEnabled, checker.isSuperuser,
           inode.xattrs.contains(where: { XAttrRules.prefixedName($0) == XAttrRules.unreadableBySuperuser }) {
            throw NamespaceRejection.accessControl("Access is denied for \(caller.user) since the superuser is not allowed to perform this operation.")
        }
        return inode
    }

    /// The file that holds `blockID`, if any.
    public func file(holdingBlock blockID: UInt64) throws -> Rfs_Namenode_InodeRecord? {
        guard let idBytes = try records.reader.get(StoreKeys.block(blockID)) else { return nil }
        return try records.liveInode(StoreKeys.decodeUInt64(idBytes))
    }

    /// The absolute path of an inode, by walking parent links.
    public func path(of inode: Rfs_Namenode_InodeRecord) throws -> String {
        var names: [String] = []
        var current = inode
        while current.id != NamespaceStateMachine.rootInodeID {
            names.append(String(decoding: current.name, as: UTF8.self))
            guard let parent = try records.inode(current.parentID) else { break }
            current = parent
        }
        return "/" + names.reversed().joined(separator: "/")
    }

    /// Every file held open for writing, for rebuilding leases after a restart.
    public func filesUnderConstruction() throws -> [Rfs_Namenode_InodeRecord] {
        var found: [Rfs_Namenode_InodeRecord] = []
        try forEachFile { if $0.hasUnderConstruction { found.append($0) } }
        return found
    }

    /// Visits every file inode, in id order, a page at a time (memory stays bounded).
    public func forEachFile(_ body: (Rfs_Namenode_InodeRecord) throws -> Void) throws {
        var after: [UInt8]? = nil
        while true {
            let page = try records.reader.scan(prefix: [StoreKeys.inodeTag], after: after, limit: 4096)
            for entry in page {
                let inode = try Rfs_Namenode_InodeRecord(serializedBytes: entry.value)
                if inode.kind == .inodeFile { try body(inode) }
            }
            guard page.count == 4096, let last = page.last else { return }
            after = last.key
        }
    }
}

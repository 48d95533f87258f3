import RFSModel
import RFSProtocol

/// A change in what a subtree uses, as HDFS's quotas count it: namespace (directories and
/// files) and storage space (bytes times replication, a block being written counted as a
/// full preferred block).
struct QuotaDelta: Equatable {
    var namespace: Int64 = 0
    var storagespace: Int64 = 0

    var isZero: Bool { namespace == 0 && storagespace == 0 }

    static prefix func - (delta: QuotaDelta) -> QuotaDelta {
        QuotaDelta(namespace: -delta.namespace, storagespace: -delta.storagespace)
    }

    static func + (a: QuotaDelta, b: QuotaDelta) -> QuotaDelta {
        QuotaDelta(namespace: a.namespace + b.namespace, storagespace: a.storagespace + b.storagespace)
    }

    /// What one file uses: itself, and its blocks at their length (the one being written at
    /// the file's preferred block size, as HDFS charges it from addBlock until it is complete).
    static func file(_ file: Rfs_Namenode_InodeRecord) -> QuotaDelta {
        QuotaDelta(namespace: 1, storagespace: storagespace(of: file))
    }

    static func storagespace(of file: Rfs_Namenode_InodeRecord) -> Int64 {
        var bytes: UInt64 = 0
        for block in file.blocks {
            bytes += block.complete ? block.numBytes : max(block.numBytes, file.blockSizeBytes)
        }
        return Int64(clamping: bytes) * Int64(file.replication)
    }
}

extension Rfs_Namenode_DirectoryQuota {
    /// HDFS's Quota.isViolated, namespace first: only a growing count can violate a quota,
    /// so a directory already over a lowered quota still lets things leave it.
    func verify(_ delta: QuotaDelta, path: String) throws(NamespaceRejection) {
        if namespaceQuota >= 0, delta.namespace > 0, namespaceUsed > namespaceQuota - delta.namespace {
            throw .namespaceQuotaExceeded(path: path, quota: namespaceQuota, count: namespaceUsed + delta.namespace)
        }
        if storagespaceQuota >= 0, delta.storagespace > 0, storagespaceUsed > storagespaceQuota - delta.storagespace {
            throw .storagespaceQuotaExceeded(path: path, quota: storagespaceQuota, consumed: storagespaceUsed + delta.storagespace)
        }
    }
}

extension EditContext {
    /// Charges `delta` to every directory with a quota in `chain` (directories root first,
    /// as a resolved path or `ancestors(of:)` gives them), from position `first` on — a
    /// rename skips the ancestors its source and destination share. The deepest directory
    /// is checked first, so its exception is the one reported, as in HDFS's verifyQuota.
    /// Directories without a quota cost nothing here: `with_quota` on the inode says which
    /// ones keep counters. A refusal throws, and the edit's scratch writes are dropped.
    func charge(_ delta: QuotaDelta, along chain: [Rfs_Namenode_InodeRecord], from first: Int = 0) throws {
        guard !delta.isZero else { return }
        var position = chain.count - 1
        while position >= first {
            let directory = chain[position]
            if directory.withQuota, var quota = try records.quota(directory.id) {
                try quota.verify(delta, path: Self.path(of: chain, upTo: position))
                quota.namespaceUsed += delta.namespace
                quota.storagespaceUsed += delta.storagespace
                writer.put(quota, of: directory.id)
            }
            position -= 1
        }
    }

    /// Charges the change between two versions of a file to the directories above it
    /// (`chain` when the caller resolved them; found by parent links otherwise, and only when
    /// the file's usage changed).
    func chargeChange(from before: Rfs_Namenode_InodeRecord, to after: Rfs_Namenode_InodeRecord,
                      along chain: [Rfs_Namenode_InodeRecord]? = nil) throws {
        let delta = QuotaDelta(storagespace: QuotaDelta.storagespace(of: after) - QuotaDelta.storagespace(of: before))
        guard !delta.isZero else { return }
        try charge(delta, along: try chain ?? ancestors(of: after))
    }

    /// The directories above `inode`, root first, by parent links (for operations that name
    /// a file by id rather than by path).
    func ancestors(of inode: Rfs_Namenode_InodeRecord) throws -> [Rfs_Namenode_InodeRecord] {
        var chain: [Rfs_Namenode_InodeRecord] = []
        var current = inode
        while current.id != NamespaceStateMachine.rootInodeID, let parent = try records.inode(current.parentID) {
            chain.append(parent)
            current = parent
        }
        return chain.reversed()
    }

    static func path(of chain: [Rfs_Namenode_InodeRecord], upTo position: Int) -> String {
        guard position > 0 else { return "/" }
        return chain[1...position].map { "/" + String(decoding: $0.name, as: UTF8.self) }.joined()
    }

    /// What the subtree at `root` uses. A directory with a quota already knows its own
    /// usage, so the walk does not descend into one.
    func usage(ofSubtree root: Rfs_Namenode_InodeRecord) throws -> QuotaDelta {
        if root.kind == .inodeFile { return .file(root) }
        var total = QuotaDelta()
        var stack = [root]
        while let directory = stack.popLast() {
            if let stored = try storedUsage(of: directory) {
                total = total + stored
                continue
            }
            total.namespace += 1
            guard directory.childCount > 0 else { continue }
            try forEachChild(of: directory.id) { child in
                if child.kind == .inodeDirectory { stack.append(child) } else { total = total + .file(child) }
            }
        }
        return total
    }

    private func storedUsage(of directory: Rfs_Namenode_InodeRecord) throws -> QuotaDelta? {
        guard directory.withQuota, let quota = try records.quota(directory.id) else { return nil }
        return QuotaDelta(namespace: quota.namespaceUsed, storagespace: quota.storagespaceUsed)
    }

    /// setQuota (HDFS's FSDirAttrOp.unprotectedSetQuota): superuser only, on a directory.
    /// QUOTA_DONT_SET keeps a value, QUOTA_RESET clears it; a directory that gains its first
    /// quota has its subtree's usage counted once, here, and kept current by every later edit.
    mutating func applySetQuota(_ op: Rfs_Namenode_SetQuota) throws -> EditReply {
        let checker = try access()
        if checker.enabled && !checker.isSuperuser {
            throw NamespaceRejection.notSuperuser(user: checker.user, what: "set quota on \(op.path)")
        }
        let valid: (Int64) -> Bool = { $0 >= 0 || $0 == HDFSDefaults.quotaReset }
        guard valid(op.namespaceQuota), valid(op.storagespaceQuota) else {
            throw NamespaceRejection.illegalArgument("Illegal value for nsQuota or ssQuota : \(op.namespaceQuota) and \(op.storagespaceQuota)")
        }
        let resolved = try resolve(try parse(op.path), checker: checker)
        guard var directory = resolved.inode else { throw NamespaceRejection.fileNotFound("Directory does not exist: \(resolved.text)") }
        guard directory.kind == .inodeDirectory else { throw NamespaceRejection.pathIsNotDirectory(resolved.text) }
        let isRoot = directory.id == NamespaceStateMachine.rootInodeID
        if isRoot && op.namespaceQuota == HDFSDefaults.quotaReset {
            throw NamespaceRejection.illegalArgument("Cannot clear namespace quota on root.")
        }
        let existing = directory.withQuota ? try records.quota(directory.id) : nil
        var quota = existing ?? Self.unsetQuota(isRoot: isRoot)
        let namespaceQuota = op.namespaceQuota == HDFSDefaults.quotaDontSet ? quota.namespaceQuota : op.namespaceQuota
        let storagespaceQuota = op.storagespaceQuota == HDFSDefaults.quotaDontSet ? quota.storagespaceQuota : op.storagespaceQuota
        if existing != nil && namespaceQuota == quota.namespaceQuota && storagespaceQuota == quota.storagespaceQuota {
            return .done
        }
        quota.namespaceQuota = namespaceQuota
        quota.storagespaceQuota = storagespaceQuota
        if !isRoot && namespaceQuota == HDFSDefaults.quotaReset && storagespaceQuota == HDFSDefaults.quotaReset {
            // No quota left: the directory stops keeping counters (HDFS removes the feature).
            guard directory.withQuota else { return .done }
            directory.withQuota = false
            writer.put(directory)
            writer.removeQuota(of: directory.id)
            return .done
        }
        if existing == nil {
            var usage = try usage(ofSubtree: directory)
            if isRoot { usage = usage + (try detachedUsage()) }
            quota.namespaceUsed = usage.namespace
            quota.storagespaceUsed = usage.storagespace
            directory.withQuota = true
            writer.put(directory)
        }
        writer.put(quota, of: directory.id)
        return .done
    }

    static func unsetQuota(isRoot: Bool) -> Rfs_Namenode_DirectoryQuota {
        var quota = Rfs_Namenode_DirectoryQuota()
        quota.namespaceQuota = isRoot ? HDFSDefaults.rootNamespaceQuota : HDFSDefaults.quotaReset
        quota.storagespaceQuota = HDFSDefaults.quotaReset
        return quota
    }
}

import RFSProtocol

import struct Foundation.Data

extension EditContext {
    mutating func applyFormat(_ format: Rfs_Namenode_Format) throws -> EditReply {
        guard try records.counters() == nil else { throw NamespaceRejection.io("the namespace is already formatted") }
        var counters = Rfs_Namenode_NamespaceCounters()
        counters.lastInodeID = NamespaceStateMachine.rootInodeID
        counters.lastBlockID = 1 << 30  // HDFS starts sequential block ids at 2^30
        counters.lastGenerationStamp = 1000  // and generation stamps at 1000
        counters.namespaceID = format.namespaceID
        counters.clusterID = format.clusterID
        counters.blockPoolID = format.blockPoolID
        counters.formatTimeMs = now
        counters.superuser = format.superuser
        var root = Rfs_Namenode_InodeRecord()
        root.id = NamespaceStateMachine.rootInodeID
        root.kind = .inodeDirectory
        root.owner = format.superuser
        root.group = format.supergroup
        root.permission = 0o755
        root.modificationTimeMs = now
        // The root always has a quota, as in HDFS: an unlimited namespace quota (Long.MAX_VALUE)
        // that cannot be cleared, so its usage is always known and `count -q /` is instant.
        root.withQuota = true
        var quota = Self.unsetQuota(isRoot: true)
        quota.namespaceUsed = 1
        writer.put(counters)
        writer.put(root)
        writer.put(quota, of: root.id)
        return .done
    }

    /// mkdirs: creates the directory and, with `create_parent`, missing ancestors. An existing
    /// directory is success; an existing file is FileAlreadyExistsException.
    mutating func applyMkdirs(_ op: Rfs_Namenode_Mkdirs) throws -> EditReply {
        let checker = try access()
        let path = try parse(op.path)
        var resolved = try resolve(path, checker: checker, creating: true)
        if let existing = resolved.inode {
            guard existing.kind == .inodeDirectory else { throw NamespaceRejection.fileAlreadyExists("Path is not a directory: \(path)") }
            return .flag(true)
        }
        let missing = path.components.count - (resolved.inodes.count - 1)
        if missing > 1 && !op.createParent {
            throw NamespaceRejection.fileNotFound("Parent directory doesn't exist: \(path.parent)")
        }
        var parent = resolved.inodes.last!
        let parentPath = NamespacePath(components: Array(path.components.prefix(resolved.inodes.count - 1)))
        try checker.check(parent, .write, path: parentPath.description)
        // Implicitly created ancestors get the permission plus u+wx, so their creator can
        // always create the rest of the path (HDFS's addImplicitUwx).
        let implicitPermission = op.permission | 0o300
        var createdPath = parentPath
        let existingChain = resolved.inodes
        for position in (resolved.inodes.count - 1)..<path.components.count {
            let name = path.components[position]
            let isLast = position == path.components.count - 1
            var directory = try newDirectory(name: name, parent: parent.id, permission: isLast ? op.permission : implicitPermission)
            try link(&directory, under: &parent, parentPath: createdPath.description)
            createdPath = createdPath.appending(name)
            resolved.inodes.append(directory)
            parent = directory
        }
        // One directory at a time, as HDFS adds them, so a refusal names the count at which
        // the quota ran out. New directories have no quota: only existing ones are charged.
        for _ in (existingChain.count - 1)..<path.components.count {
            try charge(QuotaDelta(namespace: 1), along: existingChain)
        }
        return .flag(true)
    }

    /// delete: false for a missing path or the root; a non-empty directory needs `recursive`.
    mutating func applyDelete(_ op: Rfs_Namenode_Delete) throws -> EditReply {
        let checker = try access()
        let path = try parse(op.path)
        let resolved = try resolve(path, checker: checker)
        guard let target = resolved.inode else { return .flag(false) }
        if path.isRoot { return .flag(false) }
        var parent = resolved.parent!
        // WRITE on the parent (its EXECUTE was checked on the way down), as HDFS's delete
        // checks and words it.
        try checker.check(parent, .write, path: path.parent.description)
        try checker.checkSticky(parent: parent, child: target, path: path.description)
        if target.kind == .inodeDirectory && target.childCount > 0 {
            guard op.recursive else { throw NamespaceRejection.directoryNotEmpty("`\(path) is non empty': Directory is not empty") }
            try checkSubtree(target, path: path, access: .all, checker: checker)
        }
        unlink(target, from: &parent)
        let chain = Array(resolved.inodes.dropLast())
        if op.detachAbove > 0, try subtree(of: target, exceeds: op.detachAbove) {
            try detach(target, from: chain)
        } else {
            let removed = try removeSubtree(target)
            try charge(-removed, along: chain)
        }
        return .flag(true)
    }

    /// Checks `access` on every non-empty directory under (and including) `root`, as HDFS
    /// does before a recursive delete.
    func checkSubtree(_ root: Rfs_Namenode_InodeRecord, path: NamespacePath, access: AccessBits, checker: AccessChecker) throws {
        guard checker.enabled, !checker.isSuperuser else { return }
        var stack: [(Rfs_Namenode_InodeRecord, NamespacePath)] = [(root, path)]
        while let (directory, directoryPath) = stack.popLast() {
            guard directory.kind == .inodeDirectory, directory.childCount > 0 else { continue }
            try checker.check(directory, access, path: directoryPath.description)
            try forEachChild(of: directory.id) { child in
                if child.kind == .inodeDirectory { stack.append((child, directoryPath.appending([UInt8](child.name)))) }
            }
        }
    }

    /// Deletes `root` and everything below it: inodes, directory entries, block mappings.
    /// Returns what the subtree used, for the caller to release from the quotas above it.
    @discardableResult
    mutating func removeSubtree(_ root: Rfs_Namenode_InodeRecord) throws -> QuotaDelta {
        var removedBlocks: [UInt64] = []
        var removed = QuotaDelta()
        var stack = [root]
        while let inode = stack.popLast() {
            removed.namespace += 1
            if inode.kind == .inodeDirectory {
                for child in try allChildren(of: inode.id) {
                    writer.unlink(parent: inode.id, name: [UInt8](child.name))
                    stack.append(child)
                }
            } else {
                removed.storagespace += QuotaDelta.storagespace(of: inode)
                removedBlocks += inode.blocks.map(\.id)
                if inode.hasUnderConstruction {
                    effects.append(.leaseClosed(fileID: inode.id, holder: inode.underConstruction.clientName))
                }
            }
            writer.remove(inode)
        }
        if !removedBlocks.isEmpty { effects.append(.blocksRemoved(removedBlocks)) }
        return removed
    }

    func allChildren(of directoryID: UInt64) throws -> [Rfs_Namenode_InodeRecord] {
        var children: [Rfs_Namenode_InodeRecord] = []
        try forEachChild(of: directoryID) { children.append($0) }
        return children
    }

    /// Visits the children of a directory in name order, a page at a time, so that a walk
    /// holds one page of a wide directory in memory rather than all of it.
    func forEachChild(of directoryID: UInt64, _ body: (Rfs_Namenode_InodeRecord) throws -> Void) throws {
        var after: [UInt8]? = nil
        while true {
            let page = try records.children(of: directoryID, after: after, limit: Self.childPage)
            for child in page { try body(child) }
            guard page.count == Self.childPage, let last = page.last else { return }
            after = [UInt8](last.name)
        }
    }

    static let childPage = 1024
}

extension Rfs_Namenode_Format {
    /// A namespace's identity, as its first edit records it.
    public init(namespaceID: UInt64, clusterID: String, blockPoolID: String, superuser: String, supergroup: String) {
        self.init()
        self.namespaceID = namespaceID
        self.clusterID = clusterID
        self.blockPoolID = blockPoolID
        self.superuser = superuser
        self.supergroup = supergroup
    }
}

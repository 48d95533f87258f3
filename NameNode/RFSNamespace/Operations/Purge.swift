import RFSProtocol

// A recursive delete of a large subtree is done in two steps, so that no single edit holds
// every removal of a million-file tree in memory (its overlay and WriteBatch) or keeps every
// other edit waiting behind it:
//
// 1. The delete edit detaches the subtree: unlinks it from its parent and files its root
//    under a reserved directory id (`detachedSubtreesID`) that no path reaches. From then on
//    the subtree is gone for every path lookup, listing and summary, and `Records.liveInode`
//    hides its inodes from lookups by id (a writer's addBlock or complete, lease recovery,
//    a datanode's report of a block). Quotas of directories above it, other than the root,
//    are released now, by a walk that reads the subtree a page at a time.
// 2. PurgeDetached edits, proposed by the active namenode while any detached subtree is left,
//    each remove at most `max_inodes` inodes, deepest first: records, directory entries, block
//    mappings and quota records. They release what they remove from the root's counters
//    (the root's quota cannot be cleared, so its usage is never counted again by a walk), and
//    report the removed blocks and closed leases as effects, as an inline delete does.
//
// Both steps are edits like any other: every member applies them in the same order, so the
// stores stay byte-identical.

extension NamespaceStateMachine {
    /// The reserved directory id under which detached subtrees wait to be purged (the last of
    /// HDFS's reserved inode ids; no inode record has it).
    public static let detachedSubtreesID: UInt64 = 16_384
}

extension EditContext {
    /// Whether the subtree at `root` holds more than `limit` inodes, itself included. Stops
    /// reading as soon as it knows: a directory's record carries its child count, so only
    /// the directories are listed.
    func subtree(of root: Rfs_Namenode_InodeRecord, exceeds limit: UInt64) throws -> Bool {
        guard root.kind == .inodeDirectory else { return 1 > limit }
        var count: UInt64 = 1
        var directories = [root]
        while let directory = directories.popLast() {
            count += directory.childCount
            if count > limit { return true }
            guard directory.childCount > 0 else { continue }
            try forEachChild(of: directory.id) { child in
                if child.kind == .inodeDirectory && child.childCount > 0 { directories.append(child) }
            }
        }
        return false
    }

    /// Takes the subtree at `root` (already unlinked from its parent) out of the namespace,
    /// to be removed by later PurgeDetached edits. `chain` is its former ancestors, root first.
    mutating func detach(_ root: Rfs_Namenode_InodeRecord, from chain: [Rfs_Namenode_InodeRecord]) throws {
        if chain.dropFirst().contains(where: \.withQuota) {
            try charge(-(try usage(ofSubtree: root)), along: chain, from: 1)
        }
        var detached = root
        detached.parentID = NamespaceStateMachine.detachedSubtreesID
        writer.put(detached)
        writer.fileDetached(detached.id)
        var counters = try counters()
        counters.detachedSubtrees += 1
        writer.put(counters)
        effects.append(.subtreeDetached(rootID: root.id))
    }

    /// PurgeDetached: removes up to `max_inodes` inodes of detached subtrees, one subtree after
    /// another in the queue's key order. Replies whether any detached subtree is left.
    mutating func applyPurgeDetached(_ op: Rfs_Namenode_PurgeDetached) throws -> EditReply {
        var counters = try counters()
        var purge = Purge(budget: Int(max(op.maxInodes, 1)))
        let queue = StoreKeys.entries(of: NamespaceStateMachine.detachedSubtreesID)
        while purge.budget > 0, counters.detachedSubtrees > 0 {
            guard let first = try records.reader.scan(prefix: queue, after: nil, limit: 1).first else {
                // The count says more than the queue holds: trust the queue.
                counters.detachedSubtrees = 0
                break
            }
            if let root = try records.inode(StoreKeys.decodeUInt64(first.value)) {
                guard try purgeSubtree(root, &purge) else { break }
            }
            writer.unlink(entry: first.key)
            counters.detachedSubtrees -= 1
        }
        writer.put(counters)
        if let root = try records.inode(NamespaceStateMachine.rootInodeID) {
            try charge(-purge.released, along: [root])
        }
        if !purge.removedBlocks.isEmpty { effects.append(.blocksRemoved(purge.removedBlocks)) }
        return .flag(counters.detachedSubtrees > 0)
    }

    /// What the detached subtrees still hold: a root that gains its quota record (a store
    /// formatted before the root always had one) counts them too, since purges release them
    /// from it as they go.
    func detachedUsage() throws -> QuotaDelta {
        var total = QuotaDelta()
        try forEachChild(of: NamespaceStateMachine.detachedSubtreesID) { total = total + (try usage(ofSubtree: $0)) }
        return total
    }

    /// What one PurgeDetached edit has left to spend, and what it removed so far.
    struct Purge {
        var budget: Int
        var released = QuotaDelta()
        var removedBlocks: [UInt64] = []
    }

    /// Removes inodes of the detached subtree at `root`, deepest first, until the budget is
    /// spent; true when the root itself was removed. Entries are read as stored, not through
    /// the child counts, so a count that disagrees with them cannot strand an entry or an
    /// inode; an entry naming no inode is dropped. Each step removes something or goes one
    /// directory deeper, so it ends, and each directory is listed from where its last page
    /// stopped, so the work stays in proportion to what is removed.
    private mutating func purgeSubtree(_ root: Rfs_Namenode_InodeRecord, _ purge: inout Purge) throws -> Bool {
        // The directories from the root down to the one being emptied, each as last written,
        // with the entry key its next page starts after: every entry before it is removed,
        // or is the directory below it on this path.
        var path: [(directory: Rfs_Namenode_InodeRecord, after: [UInt8]?)] = [(root, nil)]
        while purge.budget > 0 {
            var (current, after) = path[path.count - 1]
            if current.kind == .inodeDirectory {
                let page = try records.reader.scan(prefix: StoreKeys.entries(of: current.id), after: after,
                                                  limit: min(purge.budget, Self.childPage))
                if let last = page.last {
                    var deeper: (child: Rfs_Namenode_InodeRecord, key: [UInt8])? = nil
                    for entry in page where purge.budget > 0 {
                        guard let child = try records.inode(StoreKeys.decodeUInt64(entry.value), remember: false) else {
                            writer.unlink(entry: entry.key)
                            purge.budget -= 1
                            continue
                        }
                        if child.kind == .inodeDirectory {
                            if deeper == nil { deeper = (child, entry.key) }
                            continue
                        }
                        writer.unlink(entry: entry.key)
                        current.childCount = current.childCount > 0 ? current.childCount - 1 : 0
                        remove(child, &purge)
                    }
                    writer.put(current)
                    path[path.count - 1] = (current, deeper?.key ?? last.key)
                    if let deeper { path.append((deeper.child, nil)) }
                    continue
                }
            }
            // A file, or a directory with no entries left: remove it from its parent.
            path.removeLast()
            remove(current, &purge)
            guard var parent = path.last?.directory else { return true }
            writer.unlink(parent: parent.id, name: [UInt8](current.name))
            parent.childCount = parent.childCount > 0 ? parent.childCount - 1 : 0
            writer.put(parent)
            path[path.count - 1].directory = parent
        }
        return false
    }

    private mutating func remove(_ inode: Rfs_Namenode_InodeRecord, _ purge: inout Purge) {
        writer.remove(inode)
        purge.budget -= 1
        if inode.kind == .inodeDirectory {
            purge.released.namespace += 1
            return
        }
        purge.released = purge.released + .file(inode)
        purge.removedBlocks += inode.blocks.map(\.id)
        if inode.hasUnderConstruction {
            effects.append(.leaseClosed(fileID: inode.id, holder: inode.underConstruction.clientName))
        }
    }
}

extension Records {
    /// The inode `id` while it is in the namespace: nil when there is none, or when it lies
    /// in a deleted subtree waiting to be purged. Lookups by id (a writer naming its file, a
    /// block's file, lease recovery) use this; parent links are walked only while some
    /// detached subtree is left.
    func liveInode(_ id: UInt64) throws -> Rfs_Namenode_InodeRecord? {
        guard let inode = try inode(id) else { return nil }
        guard try (counters()?.detachedSubtrees ?? 0) > 0 else { return inode }
        var current = inode
        while current.id != NamespaceStateMachine.rootInodeID {
            if current.parentID == NamespaceStateMachine.detachedSubtreesID { return nil }
            guard let parent = try self.inode(current.parentID) else { return nil }
            current = parent
        }
        return inode
    }
}

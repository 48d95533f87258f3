import RFSKeyValue
import RFSModel
import RFSNamespace
import RFSProtocol
import Testing

/// A recursive delete of a subtree larger than the edit's `detach_above` detaches it at once and
/// leaves its removal to PurgeDetached edits of a bounded size.
@Suite("Large deletes: detach, then purge in bounded edits")
struct DetachedDeleteTests {
    /// /top/keep/f (kept), and under /top/big: 4 directories of 12 closed files with a block
    /// each, a nested /top/big/d0/sub/deeper of 5 empty files, and one file left open with a
    /// block being written.
    struct Tree {
        var bigInodes = 0
        var bigBlocks: Set<UInt64> = []
        var openFileID: UInt64 = 0
        /// Files under construction: the open one and the five created without a complete.
        var unclosed: Set<UInt64> = []
        var openBlock = Rfs_Namenode_BlockRecord()
        var keysBefore: Set<[UInt8]> = []
        var rootUsageBefore: QuotaUsage?
    }

    static func build(_ ns: Harness) throws -> Tree {
        var tree = Tree()
        try ns.mkdirs("/top", permission: 0o777, as: "hdfs")
        try ns.writeFile("/top/keep/f", bytes: 7)
        tree.keysBefore = Set(try ns.dump().map(\.key)).subtracting([StoreKeys.counters])
        tree.rootUsageBefore = try ns.usage("/")
        try ns.mkdirs("/top/big")
        tree.bigInodes = 1
        for directory in 0..<4 {
            for file in 0..<12 {
                let written = try ns.writeFile("/top/big/d\(directory)/f\(file)", bytes: 100)
                #expect(written.succeeded)
            }
            tree.bigInodes += 13
        }
        for file in 0..<5 {
            try ns.create("/top/big/d0/sub/deeper/e\(file)")
            tree.unclosed.insert(try #require(try ns.info("/top/big/d0/sub/deeper/e\(file)")).id)
        }
        tree.bigInodes += 2 + 5
        let (opened, block) = try ns.openWithBlock("/top/big/open")
        #expect(opened.succeeded)
        tree.openBlock = try #require(block)
        tree.openFileID = try #require(try ns.info("/top/big/open")).id
        tree.unclosed.insert(tree.openFileID)
        tree.bigInodes += 1
        for entry in try ns.dump() where entry.key.first == UInt8(ascii: "b") {
            tree.bigBlocks.insert(ns.decode(entry.key.dropFirst()))
        }
        tree.bigBlocks.subtract([try #require(try ns.info("/top/keep/f")).blocks[0].id])
        return tree
    }

    @Test("the subtree is gone at once; purges of 7 inodes remove every key of it, its blocks and its lease")
    func detachThenPurge() throws {
        let ns = try Harness()
        let tree = try Self.build(ns)
        let deleted = try ns.delete("/top/big", recursive: true, detachAbove: 50)
        #expect(deleted.flag == true)
        let detachedRoot = try #require(try ns.lastDetachedRoot())
        #expect(deleted.effects.contains(.subtreeDetached(rootID: detachedRoot)))
        #expect(!deleted.effects.contains { if case .blocksRemoved = $0 { true } else { false } })

        // Gone for every lookup: by path, by listing, by id, by block.
        #expect(try ns.info("/top/big") == nil)
        #expect(try ns.names("/top") == ["keep"])
        let summary = try ns.reads.contentSummary("/", caller: Caller(user: "hdfs", groups: []))
        #expect(summary.directoryCount == 3 && summary.fileCount == 1)
        #expect(try ns.reads.inode(id: tree.openFileID) == nil)
        #expect(try ns.reads.file(holdingBlock: tree.openBlock.id) == nil)
        #expect(try ns.reads.hasDetachedSubtrees())
        // The writer of the open file is refused, as after an inline delete.
        var complete = Rfs_Namenode_Complete()
        complete.path = "/top/big/open"
        complete.clientName = "c1"
        complete.fileID = tree.openFileID
        #expect(try ns.edit(.complete(complete)).rejection?.exception == .leaseExpired)
        var pipeline = Rfs_Namenode_UpdatePipeline()
        pipeline.clientName = "c1"
        pipeline.oldBlock = tree.openBlock
        pipeline.newBlock = tree.openBlock
        pipeline.newBlock.generationStamp += 1
        #expect(try ns.edit(.updatePipeline(pipeline)).rejection != nil)

        // The root's counters are released as the subtree is purged.
        let rootBefore = try #require(tree.rootUsageBefore)
        #expect(try ns.usage("/").fileAndDirectoryCount == rootBefore.fileAndDirectoryCount + UInt64(tree.bigInodes))
        var removedBlocks: [UInt64] = []
        var closedLeases: [UInt64] = []
        var edits = 0
        while true {
            let purged = try ns.purge(maxInodes: 7)
            edits += 1
            // Each edit's WriteBatch is bounded by its budget: an inode record, its entry, a
            // block mapping and its parent's record per inode, and the counters.
            #expect(try #require(ns.lastWrittenOperations) <= 7 * 4 + 3)
            for effect in purged.effects {
                switch effect {
                case .blocksRemoved(let ids): removedBlocks += ids
                case .leaseClosed(let fileID, _): closedLeases.append(fileID)
                default: Issue.record("unexpected effect \(effect)")
                }
            }
            if purged.flag == false { break }
            #expect(purged.flag == true)
            #expect(edits < 100, "purging does not end")
            if edits >= 100 { return }
        }
        #expect(edits == (tree.bigInodes + 6) / 7)
        #expect(removedBlocks.count == tree.bigBlocks.count && Set(removedBlocks) == tree.bigBlocks)
        #expect(closedLeases.count == tree.unclosed.count && Set(closedLeases) == tree.unclosed)
        #expect(try !ns.reads.hasDetachedSubtrees())
        #expect(Set(try ns.dump().map(\.key)).subtracting([StoreKeys.counters]) == tree.keysBefore)
        #expect(try ns.usage("/") == tree.rootUsageBefore)
        // Nothing left to purge: the edit changes nothing and says so.
        #expect(try ns.purge(maxInodes: 7).flag == false)
    }

    @Test("a subtree within detach_above is removed by the delete itself")
    func smallDeleteIsInline() throws {
        let ns = try Harness()
        let tree = try Self.build(ns)
        let deleted = try ns.delete("/top/big", recursive: true, detachAbove: UInt64(tree.bigInodes))
        #expect(deleted.flag == true)
        #expect(!deleted.effects.contains { if case .subtreeDetached = $0 { true } else { false } })
        #expect(deleted.effects.contains { if case .blocksRemoved(let ids) = $0 { Set(ids) == tree.bigBlocks } else { false } })
        #expect(try !ns.reads.hasDetachedSubtrees())
        #expect(Set(try ns.dump().map(\.key)).subtracting([StoreKeys.counters]) == tree.keysBefore)
    }

    @Test("quota directories above a detached subtree are released at once")
    func quotaAboveIsReleased() throws {
        let ns = try Harness()
        try ns.mkdirs("/q/big/a", as: "hdfs")
        try ns.setQuota("/q", namespace: 100, storagespace: 1 << 40)
        for file in 0..<10 { try ns.writeFile("/q/big/a/f\(file)", bytes: 1000, as: "hdfs") }
        let rootBefore = try ns.usage("/")
        #expect(try ns.usage("/q").fileAndDirectoryCount == 13)
        #expect(try ns.usage("/q").spaceConsumedBytes == 10 * 1000 * 3)
        #expect(try ns.delete("/q/big", recursive: true, detachAbove: 5, as: "hdfs").flag == true)
        let released = try ns.usage("/q")
        #expect(released.fileAndDirectoryCount == 1 && released.spaceConsumedBytes == 0)
        // The directory can take what its quota allows again before the purge has run.
        #expect(try ns.usage("/") == rootBefore)
        while try ns.purge(maxInodes: 4).flag == true {}
        #expect(try ns.usage("/").fileAndDirectoryCount == rootBefore.fileAndDirectoryCount - 12)
        #expect(try ns.usage("/").spaceConsumedBytes == 0)
        #expect(try ns.usage("/q") == released)
    }

    @Test("the path of a detached subtree is free at once, and purging leaves the new tree alone")
    func pathReused() throws {
        let ns = try Harness()
        for file in 0..<20 { try ns.writeFile("/a/b/f\(file)", bytes: 10, as: "hdfs") }
        #expect(try ns.delete("/a", recursive: true, detachAbove: 10, as: "hdfs").flag == true)
        #expect(try ns.delete("/a", recursive: true, detachAbove: 10, as: "hdfs").flag == false)
        try ns.writeFile("/a/b/f0", bytes: 10, as: "hdfs")
        try ns.mkdirs("/c/d", as: "hdfs")
        for file in 0..<12 { try ns.create("/c/d/g\(file)", as: "hdfs") }
        // Two subtrees wait; each purge edit may finish one and start the next.
        #expect(try ns.delete("/c", recursive: true, detachAbove: 10, as: "hdfs").flag == true)
        while try ns.purge(maxInodes: 9).flag == true {}
        #expect(try ns.names("/a/b") == ["f0"])
        #expect(try ns.info("/a/b/f0")?.blocks.count == 1)
        #expect(try ns.names("/") == ["a"])
        #expect(try ns.usage("/").fileAndDirectoryCount == 4)
    }

    @Test("the same deletes and purges give byte-identical stores, however the edits are grouped into batches",
          arguments: [UInt64(7), 8, 9])
    func determinism(seed: UInt64) throws {
        var rng = seed
        func next() -> UInt64 { rng = rng &* 6364136223846793005 &+ 1442695040888963407; return rng >> 33 }
        func edit(_ operation: Rfs_Namenode_Edit.OneOf_Operation) -> Rfs_Namenode_Edit {
            var edit = Rfs_Namenode_Edit()
            edit.timeMs = 1_700_000_000_000
            edit.caller.user = "hdfs"
            edit.operation = operation
            return edit
        }
        var edits: [Rfs_Namenode_Edit] = []
        for _ in 0..<600 {
            let directory = "/d\(next() % 3)/e\(next() % 3)", file = "/d\(next() % 3)/e\(next() % 3)/f\(next() % 8)"
            switch next() % 7 {
            case 0:
                var op = Rfs_Namenode_Mkdirs()
                op.path = directory
                op.permission = 0o755
                op.createParent = true
                edits.append(edit(.mkdirs(op)))
            case 1, 2:
                var create = Rfs_Namenode_Create()
                create.path = file
                create.permission = 0o644
                create.clientName = "c\(next() % 2)"
                create.createParent = true
                create.overwrite = true
                create.replication = 3
                create.blockSizeBytes = 1 << 20
                edits.append(edit(.create(create)))
                if next() % 3 > 0 {
                    var complete = Rfs_Namenode_Complete()
                    complete.path = file
                    complete.clientName = create.clientName
                    edits.append(edit(.complete(complete)))
                }
            case 3:
                var op = Rfs_Namenode_Delete()
                op.path = directory
                op.recursive = true
                op.detachAbove = 1 + next() % 6
                edits.append(edit(.delete(op)))
            case 4:
                var op = Rfs_Namenode_Rename()
                op.source = directory
                op.destination = "/d\(next() % 3)/moved"
                edits.append(edit(.rename(op)))
            default:
                var op = Rfs_Namenode_PurgeDetached()
                op.maxInodes = UInt32(1 + next() % 5)
                edits.append(edit(.purgeDetached(op)))
            }
        }
        // One store applies an edit per batch, the other batches of 1 to 40 edits.
        let first = try Harness(), second = try Harness()
        var firstResults: [EditResult] = [], secondResults: [EditResult] = []
        for one in edits { firstResults += try first.batch([one]) }
        var start = 0
        while start < edits.count {
            let end = min(edits.count, start + 1 + Int(next() % 40))
            secondResults += try second.batch(Array(edits[start..<end]))
            start = end
        }
        #expect(firstResults == secondResults)
        #expect(try first.dump() == second.dump())
        for ns in [first, second] { while try ns.purge(maxInodes: 3).flag == true {} }
        #expect(try first.dump() == second.dump())
        // Everything purged: the root's counters agree with a walk of what is left, and no
        // inode record is left that no path reaches.
        let summary = try first.reads.contentSummary("/", caller: Caller(user: "hdfs", groups: []))
        #expect(try first.usage("/").fileAndDirectoryCount == summary.directoryCount + summary.fileCount)
        #expect(try first.dump().filter { $0.key.first == UInt8(ascii: "i") }.count == Int(summary.directoryCount + summary.fileCount))
        #expect(try first.usage("/").spaceConsumedBytes == summary.spaceConsumedBytes)
    }

    @Test("a root that gains its quota record while subtrees wait counts them, so purging them leaves it right")
    func rootQuotaRecordAddedMidPurge() throws {
        let ns = try Harness()
        for file in 0..<12 { try ns.writeFile("/t/f\(file)", bytes: 10, as: "hdfs") }
        #expect(try ns.delete("/t", recursive: true, detachAbove: 5, as: "hdfs").flag == true)
        // As on a store formatted before the root always had a quota record.
        let rootKey = StoreKeys.inode(NamespaceStateMachine.rootInodeID)
        var root = try Rfs_Namenode_InodeRecord(serializedBytes: try #require(try ns.store.get(rootKey)))
        root.withQuota = false
        try ns.store.write(WriteBatch([.put(key: rootKey, value: try root.serializedBytes()),
                                       .delete(key: StoreKeys.quota(NamespaceStateMachine.rootInodeID))]), sync: true)
        ns.committedInodes.removeAll()
        ns.readCache.removeAll()
        #expect(try ns.edit(.setQuota(Self.quota(namespace: 1000)), as: "hdfs").succeeded)
        #expect(try ns.usage("/").fileAndDirectoryCount == 1 + 13)
        while try ns.purge(maxInodes: 4).flag == true {}
        #expect(try ns.usage("/").fileAndDirectoryCount == 1)
        #expect(try ns.usage("/").spaceConsumedBytes == 0)
    }

    static func quota(namespace: Int64) -> Rfs_Namenode_SetQuota {
        var op = Rfs_Namenode_SetQuota()
        op.path = "/"
        op.namespaceQuota = namespace
        op.storagespaceQuota = HDFSDefaults.quotaDontSet
        return op
    }

    @Test("child counts that disagree with the entries strand nothing")
    func wrongChildCounts() throws {
        let ns = try Harness()
        for file in 0..<9 { try ns.writeFile("/w/a/f\(file)", bytes: 10, as: "hdfs") }
        try ns.mkdirs("/w/b/c", as: "hdfs")
        let keysBefore = Set(try ns.dump().map(\.key))
        // /w/a says it is empty, /w/b says it has 40 children.
        for (path, count) in [("/w/a", UInt64(0)), ("/w/b", 40)] {
            var record = try #require(try ns.info(path))
            record.childCount = count
            try ns.store.write(WriteBatch([.put(key: StoreKeys.inode(record.id), value: try record.serializedBytes())]), sync: true)
        }
        ns.committedInodes.removeAll()
        ns.readCache.removeAll()
        #expect(try ns.delete("/w", recursive: true, detachAbove: 3, as: "hdfs").flag == true)
        while try ns.purge(maxInodes: 2).flag == true {}
        let left = Set(try ns.dump().map(\.key))
        #expect(left.filter { $0.first == UInt8(ascii: "i") || $0.first == UInt8(ascii: "e") || $0.first == UInt8(ascii: "b") }
                == [StoreKeys.inode(NamespaceStateMachine.rootInodeID)])
        #expect(keysBefore.count > 30)
    }
}

extension Harness {
    /// The id of the one detached subtree's root waiting, if exactly one waits.
    func lastDetachedRoot() throws -> UInt64? {
        let queue = StoreKeys.entries(of: NamespaceStateMachine.detachedSubtreesID)
        let waiting = try dump().filter { $0.key.starts(with: queue) }
        return waiting.count == 1 ? decode(waiting[0].value) : nil
    }

    /// A big-endian id, as the store keeps them.
    func decode(_ bytes: some Collection<UInt8>) -> UInt64 {
        bytes.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    }

    /// Operations in the last batch's WriteBatch.
    var lastWrittenOperations: Int? { lastWritten?.operations.count }
}

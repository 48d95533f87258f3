import RFSKeyValue
@testable import RFSNamespace
import RFSProtocol
import Testing

@Suite("Namespace: the readers' cache of the committed store")
struct ReadCacheTests {
    func record(_ id: UInt64, permission: UInt32) -> Rfs_Namenode_InodeRecord {
        var record = Rfs_Namenode_InodeRecord()
        record.id = id
        record.permission = permission
        return record
    }

    @Test("a value read before a batch was written is not put back after it")
    func staleFillRefused() {
        let cache = CommittedReadCache()
        let miss = cache.inode(7)
        #expect(miss.value == nil)
        // The applier writes a batch that changes inode 7 while the reader is at the store.
        cache.batchWritten([.inode(7, record(7, permission: 0o700))])
        cache.remember(record(7, permission: 0o755), readAt: miss.generation)
        #expect(cache.inode(7).value == nil)
        // A read that starts after the batch may fill it.
        let again = cache.inode(7)
        cache.remember(record(7, permission: 0o700), readAt: again.generation)
        #expect(cache.inode(7).value?.permission == 0o700)
    }

    @Test("a written batch refreshes cached records and entries, and drops deleted ones")
    func batchRefreshes() {
        let cache = CommittedReadCache()
        let entry = StoreKey(StoreKeys.entry(parent: 1, name: Array("a".utf8)))
        let generation = cache.inode(5).generation
        cache.remember(record(5, permission: 0o755), readAt: generation)
        cache.remember(entry: entry, child: 5, readAt: generation)
        cache.batchWritten([.inode(5, record(5, permission: 0o750)), .inode(6, record(6, permission: 0o755))])
        #expect(cache.inode(5).value?.permission == 0o750)
        // Records nobody read are not added by a batch.
        #expect(cache.inode(6).value == nil)
        cache.batchWritten([.inode(5, nil), .entry(entry, nil)])
        #expect(cache.inode(5).value == nil)
        #expect(cache.entry(entry).value == nil)
    }

    @Test("reads through the cache see every later edit: rename, chmod, delete")
    func readsFollowEdits() throws {
        let ns = try Harness()
        try ns.mkdirs("/a/b", as: "hdfs")
        try ns.create("/a/b/f", as: "hdfs")
        #expect(try ns.info("/a/b/f") != nil)
        #expect(ns.readCache.cached.inodes.count >= 3)
        var chmod = Rfs_Namenode_SetPermission()
        chmod.path = "/a/b"
        chmod.permission = 0o700
        _ = try ns.edit(.setPermission(chmod), as: "hdfs")
        #expect(try ns.info("/a/b", as: "hdfs")?.permission == 0o700)
        // The cached directory's new mode applies at once: alice may no longer pass through it.
        #expect(throws: NamespaceRejection.self) { try ns.info("/a/b/f") }
        var rename = Rfs_Namenode_Rename()
        rename.source = "/a/b"
        rename.destination = "/a/c"
        _ = try ns.edit(.rename(rename), as: "hdfs")
        #expect(try ns.info("/a/b/f", as: "hdfs") == nil)
        #expect(try ns.info("/a/c/f", as: "hdfs") != nil)
        var delete = Rfs_Namenode_Delete()
        delete.path = "/a/c"
        delete.recursive = true
        _ = try ns.edit(.delete(delete), as: "hdfs")
        #expect(try ns.info("/a/c/f", as: "hdfs") == nil)
        #expect(try ns.info("/a/c", as: "hdfs") == nil)
    }
}

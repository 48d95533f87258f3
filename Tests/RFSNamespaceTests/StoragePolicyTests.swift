import RFSModel
import RFSNamespace
import RFSProtocol
import Testing

@Suite("Storage policies in the namespace")
struct StoragePolicyTests {
    func set(_ ns: Harness, _ path: String, _ id: UInt32, as user: String = "hdfs") throws -> EditResult {
        var op = Rfs_Namenode_SetStoragePolicy()
        op.path = path
        op.policyID = id
        return try ns.edit(.setStoragePolicy(op), as: user)
    }

    func listed(_ ns: Harness, _ path: String, as user: String) throws -> [String: UInt32] {
        let page = try ns.reads.listing(path, startAfter: [], limit: 1000, caller: Caller(user: user, groups: []))
        return Dictionary(uniqueKeysWithValues: (page?.entries ?? []).map { (String(decoding: $0.name, as: UTF8.self), $0.storagePolicyID) })
    }

    @Test("a directory's policy applies below it until one is set lower; statuses report it to anyone, listings to the superuser")
    func inheritance() throws {
        let ns = try Harness()
        try ns.mkdirs("/a/b", permission: 0o777, as: "hdfs")
        try ns.writeFile("/a/b/f", as: "alice")
        try ns.writeFile("/a/g", as: "hdfs")
        #expect(try ns.info("/a/b/f")?.storagePolicyID == 0)
        #expect(try ns.reads.storagePolicy("/a/b/f", caller: Caller(user: "alice", groups: [])) == 0)

        #expect(try set(ns, "/a", 2).succeeded)  // COLD
        #expect(try ns.info("/a/b/f")?.storagePolicyID == 2)
        #expect(try ns.info("/a/b/f", as: "bob")?.storagePolicyID == 2)
        #expect(try set(ns, "/a/g", 12).succeeded)  // ALL_SSD on the file itself
        #expect(try listed(ns, "/a", as: "hdfs") == ["b": 2, "g": 12])
        #expect(try listed(ns, "/a", as: "alice") == ["b": 0, "g": 0])
        #expect(try listed(ns, "/a/b", as: "hdfs") == ["f": 2])
        // The record keeps only what was set on the inode itself.
        #expect(try ns.reads.inode(id: ns.info("/a/b/f")!.id)?.storagePolicyID == 0)

        #expect(try set(ns, "/a", StoragePolicy.unspecifiedID).succeeded)
        #expect(try ns.info("/a/b/f")?.storagePolicyID == 0)
        #expect(try ns.info("/a/g")?.storagePolicyID == 12)
    }

    @Test("LAZY_PERSIST is never set on, or changed from, an existing file; a missing path or no WRITE access is refused")
    func refusals() throws {
        let ns = try Harness()
        try ns.mkdirs("/d", as: "hdfs")
        try ns.writeFile("/d/f", as: "hdfs")
        let lazy = try set(ns, "/d/f", 15).rejection
        #expect(lazy?.exception == .hadoopIllegalArgument)
        #expect(lazy?.errorMessage == "Policy \(StoragePolicy.withID(15)!) cannot be set after file creation.")
        #expect(try set(ns, "/d", 15).succeeded)  // a directory may have it: new files inherit it
        #expect(try set(ns, "/nope", 7).rejection == .fileNotFound("File/Directory does not exist: /nope"))
        #expect(try set(ns, "/d", 7, as: "alice").rejection?.exception == .accessControl)
        #expect(try ns.info("/d")?.storagePolicyID == 15)
        #expect(throws: NamespaceRejection.fileNotFound("File/Directory does not exist: /nope")) {
            try ns.reads.storagePolicy("/nope", caller: Caller(user: "alice", groups: []))
        }
    }

    @Test("a file created under LAZY_PERSIST keeps it: set on the file, never changed, whatever its directory does")
    func lazyPersistIsCopiedOnCreate() throws {
        let ns = try Harness()
        try ns.mkdirs("/lazy", as: "hdfs")
        #expect(try set(ns, "/lazy", 15).succeeded)
        try ns.writeFile("/lazy/deep/f", as: "hdfs")
        #expect(try ns.reads.inode(id: ns.info("/lazy/deep/f", as: "hdfs")!.id)?.storagePolicyID == 15)
        #expect(try set(ns, "/lazy", StoragePolicy.unspecifiedID).succeeded)
        #expect(try ns.info("/lazy/deep/f", as: "hdfs")?.storagePolicyID == 15)
        #expect(try set(ns, "/lazy/deep/f", 7).rejection == .hadoopIllegalArgument("Existing policy LAZY_PERSIST cannot be changed after file creation."))
        #expect(try set(ns, "/lazy/deep/f", StoragePolicy.unspecifiedID).rejection?.exception == .hadoopIllegalArgument)
        // Other inherited policies stay inherited.
        #expect(try set(ns, "/lazy", 2).succeeded)
        try ns.writeFile("/lazy/g", as: "hdfs")
        #expect(try ns.reads.inode(id: ns.info("/lazy/g", as: "hdfs")!.id)?.storagePolicyID == 0)
    }

    @Test("HDFS's default suite: ids, names, the default, Java's toString")
    func suite() {
        #expect(StoragePolicy.all.map(\.id) == [1, 2, 5, 7, 10, 12, 14, 15])
        #expect(StoragePolicy.withID(0) == StoragePolicy.defaultPolicy && StoragePolicy.defaultPolicy.name == "HOT")
        #expect(StoragePolicy.named("one_ssd")?.id == 10 && StoragePolicy.named("FROZEN") == nil && StoragePolicy.withID(3) == nil)
        #expect("\(StoragePolicy.defaultPolicy)" == "BlockStoragePolicy{HOT:7, storageTypes=[DISK], creationFallbacks=[], replicationFallbacks=[ARCHIVE]}")
    }
}

import RFSKeyValue
import RFSModel
@testable import RFSNamespace
import RFSProtocol
import Testing

/// 128 MiB blocks at replication 3, as the harness creates files.
private let fullBlockCharge: Int64 = (128 << 20) * 3
private let reset = HDFSDefaults.quotaReset
private let admin = Caller(user: "hdfs", groups: [])

extension Harness {
    @discardableResult
    func setQuota(_ path: String, namespace: Int64 = HDFSDefaults.quotaDontSet, storagespace: Int64 = HDFSDefaults.quotaDontSet,
                  as user: String = "hdfs", groups: [String] = []) throws -> EditResult {
        var op = Rfs_Namenode_SetQuota()
        op.path = path
        op.namespaceQuota = namespace
        op.storagespaceQuota = storagespace
        return try edit(.setQuota(op), as: user, groups: groups)
    }

    func usage(_ path: String) throws -> QuotaUsage {
        try reads.quotaUsage(path, caller: Caller(user: "hdfs", groups: []))
    }

    /// create + addBlock, leaving the file open with its block being written.
    func openWithBlock(_ path: String) throws -> (EditResult, Rfs_Namenode_BlockRecord?) {
        try create(path, as: "hdfs")
        var add = Rfs_Namenode_AddBlock()
        add.path = path
        add.clientName = "c1"
        add.newBlockID = nextBlockID
        add.newGenerationStamp = 1001
        nextBlockID += 1
        let added = try edit(.addBlock(add), as: "hdfs")
        if case .success(.block(let block, _, _)) = added.outcome { return (added, block) }
        return (added, nil)
    }

    func complete(_ path: String, last: Rfs_Namenode_BlockRecord, bytes: UInt64) throws -> EditResult {
        var op = Rfs_Namenode_Complete()
        op.path = path
        op.clientName = "c1"
        op.last = last
        op.last.numBytes = bytes
        return try edit(.complete(op), as: "hdfs")
    }

    /// Every key except the counters, which a refused edit may not touch either, but which
    /// `finishBatch` rewrites with the applied index.
    func state() throws -> [KeyValuePair] {
        try dump().filter { $0.key != StoreKeys.counters }
    }
}

@Suite("Namespace: quotas")
struct QuotaTests {
    @Test("the root has HDFS's unlimited namespace quota and always knows its usage")
    func root() throws {
        let ns = try Harness()
        try ns.mkdirs("/a/b", as: "hdfs")
        try ns.writeFile("/a/f", bytes: 10, as: "hdfs")
        let usage = try ns.usage("/")
        #expect(usage == QuotaUsage(fileAndDirectoryCount: 4, namespaceQuota: Int64.max, spaceConsumedBytes: 30, storagespaceQuota: -1))
        let summary = try ns.reads.contentSummary("/", caller: admin)
        #expect(summary.namespaceQuota == Int64.max)
        #expect(summary.storagespaceQuota == -1)
        #expect(try ns.reads.contentSummary("/a", caller: admin).namespaceQuota == -1)
        #expect(try ns.setQuota("/", namespace: reset).rejection == .illegalArgument("Cannot clear namespace quota on root."))
        #expect(try ns.setQuota("/", storagespace: 1 << 40).succeeded)
        #expect(try ns.usage("/").storagespaceQuota == 1 << 40)
        #expect(try ns.setQuota("/", namespace: 100, storagespace: reset).succeeded)
        #expect(try ns.usage("/") == QuotaUsage(fileAndDirectoryCount: 4, namespaceQuota: 100, spaceConsumedBytes: 30, storagespaceQuota: -1))
    }

    @Test("setQuota refusals: not a superuser, missing path, a file, illegal values")
    func refusals() throws {
        let ns = try Harness()
        try ns.mkdirs("/d", permission: 0o777, as: "hdfs")
        try ns.writeFile("/d/f", as: "hdfs")
        let before = try ns.state()
        #expect(try ns.setQuota("/d", namespace: 5, as: "alice").rejection?.exception == .accessControl)
        #expect(try ns.setQuota("/d", namespace: 5, as: "bob-admin").rejection?.exception == .accessControl)
        #expect(try ns.state() == before)
        #expect(try ns.setQuota("/d", namespace: 5, as: "bob-admin", groups: ["supergroup"]).succeeded)
        #expect(try ns.setQuota("/missing", namespace: 5).rejection == .fileNotFound("Directory does not exist: /missing"))
        let onFile = try ns.setQuota("/d/f", namespace: 5).rejection
        #expect(onFile?.exception == .pathIsNotDirectory)
        #expect(onFile?.errorMessage == "`/d/f': Is not a directory")
        let illegal = try ns.setQuota("/d", namespace: -2, storagespace: 10).rejection
        #expect(illegal == .illegalArgument("Illegal value for nsQuota or ssQuota : -2 and 10"))
        #expect(try ns.setQuota("/d", namespace: 10, storagespace: -7).rejection?.exception == .illegalArgument)
        // Only the supergroup member's quota went in.
        #expect(try ns.usage("/d").namespaceQuota == 5)
        #expect(try ns.usage("/d").storagespaceQuota == -1)
    }

    @Test("setting a quota counts the subtree once; DONT_SET keeps a value; RESET on both drops the counters")
    func setAndReset() throws {
        let ns = try Harness()
        try ns.mkdirs("/q/sub", as: "hdfs")
        try ns.writeFile("/q/sub/f", bytes: 100, as: "hdfs")
        try ns.writeFile("/q/g", bytes: 1, as: "hdfs")
        #expect(try ns.setQuota("/q", namespace: 10).succeeded)
        #expect(try ns.info("/q")?.withQuota == true)
        #expect(try ns.usage("/q") == QuotaUsage(fileAndDirectoryCount: 4, namespaceQuota: 10, spaceConsumedBytes: 303, storagespaceQuota: -1))
        #expect(try ns.setQuota("/q", storagespace: 5000).succeeded)
        #expect(try ns.usage("/q") == QuotaUsage(fileAndDirectoryCount: 4, namespaceQuota: 10, spaceConsumedBytes: 303, storagespaceQuota: 5000))
        #expect(try ns.setQuota("/q", namespace: reset).succeeded)
        #expect(try ns.usage("/q").namespaceQuota == -1)
        #expect(try ns.info("/q")?.withQuota == true)
        #expect(try ns.setQuota("/q", storagespace: reset).succeeded)
        #expect(try ns.info("/q")?.withQuota == false)
        #expect(try ns.reads.records.quota(try #require(try ns.info("/q")).id) == nil)
        // Usage is still reported, by walking.
        #expect(try ns.usage("/q") == QuotaUsage(fileAndDirectoryCount: 4, namespaceQuota: -1, spaceConsumedBytes: 303, storagespaceQuota: -1))
    }

    @Test("namespace quota: the directory counts itself; the refused create changes nothing and says what HDFS says")
    func namespaceQuota() throws {
        let ns = try Harness()
        try ns.mkdirs("/q", as: "hdfs")
        try ns.setQuota("/q", namespace: 3)
        #expect(try ns.create("/q/a", as: "hdfs").succeeded)
        #expect(try ns.mkdirs("/q/b", as: "hdfs").succeeded)
        let before = try ns.state()
        let refused = try ns.create("/q/c", as: "hdfs").rejection
        #expect(refused?.exception == .nsQuotaExceeded)
        #expect(refused?.errorMessage == "The NameSpace quota (directories and files) of directory /q is exceeded: quota=3 file count=4")
        #expect(try ns.state() == before)
        // Deep below counts too, and the deepest violated quota is the one reported.
        #expect(try ns.create("/q/b/deep", as: "hdfs").rejection?.exception == .nsQuotaExceeded)
        #expect(try ns.delete("/q/a", recursive: false, as: "hdfs").flag == true)
        #expect(try ns.usage("/q").fileAndDirectoryCount == 2)
        #expect(try ns.create("/q/b/deep", as: "hdfs").succeeded)
        #expect(try ns.usage("/").fileAndDirectoryCount == 4)
    }

    @Test("mkdirs -p is charged one directory at a time and refused whole")
    func mkdirsParents() throws {
        let ns = try Harness()
        try ns.mkdirs("/q", as: "hdfs")
        try ns.setQuota("/q", namespace: 3)
        let before = try ns.state()
        let refused = try ns.mkdirs("/q/a/b/c", as: "hdfs").rejection
        #expect(refused == .namespaceQuotaExceeded(path: "/q", quota: 3, count: 4))
        #expect(try ns.state() == before)
        #expect(try ns.info("/q/a") == nil)
        #expect(try ns.mkdirs("/q/a/b", as: "hdfs").succeeded)
        // create -p charges its new parents and the file.
        try ns.setQuota("/q", namespace: 5)
        #expect(try ns.create("/q/x/f", as: "hdfs", parents: true).succeeded)
        #expect(try ns.create("/q/y/f", as: "hdfs", parents: true).rejection?.exception == .nsQuotaExceeded)
    }

    @Test("nested quotas: each directory with a quota keeps its own count; the deepest violation is reported")
    func nested() throws {
        let ns = try Harness()
        try ns.mkdirs("/outer/inner", as: "hdfs")
        try ns.setQuota("/outer", namespace: 10)
        try ns.setQuota("/outer/inner", namespace: 2)
        #expect(try ns.usage("/outer").fileAndDirectoryCount == 2)
        #expect(try ns.create("/outer/inner/f", as: "hdfs").succeeded)
        #expect(try ns.create("/outer/inner/g", as: "hdfs").rejection == .namespaceQuotaExceeded(path: "/outer/inner", quota: 2, count: 3))
        #expect(try ns.usage("/outer").fileAndDirectoryCount == 3)
        try ns.setQuota("/outer", namespace: 3)
        try ns.setQuota("/outer/inner", namespace: 100)
        #expect(try ns.create("/outer/inner/g", as: "hdfs").rejection == .namespaceQuotaExceeded(path: "/outer", quota: 3, count: 4))
        // Deleting the inner quota directory releases its whole subtree from the outer one.
        #expect(try ns.delete("/outer/inner", recursive: true, as: "hdfs").flag == true)
        #expect(try ns.usage("/outer").fileAndDirectoryCount == 1)
    }

    @Test("rename charges the destination's quotas and releases the source's; shared ancestors are not checked")
    func rename() throws {
        let ns = try Harness()
        try ns.mkdirs("/q", as: "hdfs")
        try ns.mkdirs("/src/dir", as: "hdfs")
        try ns.writeFile("/src/dir/f1", bytes: 10, as: "hdfs")
        try ns.writeFile("/src/dir/f2", bytes: 20, as: "hdfs")
        try ns.setQuota("/q", namespace: 3)
        let before = try ns.state()
        #expect(try ns.rename("/src/dir", "/q/dir", as: "hdfs").rejection == .namespaceQuotaExceeded(path: "/q", quota: 3, count: 4))
        #expect(try ns.state() == before)
        // The legacy rename raises quota errors too (HDFS does not turn them into false).
        #expect(try ns.rename("/src/dir", "/q", legacy: true, as: "hdfs").rejection?.exception == .nsQuotaExceeded)
        try ns.setQuota("/q", namespace: 4, storagespace: 1000)
        #expect(try ns.rename("/src/dir", "/q/dir", as: "hdfs").succeeded)
        #expect(try ns.usage("/q") == QuotaUsage(fileAndDirectoryCount: 4, namespaceQuota: 4, spaceConsumedBytes: 90, storagespaceQuota: 1000))
        // Inside /q, even over a lowered quota, a move changes nothing above it and is allowed.
        try ns.setQuota("/q", namespace: 2)
        #expect(try ns.mkdirs("/q/other", as: "hdfs").rejection?.exception == .nsQuotaExceeded)
        #expect(try ns.rename("/q/dir/f1", "/q/f1", as: "hdfs").succeeded)
        // Moving out releases.
        #expect(try ns.rename("/q/dir", "/elsewhere", as: "hdfs").succeeded)
        #expect(try ns.usage("/q") == QuotaUsage(fileAndDirectoryCount: 2, namespaceQuota: 2, spaceConsumedBytes: 30, storagespaceQuota: 1000))
        // /, /q, /q/f1, /src, /elsewhere, /elsewhere/f2
        #expect(try ns.usage("/").fileAndDirectoryCount == 6)
    }

    @Test("rename2 with overwrite counts the replaced destination out first, as HDFS does")
    func renameOverwrite() throws {
        let ns = try Harness()
        try ns.mkdirs("/q", as: "hdfs")
        try ns.writeFile("/q/old", bytes: 50, as: "hdfs")
        try ns.writeFile("/new", bytes: 60, as: "hdfs")
        try ns.setQuota("/q", namespace: 2, storagespace: 180)
        #expect(try ns.rename("/new", "/q/old", overwrite: true, as: "hdfs").succeeded)
        #expect(try ns.usage("/q") == QuotaUsage(fileAndDirectoryCount: 2, namespaceQuota: 2, spaceConsumedBytes: 180, storagespaceQuota: 180))
    }

    @Test("storage space: a block being written is charged a full preferred block, corrected at complete")
    func storagespace() throws {
        let ns = try Harness()
        try ns.mkdirs("/s", as: "hdfs")
        try ns.setQuota("/s", storagespace: fullBlockCharge)
        let (added, block) = try ns.openWithBlock("/s/f")
        #expect(added.succeeded)
        #expect(try ns.usage("/s").spaceConsumedBytes == UInt64(fullBlockCharge))
        // A second file cannot get a block; the file itself may still be created.
        let (refused, _) = try ns.openWithBlock("/s/g")
        #expect(refused.rejection?.exception == .dsQuotaExceeded)
        #expect(refused.rejection?.errorMessage
            == "The DiskSpace quota of /s is exceeded: quota = 402653184 B = 384 MB but diskspace consumed = 805306368 B = 768 MB")
        #expect(try ns.info("/s/g")?.blocks.isEmpty == true)
        #expect(try ns.complete("/s/f", last: try #require(block), bytes: 1000).flag == true)
        #expect(try ns.usage("/s").spaceConsumedBytes == 3000)
        #expect(try ns.usage("/").spaceConsumedBytes == 3000)
        #expect(try ns.reads.contentSummary("/s", caller: admin).spaceConsumedBytes == 3000)
    }

    @Test("abandoning a block releases its charge; addBlock commits the previous block at its real length")
    func abandonAndNextBlock() throws {
        let ns = try Harness()
        try ns.mkdirs("/s", as: "hdfs")
        try ns.setQuota("/s", storagespace: 2 * fullBlockCharge)
        let (_, first) = try ns.openWithBlock("/s/f")
        var abandon = Rfs_Namenode_AbandonBlock()
        abandon.path = "/s/f"
        abandon.clientName = "c1"
        abandon.blockID = try #require(first).id
        #expect(try ns.edit(.abandonBlock(abandon), as: "hdfs").succeeded)
        #expect(try ns.usage("/s").spaceConsumedBytes == 0)
        var add = Rfs_Namenode_AddBlock()
        add.path = "/s/f"
        add.clientName = "c1"
        add.newBlockID = ns.nextBlockID
        add.newGenerationStamp = 1002
        guard case .success(.block(var block, _, _)) = try ns.edit(.addBlock(add), as: "hdfs").outcome else {
            Issue.record("addBlock failed"); return
        }
        block.numBytes = 128 << 20
        add.previous = block
        add.newBlockID = ns.nextBlockID + 1
        #expect(try ns.edit(.addBlock(add), as: "hdfs").succeeded)
        #expect(try ns.usage("/s").spaceConsumedBytes == UInt64(2 * fullBlockCharge))
    }

    @Test("setReplication changes the charge and is refused past the quota")
    func replication() throws {
        let ns = try Harness()
        try ns.mkdirs("/r", as: "hdfs")
        try ns.writeFile("/r/f", bytes: 100, as: "hdfs")
        try ns.setQuota("/r", storagespace: 400)
        var op = Rfs_Namenode_SetReplication()
        op.path = "/r/f"
        op.replication = 5
        #expect(try ns.edit(.setReplication(op), as: "hdfs").rejection == .storagespaceQuotaExceeded(path: "/r", quota: 400, consumed: 500))
        #expect(try ns.info("/r/f")?.replication == 3)
        op.replication = 1
        #expect(try ns.edit(.setReplication(op), as: "hdfs").flag == true)
        #expect(try ns.usage("/r").spaceConsumedBytes == 100)
    }

    @Test("append charges the reopened block as a full block; truncate and delete release")
    func appendTruncateDelete() throws {
        let ns = try Harness()
        try ns.mkdirs("/a", as: "hdfs")
        try ns.writeFile("/a/f", bytes: 100, as: "hdfs")
        try ns.setQuota("/a", storagespace: fullBlockCharge - 1)
        var append = Rfs_Namenode_Append()
        append.path = "/a/f"
        append.clientName = "c2"
        append.clientMachine = "h"
        append.newGenerationStamp = 2000
        #expect(try ns.edit(.append(append), as: "hdfs").rejection?.exception == .dsQuotaExceeded)
        #expect(try ns.info("/a/f")?.hasUnderConstruction == false)
        try ns.setQuota("/a", storagespace: fullBlockCharge)
        #expect(try ns.edit(.append(append), as: "hdfs").succeeded)
        #expect(try ns.usage("/a").spaceConsumedBytes == UInt64(fullBlockCharge))
        var release = Rfs_Namenode_ReleaseLease()
        release.path = "/a/f"
        release.holder = "c2"
        release.lastBlockLength = 150
        release.lastGenerationStamp = 2000
        #expect(try ns.edit(.releaseLease(release), as: "hdfs").succeeded)
        #expect(try ns.usage("/a").spaceConsumedBytes == 450)
        var truncate = Rfs_Namenode_Truncate()
        truncate.path = "/a/f"
        truncate.newLength = 0
        truncate.clientName = "c3"
        #expect(try ns.edit(.truncate(truncate), as: "hdfs").flag == true)
        #expect(try ns.usage("/a") == QuotaUsage(fileAndDirectoryCount: 2, namespaceQuota: -1, spaceConsumedBytes: 0, storagespaceQuota: fullBlockCharge))
        #expect(try ns.delete("/a/f", recursive: false, as: "hdfs").flag == true)
        #expect(try ns.usage("/a").fileAndDirectoryCount == 1)
    }

    @Test("concat releases the sources' entries and recharges their blocks at the target's replication")
    func concat() throws {
        let ns = try Harness()
        try ns.mkdirs("/c", as: "hdfs")
        try ns.writeFile("/c/t", bytes: 128 << 20, as: "hdfs")
        try ns.writeFile("/c/s", bytes: 10, as: "hdfs")
        var replication = Rfs_Namenode_SetReplication()
        replication.path = "/c/s"
        replication.replication = 1
        _ = try ns.edit(.setReplication(replication), as: "hdfs")
        try ns.setQuota("/c", namespace: 10)
        #expect(try ns.usage("/c").spaceConsumedBytes == UInt64(fullBlockCharge) + 10)
        var op = Rfs_Namenode_Concat()
        op.target = "/c/t"
        op.sources = ["/c/s"]
        #expect(try ns.edit(.concat(op), as: "hdfs").succeeded)
        #expect(try ns.usage("/c") == QuotaUsage(fileAndDirectoryCount: 2, namespaceQuota: 10,
                                                 spaceConsumedBytes: UInt64(fullBlockCharge) + 30, storagespaceQuota: -1))
    }

    @Test("concat under Hadoop 3's rules joins partial blocks from the same directory; older edits keep the old rules")
    func concatRules() throws {
        let ns = try Harness()
        try ns.mkdirs("/c", as: "hdfs")
        try ns.mkdirs("/d", as: "hdfs")
        for path in ["/c/t", "/c/s", "/d/x", "/c/u"] { try ns.writeFile(path, bytes: 10, as: "hdfs") }
        func concat(_ target: String, _ sources: [String], newRules: Bool) throws -> EditResult {
            var op = Rfs_Namenode_Concat()
            op.target = target
            op.sources = sources
            op.variableLengthBlocks = newRules
            return try ns.edit(.concat(op), as: "hdfs")
        }
        // Before: the target's last block had to be full; a source anywhere was fine.
        #expect(try !concat("/c/t", ["/c/s"], newRules: false).succeeded)
        #expect(try !concat("/c/t", ["/d/x"], newRules: true).succeeded)
        #expect(try concat("/c/t", ["/c/s", "/c/u"], newRules: true).succeeded)
        #expect(try ns.info("/c/t", as: "hdfs")?.blocks.map(\.numBytes) == [10, 10, 10])
        #expect(try ns.info("/c/s", as: "hdfs") == nil && ns.info("/d/x", as: "hdfs") != nil)
    }

    @Test("the counters always equal a walk of the subtree, whatever edits ran", arguments: [UInt64(7), 8, 9])
    func countersMatchWalk(seed: UInt64) throws {
        var rng = seed
        func next(_ bound: UInt64) -> UInt64 { rng = rng &* 6364136223846793005 &+ 1442695040888963407; return (rng >> 33) % bound }
        let ns = try Harness()
        let directories = ["/q", "/q/a", "/q/a/b", "/p", "/p/c"]
        for directory in directories { try ns.mkdirs(directory, as: "hdfs") }
        try ns.setQuota("/q", namespace: 40, storagespace: 5000)
        try ns.setQuota("/q/a", namespace: 15)
        try ns.setQuota("/p/c", storagespace: 3000)
        for step in 0..<300 {
            let directory = directories[Int(next(UInt64(directories.count)))]
            let other = directories[Int(next(UInt64(directories.count)))]
            switch next(6) {
            case 0: try ns.writeFile("\(directory)/f\(step)", bytes: next(300), as: "hdfs")
            case 1: try ns.mkdirs("\(directory)/d\(step % 7)/e", as: "hdfs")
            case 2:
                let names = try ns.names(directory).filter { !directories.contains("\(directory)/\($0)") }
                if let name = names.first { try ns.delete("\(directory)/\(name)", recursive: true, as: "hdfs") }
            case 3:
                let names = try ns.names(directory).filter { !directories.contains("\(directory)/\($0)") }
                if let name = names.last { try ns.rename("\(directory)/\(name)", "\(other)/m\(step)", as: "hdfs") }
            case 4:
                var op = Rfs_Namenode_SetReplication()
                op.path = "\(directory)/f\(step - 1)"
                op.replication = UInt32(1 + next(4))
                _ = try ns.edit(.setReplication(op), as: "hdfs")
            default:
                try ns.create("\(directory)/g\(step)", overwrite: true, as: "hdfs")
            }
        }
        for directory in ["/", "/q", "/q/a", "/p/c"] {
            let stored = try ns.usage(directory)
            let walked = try ns.reads.contentSummary(directory, caller: admin)
            #expect(stored.fileAndDirectoryCount == walked.fileCount + walked.directoryCount, "\(directory)")
            #expect(stored.spaceConsumedBytes == walked.spaceConsumedBytes, "\(directory)")
            if stored.namespaceQuota >= 0 && directory != "/" { #expect(stored.fileAndDirectoryCount <= UInt64(stored.namespaceQuota)) }
            if stored.storagespaceQuota >= 0 { #expect(stored.spaceConsumedBytes <= UInt64(stored.storagespaceQuota)) }
        }
    }

    @Test("byte counts are written as Hadoop's long2String writes them", arguments: [
        (0, "0 B"), (1023, "1023 B"), (1024, "1 KB"), (1536, "1.50 KB"), (402_653_184, "384 MB"),
        (1_000_000, "976.56 KB"), (1_048_575, "1.00 MB"), ((1 << 40) + (1 << 39), "1.50 TB"), (-2048, "-2 KB"),
    ] as [(Int64, String)])
    func binaryPrefix(value: Int64, text: String) {
        #expect(NamespaceRejection.binaryPrefixed(value) == text)
    }
}

import RFSKeyValue
import RFSModel
@testable import RFSNamespace
import RFSProtocol
import Testing

@Suite("Namespace: directories")
struct DirectoryTests {
    @Test("format makes a root directory owned by the superuser")
    func root() throws {
        let ns = try Harness()
        let root = try #require(try ns.info("/"))
        #expect(root.kind == .inodeDirectory)
        #expect(root.owner == "hdfs")
        #expect(root.group == "supergroup")
        #expect(root.permission == 0o755)
        #expect(root.id == NamespaceStateMachine.rootInodeID)
    }

    @Test("mkdirs -p creates every missing ancestor; again is still true")
    func mkdirsParents() throws {
        let ns = try Harness()
        #expect(try ns.mkdirs("/a/b/c", as: "hdfs").flag == true)
        #expect(try ns.info("/a/b/c")?.kind == .inodeDirectory)
        #expect(try ns.info("/a")?.childCount == 1)
        #expect(try ns.mkdirs("/a/b/c", as: "hdfs").flag == true)
        #expect(try ns.info("/a/b")?.childCount == 1)
    }

    @Test("a create's missing parents inherit the deepest existing ancestor's permission plus u+wx; older edits keep 0777 & ~umask")
    func createParentPermissions() throws {
        let ns = try Harness()
        try ns.mkdirs("/open", permission: 0o1777, as: "hdfs")
        try ns.mkdirs("/closed", permission: 0o750, as: "hdfs")
        func create(_ path: String, inherit: Bool, umask: UInt32 = 0) throws {
            var op = Rfs_Namenode_Create()
            op.path = path
            op.permission = 0o600
            op.clientName = "c1"
            op.createParent = true
            op.replication = 1
            op.blockSizeBytes = 1 << 20
            op.inheritParentPermission = inherit
            op.umask = umask
            let result = try ns.edit(.create(op), as: "hdfs")
            guard case .success = result.outcome else { throw NamespaceRejection.io("create \(path): \(result.outcome)") }
        }
        try create("/open/a/b/f", inherit: true)
        try create("/closed/a/f", inherit: true)
        try create("/old/a/f", inherit: false)
        try create("/older/a/f", inherit: false, umask: 0o022)
        let permissions = try ["/open/a", "/open/a/b", "/closed/a", "/old", "/old/a", "/older/a"].map { try ns.info($0, as: "hdfs")?.permission }
        #expect(permissions == [0o777, 0o777, 0o750, 0o777, 0o777, 0o755])
        #expect(try ns.info("/open/a/b/f", as: "hdfs")?.permission == 0o600)
    }

    @Test("mkdirs refusals: missing parent without -p, a file in the way, a file at the path")
    func mkdirsRefusals() throws {
        let ns = try Harness()
        try ns.mkdirs("/d", permission: 0o777, as: "hdfs")
        #expect(try ns.mkdirs("/d/x/y", parents: false).rejection?.exception == .fileNotFound)
        try ns.writeFile("/d/f")
        #expect(try ns.mkdirs("/d/f/sub").rejection?.exception == .parentNotDirectory)
        #expect(try ns.mkdirs("/d/f").rejection?.exception == .fileAlreadyExists)
    }

    @Test("invalid paths are refused and change nothing", arguments: [
        "relative", "/a/../b", "/a/./b", "/a//b", "/a\u{0}b", "/a:b", "/" + String(repeating: "x", count: 256),
    ])
    func invalidPaths(path: String) throws {
        let ns = try Harness()
        let before = try ns.dump()
        let rejection = try ns.mkdirs(path, as: "hdfs").rejection
        #expect(rejection?.exception == .invalidPath || rejection?.exception == .pathComponentTooLong)
        var after = try ns.dump()
        after.removeAll { $0.key == StoreKeys.counters }
        #expect(after == before.filter { $0.key != StoreKeys.counters })
    }

    @Test("delete: false when missing or root; a non-empty directory needs recursive")
    func delete() throws {
        let ns = try Harness()
        try ns.mkdirs("/top/sub", as: "hdfs")
        try ns.writeFile("/top/sub/f", bytes: 10, as: "hdfs")
        #expect(try ns.delete("/missing", recursive: true).flag == false)
        #expect(try ns.delete("/", recursive: true, as: "hdfs").flag == false)
        #expect(try ns.delete("/top", recursive: false, as: "hdfs").rejection?.exception == .pathIsNotEmptyDirectory)
        let result = try ns.delete("/top", recursive: true, as: "hdfs")
        #expect(result.flag == true)
        #expect(result.effects.contains { if case .blocksRemoved(let ids) = $0 { return ids.count == 1 } else { return false } })
        #expect(try ns.info("/top") == nil)
        #expect(try ns.info("/")?.childCount == 0)
        // Nothing of the subtree is left in the store: root, its quota record, counters only.
        #expect(try ns.dump().count == 3)
    }

    @Test("a recursive delete of 8,500 files in 82 directories removes them all, looking at each pending key a bounded number of times")
    func bigRecursiveDelete() throws {
        let ns = try Harness()
        try ns.mkdirs("/top", permission: 0o777, as: "hdfs")
        // 40 directories of 100 files and a subdirectory of 50: directories wider than a page
        // (1,024) are covered by the 2,500-file directory below.
        var edits: [Rfs_Namenode_Edit] = []
        func add(_ operation: Rfs_Namenode_Edit.OneOf_Operation) {
            var edit = Rfs_Namenode_Edit()
            edit.operation = operation
            edit.caller.user = "alice"
            edits.append(edit)
        }
        func create(_ path: String) {
            var op = Rfs_Namenode_Create()
            op.path = path
            op.permission = 0o644
            op.clientName = "c1"
            op.createParent = true
            op.replication = 1
            op.blockSizeBytes = 1 << 20
            add(.create(op))
        }
        for directory in 0..<40 {
            for file in 0..<100 { create("/top/big/d\(directory)/f\(file)") }
            for file in 0..<50 { create("/top/big/d\(directory)/sub/f\(file)") }
        }
        for file in 0..<2500 { create("/top/big/wide/f\(file)") }
        #expect(try ns.batch(edits).allSatisfy(\.succeeded))
        let entries = 1 + 40 * (1 + 100 + 1 + 50) + 1 + 2500
        #expect(try ns.dump().count > 2 * entries)

        // As a user who is not the superuser, so the permission walk over the subtree runs too.
        let result = try ns.delete("/top/big", recursive: true)
        #expect(result.flag == true)
        #expect(result.effects.filter { if case .leaseClosed = $0 { return true } else { return false } }.count == entries - 82)
        #expect(try ns.info("/top/big") == nil)
        // What is left: the root (inode, quota), /top (inode, entry) and the counters.
        #expect(try ns.dump().count == 5)
        let summary = try ns.reads.contentSummary("/", caller: Caller(user: "hdfs", groups: []))
        #expect(summary.directoryCount == 2 && summary.fileCount == 0)
        // Each page of children looks at the pending changes of its own directory only: a
        // scan of every pending key per page made this delete cost O(n²) (minutes at 100k).
        let examined = try #require(ns.lastOverlay).pendingKeysExamined
        #expect(examined <= 2 * entries, "listing the subtree looked at \(examined) pending keys for \(entries) entries")
    }

    @Test("a listing of 2,500 entries pages by name")
    func paging() throws {
        let ns = try Harness()
        try ns.mkdirs("/big", as: "hdfs")
        var edits: [Rfs_Namenode_Edit] = []
        for i in 0..<2500 {
            var op = Rfs_Namenode_Mkdirs()
            op.path = "/big/d\(String(format: "%05d", i))"
            op.permission = 0o755
            var edit = Rfs_Namenode_Edit()
            edit.operation = .mkdirs(op)
            edit.caller.user = "hdfs"
            edits.append(edit)
        }
        let results = try ns.batch(edits)
        #expect(results.filter { !$0.succeeded }.isEmpty)
        let caller = Caller(user: "hdfs", groups: [])
        var seen: [String] = []
        var after: [UInt8] = []
        var pages = 0
        while true {
            let page = try #require(try ns.reads.listing("/big", startAfter: after, limit: 1000, caller: caller))
            pages += 1
            seen += page.entries.map { String(decoding: $0.name, as: UTF8.self) }
            if pages == 1 { #expect(page.remainingEntries == 1500) }
            guard page.remainingEntries > 0, let last = page.entries.last else { break }
            after = [UInt8](last.name)
        }
        #expect(pages == 3)
        #expect(seen.count == 2500)
        #expect(seen == seen.sorted())
    }

    @Test("content summary counts files, directories, bytes and replicated space")
    func contentSummary() throws {
        let ns = try Harness()
        try ns.mkdirs("/s/a", as: "hdfs")
        try ns.writeFile("/s/a/f1", bytes: 100, as: "hdfs")
        try ns.writeFile("/s/f2", bytes: 50, as: "hdfs")
        let summary = try ns.reads.contentSummary("/s", caller: Caller(user: "hdfs", groups: []))
        #expect(summary == ContentSummary(lengthBytes: 150, fileCount: 2, directoryCount: 2, spaceConsumedBytes: 450))
    }
}

@Suite("Namespace: files")
struct FileTests {
    @Test("create, add a block, complete: the file has its length and no writer")
    func lifecycle() throws {
        let ns = try Harness()
        try ns.mkdirs("/w", permission: 0o777, as: "hdfs")
        let created = try ns.create("/w/f")
        #expect(created.effects.contains { if case .leaseOpened = $0 { return true } else { return false } })
        #expect(try ns.info("/w/f")?.hasUnderConstruction == true)
        #expect(try ns.create("/w/f", client: "c2").rejection?.exception == .alreadyBeingCreated)
        var add = Rfs_Namenode_AddBlock()
        add.path = "/w/f"
        add.clientName = "c1"
        add.newBlockID = 1_073_741_825
        add.newGenerationStamp = 1001
        guard case .success(.block(var block, let offset, _)) = try ns.edit(.addBlock(add)).outcome else {
            Issue.record("addBlock failed"); return
        }
        #expect(offset == 0)
        // A retried addBlock (same previous: none) returns the same block.
        add.newBlockID = 1_073_741_826
        guard case .success(.block(let again, _, _)) = try ns.edit(.addBlock(add)).outcome else {
            Issue.record("retried addBlock failed"); return
        }
        #expect(again.id == block.id)
        block.numBytes = 4096
        var complete = Rfs_Namenode_Complete()
        complete.path = "/w/f"
        complete.clientName = "wrong-client"
        complete.last = block
        #expect(try ns.edit(.complete(complete)).rejection?.exception == .leaseExpired)
        complete.clientName = "c1"
        #expect(try ns.edit(.complete(complete)).flag == true)
        let file = try #require(try ns.info("/w/f"))
        #expect(!file.hasUnderConstruction)
        #expect(file.blocks.map(\.numBytes) == [4096])
        #expect(try ns.reads.file(holdingBlock: block.id)?.id == file.id)
        // A retried complete succeeds.
        #expect(try ns.edit(.complete(complete)).flag == true)
    }

    @Test("create over an existing file needs overwrite, and frees the old blocks")
    func overwrite() throws {
        let ns = try Harness()
        try ns.mkdirs("/o", permission: 0o777, as: "hdfs")
        try ns.writeFile("/o/f", bytes: 10)
        #expect(try ns.create("/o/f").rejection?.exception == .fileAlreadyExists)
        let replaced = try ns.create("/o/f", overwrite: true)
        #expect(replaced.succeeded)
        #expect(replaced.effects.contains { if case .blocksRemoved = $0 { return true } else { return false } })
        #expect(try ns.create("/o", overwrite: true).rejection?.exception == .fileAlreadyExists)
    }

    @Test("create without -p under a missing directory is FileNotFound; with it, parents appear")
    func createParents() throws {
        let ns = try Harness()
        #expect(try ns.create("/p/q/f", as: "hdfs", parents: false).rejection?.exception == .fileNotFound)
        #expect(try ns.create("/p/q/f", as: "hdfs", parents: true).succeeded)
        #expect(try ns.info("/p/q")?.kind == .inodeDirectory)
    }

    @Test("setReplication answers false for a directory, and reports the blocks to re-replicate")
    func setReplication() throws {
        let ns = try Harness()
        try ns.mkdirs("/r", permission: 0o777, as: "hdfs")
        try ns.writeFile("/r/f", bytes: 5)
        var op = Rfs_Namenode_SetReplication()
        op.path = "/r"
        op.replication = 2
        #expect(try ns.edit(.setReplication(op)).flag == false)
        op.path = "/r/f"
        let result = try ns.edit(.setReplication(op))
        #expect(result.flag == true)
        #expect(result.effects.count == 1)
        #expect(try ns.info("/r/f")?.replication == 2)
        op.replication = 600
        #expect(try ns.edit(.setReplication(op)).rejection?.exception == .ioException)
    }

    @Test("truncate on a block boundary drops whole blocks; inside a block the file waits for block recovery")
    func truncate() throws {
        let ns = try Harness()
        try ns.mkdirs("/t", permission: 0o777, as: "hdfs")
        try ns.writeFile("/t/f", bytes: 100)
        var op = Rfs_Namenode_Truncate()
        op.path = "/t/f"
        op.clientName = "c9"
        op.newLength = 200
        #expect(try ns.edit(.truncate(op)).rejection?.exception == .illegalArgument)
        op.newLength = 0
        #expect(try ns.edit(.truncate(op)).flag == true)
        #expect(try ns.info("/t/f")?.blocks.isEmpty == true)

        try ns.writeFile("/t/g", bytes: 100)
        op.path = "/t/g"
        op.newLength = 30
        let cut = try ns.edit(.truncate(op))
        #expect(cut.flag == false)
        let file = try #require(try ns.info("/t/g"))
        #expect(file.underConstruction.clientName == "c9" && file.underConstruction.truncating)
        #expect(file.blocks.count == 1 && file.blocks[0].numBytes == 30 && !file.blocks[0].complete)
        #expect(cut.effects.contains(.leaseOpened(fileID: file.id, holder: "c9")))
        // Open for the truncate: a second truncate or an append waits for recovery to close it.
        op.newLength = 10
        #expect(try ns.edit(.truncate(op)).rejection?.exception == .alreadyBeingCreated)
        // Recovery's report closes it at the cut.
        var release = Rfs_Namenode_ReleaseLease()
        release.path = "/t/g"
        release.fileID = file.id
        release.holder = "c9"
        release.lastBlockLength = 30
        release.lastGenerationStamp = file.blocks[0].generationStamp + 1
        #expect(try ns.edit(.releaseLease(release)).flag == true)
        let closed = try #require(try ns.info("/t/g"))
        #expect(!closed.hasUnderConstruction && closed.blocks[0].complete && closed.blocks[0].numBytes == 30)
    }
}

@Suite("Namespace: rename")
struct RenameTests {
    @Test("rename2 moves a file and a directory, keeping inode ids")
    func moves() throws {
        let ns = try Harness()
        try ns.mkdirs("/a/b", as: "hdfs")
        try ns.writeFile("/a/b/f", as: "hdfs")
        let id = try #require(try ns.info("/a/b/f")).id
        #expect(try ns.rename("/a/b/f", "/a/g", as: "hdfs").succeeded)
        #expect(try ns.info("/a/g")?.id == id)
        #expect(try ns.info("/a/b/f") == nil)
        #expect(try ns.rename("/a/b", "/c", as: "hdfs").succeeded)
        #expect(try ns.names("/") == ["a", "c"])
        #expect(try ns.info("/a")?.childCount == 1)
    }

    @Test("rename2 refusals and overwrite rules")
    func refusals() throws {
        let ns = try Harness()
        try ns.mkdirs("/x/d1/inner", as: "hdfs")
        try ns.mkdirs("/x/d2", as: "hdfs")
        try ns.writeFile("/x/f1", as: "hdfs")
        try ns.writeFile("/x/f2", as: "hdfs")
        #expect(try ns.rename("/x/missing", "/x/z", as: "hdfs").rejection?.exception == .fileNotFound)
        #expect(try ns.rename("/x/f1", "/x/f2", as: "hdfs").rejection?.exception == .fileAlreadyExists)
        #expect(try ns.rename("/x/f1", "/x/f2", overwrite: true, as: "hdfs").succeeded)
        #expect(try ns.names("/x") == ["d1", "d2", "f2"])
        #expect(try ns.rename("/x/d2", "/x/d1", overwrite: true, as: "hdfs").rejection?.exception == .ioException)
        #expect(try ns.rename("/x/d1", "/x/d1/inner/deeper", as: "hdfs").rejection?.exception == .ioException)
        #expect(try ns.rename("/x/f2", "/x/nope/f", as: "hdfs").rejection?.exception == .fileNotFound)
        #expect(try ns.rename("/x/d2", "/x/f2/sub", as: "hdfs").rejection?.exception == .parentNotDirectory)
        #expect(try ns.rename("/x/f2", "/x/d2", overwrite: true, as: "hdfs").rejection?.exception == .ioException)
    }

    @Test("legacy rename moves into an existing directory and answers false instead of raising")
    func legacy() throws {
        let ns = try Harness()
        try ns.mkdirs("/l/dir", as: "hdfs")
        try ns.writeFile("/l/f", as: "hdfs")
        try ns.writeFile("/l/g", as: "hdfs")
        #expect(try ns.rename("/l/f", "/l/dir", legacy: true, as: "hdfs").flag == true)
        #expect(try ns.names("/l/dir") == ["f"])
        #expect(try ns.rename("/l/missing", "/l/x", legacy: true, as: "hdfs").flag == false)
        #expect(try ns.rename("/l/g", "/l/dir/f", legacy: true, as: "hdfs").flag == false)
        #expect(try ns.rename("/l/g", "/l/nodir/x", legacy: true, as: "hdfs").flag == false)
    }
}

@Suite("Namespace: permissions")
struct PermissionTests {
    @Test("a user cannot write into a directory that is not theirs; the supergroup can")
    func writeAccess() throws {
        let ns = try Harness()
        try ns.mkdirs("/root-only", permission: 0o755, as: "hdfs")
        let denied = try ns.mkdirs("/root-only/x", as: "bob")
        #expect(denied.rejection?.exception == .accessControl)
        #expect(denied.rejection?.errorMessage.contains("user=bob, access=WRITE") == true)
        #expect(try ns.mkdirs("/root-only/x", as: "carol", groups: ["supergroup"]).succeeded)
    }

    @Test("traversal needs EXECUTE on every ancestor, reads included")
    func traverse() throws {
        let ns = try Harness()
        try ns.mkdirs("/private/inner", permission: 0o700, as: "hdfs")
        #expect(throws: NamespaceRejection.self) { try ns.info("/private/inner", as: "bob") }
        #expect(try ns.info("/private/inner", as: "hdfs") != nil)
    }

    @Test("only the owner changes permissions; only a superuser gives a file away")
    func ownership() throws {
        let ns = try Harness()
        try ns.mkdirs("/home/alice", permission: 0o777, as: "hdfs")
        try ns.writeFile("/home/alice/f", as: "alice")
        var chmod = Rfs_Namenode_SetPermission()
        chmod.path = "/home/alice/f"
        chmod.permission = 0o600
        #expect(try ns.edit(.setPermission(chmod), as: "bob").rejection?.exception == .accessControl)
        #expect(try ns.edit(.setPermission(chmod), as: "alice").succeeded)
        #expect(try ns.info("/home/alice/f")?.permission == 0o600)
        var chown = Rfs_Namenode_SetOwner()
        chown.path = "/home/alice/f"
        chown.owner = "bob"
        #expect(try ns.edit(.setOwner(chown), as: "alice").rejection?.exception == .accessControl)
        #expect(try ns.edit(.setOwner(chown), as: "hdfs").succeeded)
        #expect(try ns.info("/home/alice/f")?.owner == "bob")
    }

    @Test("the sticky bit keeps others' files from being deleted")
    func sticky() throws {
        let ns = try Harness()
        try ns.mkdirs("/tmp", permission: 0o1777, as: "hdfs")
        try ns.writeFile("/tmp/alices", as: "alice")
        #expect(try ns.delete("/tmp/alices", recursive: false, as: "bob").rejection?.exception == .accessControl)
        #expect(try ns.delete("/tmp/alices", recursive: false, as: "alice").flag == true)
    }
}

@Suite("Namespace: batches, determinism and crashes")
struct StateMachineTests {
    @Test("a rejected edit changes nothing; edits in one batch see each other")
    func batchIsolation() throws {
        let ns = try Harness()
        var mk = Rfs_Namenode_Mkdirs()
        mk.path = "/batch/a"
        mk.permission = 0o755
        mk.createParent = true
        var create = Rfs_Namenode_Create()
        create.path = "/batch/a/f"
        create.clientName = "c"
        create.replication = 1
        create.blockSizeBytes = 1 << 20
        create.permission = 0o644
        var bad = create
        bad.replication = 0
        var edits: [Rfs_Namenode_Edit] = []
        for op in [Rfs_Namenode_Edit.OneOf_Operation.mkdirs(mk), .create(bad), .create(create)] {
            var edit = Rfs_Namenode_Edit()
            edit.operation = op
            edit.caller.user = "hdfs"
            edits.append(edit)
        }
        let results = try ns.batch(edits)
        #expect(results.map(\.succeeded) == [true, false, true])
        #expect(try ns.info("/batch/a/f") != nil)
        #expect(try ns.reads.counters()?.lastAppliedIndex == ns.index)
    }

    @Test("the same edits on two stores give byte-identical stores", arguments: [UInt64(1), 2, 3])
    func determinism(seed: UInt64) throws {
        let first = try Harness(), second = try Harness()
        var rng = seed
        func next() -> UInt64 { rng = rng &* 6364136223846793005 &+ 1442695040888963407; return rng >> 33 }
        for _ in 0..<300 {
            let a = "/d\(next() % 4)/e\(next() % 4)", b = "/d\(next() % 4)/f\(next() % 6)"
            let bytes = next() % 1000, recursive = next() % 2 == 0
            for ns in [first, second] { ns.clock = 1_700_000_000_000 }
            switch next() % 5 {
            case 0: for ns in [first, second] { try ns.mkdirs(a, as: "hdfs") }
            case 1: for ns in [first, second] { try ns.writeFile(b, bytes: bytes, as: "hdfs") }
            case 2: for ns in [first, second] { try ns.delete(a, recursive: recursive, as: "hdfs") }
            case 3: for ns in [first, second] { try ns.rename(b, a, as: "hdfs") }
            default: for ns in [first, second] { try ns.rename(a, b, overwrite: true, as: "hdfs") }
            }
        }
        let (one, two) = (try first.dump(), try second.dump())
        if let mismatch = zip(one, two).first(where: { $0.0 != $0.1 }) {
            Issue.record("first difference at key \(mismatch.0.key) vs \(mismatch.1.key): \(mismatch.0.value) vs \(mismatch.1.value)")
        }
        #expect(one.count == two.count)
    }

    @Test("after a crash the store holds exactly the synced batches, and says how far it got")
    func crash() throws {
        let ns = try Harness()
        try ns.mkdirs("/kept", as: "hdfs")
        let keptIndex = ns.index
        // A batch written without sync is lost in a crash, whole.
        let overlay = Overlay(base: StoreReader(ns.store))
        var edit = Rfs_Namenode_Edit()
        var op = Rfs_Namenode_Mkdirs()
        op.path = "/lost"
        op.permission = 0o755
        edit.operation = .mkdirs(op)
        edit.caller.user = "hdfs"
        _ = try ns.machine.apply(edit, to: overlay)
        try ns.machine.finishBatch(lastAppliedIndex: keptIndex + 1, overlay: overlay)
        try ns.store.write(overlay.batch, sync: false)
        let recovered = ns.store.crash()
        let reads = NamespaceReads(reader: StoreReader(recovered), configuration: ns.machine.configuration)
        #expect(try reads.fileInfo("/kept", caller: Caller(user: "hdfs", groups: [])) != nil)
        #expect(try reads.fileInfo("/lost", caller: Caller(user: "hdfs", groups: [])) == nil)
        #expect(try reads.counters()?.lastAppliedIndex == keptIndex)
    }
}

import Foundation
import RFSModel
import RFSNamespace
import RFSProtocol
import Testing

@Suite("Extended attributes in the namespace")
struct XAttrTests {
    static func xattr(_ namespace: XAttrNamespace, _ name: String, _ value: String = "") -> Rfs_Namenode_XAttrRecord {
        var record = Rfs_Namenode_XAttrRecord()
        record.namespace = namespace.rawValue
        record.name = name
        record.value = Data(value.utf8)
        return record
    }

    func set(_ ns: Harness, _ path: String, _ xattr: Rfs_Namenode_XAttrRecord, flags: UInt32 = 3, as user: String) throws -> EditResult {
        var op = Rfs_Namenode_SetXAttr()
        op.path = path
        op.xattr = xattr
        op.flags = flags
        return try ns.edit(.setXattr(op), as: user)
    }

    func remove(_ ns: Harness, _ path: String, _ xattr: Rfs_Namenode_XAttrRecord, as user: String) throws -> EditResult {
        var op = Rfs_Namenode_RemoveXAttr()
        op.path = path
        op.xattr = xattr
        return try ns.edit(.removeXattr(op), as: user)
    }

    func names(_ ns: Harness, _ path: String, as user: String) throws -> [String] {
        try ns.reads.xattrs(path, names: [], caller: Caller(user: user, groups: [])).map { "\($0.namespace).\($0.name)=\(String(decoding: $0.value, as: UTF8.self))" }
    }

    @Test("set, replace (most recent first), read back by name, remove; flags as XAttrSetFlag")
    func lifecycle() throws {
        let ns = try Harness()
        try ns.mkdirs("/home/alice", permission: 0o755, as: "hdfs")
        var chown = Rfs_Namenode_SetOwner()
        chown.path = "/home/alice"
        chown.owner = "alice"
        #expect(try ns.edit(.setOwner(chown), as: "hdfs").succeeded)
        try ns.writeFile("/home/alice/f", as: "alice")
        #expect(try set(ns, "/home/alice/f", Self.xattr(.user, "a", "1"), as: "alice").succeeded)
        #expect(try set(ns, "/home/alice/f", Self.xattr(.user, "b", "2"), as: "alice").succeeded)
        #expect(try set(ns, "/home/alice/f", Self.xattr(.user, "a", "3"), as: "alice").succeeded)
        #expect(try names(ns, "/home/alice/f", as: "alice") == ["0.a=3", "0.b=2"])
        #expect(try set(ns, "/home/alice/f", Self.xattr(.user, "a", "4"), flags: 1, as: "alice").rejection
                == .io("XAttr: a already exists. The REPLACE flag must be specified."))
        #expect(try set(ns, "/home/alice/f", Self.xattr(.user, "c"), flags: 2, as: "alice").rejection
                == .io("XAttr: c does not exist. The CREATE flag must be specified."))
        #expect(try set(ns, "/home/alice/f", Self.xattr(.user, "c"), flags: 0, as: "alice").rejection
                == .hadoopIllegalArgument("A flag must be specified."))
        let one = try ns.reads.xattrs("/home/alice/f", names: [Self.xattr(.user, "b")], caller: Caller(user: "bob", groups: []))
        #expect(one.map(\.value) == [Data("2".utf8)])
        #expect(throws: NamespaceRejection.io("At least one of the attributes provided was not found.")) {
            try ns.reads.xattrs("/home/alice/f", names: [Self.xattr(.user, "zz")], caller: Caller(user: "alice", groups: []))
        }
        #expect(try ns.reads.xattrNames("/home/alice/f", caller: Caller(user: "alice", groups: [])).map(\.value) == [Data(), Data()])
        #expect(try remove(ns, "/home/alice/f", Self.xattr(.user, "a"), as: "alice").succeeded)
        #expect(try remove(ns, "/home/alice/f", Self.xattr(.user, "a"), as: "alice").rejection
                == .io("No matching attributes found for remove operation"))
        #expect(try names(ns, "/home/alice/f", as: "alice") == ["0.b=2"])
        #expect(try set(ns, "/home/alice/nope", Self.xattr(.user, "a"), as: "alice").rejection == .fileNotFound("cannot find /home/alice/nope"))
    }

    @Test("namespaces: trusted is the superuser's, system and raw nobody's; user needs WRITE, or ownership on a sticky directory")
    func permissions() throws {
        let ns = try Harness()
        try ns.mkdirs("/shared", permission: 0o1777, as: "hdfs")
        try ns.writeFile("/shared/f", as: "alice")
        #expect(try set(ns, "/shared/f", Self.xattr(.trusted, "t", "x"), as: "alice").rejection?.exception == .accessControl)
        #expect(try set(ns, "/shared/f", Self.xattr(.trusted, "t", "x"), as: "hdfs").succeeded)
        #expect(try set(ns, "/shared/f", Self.xattr(.system, "s"), as: "hdfs").rejection
                == .accessControl("User doesn't have permission for xattr: system.s"))
        #expect(try set(ns, "/shared/f", Self.xattr(.user, "u", "v"), as: "bob").rejection?.exception == .accessControl)
        #expect(try set(ns, "/shared/f", Self.xattr(.user, "u", "v"), as: "alice").succeeded)
        // Trusted attributes are visible to the superuser only.
        #expect(try names(ns, "/shared/f", as: "alice") == ["0.u=v"])
        #expect(try names(ns, "/shared/f", as: "hdfs") == ["0.u=v", "1.t=x"])
        // The sticky directory itself: its owner (or the superuser), not anyone with WRITE.
        #expect(try set(ns, "/shared", Self.xattr(.user, "d"), as: "alice").rejection?.exception == .accessControl)
        #expect(try set(ns, "/shared", Self.xattr(.user, "d"), as: "hdfs").succeeded)
        // security.hdfs.unreadable.by.superuser: files only, no value, never removed.
        #expect(try set(ns, "/shared", Self.xattr(.security, "hdfs.unreadable.by.superuser"), as: "hdfs").rejection
                == .io("Can only set 'security.hdfs.unreadable.by.superuser' on a file."))
        #expect(try set(ns, "/shared/f", Self.xattr(.security, "hdfs.unreadable.by.superuser", "v"), as: "alice").rejection?.exception == .accessControl)
        #expect(try set(ns, "/shared/f", Self.xattr(.security, "hdfs.unreadable.by.superuser"), as: "alice").succeeded)
        #expect(try remove(ns, "/shared/f", Self.xattr(.security, "hdfs.unreadable.by.superuser"), as: "alice").rejection
                == .accessControl("The xattr 'security.hdfs.unreadable.by.superuser' can not be deleted."))
        // It keeps the superuser from reading the file's blocks; its owner still reads them.
        #expect(throws: NamespaceRejection.accessControl("Access is denied for hdfs since the superuser is not allowed to perform this operation.")) {
            try ns.reads.fileForRead("/shared/f", caller: Caller(user: "hdfs", groups: []))
        }
        #expect(try ns.reads.fileForRead("/shared/f", caller: Caller(user: "alice", groups: [])).id > 0)
    }

    @Test("limits: the name and value together, and the user-visible count per inode")
    func limits() throws {
        var configuration = NamespaceConfiguration()
        configuration.maxXAttrsPerInode = 2
        configuration.maxXAttrSize = 16
        let ns = try Harness(configuration: configuration)
        try ns.writeFile("/f", as: "hdfs")
        #expect(try set(ns, "/f", Self.xattr(.user, "name", String(repeating: "v", count: 13)), as: "hdfs").rejection
                == .hadoopIllegalArgument("The XAttr is too big. The maximum combined size of the name and value is 16, but the total size is 17"))
        #expect(try set(ns, "/f", Self.xattr(.user, "a"), as: "hdfs").succeeded)
        #expect(try set(ns, "/f", Self.xattr(.trusted, "b"), as: "hdfs").succeeded)
        #expect(try set(ns, "/f", Self.xattr(.user, "c"), as: "hdfs").rejection == .io("Cannot add additional XAttr to inode, would exceed limit of 2"))
        #expect(try set(ns, "/f", Self.xattr(.user, "a", "replaced"), as: "hdfs").succeeded)
    }

    @Test("an edit carrying the proposer's limits applies alike on members configured otherwise")
    func limitsTravelInTheEdit() throws {
        var strict = NamespaceConfiguration()
        strict.maxXAttrSize = 4
        strict.maxXAttrsPerInode = 0
        for configuration in [NamespaceConfiguration(), strict] {
            let ns = try Harness(configuration: configuration)
            try ns.writeFile("/f", as: "hdfs")
            var op = Rfs_Namenode_SetXAttr()
            op.path = "/f"
            op.xattr = Self.xattr(.user, "name", "a value")
            op.flags = 3
            op.maxSize = 16_384
            op.maxPerInode = 32
            #expect(try ns.edit(.setXattr(op), as: "hdfs").succeeded)
            op.xattr = Self.xattr(.user, "other")
            op.maxPerInode = 1
            #expect(try ns.edit(.setXattr(op), as: "hdfs").rejection == .io("Cannot add additional XAttr to inode, would exceed limit of 1"))
        }
    }
}

import RFSNamespace
import RFSProtocol
import Testing

/// `checkAccess` on the namespace alone: HDFS's rule is "execute on every directory on the
/// way, then every asked-for bit on the inode itself", the superuser passing everything.
@Suite("checkAccess: traverse, then the inode's own bits")
struct CheckAccessTests {
    static let alice = Caller(user: "alice", groups: ["staff"])
    static let bob = Caller(user: "bob", groups: ["other"])

    /// /open (777, hdfs) holds alice's /open/private (700) and /open/public (755), each with a
    /// file f (644).
    func namespace() throws -> Harness {
        let ns = try Harness()
        try ns.mkdirs("/open", permission: 0o777, as: "hdfs")
        try ns.mkdirs("/open/private", permission: 0o700)
        try ns.mkdirs("/open/public", permission: 0o755)
        try ns.create("/open/private/f")
        try ns.create("/open/public/f")
        return ns
    }

    func refusal(_ body: () throws -> Void) -> NamespaceRejection? {
        #expect(throws: NamespaceRejection.self) { try body() }
    }

    @Test("the owner may do what the mode bits give the owner")
    func owner() throws {
        let reads = try namespace().reads
        try reads.checkAccess("/open/private/f", [.read, .write], caller: Self.alice)
        try reads.checkAccess("/open/private", .all, caller: Self.alice)
        let execute = refusal { try reads.checkAccess("/open/private/f", .execute, caller: Self.alice) }
        #expect(execute?.exceptionClassName == "org.apache.hadoop.security.AccessControlException")
        #expect(execute?.errorMessage.hasPrefix("Permission denied: user=alice, access=EXECUTE, inode=\"/open/private/f\":alice:") == true)
    }

    @Test("others get the other bits, and need execute on every directory above")
    func others() throws {
        let reads = try namespace().reads
        try reads.checkAccess("/open/public/f", .read, caller: Self.bob)
        let write = refusal { try reads.checkAccess("/open/public/f", .write, caller: Self.bob) }
        #expect(write?.errorMessage.hasPrefix("Permission denied: user=bob, access=WRITE, inode=\"/open/public/f\"") == true)
        #expect(write?.errorMessage.hasSuffix(":-rw-r--r--") == true)
        // Asking for read and write together fails on the missing one.
        #expect(refusal { try reads.checkAccess("/open/public/f", [.read, .write], caller: Self.bob) } != nil)
        // The file itself would let anyone read it, but bob cannot pass through /open/private.
        let traverse = refusal { try reads.checkAccess("/open/private/f", .read, caller: Self.bob) }
        #expect(traverse?.errorMessage.contains("access=EXECUTE, inode=\"/open/private\"") == true)
        // NONE only asks that the path be reachable.
        try reads.checkAccess("/open/public/f", [], caller: Self.bob)
        #expect(refusal { try reads.checkAccess("/open/private/f", [], caller: Self.bob) } != nil)
    }

    @Test("the superuser passes every check; a missing path is FileNotFoundException")
    func superuserAndMissing() throws {
        let reads = try namespace().reads
        try reads.checkAccess("/open/private/f", .all, caller: Caller(user: "hdfs", groups: []))
        let missing = refusal { try reads.checkAccess("/open/public/none", .read, caller: Self.alice) }
        #expect(missing?.exceptionClassName == "java.io.FileNotFoundException")
        #expect(missing?.errorMessage == "Path not found")
        // Below a directory the caller cannot enter, a missing path is a refusal, not "not found".
        let hidden = refusal { try reads.checkAccess("/open/private/none", .read, caller: Self.bob) }
        #expect(hidden?.exceptionClassName == "org.apache.hadoop.security.AccessControlException")
    }
}

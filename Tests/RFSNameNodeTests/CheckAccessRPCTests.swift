import Foundation
import Logging
import NIOPosix
import RFSConfig
import RFSModel
import RFSNameNode
import RFSProtocol
import RFSRPC
import Testing

/// `checkAccess` as a Hadoop client calls it: a real namenode in this process, ClientProtocol
/// over loopback RPC, one connection per user (simple auth names the caller).
@Suite("ClientProtocol.checkAccess over RPC")
struct CheckAccessRPCTests {
    static let superuser = "hdfs"

    func withNamenode(_ body: (_ client: (String) -> RPCClient) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rfs-check-access-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        var configuration = Configuration()
        configuration.set(Keys.namenodeRPCAddress.name, "127.0.0.1:0")
        configuration.set(Keys.namenodeNameDir.name, directory.path)
        let daemon = try await NameNodeDaemon.start(configuration: configuration, superuser: Self.superuser,
                                                    group: MultiThreadedEventLoopGroup.singleton, logger: Logger(label: "test.namenode"))
        let address = HostPort(host: "127.0.0.1", port: daemon.rpcServer.localAddress.port!)
        var clients: [RPCClient] = []
        func client(_ user: String) -> RPCClient {
            var settings = RPCClientConfiguration(addresses: [address], user: user, protocolName: ProtocolNames.clientProtocol)
            settings.maxRetries = 0
            settings.maxFailovers = 0
            let made = RPCClient(configuration: settings, group: MultiThreadedEventLoopGroup.singleton)
            clients.append(made)
            return made
        }
        do {
            try await body(client)
        } catch {
            for made in clients { await made.close() }
            try await daemon.shutdown()
            throw error
        }
        for made in clients { await made.close() }
        try await daemon.shutdown()
    }

    func mkdir(_ client: RPCClient, _ path: String, mode: UInt32) async throws {
        var request = Hadoop_Hdfs_MkdirsRequestProto()
        request.src = path
        request.masked.perm = mode
        request.createParent = true
        _ = try await client.call("mkdirs", request, returning: Hadoop_Hdfs_MkdirsResponseProto.self, idempotent: false)
    }

    func checkAccess(_ client: RPCClient, _ path: String, _ mode: Hadoop_Hdfs_AclEntryProto.FsActionProto) async throws {
        var request = Hadoop_Hdfs_CheckAccessRequestProto()
        request.path = path
        request.mode = mode
        let reply = try await client.call("checkAccess", request, returning: Hadoop_Hdfs_CheckAccessResponseProto.self, idempotent: true)
        #expect(try (reply.serializedBytes() as [UInt8]).isEmpty)
    }

    /// The Hadoop exception class a refused call carried.
    func refusedClass(_ call: () async throws -> Void) async -> String? {
        let error = await #expect(throws: RPCRemoteException.self) { try await call() }
        return error?.exceptionClassName
    }

    @Test("allowed is an empty reply; denied AccessControlException; missing FileNotFoundException")
    func answers() async throws {
        try await withNamenode { client in
            let admin = client(Self.superuser), alice = client("alice"), bob = client("bob")
            try await mkdir(admin, "/shared", mode: 0o777)
            try await mkdir(alice, "/shared/alice", mode: 0o750)
            try await mkdir(alice, "/shared/alice/inner", mode: 0o700)

            try await checkAccess(alice, "/shared/alice", .permAll)
            try await checkAccess(alice, "/shared/alice/inner", .readWrite)
            try await checkAccess(bob, "/shared", .writeExecute)
            try await checkAccess(admin, "/shared/alice/inner", .permAll)  // the superuser passes everything

            // bob is "other" on alice's 750 directory: not even read.
            #expect(await refusedClass { try await checkAccess(bob, "/shared/alice", .read) } == HadoopException.accessControl.rawValue)
            let refused = await #expect(throws: RPCRemoteException.self) { try await checkAccess(bob, "/shared/alice", .read) }
            #expect(refused?.errorMessage.hasPrefix("Permission denied: user=bob, access=READ, inode=\"/shared/alice\":alice:") == true)
            // Nor through it to what is below.
            #expect(await refusedClass { try await checkAccess(bob, "/shared/alice/inner", .none) } == HadoopException.accessControl.rawValue)
            #expect(await refusedClass { try await checkAccess(alice, "/shared/missing", .read) } == HadoopException.fileNotFound.rawValue)
            // Refusals are plain answers: the same connection goes on serving.
            try await checkAccess(bob, "/shared", .read)
        }
    }

    @Test("getHAServiceState: a namenode without a nameservice is active; the ACL calls are refused as with ACLs disabled")
    func serviceStateAndAcls() async throws {
        try await withNamenode { client in
            let admin = client(Self.superuser)
            let state = try await admin.call("getHAServiceState", Hadoop_Hdfs_HAServiceStateRequestProto(),
                                             returning: Hadoop_Hdfs_HAServiceStateResponseProto.self, idempotent: true)
            #expect(state.state == .active)
            try await mkdir(admin, "/a", mode: 0o755)
            var set = Hadoop_Hdfs_SetAclRequestProto()
            set.src = "/a"
            let refused = await #expect(throws: RPCRemoteException.self) {
                _ = try await admin.call("setAcl", set, returning: Hadoop_Hdfs_SetAclResponseProto.self, idempotent: true)
            }
            #expect(refused?.exceptionClassName == HadoopException.acl.rawValue)
            #expect(refused?.errorMessage == "The ACL operation has been rejected.  Support for ACLs has been disabled by setting dfs.namenode.acls.enabled to false.")
        }
    }
}

import Foundation
import Logging
import NIOPosix
import RFSConfig
import RFSModel
@testable import RFSNameNode
import RFSNamespace
import RFSProtocol
import RFSRPC
import Testing

@Suite("HA membership and the retry cache")
struct HATests {
    static func configuration(_ pairs: [(String, String)]) -> Configuration {
        var configuration = Configuration()
        for (key, value) in pairs { configuration.set(key, value) }
        return configuration
    }

    static let haKeys = [
        ("dfs.nameservices", "ns1"), ("dfs.ha.namenodes.ns1", "nn1,nn2,nn3"),
        ("dfs.namenode.rpc-address.ns1.nn1", "10.0.0.1:8020"), ("dfs.namenode.rpc-address.ns1.nn2", "10.0.0.2:8020"),
        ("dfs.namenode.rpc-address.ns1.nn3", "10.0.0.3:8020"), ("dfs.namenode.http-address.ns1.nn2", "10.0.0.2:9870"),
    ]

    @Test("the nameservice's members, this one's id and Raft id, and its own addresses")
    func membership() throws {
        let configuration = Self.configuration(Self.haKeys + [("dfs.ha.namenode.id", "nn2")])
        let membership = try #require(try HAMembership.resolve(configuration))
        #expect(membership.nameservice == "ns1")
        #expect(membership.members.map(\.id) == ["nn1", "nn2", "nn3"])
        // Raft ids come from the names, not the list's order: the same in any order, distinct.
        #expect(membership.selfRaftID == HAMembership.raftID(of: "nn2") && membership.selfAddress == HostPort(host: "10.0.0.2", port: 8020))
        #expect(Set(["nn1", "nn2", "nn3", "nn4"].map(HAMembership.raftID(of:))).count == 4)
        #expect(!["nn1", "nn2", "nn3"].map(HAMembership.raftID(of:)).contains(0))
        let reordered = try #require(try HAMembership.resolve(Self.configuration(
            Self.haKeys.map { $0.0 == "dfs.ha.namenodes.ns1" ? ($0.0, "nn3,nn1,nn2") : $0 } + [("dfs.ha.namenode.id", "nn2")])))
        #expect(reordered.selfRaftID == membership.selfRaftID)
        #expect(membership.member(raftID: HAMembership.raftID(of: "nn3"))?.id == "nn3")
        #expect(membership.member(raftID: HAMembership.raftID(of: "nn4")) == nil && membership.member(raftID: 3) == nil)
        let resolved = try HAMembership.resolvingAddresses(configuration, membership: membership)
        #expect(try resolved.get(Keys.namenodeRPCAddress) == HostPort(host: "10.0.0.2", port: 8020))
        #expect(try resolved.get(Keys.namenodeHTTPAddress) == HostPort(host: "10.0.0.2", port: 9870))
    }

    @Test("no HA without a nameservice of two or more namenodes; a missing or unknown own id is an error")
    func resolution() throws {
        #expect(try HAMembership.resolve(Configuration()) == nil)
        #expect(try HAMembership.resolve(Self.configuration([("dfs.nameservices", "ns1"), ("dfs.ha.namenodes.ns1", "nn1"),
                                                              ("dfs.namenode.rpc-address.ns1.nn1", "a:1")])) == nil)
        #expect(throws: ConfigError.self) { try HAMembership.resolve(Self.configuration(Self.haKeys)) }
        #expect(throws: ConfigError.self) { try HAMembership.resolve(Self.configuration(Self.haKeys + [("dfs.ha.namenode.id", "nn7")])) }
    }

    @Test("every member derives the same namespace identity from the shared configuration")
    func deterministicFormat() throws {
        let formats = try ["nn1", "nn2", "nn3"].map { id in
            try #require(try HAMembership.resolve(Self.configuration(Self.haKeys + [("dfs.ha.namenode.id", id)])))
                .format(superuser: "hdfs", supergroup: "supergroup")
        }
        #expect(formats[0] == formats[1] && formats[1] == formats[2])
        #expect(formats[0].clusterID.hasPrefix("CID-") && formats[0].clusterID.count == 40)
        #expect(formats[0].blockPoolID.hasPrefix("BP-\(formats[0].namespaceID)-ns1-"))
        let other = try #require(try HAMembership.resolve(Self.configuration(
            Self.haKeys.map { $0.0 == "dfs.namenode.rpc-address.ns1.nn3" ? ($0.0, "10.0.0.9:8020") : $0 } + [("dfs.ha.namenode.id", "nn1")])))
        #expect(other.format(superuser: "hdfs", supergroup: "supergroup").clusterID != formats[0].clusterID)
    }

    @Test("the retry cache answers a call seen before, forgets by count and age, and ignores calls without a client id")
    func retryCache() {
        let cache = RetryCache(capacity: 2, lifetimeMillis: 1_000)
        let client = [UInt8](repeating: 7, count: 16)
        let first = RetryCache.key(clientID: client, callID: 1)!
        cache.record(first, outcome: .success(.flag(true)), nowMillis: 0)
        #expect(cache.outcome(for: first, nowMillis: 10) == .success(.flag(true)))
        #expect(cache.outcome(for: RetryCache.key(clientID: client, callID: 2)!, nowMillis: 10) == nil)
        cache.record(RetryCache.key(clientID: client, callID: 2)!, outcome: .failure(.fileNotFound("gone")), nowMillis: 20)
        cache.record(RetryCache.key(clientID: client, callID: 3)!, outcome: .success(.done), nowMillis: 30)
        #expect(cache.count == 2 && cache.outcome(for: first, nowMillis: 40) == nil)
        #expect(cache.outcome(for: RetryCache.key(clientID: client, callID: 2)!, nowMillis: 40) == .failure(.fileNotFound("gone")))
        // Past its lifetime an outcome is no longer served, and the next insert evicts it.
        #expect(cache.outcome(for: RetryCache.key(clientID: client, callID: 3)!, nowMillis: 2_000) == nil)
        cache.record(RetryCache.key(clientID: client, callID: 4)!, outcome: .success(.done), nowMillis: 2_000)
        #expect(cache.count == 1)
        #expect(RetryCache.key(clientID: [], callID: 1) == nil)
        #expect(RetryCache.key(clientID: client, callID: -3) == nil)
    }
    @Test("a retried call: create (at most once) is answered from the cache, complete (idempotent) by the namespace itself")
    func retriedCalls() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rfs-retry-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        var configuration = Configuration()
        configuration.set(Keys.namenodeRPCAddress.name, "127.0.0.1:0")
        configuration.set(Keys.namenodeNameDir.name, directory.path)
        let daemon = try await NameNodeDaemon.start(configuration: configuration, superuser: "hdfs",
                                                    group: MultiThreadedEventLoopGroup.singleton, logger: Logger(label: "test.namenode"))
        do {
            try await Self.retry(daemon.clientProtocol)
        } catch {
            try await daemon.shutdown()
            throw error
        }
        try await daemon.shutdown()
    }

    static func retry(_ service: ClientProtocolService) async throws {
        let clientID = (0..<16).map { UInt8($0) }
        func call(_ method: String, _ callID: Int32, retry: Int32 = 0) -> RPCCallContext {
            RPCCallContext(user: "hdfs", clientID: clientID, callID: callID, retryCount: retry,
                           protocolName: ProtocolNames.clientProtocol, methodName: method, remoteAddress: "[IPv4]127.0.0.1/127.0.0.1:4242")
        }
        var create = Rfs_Namenode_Create()
        create.path = "/retried"
        create.permission = 0o644
        create.clientName = "DFSClient_test"
        create.createParent = true
        create.replication = 1
        create.blockSizeBytes = 128 << 20
        let cachedBefore = service.retryCache.count
        let first = try await service.propose(.create(create), context: call("create", 1))
        // The same call again (its reply was lost): the first outcome, not "already being created".
        let again = try await service.propose(.create(create), context: call("create", 1, retry: 1))
        #expect(first == again)
        // An edit a handler proposes besides its call's own (a truncate's recovery stamp) is
        // applied and logged, not answered with the call's cached outcome.
        var stamp = Rfs_Namenode_NewGenerationStamp()
        stamp.generationStamp = 1 << 40
        #expect(try await service.propose(.newGenerationStamp(stamp), context: call("create", 1).withoutRetryIdentity) == .done)
        #expect(try service.reads().counters()?.lastGenerationStamp == 1 << 40)
        guard case .inode(let inode) = first else {
            Issue.record("create answered \(first)")
            return
        }
        var complete = Rfs_Namenode_Complete()
        complete.path = "/retried"
        complete.clientName = "DFSClient_test"
        complete.fileID = inode.id
        #expect(try await service.propose(.complete(complete), context: call("complete", 2)) == .flag(true))
        #expect(try await service.propose(.complete(complete), context: call("complete", 2, retry: 1)) == .flag(true))
        // Only create's outcome was kept; a new create call of the same path is refused.
        #expect(service.retryCache.count == cachedBefore + 1)
        await #expect(throws: NamespaceRejection.self) { try await service.propose(.create(create), context: call("create", 3)) }
    }
}

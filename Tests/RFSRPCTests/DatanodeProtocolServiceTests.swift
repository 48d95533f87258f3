import Logging
import NIOCore
import NIOPosix
import RFSModel
import RFSNameNode
import RFSProtocol
import RFSRPC
import SwiftProtobuf
import Synchronization
import Testing

/// DatanodeProtocol over real loopback sockets: fake datanodes register, heartbeat and report
/// through `RPCClient`, and the namenode's view (datanode report, block locations) follows.
@Suite("DatanodeProtocol service over RPC", .serialized)
struct DatanodeProtocolServiceTests {
    static let clusterID = "CID-test"
    static let blockPoolID = "BP-1-127.0.0.1-1"

    /// A clock the test moves by hand.
    final class ManualClock: Sendable {
        private let millis = Mutex<Int64>(1_000_000)
        var now: Int64 { millis.withLock { $0 } }
        func advance(by delta: Int64) { millis.withLock { $0 += delta } }
    }

    struct Harness {
        let service: DatanodeProtocolService
        let server: RPCServer
        let client: RPCClient
        let clock: ManualClock

        static func start() async throws -> Harness {
            let clock = ManualClock()
            var configuration = DatanodeProtocolService.Configuration(clusterID: clusterID, blockPoolID: blockPoolID,
                                                                      softwareVersion: "rfs-test", creationTimeMillis: 42)
            configuration.racksByHost = ["dn3.test": "/rack-b"]
            let service = DatanodeProtocolService(configuration: configuration, clock: { clock.now },
                                                  logger: Logger(label: "test.datanode-protocol"))
            var registry = RPCServiceRegistry()
            service.register(into: &registry)
            let server = try await RPCServer.start(host: "127.0.0.1", port: 0, registry: registry,
                                                   configuration: RPCServerConfiguration(),
                                                   group: MultiThreadedEventLoopGroup.singleton,
                                                   logger: Logger(label: "test.rpc"))
            var clientConfiguration = RPCClientConfiguration(
                addresses: [HostPort(host: "127.0.0.1", port: server.localAddress.port!)],
                user: "datanode", protocolName: ProtocolNames.datanodeProtocol)
            clientConfiguration.callTimeout = .seconds(10)
            clientConfiguration.maxRetries = 0
            clientConfiguration.maxFailovers = 0
            let client = RPCClient(configuration: clientConfiguration, group: MultiThreadedEventLoopGroup.singleton)
            return Harness(service: service, server: server, client: client, clock: clock)
        }

        func stop() async throws {
            await client.close()
            try await server.close()
        }

        func call<Response: SwiftProtobuf.Message>(_ method: String, _ request: some SwiftProtobuf.Message,
                                                  returning: Response.Type = Response.self) async throws -> Response {
            try await client.call(method, request, returning: Response.self, idempotent: true)
        }
    }

    /// Datanode n: uuid "dn-n", host "dnN.test", ports 9866/9864/9867; dn-1 binds the
    /// wildcard address, so the namenode must use the address its connection comes from.
    static func registration(_ n: Int, clusterID: String = clusterID) -> Rfs_Datanode_DatanodeRegistration {
        var id = Hadoop_Hdfs_DatanodeIDProto()
        id.ipAddr = n == 1 ? "0.0.0.0" : "127.0.0.\(n)"
        id.hostName = "dn\(n).test"
        id.datanodeUuid = "dn-\(n)"
        id.xferPort = 9866
        id.infoPort = 9864
        id.ipcPort = 9867
        var storage = Hadoop_Hdfs_DatanodeStorageProto()
        storage.storageUuid = "DS-\(n)"
        var registration = Rfs_Datanode_DatanodeRegistration()
        registration.id = id
        registration.storageInfo.clusterID = clusterID
        registration.storageInfo.layoutVersion = 1
        registration.softwareVersion = "rfs-test"
        registration.storages = [storage]
        return registration
    }

    static func heartbeat(_ n: Int, remainingBytes: UInt64 = 1 << 40) -> Rfs_Datanode_HeartbeatRequest {
        var report = Hadoop_Hdfs_StorageReportProto()
        report.storageUuid = "DS-\(n)"
        report.storage.storageUuid = "DS-\(n)"
        report.capacity = 2 << 40
        report.dfsUsed = 1 << 30
        report.remaining = remainingBytes
        var request = Rfs_Datanode_HeartbeatRequest()
        request.registration = registration(n)
        request.reports = [report]
        request.xceiverCount = 1
        return request
    }

    static func blockReport(_ n: Int, blocks: [(id: UInt64, bytes: UInt64)]) -> Rfs_Datanode_BlockReportRequest {
        var storageReport = Rfs_Datanode_StorageBlockReport()
        storageReport.storage.storageUuid = "DS-\(n)"
        storageReport.replicas = blocks.map { block in
            var replica = Rfs_Datanode_Replica()
            replica.blockID = block.id
            replica.generationStamp = 1_001
            replica.length = block.bytes
            replica.state = .finalized
            return replica
        }
        var request = Rfs_Datanode_BlockReportRequest()
        request.registration = registration(n)
        request.blockPoolID = blockPoolID
        request.reports = [storageReport]
        request.reportID = 1
        request.currentRpc = 0
        request.totalRpcs = 1
        return request
    }

    static func uuids(_ nodes: [Hadoop_Hdfs_DatanodeInfoProto]) -> [String] { nodes.map(\.id.datanodeUuid) }

    @Test("datanodes register, heartbeat and report; the datanode report and block locations follow")
    func registerHeartbeatReport() async throws {
        let harness = try await Harness.start()

        let version: Rfs_Datanode_VersionResponse = try await harness.call("versionRequest", Rfs_Datanode_VersionRequest())
        #expect(version.info.clusterID == Self.clusterID)
        #expect(version.info.blockPoolID == Self.blockPoolID)
        #expect(version.info.creationTime == 42)

        for n in 1...3 {
            var request = Rfs_Datanode_RegisterDatanodeRequest()
            request.registration = Self.registration(n)
            let reply: Rfs_Datanode_RegisterDatanodeResponse = try await harness.call("registerDatanode", request)
            #expect(reply.registration.id.datanodeUuid == "dn-\(n)")
            if n == 1 { #expect(reply.registration.id.ipAddr == "127.0.0.1", "a wildcard address is replaced by the peer's") }
        }
        for n in 1...3 {
            let reply: Rfs_Datanode_HeartbeatResponse = try await harness.call("sendHeartbeat", Self.heartbeat(n))
            #expect(reply.commands.isEmpty)
            #expect(reply.haStatus.state == .active)
        }

        let live = harness.service.datanodeReport(.live)
        #expect(Self.uuids(live) == ["dn-1", "dn-2", "dn-3"])
        #expect(live.allSatisfy { $0.capacity == 2 << 40 && $0.remaining == 1 << 40 && $0.adminState == .normal })
        #expect(live.map(\.location) == ["/default-rack", "/default-rack", "/rack-b"])
        #expect(harness.service.liveDatanodeCount == 3)

        // The namespace knows blocks 1...3 of a closed file; datanodes report what they hold.
        for id in 1...3 as ClosedRange<UInt64> {
            harness.service.addBlock(id: id, generationStamp: 1_001, numBytes: 100, expectedReplication: 3, fileID: 16_386,
                                     isCommitted: true)
        }
        #expect(harness.service.safeBlockFraction() == 0)
        let _: Rfs_Datanode_BlockReportResponse = try await harness.call(
            "blockReport", Self.blockReport(1, blocks: [(1, 100), (2, 100), (99, 5)]))
        let _: Rfs_Datanode_BlockReportResponse = try await harness.call("blockReport", Self.blockReport(2, blocks: [(1, 100)]))
        #expect(Set(Self.uuids(harness.service.locations(of: 1).nodes)) == ["dn-1", "dn-2"])
        #expect(Self.uuids(harness.service.locations(of: 2).nodes) == ["dn-1"])
        #expect(harness.service.locations(of: 3).nodes.isEmpty)
        #expect(harness.service.safeBlockFraction() > 0.66 && harness.service.safeBlockFraction() < 0.67)
        #expect(harness.service.isMinimallyReplicated(2, generationStamp: 1_001, numBytes: 100))
        #expect(!harness.service.isMinimallyReplicated(2, generationStamp: 1_001, numBytes: 101))

        // dn-1 holds a replica of a block nobody knows: its next heartbeat says delete it.
        let dn1: Rfs_Datanode_HeartbeatResponse = try await harness.call("sendHeartbeat", Self.heartbeat(1))
        #expect(dn1.commands.count == 1)
        #expect(dn1.commands.first?.invalidate.blocks.map(\.blockID) == [99])
        #expect(dn1.commands.first?.invalidate.blockPoolID == Self.blockPoolID)

        // An incremental report: dn-3 received block 2.
        var received = Rfs_Datanode_ReceivedDeletedBlock()
        received.block.blockID = 2
        received.block.genStamp = 1_001
        received.block.numBytes = 100
        received.status = .received
        var incremental = Rfs_Datanode_BlockReceivedAndDeletedRequest()
        incremental.registration = Self.registration(3)
        incremental.blockPoolID = Self.blockPoolID
        incremental.storages = [{ var s = Rfs_Datanode_StorageReceivedDeletedBlocks(); s.blocks = [received]; return s }()]
        let _: Rfs_Datanode_BlockReceivedAndDeletedResponse = try await harness.call("blockReceivedAndDeleted", incremental)
        #expect(Set(Self.uuids(harness.service.locations(of: 2).nodes)) == ["dn-1", "dn-3"])

        // dn-2's scanner finds its replica of block 1 bad.
        var bad = Rfs_Datanode_BadReplica()
        bad.block.poolID = Self.blockPoolID
        bad.block.blockID = 1
        bad.block.generationStamp = 1_001
        bad.storageUuid = "DS-2"
        bad.reason = "checksum mismatch at offset 0"
        var badRequest = Rfs_Datanode_ReportBadBlocksRequest()
        badRequest.registration = Self.registration(2)
        badRequest.replicas = [bad]
        let _: Rfs_Datanode_ReportBadBlocksResponse = try await harness.call("reportBadBlocks", badRequest)
        #expect(Self.uuids(harness.service.locations(of: 1).nodes) == ["dn-1"])
        let stats = harness.service.fsStats()
        #expect(stats.corruptBlocks == 1)
        #expect(stats.missingBlocks == 1)  // block 3
        #expect(stats.underReplicated == 3)
        #expect(stats.capacity == 6 << 40)

        try await harness.stop()
    }

    @Test("a block report split over several RPCs is applied once its last part arrives")
    func splitReport() async throws {
        let harness = try await Harness.start()
        var register = Rfs_Datanode_RegisterDatanodeRequest()
        register.registration = Self.registration(2)
        let _: Rfs_Datanode_RegisterDatanodeResponse = try await harness.call("registerDatanode", register)
        for id in 1...2 as ClosedRange<UInt64> {
            harness.service.addBlock(id: id, generationStamp: 1_001, numBytes: 100, expectedReplication: 1, fileID: 1,
                                     isCommitted: true)
        }
        var first = Self.blockReport(2, blocks: [(1, 100)])
        first.reportID = 7
        first.totalRpcs = 2
        var second = Self.blockReport(2, blocks: [(2, 100)])
        second.reportID = 7
        second.currentRpc = 1
        second.totalRpcs = 2
        let _: Rfs_Datanode_BlockReportResponse = try await harness.call("blockReport", first)
        #expect(harness.service.locations(of: 1).nodes.isEmpty, "nothing is applied before the last part")
        let _: Rfs_Datanode_BlockReportResponse = try await harness.call("blockReport", second)
        #expect(Self.uuids(harness.service.locations(of: 1).nodes) == ["dn-2"])
        #expect(Self.uuids(harness.service.locations(of: 2).nodes) == ["dn-2"])
        #expect(harness.service.safeBlockFraction() == 1.0)

        // A report from a datanode that never registered asks it to.
        let stranger: Rfs_Datanode_BlockReportResponse = try await harness.call("blockReport", Self.blockReport(9, blocks: []))
        if case .register? = stranger.commands.first?.command {} else { Issue.record("expected a register command, got \(stranger.commands)") }
        try await harness.stop()
    }

    @Test("the monitor hands out transfers; dead, unknown and fatally failed datanodes are dealt with")
    func monitorsAndFailures() async throws {
        let harness = try await Harness.start()
        for n in 1...3 {
            var request = Rfs_Datanode_RegisterDatanodeRequest()
            request.registration = Self.registration(n)
            let _: Rfs_Datanode_RegisterDatanodeResponse = try await harness.call("registerDatanode", request)
            let _: Rfs_Datanode_HeartbeatResponse = try await harness.call("sendHeartbeat", Self.heartbeat(n))
        }
        harness.service.addBlock(id: 7, generationStamp: 1_001, numBytes: 100, expectedReplication: 2, fileID: 1, isCommitted: true)
        let _: Rfs_Datanode_BlockReportResponse = try await harness.call("blockReport", Self.blockReport(1, blocks: [(7, 100)]))

        // Under-replicated: the monitor queues a transfer from dn-1, handed out by its heartbeat.
        #expect(harness.service.runMonitors().scheduledWork == 1)
        let dn1: Rfs_Datanode_HeartbeatResponse = try await harness.call("sendHeartbeat", Self.heartbeat(1))
        let transfer = dn1.commands.first?.transfer
        #expect(transfer?.transfers.first?.block.blockID == 7)
        #expect(transfer?.transfers.first?.targets.count == 1)
        #expect(["dn-2", "dn-3"].contains(transfer?.transfers.first?.targets.first?.datanode.id.datanodeUuid ?? ""))

        // Placement through the service, as addBlock will use it.
        let targets = harness.service.chooseTargets(count: 3, writerHost: "dn2.test", excluded: ["dn-3"], blockSizeBytes: 1 << 20)
        #expect(Self.uuids(targets) == ["dn-2", "dn-1"])

        // A heartbeat from a datanode this namenode does not know: register again.
        var stranger = Self.heartbeat(4)
        stranger.registration.id.datanodeUuid = "dn-unknown"
        let reply: Rfs_Datanode_HeartbeatResponse = try await harness.call("sendHeartbeat", stranger)
        #expect(reply.commands.count == 1)
        if case .register? = reply.commands.first?.command {} else { Issue.record("expected a register command, got \(reply.commands)") }

        // A datanode of another cluster is refused.
        var foreign = Rfs_Datanode_RegisterDatanodeRequest()
        foreign.registration = Self.registration(5, clusterID: "CID-other")
        let refused = await #expect(throws: RPCRemoteException.self) {
            let _: Rfs_Datanode_RegisterDatanodeResponse = try await harness.call("registerDatanode", foreign)
        }
        #expect(refused?.exceptionClassName == "java.io.IOException")
        #expect(refused?.errorMessage.contains("Incompatible clusterIDs") == true)

        // dn-3 loses its last disk: it is removed at once.
        var fatal = Rfs_Datanode_ErrorReportRequest()
        fatal.registration = Self.registration(3)
        fatal.code = .fatalDiskError
        fatal.message = "all volumes failed"
        let _: Rfs_Datanode_ErrorReportResponse = try await harness.call("errorReport", fatal)
        #expect(Self.uuids(harness.service.datanodeReport(.all)) == ["dn-1", "dn-2"])

        // dn-2 falls silent past the expiry (10.5 minutes by default); dn-1 keeps beating.
        harness.clock.advance(by: 631_000)
        let _: Rfs_Datanode_HeartbeatResponse = try await harness.call("sendHeartbeat", Self.heartbeat(1))
        #expect(harness.service.runMonitors().newlyDead.map(\.rawValue) == ["dn-2"])
        #expect(Self.uuids(harness.service.datanodeReport(.dead)) == ["dn-2"])
        #expect(Self.uuids(harness.service.datanodeReport(.live)) == ["dn-1"])

        try await harness.stop()
    }
}

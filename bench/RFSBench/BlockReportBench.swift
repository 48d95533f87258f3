import Foundation
import NIOPosix
import RFSProtocol
import RFSRPC

/// blockReport as NNThroughputBenchmark measures it: simulated datanodes, one per client,
/// register over DatanodeProtocol (untimed) and then send full block reports of
/// `blocksPerReport` finalized replicas each, as fast as the namenode answers.
///
/// The replicas are of blocks the namenode does not know (ids far above any it allocates), so
/// what is timed is a report's decoding, the block-map lookups and the namenode's bookkeeping
/// of replicas to delete, not the adding of new replica locations. The simulated datanodes
/// stay registered (with no capacity, as they never heartbeat) until the namenode expires
/// them: run it on a cluster for benchmarks.
struct BlockReportBench {
    let target: ClusterTarget
    let progress: ProgressLine?
    let blocksPerReport: Int
    let reports: Int
    let threads: Int
    let duration: Duration?

    func run() async throws -> BenchRow {
        let datanodes = min(threads, 64)
        var configuration = RPCClientConfiguration(addresses: target.namenodes, user: target.user, protocolName: ProtocolNames.datanodeProtocol)
        configuration.callTimeout = .seconds(120)
        let clients = (0..<datanodes).map { _ in RPCClient(configuration: configuration, group: MultiThreadedEventLoopGroup.singleton) }
        defer { let all = clients; Task { for client in all { await client.close() } } }
        progress?.phase("nn blockReport: registering \(datanodes) simulated datanodes")
        let version: Rfs_Datanode_VersionResponse = try await clients[0].call("versionRequest", Rfs_Datanode_VersionRequest(), idempotent: true)
        let runTag = UInt32.random(in: 0...UInt32.max)
        var requests: [Rfs_Datanode_BlockReportRequest] = []
        for index in 0..<datanodes {
            var registration = Rfs_Datanode_DatanodeRegistration()
            registration.id.ipAddr = "127.0.0.1"
            registration.id.hostName = "bench-dn-\(runTag)-\(index)"
            registration.id.datanodeUuid = "bench-\(runTag)-\(index)"
            // Ports nothing listens on: these datanodes only report.
            registration.id.xferPort = UInt32(1 + index)
            registration.id.infoPort = UInt32(1 + index)
            registration.id.ipcPort = UInt32(1 + index)
            registration.storageInfo.clusterID = version.info.clusterID
            registration.storageInfo.layoutVersion = version.info.layoutVersion
            registration.softwareVersion = "rfs-bench"
            var storage = Hadoop_Hdfs_DatanodeStorageProto()
            storage.storageUuid = "DS-bench-\(runTag)-\(index)"
            storage.state = .normal
            storage.storageType = .disk
            registration.storages = [storage]
            var register = Rfs_Datanode_RegisterDatanodeRequest()
            register.registration = registration
            let _: Rfs_Datanode_RegisterDatanodeResponse = try await clients[index].call("registerDatanode", register, idempotent: true)

            var report = Rfs_Datanode_StorageBlockReport()
            report.storage = storage
            report.replicas = (0..<blocksPerReport).map { block in
                var replica = Rfs_Datanode_Replica()
                replica.blockID = (1 << 62) + UInt64(index) * 1_000_000 + UInt64(block)
                replica.generationStamp = 1001
                replica.length = 1 << 20
                replica.state = .finalized
                return replica
            }
            var request = Rfs_Datanode_BlockReportRequest()
            request.registration = registration
            request.blockPoolID = version.info.blockPoolID
            request.reports = [report]
            request.currentRpc = 0
            request.totalRpcs = 1
            requests.append(request)
        }
        let prepared = requests
        let pool = clients
        let result = await runLoad(name: "nn blockReport (\(datanodes) datanodes)", workers: datanodes,
                                   bound: LoadBound(operations: reports, duration: duration), progress: progress) { worker, index in
            var request = prepared[worker]
            request.reportID = UInt64(index + 1)
            let _: Rfs_Datanode_BlockReportResponse = try await pool[worker].call("blockReport", request, idempotent: true)
        }
        if let error = result.error { throw BenchError(error) }
        var row = BenchRow(key: "nn.blockReport.c\(datanodes)", name: "nn blockReport, \(datanodes) datanodes", value: result.opsPerSecond,
                           unit: "ops/s", latency: result.latency)
        row.note = "\(result.operations) reports × \(blocksPerReport) replicas (blocks unknown to the namenode) in "
            + "\(TableFormat.format(result.elapsed.seconds, digits: 1)) s; \(TableFormat.number(result.opsPerSecond * Double(blocksPerReport))) replicas/s"
        return row
    }
}

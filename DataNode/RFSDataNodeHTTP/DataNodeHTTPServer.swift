import Hummingbird
import Logging
import Metrics
import RFSClient
import RFSConfig
import RFSDataNode
import RFSHTTP
import RFSModel
import RFSWebHDFS
import Synchronization

/// The datanode's HTTP port (HDFS's 9864): the data half of WebHDFS (CREATE, APPEND and
/// OPEN, to which the namenode redirects clients; bytes stream through the rfs client, so
/// they go through a normal write pipeline or read with checksums verified), the datanode
/// page, `/metrics` and `/jmx`.
///
/// It binds before the daemon starts, so the port it got (port 0 in tests) is the one the
/// datanode registers as its info port; `attach` hands it the daemon once that runs.
public final class DataNodeHTTPServer: Sendable {
    private let server: HTTPServer
    private let state: DataNodeHTTPState

    public var port: Int { server.port }

    private init(server: HTTPServer, state: DataNodeHTTPState) {
        self.server = server
        self.state = state
    }

    /// Serves on `dfs.datanode.http.address`.
    public static func start(configuration: Configuration, logger: Logger) async throws -> DataNodeHTTPServer {
        let address = try configuration.get(Keys.datanodeHTTPAddress)
        let state = DataNodeHTTPState(configuration: configuration, logger: logger)
        let server = try await HTTPServer.start(address: address, name: "datanode", logger: logger) { request, _ in
            await state.respond(to: request)
        }
        return DataNodeHTTPServer(server: server, state: state)
    }

    public func attach(_ daemon: DataNodeDaemon) {
        state.daemon.withLock { $0 = daemon }
    }

    public func close() async {
        await server.close()
        await state.clients.closeAll()
    }
}

/// What every request handler shares.
final class DataNodeHTTPState: Sendable {
    let daemon = Mutex<DataNodeDaemon?>(nil)
    let clients: FileSystemPool
    let configuration: Configuration
    let logger: Logger
    /// The namenodes this datanode serves, for requests that do not name one.
    let defaultNamenodes: [HostPort]

    init(configuration: Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        self.clients = FileSystemPool(configuration: configuration)
        let defaultFS = (try? configuration.get(Keys.defaultFS)) ?? ""
        var authority = Substring(defaultFS)
        if let scheme = authority.range(of: "://") { authority = authority[scheme.upperBound...] }
        authority = authority.prefix { $0 != "/" }
        defaultNamenodes = ((try? configuration.namenodeEndpoints(forAuthority: String(authority))) ?? []).map(\.rpcAddress)
    }

    func respond(to request: Request) async -> Response {
        let path = request.uri.path
        if path.hasPrefix(WebHDFSRequest.prefix) {
            return await DataNodeWebHDFS(state: self).respond(to: request)
        }
        guard request.method == .get || request.method == .head else {
            return Replies.text("Method not allowed\n", status: .methodNotAllowed)
        }
        switch path {
        case "/metrics":
            recordGauges()
            return MetricsPages.metrics()
        case "/jmx":
            recordGauges()
            return MetricsPages.jmx(service: "DataNode", beans: jmxBeans(), query: request.uri.queryParameters["qry"].map(String.init))
        case "/", "/index.html", "/datanode.html":
            recordGauges()
            return Replies.html(DataNodePage.render(daemon: daemon.withLock { $0 }))
        default:
            return Replies.notFound(path)
        }
    }

    /// Figures read at scrape time rather than counted: volume usage and failures, transfers,
    /// replicas, and how long ago each namenode answered a heartbeat.
    func recordGauges() {
        guard let daemon = daemon.withLock({ $0 }) else { return }
        let (usage, failed) = daemon.context.catalog.volumeUsage()
        for volume in usage {
            let dimensions = [("volume", volume.path)]
            Gauge(label: "rfs_datanode_volume_capacity_bytes", dimensions: dimensions).record(volume.capacityBytes)
            Gauge(label: "rfs_datanode_volume_used_bytes", dimensions: dimensions).record(volume.usedBytes)
            Gauge(label: "rfs_datanode_volume_available_bytes", dimensions: dimensions).record(volume.availableBytes)
        }
        Gauge(label: "rfs_datanode_volumes_failed").record(failed.count)
        Gauge(label: "rfs_datanode_replicas").record(daemon.context.catalog.replicaCount)
        Gauge(label: "rfs_datanode_xceivers").record(daemon.context.load.connections)
        Gauge(label: "rfs_datanode_transfers_in_progress").record(daemon.context.load.transfers)
        for namenode in daemon.namenodes {
            if let lag = namenode.secondsSinceLastHeartbeat {
                Gauge(label: "rfs_datanode_heartbeat_lag_seconds", dimensions: [("namenode", "\(namenode.address)")]).record(lag)
            }
        }
    }

    /// HDFS's DataNodeInfo and FSDatasetState beans, the figures operators script against.
    func jmxBeans() -> [MetricsPages.Bean] {
        guard let daemon = daemon.withLock({ $0 }) else { return [] }
        let identity = daemon.context.identity
        let (usage, failed) = daemon.context.catalog.volumeUsage()
        return [
            MetricsPages.Bean(name: "Hadoop:service=DataNode,name=DataNodeInfo", attributes: [
                ("Version", .string(RFSBuild.version)),
                ("DatanodeHostname", .string(identity.hostName)),
                ("DataPort", .int(Int64(identity.transferPort))),
                ("HttpPort", .int(Int64(identity.infoPort))),
                ("ClusterId", .string(daemon.context.blockPoolID)),
                ("XceiverCount", .int(Int64(daemon.context.load.connections))),
            ]),
            MetricsPages.Bean(name: "Hadoop:service=DataNode,name=FSDatasetState", attributes: [
                ("Capacity", .int(usage.reduce(0) { $0 + $1.capacityBytes })),
                ("DfsUsed", .int(usage.reduce(0) { $0 + $1.usedBytes })),
                ("Remaining", .int(usage.reduce(0) { $0 + $1.availableBytes })),
                ("NumFailedVolumes", .int(Int64(failed.count))),
                ("NumBlocks", .int(Int64(daemon.context.catalog.replicaCount))),
            ]),
        ]
    }
}

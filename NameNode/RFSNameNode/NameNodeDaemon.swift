import Foundation
import Logging
import NIOCore
import NIOPosix
import RFSConfig
import RFSModel
import RFSNamespace
import RFSProtocol
import RFSRPC

/// A running namenode: the namespace engine (WAL + LevelDB), block management, and the
/// RPC server that serves ClientProtocol, DatanodeProtocol and HAServiceProtocol on one port.
public final class NameNodeDaemon: Sendable {
    public let rpcServer: RPCServer
    public let engine: NamespaceEngine
    public let datanodes: DatanodeProtocolService
    let clientProtocol: ClientProtocolService
    private let monitor: Task<Void, Never>
    private let logger: Logger

    private init(rpcServer: RPCServer, engine: NamespaceEngine, datanodes: DatanodeProtocolService,
                 clientProtocol: ClientProtocolService, monitor: Task<Void, Never>, logger: Logger) {
        self.rpcServer = rpcServer
        self.engine = engine
        self.datanodes = datanodes
        self.clientProtocol = clientProtocol
        self.monitor = monitor
        self.logger = logger
    }

    /// Opens (formatting on first start) `dfs.namenode.name.dir` and serves on
    /// `dfs.namenode.rpc-address`. The user who starts the namenode is its superuser.
    public static func start(configuration: Configuration, superuser: String, group: EventLoopGroup, logger: Logger) async throws -> NameNodeDaemon {
        let address = try configuration.get(Keys.namenodeRPCAddress)
        var serverConfiguration = RPCServerConfiguration()
        serverConfiguration.maxFrameBytes = try configuration.get(Keys.rpcFrameBytesMax)

        var namespaceConfiguration = NamespaceConfiguration()
        namespaceConfiguration.superGroup = try configuration.get(Keys.superGroup)
        namespaceConfiguration.permissionsEnabled = try configuration.get(Keys.permissionsEnabled)
        namespaceConfiguration.minBlockSizeBytes = UInt64(try configuration.get(Keys.minBlockSize))
        namespaceConfiguration.maxReplication = UInt32(try configuration.get(Keys.replicationMax))

        var format = Rfs_Namenode_Format()
        format.namespaceID = UInt64.random(in: 1...UInt64(Int32.max))
        format.clusterID = "CID-" + UUID().uuidString.lowercased()
        format.blockPoolID = "BP-\(format.namespaceID)-\(address.host)-\(Int64(Date().timeIntervalSince1970 * 1000))"
        format.superuser = superuser
        format.supergroup = namespaceConfiguration.superGroup

        let directory = try configuration.get(Keys.namenodeNameDir)
        let engine = try await NamespaceEngine.open(directory: directory, configuration: namespaceConfiguration,
                                                    format: format, logger: logger)
        let counters = try engine.reads.counters()!
        let datanodes = DatanodeProtocolService(
            configuration: try blockManagerConfiguration(configuration),
            namespaceInfo: (namespaceID: counters.namespaceID, clusterID: counters.clusterID, blockPoolID: counters.blockPoolID),
            logger: logger)
        try datanodes.loadBlocks(from: engine)
        let safeMode = SafeMode(thresholdFraction: try configuration.get(Keys.safeModeThreshold))
        safeMode.update(safeBlockFraction: datanodes.safeBlockFraction())
        let heartbeat = try configuration.get(Keys.heartbeatInterval)
        // A block recovery gets ten heartbeats (its command rides one) before it is started
        // again elsewhere; HDFS's primary likewise answers within a few heartbeats.
        let leases = LeaseManager(hardLimitMillis: try configuration.get(Keys.leaseHardLimit).wholeMilliseconds,
                                  recoveryTimeoutMillis: max(10_000, 10 * heartbeat.wholeMilliseconds))
        let clientProtocol = ClientProtocolService(
            engine: engine, datanodes: datanodes, leases: leases,
            serverDefaults: try ServerDefaults(configuration: configuration),
            listingLimit: try configuration.get(Keys.listingLimit), safeMode: safeMode,
            excludeFile: try configuration.get(Keys.hostsExclude), logger: logger)
        try clientProtocol.restoreLeases()
        try clientProtocol.refreshNodes()

        var registry = RPCServiceRegistry()
        clientProtocol.register(into: &registry)
        clientProtocol.registerBlockRecovery(into: &registry)
        datanodes.register(into: &registry)
        registerHAService(into: &registry)
        let server = try await RPCServer.start(host: address.host, port: address.port, registry: registry,
                                               configuration: serverConfiguration, group: group, logger: logger)
        let checkpointInterval = Duration.seconds(30)
        let monitor = Task {
            var sinceCheckpoint = Duration.zero
            while !Task.isCancelled {
                try? await Task.sleep(for: heartbeat)
                datanodes.runMonitors()
                safeMode.update(safeBlockFraction: datanodes.safeBlockFraction())
                await clientProtocol.recoverExpiredLeases()
                sinceCheckpoint += heartbeat
                if sinceCheckpoint >= checkpointInterval {
                    sinceCheckpoint = .zero
                    do { try engine.checkpoint() } catch {
                        logger.error("checkpoint failed; the WAL keeps growing until one succeeds", metadata: ["error": "\(error)"])
                    }
                }
            }
        }
        return NameNodeDaemon(rpcServer: server, engine: engine, datanodes: datanodes, clientProtocol: clientProtocol,
                              monitor: monitor, logger: logger)
    }

    /// A single namenode is always the active one; `hdfs haadmin -getServiceState` says so.
    static func registerHAService(into registry: inout RPCServiceRegistry) {
        registry.register(protocol: ProtocolNames.haServiceProtocol, method: "getServiceStatus") {
            (_: Hadoop_Common_GetServiceStatusRequestProto, _: RPCCallContext) async throws -> Hadoop_Common_GetServiceStatusResponseProto in
            var status = Hadoop_Common_GetServiceStatusResponseProto()
            status.state = .active
            status.readyToBecomeActive = true
            return status
        }
        registry.register(protocol: ProtocolNames.haServiceProtocol, method: "monitorHealth") {
            (_: Hadoop_Common_MonitorHealthRequestProto, _: RPCCallContext) async throws -> Hadoop_Common_MonitorHealthResponseProto in
            Hadoop_Common_MonitorHealthResponseProto()
        }
    }

    /// Stops serving, then makes LevelDB durable and closes the WAL.
    public func shutdown() async throws {
        monitor.cancel()
        try await rpcServer.close()
        try engine.close()
    }
}

extension ClientProtocolService {
    /// After a restart, every file under construction gets a fresh lease for its holder.
    func restoreLeases() throws {
        let now = clock()
        for file in try reads().filesUnderConstruction() {
            leases.opened(fileID: file.id, holder: file.underConstruction.clientName, nowMillis: now)
        }
    }

    /// Closes the files of writers silent past the hard limit.
    func recoverExpiredLeases() async {
        for (holder, fileID) in leases.hardExpired(nowMillis: clock()) {
            do {
                guard let file = try reads().inode(id: fileID), file.hasUnderConstruction else {
                    leases.closed(fileID: fileID, holder: holder)
                    continue
                }
                let path = try reads().path(of: file)
                let closed = try await recoverLease(path: path, context: try namenodeContext(method: "recoverLease"))
                logger.info("lease expired", metadata: ["holder": "\(holder)", "path": "\(path)", "closed": "\(closed)"])
            } catch {
                logger.warning("lease recovery failed", metadata: ["holder": "\(holder)", "file": "\(fileID)", "error": "\(error)"])
            }
        }
    }
}

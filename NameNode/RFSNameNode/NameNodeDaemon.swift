import Foundation
import Logging
import NIOCore
import NIOPosix
import RFSConfig
import RFSModel
import RFSProtocol
import RFSRPC

/// A running namenode: its RPC server and what it serves.
public final class NameNodeDaemon: Sendable {
    public let rpcServer: RPCServer
    private let logger: Logger

    private init(rpcServer: RPCServer, logger: Logger) {
        self.rpcServer = rpcServer
        self.logger = logger
    }

    /// Starts serving on `dfs.namenode.rpc-address`. The user who starts the namenode is
    /// its superuser, as in HDFS.
    public static func start(configuration: Configuration, superuser: String, group: EventLoopGroup, logger: Logger) async throws -> NameNodeDaemon {
        let address = try configuration.get(Keys.namenodeRPCAddress)
        var serverConfiguration = RPCServerConfiguration()
        serverConfiguration.maxFrameBytes = try configuration.get(Keys.rpcFrameBytesMax)

        var registry = RPCServiceRegistry()
        let namespace = EmptyNamespaceService(
            superuser: superuser, superGroup: try configuration.get(Keys.superGroup),
            formattedAtMillis: UInt64(Date().timeIntervalSince1970 * 1000),
            serverDefaults: try ServerDefaults(configuration: configuration))
        namespace.register(into: &registry)
        registerHAService(into: &registry)

        let server = try await RPCServer.start(host: address.host, port: address.port, registry: registry,
                                               configuration: serverConfiguration, group: group, logger: logger)
        return NameNodeDaemon(rpcServer: server, logger: logger)
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

    public func shutdown() async throws {
        try await rpcServer.close()
    }
}

import Foundation
import Logging
import NIOCore
import NIOPosix
import RFSBlockStorage
import RFSConfig
import RFSDataTransfer
import RFSModel
import RFSProtocol
import RFSRPC

/// A running datanode: its volumes and replicas, the DataTransferProtocol server, one
/// connection per namenode, the incremental-report sender and the block scanner.
public final class DataNodeDaemon: Sendable {
    public let context: DataNodeContext
    public let server: DataTransferServer
    /// The Unix domain socket for short-circuit reads, when `dfs.domain.socket.path` is set.
    public let domainServer: DomainSocketServer?
    /// InterDatanodeProtocol (block recovery) and ClientDatanodeProtocol on dfs.datanode.ipc.address.
    public let ipcServer: RPCServer
    public let namenodeSet: NamenodeSet
    /// The namenodes served now (see `NamenodeSet`).
    public var namenodes: [NamenodeConnection] { namenodeSet.current }
    private let tasks: [Task<Void, Never>]
    private let io: NIOThreadPool

    private init(context: DataNodeContext, server: DataTransferServer, domainServer: DomainSocketServer?, ipcServer: RPCServer,
                 namenodes: NamenodeSet, tasks: [Task<Void, Never>], io: NIOThreadPool) {
        self.context = context
        self.server = server
        self.domainServer = domainServer
        self.ipcServer = ipcServer
        self.namenodeSet = namenodes
        self.tasks = tasks
        self.io = io
    }

    public var transferPort: Int { server.localAddress.port ?? 0 }

    /// Waits for the namenode, opens `dfs.datanode.data.dir` for its block pool, serves on
    /// `dfs.datanode.address`, then registers and reports. `infoPort` is the HTTP port the
    /// datanode's web server actually bound (it is advertised in registrations so the
    /// namenode can redirect WebHDFS clients here); nil advertises the configured one.
    public static func start(configuration: Configuration, group: EventLoopGroup, logger: Logger,
                             infoPort: Int? = nil) async throws -> DataNodeDaemon {
        let settings = try DataNodeSettings(configuration)
        guard !settings.namenodes.isEmpty else {
            throw DataNodeStartError.noNamenode
        }
        let info = try await NamenodeConnection.handshake(addresses: settings.namenodes, group: group, logger: logger)

        var volumes: [StorageVolume] = []
        var failedAtStart: [(path: String, reason: String)] = []
        for directory in settings.dataDirectories {
            do throws(BlockStorageError) {
                volumes.append(try StorageVolume(path: directory, blockPoolID: info.blockPoolID, reservedBytes: settings.reservedBytes, logger: logger))
            } catch {
                logger.error("volume cannot be used; the datanode runs without it", metadata: ["volume": "\(directory)", "error": "\(error)"])
                failedAtStart.append((path: directory, reason: "\(error)"))
            }
        }
        guard !volumes.isEmpty else { throw DataNodeStartError.noUsableVolume(settings.dataDirectories) }
        let volumePaths = volumes.map(\.path)
        let uuid = try DatanodeUUIDFile.readOrCreate(volumes: volumePaths)
        let catalog = ReplicaCatalog(volumes: VolumeSet(volumes: volumes), failedAtStart: failedAtStart, logger: logger)

        let io = NIOThreadPool(numberOfThreads: settings.ioThreads)
        io.start()
        let load = TransferLoad()
        let server: DataTransferServer
        do {
            server = try await DataTransferServer.bind(host: settings.transferAddress.host, port: settings.transferAddress.port,
                                                       readTimeout: settings.socketTimeout, group: group)
        } catch {
            try? await io.shutdownGracefully()
            throw error
        }
        // The IPC port serves block recovery to the other datanodes and ClientDatanodeProtocol
        // to clients reading a file being written (port 0 picks a free one, and the
        // registration names the port actually bound, so clients find it in block locations).
        var registry = RPCServiceRegistry()
        InterDatanodeService.register(into: &registry, catalog: catalog, io: io)
        ClientDatanodeService.register(into: &registry, catalog: catalog, blockPoolID: info.blockPoolID)
        let ipcServer: RPCServer
        do {
            ipcServer = try await RPCServer.start(host: settings.ipcAddress.host, port: settings.ipcAddress.port,
                                                  registry: registry, group: group, logger: logger)
        } catch {
            await server.close()
            try? await io.shutdownGracefully()
            throw error
        }
        let identity = DataNodeIdentity(datanodeUUID: uuid, ipAddress: settings.advertisedHost, hostName: settings.advertisedHost,
                                        transferPort: server.localAddress.port ?? settings.transferAddress.port,
                                        infoPort: infoPort ?? settings.infoPort, ipcPort: ipcServer.localAddress.port ?? settings.ipcAddress.port)
        let context = DataNodeContext(catalog: catalog, identity: identity, blockPoolID: info.blockPoolID, group: group, io: io,
                                      socketTimeout: settings.socketTimeout, load: load, logger: logger)
        server.serve(context: context)
        let domainServer = startDomainSocket(template: settings.domainSocketPathTemplate, context: context)

        let timing = NamenodeConnection.Timing(heartbeatInterval: settings.heartbeatInterval, blockReportInterval: settings.blockReportInterval)
        let fence = ActiveNamenodeFence()
        let rpcTimeout = settings.rpcTimeout
        let namenodes = NamenodeSet(addresses: settings.namenodes, logger: logger) { address in
            NamenodeConnection(address: address, clusterID: info.clusterID, context: context, timing: timing, rpcTimeout: rpcTimeout,
                               fence: fence)
        }
        var tasks: [Task<Void, Never>] = []
        tasks.append(Self.startIncrementalReports(catalog: catalog, namenodes: namenodes, logger: logger))
        tasks.append(BlockScanner(context: context, bytesPerSecond: settings.scannerBytesPerSecond,
                                  period: settings.scanPeriod, namenodes: namenodes).start())
        logger.info("datanode started", metadata: [
            "uuid": "\(uuid)", "transfer": "\(server.localAddress)", "volumes": "\(volumePaths)",
            "replicas": "\(catalog.replicaCount)", "blockPool": "\(info.blockPoolID)"])
        return DataNodeDaemon(context: context, server: server, domainServer: domainServer, ipcServer: ipcServer, namenodes: namenodes,
                              tasks: tasks, io: io)
    }

    /// The short-circuit socket at `template` with `_PORT` replaced by the transfer port. A
    /// socket that cannot be bound costs local clients their short-circuit reads, not the
    /// datanode its start: they fall back to TCP.
    static func startDomainSocket(template: String, context: DataNodeContext) -> DomainSocketServer? {
        guard !template.isEmpty else { return nil }
        let path = ShortCircuit.socketPath(template: template, transferPort: context.identity.transferPort)
        do {
            return try DomainSocketServer.start(path: path, context: context)
        } catch {
            context.logger.error("cannot serve short-circuit reads; local clients will read over TCP",
                                 metadata: ["socket": "\(path)", "error": "\(error)"])
            return nil
        }
    }

    /// Sends replica changes to every namenode as soon as they happen; a burst of changes
    /// goes as one report.
    static func startIncrementalReports(catalog: ReplicaCatalog, namenodes: NamenodeSet, logger: Logger) -> Task<Void, Never> {
        let (doorbell, ring) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        catalog.onChange { ring.yield() }
        return Task {
            for await _ in doorbell {
                let changes = catalog.takeChanges()
                for namenode in namenodes.current {
                    namenode.enqueue(changes)
                    do {
                        try await namenode.sendIncrementalReport()
                    } catch {
                        // Kept queued in the connection; its heartbeat loop retries.
                        logger.debug("incremental report deferred", metadata: ["namenode": "\(namenode.address)", "error": "\(error)"])
                    }
                }
            }
        }
    }

    /// Stops the namenode links and the server, then the I/O threads.
    public func shutdown() async {
        let heartbeats = namenodeSet.stop()
        for task in tasks { task.cancel() }
        await domainServer?.close()
        await server.close()
        try? await ipcServer.close()
        for task in tasks + heartbeats { _ = await task.value }
        try? await io.shutdownGracefully()
    }
}

public enum DataNodeStartError: Error, CustomStringConvertible {
    case noNamenode
    case noUsableVolume([String])

    public var description: String {
        switch self {
        case .noNamenode: "no namenode address: set fs.defaultFS (hdfs://host:port or an HA nameservice)"
        case .noUsableVolume(let directories): "none of dfs.datanode.data.dir (\(directories.joined(separator: ", "))) can be used; see the errors above"
        }
    }
}

/// The datanode's identity across restarts: one `datanode_uuid` file in every volume
/// (any surviving volume keeps the identity).
enum DatanodeUUIDFile {
    static func readOrCreate(volumes: [String]) throws -> String {
        let files = volumes.map { "\($0)/current/datanode_uuid" }
        var uuid: String?
        for file in files {
            if let text = try? String(contentsOfFile: file, encoding: .utf8) {
                let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
                if !trimmed.isEmpty { uuid = trimmed; break }
            }
        }
        let id = uuid ?? UUID().uuidString.lowercased()
        for file in files where (try? String(contentsOfFile: file, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) != id {
            try Data((id + "\n").utf8).write(to: URL(fileURLWithPath: file), options: .atomic)
        }
        return id
    }
}

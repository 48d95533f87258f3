import Foundation
import Logging
import NIOPosix
import RFSConfig
import RFSDataNode
import RFSModel
import RFSBlockManagement
import RFSNameNode

/// A namenode and datanodes in this process, on loopback ports picked by the OS and data in
/// a temporary directory: HDFS's MiniDFSCluster for Swift tests. Real daemons, real sockets,
/// real files; only the process boundary is missing.
public final class MiniCluster: Sendable {
    public let directory: String
    public let namenode: NameNodeDaemon
    public let datanodes: [DataNodeDaemon]
    public let namenodeAddress: HostPort

    private init(directory: String, namenode: NameNodeDaemon, datanodes: [DataNodeDaemon], namenodeAddress: HostPort) {
        self.directory = directory
        self.namenode = namenode
        self.datanodes = datanodes
        self.namenodeAddress = namenodeAddress
    }

    /// Starts a namenode and `datanodes` datanodes and waits until every datanode has
    /// registered and sent its first block report. `settings` apply to every daemon.
    public static func start(datanodes count: Int = 3, settings: [String: String] = [:]) async throws -> MiniCluster {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("rfs-minicluster-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let logger = Logger(label: "rfs.minicluster")
        let group = MultiThreadedEventLoopGroup.singleton

        var base = Configuration()
        base.set(Keys.heartbeatInterval.name, "200ms")
        base.set(Keys.heartbeatRecheckInterval.name, "1s")
        for (key, value) in settings { base.set(key, value) }

        var namenodeConfiguration = base
        namenodeConfiguration.set(Keys.namenodeRPCAddress.name, "127.0.0.1:0")
        namenodeConfiguration.set(Keys.namenodeNameDir.name, directory + "/name")
        let namenode = try await NameNodeDaemon.start(configuration: namenodeConfiguration, superuser: "minicluster",
                                                      group: group, logger: logger)
        let address = HostPort(host: "127.0.0.1", port: namenode.rpcServer.localAddress.port ?? 0)

        var datanodes: [DataNodeDaemon] = []
        do {
            for index in 0..<count {
                var configuration = base
                configuration.set(Keys.defaultFS.name, "hdfs://\(address.host):\(address.port)")
                configuration.set(Keys.datanodeAddress.name, "127.0.0.1:0")
                configuration.set(Keys.datanodeIPCAddress.name, "127.0.0.1:0")
                configuration.set(Keys.datanodeDataDirs.name, directory + "/data\(index)")
                datanodes.append(try await DataNodeDaemon.start(configuration: configuration, group: group, logger: logger))
            }
            let cluster = MiniCluster(directory: directory, namenode: namenode, datanodes: datanodes, namenodeAddress: address)
            try await cluster.waitForDatanodes(count)
            return cluster
        } catch {
            for datanode in datanodes { await datanode.shutdown() }
            try? await namenode.shutdown()
            throw error
        }
    }

    /// Waits until the namenode counts `count` live datanodes.
    public func waitForDatanodes(_ count: Int, timeout: Duration = .seconds(20)) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while namenode.datanodes.datanodeReport(kind: .live).count < count {
            guard clock.now < deadline else { throw MiniClusterError.datanodesDidNotRegister(expected: count) }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Stops every daemon and deletes the cluster's directory.
    public func shutdown() async {
        for datanode in datanodes { await datanode.shutdown() }
        try? await namenode.shutdown()
        try? FileManager.default.removeItem(atPath: directory)
    }
}

public enum MiniClusterError: Error {
    case datanodesDidNotRegister(expected: Int)
}

import Logging
import NIOCore
import NIOPosix
import RFSProtocol

/// Who this datanode is, as it registers with the namenodes and names itself in pipelines.
public struct DataNodeIdentity: Sendable, Hashable {
    public var datanodeUUID: String
    public var ipAddress: String
    public var hostName: String
    public var transferPort: Int
    public var infoPort: Int
    public var ipcPort: Int

    public var transferAddress: String { "\(ipAddress):\(transferPort)" }

    public var proto: Hadoop_Hdfs_DatanodeIDProto {
        var proto = Hadoop_Hdfs_DatanodeIDProto()
        proto.ipAddr = ipAddress
        proto.hostName = hostName
        proto.datanodeUuid = datanodeUUID
        proto.xferPort = UInt32(clamping: transferPort)
        proto.infoPort = UInt32(clamping: infoPort)
        proto.ipcPort = UInt32(clamping: ipcPort)
        return proto
    }
}

/// What every data-transfer connection shares: the replicas, the threads for disk work,
/// the event loops for connecting to the next datanode, and the time limits.
public struct DataNodeContext: Sendable {
    public let catalog: ReplicaCatalog
    public let identity: DataNodeIdentity
    public let blockPoolID: String
    public let group: EventLoopGroup
    /// Disk writes, syncs and renames run here, never on an event loop or the cooperative pool.
    public let io: NIOThreadPool
    /// A peer silent this long is gone (HDFS's dfs.client.socket-timeout).
    public let socketTimeout: TimeAmount
    /// Counts of transfers in progress, for heartbeats and placement.
    public let load: TransferLoad
    public let logger: Logger

    /// Runs disk work on the I/O threads.
    func onDisk<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await io.runIfActive(body)
    }
}

/// Where a datanode is and how to reach it: what it sends when it registers.
public struct DatanodeIdentity: Hashable, Sendable, CustomStringConvertible {
    /// HDFS's default network location when no topology is configured.
    public static let defaultRack = "/default-rack"

    public var uuid: DatanodeUUID
    public var ipAddress: String
    public var hostName: String
    /// DataTransferProtocol port (HDFS default 9866).
    public var xferPort: Int
    /// HTTP port (HDFS default 9864).
    public var infoPort: Int
    /// ClientDatanodeProtocol port (HDFS default 9867).
    public var ipcPort: Int
    /// Network location, e.g. "/dc1/rack7".
    public var rack: String

    public init(uuid: DatanodeUUID, ipAddress: String, hostName: String, xferPort: Int, infoPort: Int, ipcPort: Int,
                rack: String = DatanodeIdentity.defaultRack) {
        self.uuid = uuid
        self.ipAddress = ipAddress
        self.hostName = hostName
        self.xferPort = xferPort
        self.infoPort = infoPort
        self.ipcPort = ipcPort
        self.rack = rack
    }

    /// The data-transfer address, `ip:xferPort`: two registrations with the same one are the
    /// same machine, whatever their uuids say.
    public var transferAddress: String { "\(ipAddress):\(xferPort)" }

    /// Whether `host` names this datanode: its address, its host name, or either with the
    /// transfer port (how HDFS's include/exclude files name datanodes).
    public func isNamed(by host: String) -> Bool {
        host == ipAddress || host == hostName || host == transferAddress || host == "\(hostName):\(xferPort)"
    }

    public var description: String { "\(uuid)@\(transferAddress)\(rack)" }
}

/// What a datanode reports in each heartbeat: its usage and load.
public struct DatanodeStats: Hashable, Sendable {
    public var capacityBytes: Int64
    public var dfsUsedBytes: Int64
    public var remainingBytes: Int64
    public var nonDfsUsedBytes: Int64
    /// Active DataTransferProtocol connections: the load placement avoids.
    public var xceiverCount: Int
    /// Replication transfers the datanode is sending now (HDFS's xmitsInProgress): counted
    /// against `replicationWorkPerNodeMax` with the transfers still queued for it.
    public var transfersInProgress: Int
    public var failedVolumes: Int

    public init(capacityBytes: Int64 = 0, dfsUsedBytes: Int64 = 0, remainingBytes: Int64 = 0, nonDfsUsedBytes: Int64 = 0,
                xceiverCount: Int = 0, transfersInProgress: Int = 0, failedVolumes: Int = 0) {
        self.capacityBytes = capacityBytes
        self.dfsUsedBytes = dfsUsedBytes
        self.remainingBytes = remainingBytes
        self.nonDfsUsedBytes = nonDfsUsedBytes
        self.xceiverCount = xceiverCount
        self.transfersInProgress = transfersInProgress
        self.failedVolumes = failedVolumes
    }
}

/// HDFS's admin states of a datanode (maintenance states are not supported yet).
public enum AdminState: Sendable, Hashable {
    case normal
    /// Named in the exclude list: its replicas are still read but no longer count towards a
    /// block's replication, so copies are made elsewhere.
    case decommissionInProgress
    /// Every block it holds has enough replicas elsewhere; it may be switched off.
    case decommissioned

    public var isDecommissioning: Bool { self != .normal }
}

/// Which datanodes a report lists (HDFS's DatanodeReportType).
public enum DatanodeReportKind: Sendable, Hashable, CaseIterable {
    case all, live, dead, decommissioning
}

/// One datanode as the block manager sees it, for reports and the web UI.
public struct DatanodeStatus: Hashable, Sendable {
    public var identity: DatanodeIdentity
    public var stats: DatanodeStats
    public var adminState: AdminState
    public var isAlive: Bool
    public var lastHeartbeatMillis: Int64
    /// Replicas the block map records on this datanode.
    public var blockCount: Int
}

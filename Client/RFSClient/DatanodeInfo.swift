import RFSProtocol

/// Which datanodes `getDatanodeReport` lists.
public enum DatanodeReportType: Sendable, Hashable {
    case all, live, dead, decommissioning

    var proto: Hadoop_Hdfs_DatanodeReportTypeProto {
        switch self {
        case .all: .all
        case .live: .live
        case .dead: .dead
        case .decommissioning: .decommissioning
        }
    }
}

/// A datanode's decommission or maintenance state.
public enum DatanodeAdminState: Sendable, Hashable {
    case normal, decommissionInProgress, decommissioned, enteringMaintenance, inMaintenance
}

/// One datanode as the namenode reports it (HDFS's `DatanodeInfo`).
public struct DatanodeInfo: Sendable, Hashable {
    public var ipAddress: String
    public var hostName: String
    public var datanodeUUID: String
    public var transferPort: Int
    public var infoPort: Int
    public var ipcPort: Int
    public var capacityBytes: Int64
    public var dfsUsedBytes: Int64
    public var nonDfsUsedBytes: Int64
    public var remainingBytes: Int64
    public var blockPoolUsedBytes: Int64
    public var cacheCapacityBytes: Int64
    public var cacheUsedBytes: Int64
    /// Milliseconds since the epoch of the last heartbeat.
    public var lastUpdateMs: Int64
    public var lastBlockReportMs: Int64
    public var xceiverCount: Int
    public var networkLocation: String
    public var adminState: DatanodeAdminState
    public var blockCount: Int
    public var softwareVersion: String

    /// `ip:xferPort`, how HDFS names a datanode in reports.
    public var transferAddress: String { "\(ipAddress):\(transferPort)" }

    init(_ proto: Hadoop_Hdfs_DatanodeInfoProto) {
        ipAddress = proto.id.ipAddr
        hostName = proto.id.hostName
        datanodeUUID = proto.id.datanodeUuid
        transferPort = Int(proto.id.xferPort)
        infoPort = Int(proto.id.infoPort)
        ipcPort = Int(proto.id.ipcPort)
        capacityBytes = Int64(clamping: proto.capacity)
        dfsUsedBytes = Int64(clamping: proto.dfsUsed)
        nonDfsUsedBytes = Int64(clamping: proto.nonDfsUsed)
        remainingBytes = Int64(clamping: proto.remaining)
        blockPoolUsedBytes = Int64(clamping: proto.blockPoolUsed)
        cacheCapacityBytes = Int64(clamping: proto.cacheCapacity)
        cacheUsedBytes = Int64(clamping: proto.cacheUsed)
        lastUpdateMs = Int64(clamping: proto.lastUpdate)
        lastBlockReportMs = Int64(clamping: proto.lastBlockReportTime)
        xceiverCount = Int(proto.xceiverCount)
        networkLocation = proto.hasLocation ? proto.location : "/default-rack"
        adminState = switch proto.adminState {
        case .normal: .normal
        case .decommissionInprogress: .decommissionInProgress
        case .decommissioned: .decommissioned
        case .enteringMaintenance: .enteringMaintenance
        case .inMaintenance: .inMaintenance
        }
        blockCount = Int(proto.numBlocks)
        softwareVersion = proto.softwareVersion
    }
}

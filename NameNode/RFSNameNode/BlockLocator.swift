import RFSNamespace
import RFSProtocol

/// What the ClientProtocol side needs from block management: placement for new blocks,
/// replica locations for reads, cluster figures, and the namespace's effects to keep the
/// block map in step. `DatanodeProtocolService` provides it.
public protocol BlockLocator: Sendable {
    /// Up to `count` datanodes for a new block, writer's node first when it is one.
    func chooseTargets(count: Int, writerHost: String?, excluded: Set<String>, blockSizeBytes: UInt64) -> [Hadoop_Hdfs_DatanodeInfoProto]
    /// Live replicas of a block (corrupt ones flagged by the second value).
    func locations(of blockID: UInt64) -> (nodes: [Hadoop_Hdfs_DatanodeInfoProto], corrupt: Bool)
    /// The pipeline a writer was given for a block under construction (datanode uuids).
    func setExpectedLocations(of blockID: UInt64, datanodeUUIDs: [String])
    /// Whether a block has at least the minimum number of reported replicas (complete may close the file).
    func isMinimallyReplicated(_ blockID: UInt64, generationStamp: UInt64, numBytes: UInt64) -> Bool
    /// Sends the recovery of a block whose writer died to a live holder of it (the primary),
    /// with its next heartbeat. False when no live datanode holds a replica.
    func startRecovery(of blockID: UInt64, recoveryID: UInt64, newLength: UInt64?) -> Bool
    /// Tells block management what an applied edit changed.
    func apply(_ effects: [NamespaceEffect])
    func fsStats() -> Hadoop_Hdfs_GetFsStatsResponseProto
    func datanodeReport(_ type: Hadoop_Hdfs_DatanodeReportTypeProto) -> [Hadoop_Hdfs_DatanodeInfoProto]
    /// Fraction of complete blocks with a reported replica (safe mode leaves at the threshold).
    func safeBlockFraction() -> Double
    var liveDatanodeCount: Int { get }
}

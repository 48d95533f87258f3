/// The block manager's settings, with HDFS's defaults and the HDFS key each mirrors.
public struct BlockManagerConfiguration: Hashable, Sendable {
    /// `dfs.heartbeat.interval` (3 s).
    public var heartbeatIntervalMillis: Int64 = 3_000
    /// `dfs.namenode.heartbeat.recheck-interval` (5 min).
    public var heartbeatRecheckIntervalMillis: Int64 = 300_000
    /// `dfs.namenode.replication.max-streams`: replication transfers one datanode may have
    /// queued or in progress as a source.
    public var replicationWorkPerNodeMax = 2
    /// `dfs.block.invalidate.limit`: replicas one heartbeat reply tells a datanode to delete.
    public var invalidateBlocksPerHeartbeatMax = 1_000
    /// `dfs.namenode.safemode.replication.min`: live replicas that make a block "safe".
    public var minimumReplicasForSafeMode = 1
    /// `dfs.namenode.replication.min`: good replicas a committed block needs to be complete.
    public var minimumReplication = 1
    /// A transfer not confirmed by the target within this many heartbeat intervals is given
    /// up and the block considered again (`dfs.namenode.reconstruction.pending.timeout-sec`
    /// is 300 s, i.e. 100 default heartbeats).
    public var pendingTransferTimeoutHeartbeats: Int64 = 100

    public init() {}

    /// A datanode silent for longer than this is dead: 2 × recheck + 10 × heartbeat, as in
    /// HDFS (10.5 minutes with the defaults), so a restart or a long GC pause does not cause
    /// a storm of re-replication.
    public var heartbeatExpiryMillis: Int64 { 2 * heartbeatRecheckIntervalMillis + 10 * heartbeatIntervalMillis }

    public var pendingTransferTimeoutMillis: Int64 { pendingTransferTimeoutHeartbeats * heartbeatIntervalMillis }
}

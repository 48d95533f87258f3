import RFSProtocol

/// Cluster-wide figures (`getFsStats`), in bytes and blocks.
public struct FsStats: Sendable, Hashable {
    public var capacityBytes: Int64
    public var usedBytes: Int64
    public var remainingBytes: Int64
    public var underReplicatedBlocks: Int64
    public var corruptBlocks: Int64
    public var missingBlocks: Int64
    public var missingReplicationOneBlocks: Int64
    public var blocksInFuture: Int64
    public var pendingDeletionBlocks: Int64

    init(_ proto: Hadoop_Hdfs_GetFsStatsResponseProto) {
        capacityBytes = Int64(bitPattern: proto.capacity)
        usedBytes = Int64(bitPattern: proto.used)
        remainingBytes = Int64(bitPattern: proto.remaining)
        underReplicatedBlocks = Int64(bitPattern: proto.underReplicated)
        corruptBlocks = Int64(bitPattern: proto.corruptBlocks)
        missingBlocks = Int64(bitPattern: proto.missingBlocks)
        missingReplicationOneBlocks = Int64(bitPattern: proto.missingReplOneBlocks)
        blocksInFuture = Int64(bitPattern: proto.blocksInFuture)
        pendingDeletionBlocks = Int64(bitPattern: proto.pendingDeletionBlocks)
    }
}

/// The filesystem defaults the namenode announces (`getServerDefaults`).
public struct ServerDefaults: Sendable, Hashable {
    public var blockSizeBytes: Int64
    public var bytesPerChecksum: Int
    public var writePacketSizeBytes: Int
    public var replication: Int
    public var fileBufferSizeBytes: Int
    /// Minutes a deleted file stays in the trash; 0 when the server has the trash off.
    public var trashIntervalMinutes: Int64
    public var encryptDataTransfer: Bool

    init(_ proto: Hadoop_Hdfs_FsServerDefaultsProto) {
        blockSizeBytes = Int64(clamping: proto.blockSize)
        bytesPerChecksum = Int(proto.bytesPerChecksum)
        writePacketSizeBytes = Int(proto.writePacketSize)
        replication = Int(proto.replication)
        fileBufferSizeBytes = Int(proto.fileBufferSize)
        trashIntervalMinutes = Int64(clamping: proto.trashInterval)
        encryptDataTransfer = proto.encryptDataTransfer
    }
}

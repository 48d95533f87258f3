/// HDFS's defaults, so that a Hadoop user finds rfs where and as they expect.
public enum HDFSDefaults {
    public static let blockSizeBytes: Int64 = 128 << 20
    public static let replication: Int = 3
    public static let bytesPerChecksum: Int = 512
    public static let writePacketSizeBytes: Int = 64 << 10
    public static let fileBufferSizeBytes: Int = 4096

    public static let namenodeRPCPort = 8020
    public static let namenodeHTTPPort = 9870
    public static let raftPort = 8021
    public static let datanodeTransferPort = 9866
    public static let datanodeHTTPPort = 9864
    public static let datanodeIPCPort = 9867

    /// The group whose members are superusers (`dfs.permissions.superusergroup`).
    public static let superGroup = "supergroup"
    /// The Hadoop RPC protocol version rfs speaks (the `hrpc` preamble's version byte).
    public static let rpcVersion: UInt8 = 9
    /// setQuota's "leave this quota as it is" (HdfsConstants.QUOTA_DONT_SET).
    public static let quotaDontSet = Int64.max
    /// setQuota's "clear this quota", and what an unset quota reads as (HdfsConstants.QUOTA_RESET).
    public static let quotaReset: Int64 = -1
    /// The root's namespace quota, which HDFS always sets and never lets be cleared
    /// (DirectoryWithQuotaFeature.DEFAULT_NAMESPACE_QUOTA).
    public static let rootNamespaceQuota = Int64.max
    /// What the server reports as `serverIpcVersionNum` in every response header.
    public static let serverIPCVersion: UInt32 = 9
}

import RFSProtocol
import RFSModel

/// What `getContentSummary` counts under a path (HDFS's `ContentSummary`). A quota of -1
/// means none is set.
public struct ContentSummary: Sendable, Hashable {
    public var length: Int64
    public var fileCount: Int64
    public var directoryCount: Int64
    /// Namespace quota (names: files plus directories), -1 when unset.
    public var quota: Int64
    /// Bytes used counting every replica.
    public var spaceConsumed: Int64
    /// Storage-space quota in bytes counting every replica, -1 when unset.
    public var spaceQuota: Int64
    /// The erasure coding policy's name ("" or "Replicated" for replicated trees).
    public var erasureCodingPolicy: String = ""
    /// Figures of the snapshots under the path (all 0 where there are none).
    public var snapshotLength: Int64 = 0
    public var snapshotFileCount: Int64 = 0
    public var snapshotDirectoryCount: Int64 = 0
    public var snapshotSpaceConsumed: Int64 = 0

    public init(length: Int64, fileCount: Int64, directoryCount: Int64, quota: Int64 = -1, spaceConsumed: Int64, spaceQuota: Int64 = -1) {
        self.length = length
        self.fileCount = fileCount
        self.directoryCount = directoryCount
        self.quota = quota
        self.spaceConsumed = spaceConsumed
        self.spaceQuota = spaceQuota
    }

    init(_ proto: Hadoop_Hdfs_ContentSummaryProto) {
        // Quotas travel as uint64 with -1 ("unset") as its two's complement.
        self.init(length: Int64(bitPattern: proto.length), fileCount: Int64(bitPattern: proto.fileCount),
                  directoryCount: Int64(bitPattern: proto.directoryCount), quota: Int64(bitPattern: proto.quota),
                  spaceConsumed: Int64(bitPattern: proto.spaceConsumed), spaceQuota: Int64(bitPattern: proto.spaceQuota))
        erasureCodingPolicy = proto.erasureCodingPolicy
        snapshotLength = Int64(bitPattern: proto.snapshotLength)
        snapshotFileCount = Int64(bitPattern: proto.snapshotFileCount)
        snapshotDirectoryCount = Int64(bitPattern: proto.snapshotDirectoryCount)
        snapshotSpaceConsumed = Int64(bitPattern: proto.snapshotSpaceConsumed)
    }
}

/// What `getQuotaUsage` reports for a directory (HDFS's `QuotaUsage`).
public struct QuotaUsage: Sendable, Hashable {
    public var fileAndDirectoryCount: Int64
    public var quota: Int64
    public var spaceConsumed: Int64
    public var spaceQuota: Int64
    /// Per storage type by Hadoop's name (`SSD`, `DISK`, …).
    public var storageTypeQuotas: [String: StorageTypeQuota] = [:]

    public init(fileAndDirectoryCount: Int64, quota: Int64, spaceConsumed: Int64, spaceQuota: Int64) {
        self.fileAndDirectoryCount = fileAndDirectoryCount
        self.quota = quota
        self.spaceConsumed = spaceConsumed
        self.spaceQuota = spaceQuota
    }

    init(_ proto: Hadoop_Hdfs_QuotaUsageProto) {
        self.init(fileAndDirectoryCount: Int64(bitPattern: proto.fileAndDirectoryCount), quota: Int64(bitPattern: proto.quota),
                  spaceConsumed: Int64(bitPattern: proto.spaceConsumed), spaceQuota: Int64(bitPattern: proto.spaceQuota))
        for info in proto.typeQuotaInfos.typeQuotaInfo {
            storageTypeQuotas[info.type.hadoopName] = StorageTypeQuota(quota: Int64(bitPattern: info.quota),
                                                                       consumed: Int64(bitPattern: info.consumed))
        }
    }
}

/// One storage type's quota (-1 when unset) and the bytes it holds.
public struct StorageTypeQuota: Sendable, Hashable {
    public var quota: Int64
    public var consumed: Int64

    public init(quota: Int64, consumed: Int64) {
        self.quota = quota
        self.consumed = consumed
    }
}

/// HDFS's quota arguments to `setQuota`: leave a quota as it is, or clear it.
public enum QuotaSetting: Sendable, Hashable {
    case unchanged
    case clear
    case limit(Int64)

    /// HDFS's encoding: `Long.MAX_VALUE` leaves it, -1 clears it (`HdfsConstants.QUOTA_DONT_SET/QUOTA_RESET`).
    var wireValue: UInt64 {
        switch self {
        case .unchanged: UInt64(Int64.max)
        case .clear: UInt64(bitPattern: -1)
        case .limit(let value): UInt64(bitPattern: value)
        }
    }
}

extension Hadoop_Hdfs_StorageTypeProto {
    /// Hadoop's `StorageType` name.
    var hadoopName: String { StorageType(rawValue: rawValue)?.description ?? "\(rawValue)" }
}

import RFSClient

/// `-count` columns, as Hadoop's `ContentSummary.toString` and `QuotaUsage.toString`:
/// `%12s %15s ` quota and remaining, `%15s %15s ` space quota and remaining, `%12s %12s %18s `
/// directories, files and bytes, then the path.
public enum CountFormat {
    public static let quotaHeader = Padding.left("QUOTA", 12) + " " + Padding.left("REM_QUOTA", 15) + " "
        + Padding.left("SPACE_QUOTA", 15) + " " + Padding.left("REM_SPACE_QUOTA", 15) + " "
    public static let summaryHeader = Padding.left("DIR_COUNT", 12) + " " + Padding.left("FILE_COUNT", 12) + " "
        + Padding.left("CONTENT_SIZE", 18) + " "

    public static func header(quotas: Bool, quotasOnly: Bool) -> String {
        if quotasOnly { return quotaHeader + "PATHNAME" }
        return (quotas ? quotaHeader : "") + summaryHeader + "PATHNAME"
    }

    /// Quota columns: `none`/`inf` when unset; a namespace quota counts when > 0, a space
    /// quota when >= 0 (Hadoop's own asymmetry).
    public static func quotaColumns(quota: Int64, used: Int64, spaceQuota: Int64, spaceUsed: Int64, humanReadable: Bool) -> String {
        var quotaText = "none", remaining = "inf", spaceText = "none", spaceRemaining = "inf"
        if quota > 0 {
            quotaText = SizeFormat.format(quota, humanReadable: humanReadable)
            remaining = SizeFormat.format(quota - used, humanReadable: humanReadable)
        }
        if spaceQuota >= 0 {
            spaceText = SizeFormat.format(spaceQuota, humanReadable: humanReadable)
            spaceRemaining = SizeFormat.format(spaceQuota - spaceUsed, humanReadable: humanReadable)
        }
        return Padding.left(quotaText, 12) + " " + Padding.left(remaining, 15) + " "
            + Padding.left(spaceText, 15) + " " + Padding.left(spaceRemaining, 15) + " "
    }

    public static func line(_ summary: ContentSummary, path: String, quotas: Bool, humanReadable: Bool) -> String {
        var text = ""
        if quotas {
            text += quotaColumns(quota: summary.quota, used: summary.directoryCount + summary.fileCount,
                                 spaceQuota: summary.spaceQuota, spaceUsed: summary.spaceConsumed, humanReadable: humanReadable)
        }
        text += Padding.left(SizeFormat.format(summary.directoryCount, humanReadable: humanReadable), 12) + " "
        text += Padding.left(SizeFormat.format(summary.fileCount, humanReadable: humanReadable), 12) + " "
        text += Padding.left(SizeFormat.format(summary.length, humanReadable: humanReadable), 18) + " "
        return text + path
    }

    /// `-e`: `%20s ` of `EC:<policy>` (Hadoop writes no `EC:` before `Replicated`).
    public static let erasureCodingHeader = Padding.left("ERASURECODING_POLICY", 20) + " "
    public static func erasureCodingColumn(_ summary: ContentSummary) -> String {
        let policy = summary.erasureCodingPolicy
        return Padding.left(policy == "Replicated" ? policy : "EC:" + policy, 20) + " "
    }

    /// `-s`: `%18s %24s %24s %28s ` of the snapshot figures.
    public static let snapshotHeader = Padding.left("SNAPSHOT_LENGTH", 18) + " " + Padding.left("SNAPSHOT_FILE_COUNT", 24) + " "
        + Padding.left("SNAPSHOT_DIR_COUNT", 24) + " " + Padding.left("SNAPSHOT_SPACE_CONSUMED", 28) + " "
    public static func snapshotColumns(_ summary: ContentSummary, humanReadable: Bool) -> String {
        Padding.left(SizeFormat.format(summary.snapshotLength, humanReadable: humanReadable), 18) + " "
            + Padding.left(SizeFormat.format(summary.snapshotFileCount, humanReadable: humanReadable), 24) + " "
            + Padding.left(SizeFormat.format(summary.snapshotDirectoryCount, humanReadable: humanReadable), 24) + " "
            + Padding.left(SizeFormat.format(summary.snapshotSpaceConsumed, humanReadable: humanReadable), 28) + " "
    }

    /// The storage types `-t` shows when given none (or `all`): those that take a quota.
    public static let quotaStorageTypes = ["SSD", "DISK", "ARCHIVE", "PROVIDED", "NVDIMM"]

    /// `-t`: `%14s %18s ` per storage type.
    public static func storageTypeHeader(_ types: [String]) -> String {
        types.map { Padding.left("\($0)_QUOTA", 14) + " " + Padding.left("REM_\($0)_QUOTA", 18) + " " }.joined()
    }

    public static func storageTypeColumns(_ usage: QuotaUsage, types: [String], humanReadable: Bool) -> String {
        types.map { type -> String in
            var quota = "none", remaining = "inf"
            if let entry = usage.storageTypeQuotas[type], entry.quota > 0 {
                quota = SizeFormat.format(entry.quota, humanReadable: humanReadable)
                remaining = SizeFormat.format(entry.quota - entry.consumed, humanReadable: humanReadable)
            }
            return Padding.left(quota, 14) + " " + Padding.left(remaining, 18) + " "
        }.joined()
    }

    public static func line(_ usage: QuotaUsage, path: String, humanReadable: Bool) -> String {
        quotaColumns(quota: usage.quota, used: usage.fileAndDirectoryCount, spaceQuota: usage.spaceQuota,
                     spaceUsed: usage.spaceConsumed, humanReadable: humanReadable) + path
    }
}

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

    public static func line(_ usage: QuotaUsage, path: String, humanReadable: Bool) -> String {
        quotaColumns(quota: usage.quota, used: usage.fileAndDirectoryCount, spaceQuota: usage.spaceQuota,
                     spaceUsed: usage.spaceConsumed, humanReadable: humanReadable) + path
    }
}

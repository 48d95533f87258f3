import RFSClient

/// `-count [-q] [-h] [-v] [-t [<storage type>]] [-u] [-x] [-e] [-s] <path> ...` (Hadoop's
/// `Count`): directories, files and bytes under each path; with -q the quotas too, with -u
/// the quotas alone, with -t (and -q or -u) the quotas per storage type; -e adds the erasure
/// coding policy, -s the snapshot figures; -x (exclude snapshots) changes nothing, as rfs keeps none.
struct CountCommand: DFSCommand {
    static let name = "count"
    static let usage = "[-q] [-h] [-v] [-t [<storage type>]] [-u] [-x] [-e] [-s] <path> ..."

    let paths: [String]
    let quotas: Bool
    let quotasOnly: Bool
    let humanReadable: Bool
    let header: Bool
    let showErasureCoding: Bool
    let showSnapshots: Bool
    /// The storage types of -t, when it applies (with -q or -u).
    let storageTypes: [String]?

    init(arguments: [String]) throws(UsageError) {
        let parsed = try CommandFormat(min: 1, flags: ["q", "h", "v", "u", "x", "e", "s"], valueOptions: ["t"]).parse(arguments)
        paths = parsed.arguments
        quotas = parsed.has("q")
        quotasOnly = parsed.has("u")
        humanReadable = parsed.has("h")
        header = parsed.has("v")
        showErasureCoding = parsed.has("e")
        showSnapshots = parsed.has("s")
        if let types = parsed.values["t"], quotas || quotasOnly {
            storageTypes = types.isEmpty || types.lowercased() == "all" ? CountFormat.quotaStorageTypes
                : types.split(separator: ",").map { $0.uppercased() }
        } else {
            storageTypes = nil
        }
    }

    func run(_ context: DFSContext) async throws -> Int32 {
        if header { context.printLine(headerLine) }
        try await context.forEachArgument(paths) { item in
            var line = ""
            if let storageTypes {
                let usage = try await context.fs(item).quotaUsage(item.absolute)
                line += CountFormat.storageTypeColumns(usage, types: storageTypes, humanReadable: humanReadable)
            } else if quotasOnly {
                let usage = try await context.fs(item).quotaUsage(item.absolute)
                line += CountFormat.quotaColumns(quota: usage.quota, used: usage.fileAndDirectoryCount, spaceQuota: usage.spaceQuota,
                                                 spaceUsed: usage.spaceConsumed, humanReadable: humanReadable)
            }
            if showErasureCoding || showSnapshots || (storageTypes == nil && !quotasOnly) {
                let summary = try await context.fs(item).contentSummary(item.absolute)
                if storageTypes == nil, !quotasOnly {
                    line += CountFormat.line(summary, path: "", quotas: quotas, humanReadable: humanReadable)
                }
                if showErasureCoding { line += CountFormat.erasureCodingColumn(summary) }
                if showSnapshots { line += CountFormat.snapshotColumns(summary, humanReadable: humanReadable) }
            }
            context.printLine(line + item.display)
        }
        return context.exitCode
    }

    var headerLine: String {
        var text: String
        if let storageTypes {
            text = CountFormat.storageTypeHeader(storageTypes)
        } else if quotasOnly {
            text = CountFormat.quotaHeader
        } else {
            text = (quotas ? CountFormat.quotaHeader : "") + CountFormat.summaryHeader
        }
        if showErasureCoding { text += CountFormat.erasureCodingHeader }
        if showSnapshots { text += CountFormat.snapshotHeader }
        return text + "PATHNAME"
    }
}

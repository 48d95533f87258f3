import RFSClient

/// `-df [-h] [<path> ...]` (Hadoop's `FsUsage.Df`): the filesystem's capacity, use and
/// free space, one row per path.
struct DfCommand: DFSCommand {
    static let name = "df"
    static let usage = "[-h] [<path> ...]"

    let paths: [String]
    let humanReadable: Bool

    init(arguments: [String]) throws(UsageError) {
        let parsed = try CommandFormat(min: 0, flags: ["h"]).parse(arguments)
        paths = parsed.arguments.isEmpty ? ["/"] : parsed.arguments
        humanReadable = parsed.has("h")
    }

    func run(_ context: DFSContext) async throws -> Int32 {
        var table = TableBuilder(header: ["Filesystem", "Size", "Used", "Available", "Use%"], rightAligned: [1, 2, 3, 4])
        try await context.forEachArgument(paths) { item in
            let stats = try await context.fs(item).fsStats()
            table.add(["\(context.fs(item).uri)",
                       SizeFormat.format(stats.capacityBytes, humanReadable: humanReadable),
                       SizeFormat.format(stats.usedBytes, humanReadable: humanReadable),
                       SizeFormat.format(stats.remainingBytes, humanReadable: humanReadable),
                       SizeFormat.percent(Double(stats.usedBytes) / Double(stats.capacityBytes))])
        }
        for line in table.lines { context.printLine(line) }
        return context.exitCode
    }
}

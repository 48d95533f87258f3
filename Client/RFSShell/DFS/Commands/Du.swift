import RFSClient

/// `-du [-s] [-h] [-v] [-x] <path> ...` (Hadoop's `FsUsage.Du`): size and space consumed with
/// every replica, one level into a directory unless -s.
struct DuCommand: DFSCommand {
    static let name = "du"
    static let usage = "[-s] [-h] [-v] [-x] <path> ..."

    let paths: [String]
    let summary: Bool
    let humanReadable: Bool
    let header: Bool

    init(arguments: [String]) throws(UsageError) {
        let parsed = try CommandFormat(min: 0, flags: ["h", "s", "v", "x"]).parse(arguments)
        paths = parsed.arguments.isEmpty ? ["."] : parsed.arguments
        summary = parsed.has("s")
        humanReadable = parsed.has("h")
        header = parsed.has("v")
    }

    func run(_ context: DFSContext) async throws -> Int32 {
        var table = TableBuilder(header: header ? ["SIZE", "DISK_SPACE_CONSUMED_WITH_ALL_REPLICAS", "FULL_PATH_NAME"] : nil)
        try await context.forEachArgument(paths) { item in
            let rows = !summary && item.status?.isDirectory == true ? try await context.children(of: item) : [item]
            try await context.walk(rows, recursive: false) { row in
                let content = try await context.fs(row).contentSummary(row.absolute)
                table.add([SizeFormat.format(content.length, humanReadable: humanReadable),
                           SizeFormat.format(content.spaceConsumed, humanReadable: humanReadable), row.display])
            }
        }
        for line in table.lines { context.printLine(line) }
        return context.exitCode
    }
}

import RFSClient

/// `-ls [-C] [-d] [-h] [-q] [-R] [-t] [-S] [-r] [-u] [-e] [<path> ...]` (Hadoop's `Ls`).
struct LsCommand: DFSCommand {
    static let name = "ls"
    static let usage = "[-C] [-d] [-h] [-q] [-R] [-t] [-S] [-r] [-u] [-e] [<path> ...]"

    let paths: [String]
    let pathOnly: Bool
    let directoriesAsFiles: Bool
    let recursive: Bool
    let hideNonPrintable: Bool
    let format: LsFormat
    let order: LsOrder

    init(arguments: [String]) throws(UsageError) {
        let parsed = try CommandFormat(min: 0, flags: ["C", "d", "h", "q", "R", "t", "S", "r", "u", "e"]).parse(arguments)
        // No path lists the working directory, shown as bare names (Hadoop adds ".").
        paths = parsed.arguments.isEmpty ? ["."] : parsed.arguments
        pathOnly = parsed.has("C")
        directoriesAsFiles = parsed.has("d")
        recursive = parsed.has("R")
        hideNonPrintable = parsed.has("q")
        format = LsFormat(humanReadable: parsed.has("h"), useAccessTime: parsed.has("u"))
        let key: LsOrder.Key = parsed.has("t") ? .time : (parsed.has("S") ? .size : .path)
        order = LsOrder(key: key, reverse: parsed.has("r"), useAccessTime: parsed.has("u"))
    }

    func run(_ context: DFSContext) async throws -> Int32 {
        try await context.forEachArgument(paths) { item in
            if !directoriesAsFiles, item.status?.isDirectory == true {
                try await listDirectory(item, context)
            } else {
                try await printBatch([item], context)
            }
        }
        return context.exitCode
    }

    /// One directory's entries: "Found N items" unless recursive or paths only, then the batch.
    func listDirectory(_ directory: ShellPath, _ context: DFSContext) async throws {
        let children = order.sorted(try await context.children(of: directory))
        if !recursive, !pathOnly, !children.isEmpty {
            context.printLine("Found \(children.count) items")
        }
        try await printBatch(children, context)
    }

    /// Lines for one batch with shared column widths; with -R each directory's entries follow its line.
    func printBatch(_ items: [ShellPath], _ context: DFSContext) async throws {
        let lines = pathOnly ? items.map(\.display)
            : format.lines(items.map { (status: $0.status!, display: $0.display) })
        for (item, line) in zip(items, lines) {
            do {
                context.printLine(hideNonPrintable ? Self.printable(line) : line)
                if recursive, item.status?.isDirectory == true {
                    try await listDirectory(item, context)
                }
            } catch {
                try context.report(error)
            }
        }
    }

    /// `-q`: control characters shown as `?`.
    static func printable(_ text: String) -> String {
        String(text.map { $0.isASCII && ($0.asciiValue! < 0x20 || $0.asciiValue! == 0x7F) ? "?" : $0 })
    }
}

import RFSClient

/// `-stat [format] <path> ...` (Hadoop's `Stat`): the first argument is the format when it
/// has a `%` (and a path must still follow); the default is `%y`.
struct StatCommand: DFSCommand {
    static let name = "stat"
    static let usage = "[format] <path> ..."

    let format: String
    let paths: [String]
    let recursive: Bool

    init(arguments: [String]) throws(UsageError) {
        let command = CommandFormat(min: 1, flags: ["R"])
        let parsed = try command.parse(arguments)
        var rest = parsed.arguments
        if rest[0].contains("%") {
            format = rest.removeFirst()
        } else {
            format = StatFormat.defaultFormat
        }
        try command.checkCount(rest.count)
        paths = rest
        recursive = parsed.has("R")
    }

    func run(_ context: DFSContext) async throws -> Int32 {
        try await context.forEachArgument(paths) { item in
            try await context.walk([item], recursive: recursive) { entry in
                context.printLine(StatFormat.format(format, status: entry.status!))
            }
        }
        return context.exitCode
    }
}

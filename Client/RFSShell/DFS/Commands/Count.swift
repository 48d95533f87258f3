import RFSClient

/// `-count [-q] [-h] [-v] [-t [<storage type>]] [-u] [-x] [-e] [-s] <path> ...` (Hadoop's
/// `Count`): directories, files and bytes under each path; with -q the quotas too, with -u
/// the quotas alone. Storage-type quotas (-t), erasure coding (-e) and snapshots (-s, -x)
/// are accepted and add nothing: rfs has none of them.
struct CountCommand: DFSCommand {
    static let name = "count"
    static let usage = "[-q] [-h] [-v] [-t [<storage type>]] [-u] [-x] [-e] [-s] <path> ..."

    let paths: [String]
    let quotas: Bool
    let quotasOnly: Bool
    let humanReadable: Bool
    let header: Bool

    init(arguments: [String]) throws(UsageError) {
        let parsed = try CommandFormat(min: 1, flags: ["q", "h", "v", "u", "x", "e", "s"], valueOptions: ["t"]).parse(arguments)
        paths = parsed.arguments
        quotas = parsed.has("q")
        quotasOnly = parsed.has("u")
        humanReadable = parsed.has("h")
        header = parsed.has("v")
    }

    func run(_ context: DFSContext) async throws -> Int32 {
        if header { context.printLine(CountFormat.header(quotas: quotas, quotasOnly: quotasOnly)) }
        try await context.forEachArgument(paths) { item in
            if quotasOnly {
                let usage = try await context.fs.quotaUsage(item.absolute)
                context.printLine(CountFormat.line(usage, path: item.display, humanReadable: humanReadable))
            } else {
                let summary = try await context.fs.contentSummary(item.absolute)
                context.printLine(CountFormat.line(summary, path: item.display, quotas: quotas, humanReadable: humanReadable))
            }
        }
        return context.exitCode
    }
}

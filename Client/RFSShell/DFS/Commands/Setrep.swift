import RFSClient

/// `-setrep [-R] [-w] <rep> <path> ...` (Hadoop's `SetReplication`): every file under a
/// directory; with -w, waits until each file's blocks have that many replicas.
struct SetrepCommand: DFSCommand {
    static let name = "setrep"
    static let usage = "[-R] [-w] <rep> <path> ..."
    /// How often -w looks again (Hadoop: 10 s).
    static let waitPollInterval: Duration = .seconds(10)

    let replication: Int
    let paths: [String]
    let wait: Bool

    init(arguments: [String]) throws(UsageError) {
        let parsed = try CommandFormat(min: 2, flags: ["R", "w"]).parse(arguments)
        let text = parsed.arguments[0]
        guard let value = Int16(text) else {
            // Java's Short.parseShort message, after FsShell's own warning line.
            let why = Int(text) == nil ? "For input string: \"\(text)\"" : "Value out of range. Value:\"\(text)\" Radix:10"
            throw UsageError(why, warning: "setrep: Illegal replication, a positive integer expected")
        }
        guard value >= 1 else { throw UsageError("replication must be >= 1") }
        replication = Int(value)
        paths = Array(parsed.arguments.dropFirst())
        wait = parsed.has("w")
    }

    func run(_ context: DFSContext) async throws -> Int32 {
        var waitList: [ShellPath] = []
        try await context.forEachArgument(paths) { item in
            try await context.walk([item], recursive: true) { entry in
                let status = entry.status!
                if status.isSymlink { throw PathFailure(PathMessage.other(entry.display, "Symlinks unsupported")) }
                guard status.isFile else { return }
                guard try await context.fs(entry).setReplication(entry.absolute, replication) else {
                    throw PathFailure("Could not set replication for: \(entry.display)")
                }
                context.printLine("Replication \(replication) set: \(entry.display)")
                if wait { waitList.append(entry) }
            }
        }
        for item in waitList { try await waitForReplication(item, context) }
        return context.exitCode
    }

    /// "Waiting for <path> ..." then a dot per look until every block has the replicas asked for.
    func waitForReplication(_ item: ShellPath, _ context: DFSContext) async throws {
        context.print("Waiting for \(item.display) ...")
        var warned = false
        while true {
            let counts = try await context.fs(item).blockReplicaCounts(item.absolute)
            guard let short = counts.first(where: { $0 != replication }) else { break }
            if !warned, short > replication {
                context.printLine("\nWARNING: the waiting time may be long for DECREASING the number of replications.")
                warned = true
            }
            context.print(".")
            try await Task.sleep(for: Self.waitPollInterval)
        }
        context.printLine(" done")
    }
}

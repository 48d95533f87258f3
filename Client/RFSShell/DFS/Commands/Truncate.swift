import RFSClient

/// `-truncate [-w] <length> <path> ...` (Hadoop's `Truncate`): with -w, waits for the block
/// recovery a truncate in mid-block starts.
struct TruncateCommand: DFSCommand {
    static let name = "truncate"
    static let usage = "[-w] <length> <path> ..."
    static let waitPollInterval: Duration = .seconds(1)

    let length: Int64
    let paths: [String]
    let wait: Bool

    init(arguments: [String]) throws(UsageError) {
        let parsed = try CommandFormat(min: 2, flags: ["w"]).parse(arguments)
        let text = parsed.arguments[0]
        guard let value = Int64(text) else {
            throw UsageError("For input string: \"\(text)\"", warning: "truncate: Illegal length, a non-negative integer expected")
        }
        guard value >= 0 else { throw UsageError("length must be >= 0") }
        length = value
        paths = Array(parsed.arguments.dropFirst())
        wait = parsed.has("w")
    }

    func run(_ context: DFSContext) async throws -> Int32 {
        var waitList: [ShellPath] = []
        try await context.forEachArgument(paths) { item in
            let status = item.status!
            if status.isDirectory { throw PathFailure(PathMessage.isDirectory(item.display)) }
            if length > status.length {
                throw UsageError("Cannot truncate to a larger file size. Current size: \(status.length), truncate size: \(length).")
            }
            if try await context.fs(item).truncate(item.absolute, newLength: length) {
                context.printLine("Truncated \(item.display) to length: \(length)")
            } else if wait {
                waitList.append(item)
            } else {
                context.printLine("Truncating \(item.display) to length: \(length). Wait for block recovery to complete before further updating this file.")
            }
        }
        for item in waitList {
            context.printLine("Waiting for \(item.display) ...")
            while try await context.fs(item).fileStatus(item.absolute)?.length != length {
                try await Task.sleep(for: Self.waitPollInterval)
            }
            context.printLine("Truncated \(item.display) to length: \(length)")
        }
        return context.exitCode
    }
}

import RFSClient

/// `-tail [-f] [-s <sleep interval>] <file>` (Hadoop's `Tail`): the last kilobyte; with
/// `-f`, then whatever is appended, checked every sleep interval (ms, default 1000) until
/// the process is stopped.
struct TailCommand: DFSCommand {
    static let name = "tail"
    static let usage = "[-f] [-s <sleep interval>] <file>"
    /// Hadoop's Tail prints the last 1024 bytes.
    static let tailBytes: Int64 = 1024

    let path: String
    let follow: Bool
    let sleepMillis: Int

    init(arguments: [String]) throws(UsageError) {
        let parsed = try CommandFormat(min: 1, max: 1, flags: ["f"], valueOptions: ["s"]).parse(arguments)
        path = parsed.arguments[0]
        follow = parsed.has("f")
        if let text = parsed.values["s"] {
            guard let value = Int(text), value > 0 else { throw UsageError("Illegal sleep interval: \(text)") }
            sleepMillis = value
        } else {
            sleepMillis = 1000
        }
    }

    func run(_ context: DFSContext) async throws -> Int32 {
        try await context.forEachArgument([path]) { item in
            guard let status = item.status, !status.isDirectory else {
                throw PathFailure(PathMessage.other(item.display, "Is a directory"))
            }
            var offset = max(0, status.length - Self.tailBytes)
            while true {
                let input = try await context.fs.open(item.absolute)
                let length = await input.length
                if length > offset {
                    let bytes = try await input.pread(offset: offset, length: Int(length - offset))
                    context.output.writeBytes(bytes)
                    offset += Int64(bytes.count)
                }
                guard follow else { return }
                try await Task.sleep(for: .milliseconds(sleepMillis))
            }
        }
        return context.exitCode
    }
}

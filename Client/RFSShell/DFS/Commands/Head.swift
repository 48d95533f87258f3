import RFSClient

/// `-head <file>` (Hadoop's `Head`): the first kilobyte.
struct HeadCommand: DFSCommand {
    static let name = "head"
    static let usage = "<file>"
    /// Hadoop's Head prints the first 1024 bytes.
    static let headBytes: Int64 = 1024

    let path: String

    init(arguments: [String]) throws(UsageError) {
        path = try CommandFormat(min: 1, max: 1).parse(arguments).arguments[0]
    }

    func run(_ context: DFSContext) async throws -> Int32 {
        try await context.forEachArgument([path]) { item in
            guard let status = item.status, !status.isDirectory else { throw PathFailure(PathMessage.isDirectory(item.display)) }
            let input = try await context.fs(item).open(item.absolute)
            let length = min(await input.length, Self.headBytes)
            if length > 0 { context.output.writeBytes(try await input.pread(offset: 0, length: Int(length))) }
        }
        return context.exitCode
    }
}

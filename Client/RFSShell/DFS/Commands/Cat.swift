import RFSClient

/// `-cat [-ignoreCrc] <src> ...` (Hadoop's `Cat`): each file's bytes to stdout, streamed.
struct CatCommand: DFSCommand {
    static let name = "cat"
    static let usage = "[-ignoreCrc] <src> ..."
    /// Bytes read from the datanodes per round trip.
    static let readBytes = 4 << 20

    let paths: [String]

    init(arguments: [String]) throws(UsageError) {
        paths = try CommandFormat(min: 1, flags: ["ignoreCrc"]).parse(arguments).arguments
    }

    func run(_ context: DFSContext) async throws -> Int32 {
        try await context.forEachArgument(paths) { item in
            guard let status = item.status, !status.isDirectory else { throw PathFailure(PathMessage.isDirectory(item.display)) }
            try await Self.copyToOutput(try await context.fs(item).open(item.absolute), context: context)
        }
        return context.exitCode
    }

    /// The rest of `input` to stdout, `readBytes` at a time (shared with -text).
    static func copyToOutput(_ input: FileInputStream, context: DFSContext) async throws {
        while true {
            let bytes = try await input.read(maxBytes: readBytes)
            if bytes.isEmpty { return }
            context.output.writeBytes(bytes)
        }
    }
}

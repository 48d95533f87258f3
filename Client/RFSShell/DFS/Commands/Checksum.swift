import RFSClient

/// `-checksum [-v] <src> ...` (Hadoop's `Checksum`): `<path>\t<algorithm>\t<hex>` per file.
struct ChecksumCommand: DFSCommand {
    static let name = "checksum"
    static let usage = "[-v] <src> ..."

    let paths: [String]
    let verbose: Bool

    init(arguments: [String]) throws(UsageError) {
        let parsed = try CommandFormat(min: 1, flags: ["v"]).parse(arguments)
        paths = parsed.arguments
        verbose = parsed.has("v")
    }

    func run(_ context: DFSContext) async throws -> Int32 {
        try await context.forEachArgument(paths) { item in
            guard let status = item.status, !status.isDirectory else { throw PathFailure(PathMessage.isDirectory(item.display)) }
            let checksum = try await context.fs(item).fileChecksum(item.absolute)
            var line = "\(item.display)\t\(checksum.algorithmName)\t\(checksum.hex)"
            if verbose { line += "\tBlockChecksumOptions: MD5MD5CRC" }
            context.output.printLine(line)
        }
        return context.exitCode
    }
}

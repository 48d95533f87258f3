import RFSClient

/// `-text [-ignoreCrc] <src> ...` (Hadoop's `Text`): like `-cat` for plain files. Hadoop also
/// decodes gzip and SequenceFiles here; rfs does not yet, and says so instead of printing
/// compressed bytes.
struct TextCommand: DFSCommand {
    static let name = "text"
    static let usage = "[-ignoreCrc] <src> ..."

    let paths: [String]

    init(arguments: [String]) throws(UsageError) {
        paths = try CommandFormat(min: 1, flags: ["ignoreCrc"]).parse(arguments).arguments
    }

    func run(_ context: DFSContext) async throws -> Int32 {
        try await context.forEachArgument(paths) { item in
            guard let status = item.status, !status.isDirectory else { throw PathFailure(PathMessage.isDirectory(item.display)) }
            let input = try await context.fs(item).open(item.absolute)
            let head = try await input.pread(offset: 0, length: 4)
            if head.starts(with: [0x1F, 0x8B]) || head.starts(with: Array("SEQ".utf8)) {
                throw PathFailure(PathMessage.other(item.display, "compressed and SequenceFile contents are not decoded by rfs dfs -text yet; use -cat"))
            }
            try await CatCommand.copyToOutput(input, context: context)
        }
        return context.exitCode
    }
}

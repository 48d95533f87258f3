import RFSClient

/// `-touchz <path> ...` (Hadoop's `Touchz`): an empty file, created or re-created; a
/// directory or a non-empty file is an error.
struct TouchzCommand: DFSCommand {
    static let name = "touchz"
    static let usage = "<path> ..."

    let paths: [String]

    init(arguments: [String]) throws(UsageError) {
        paths = try CommandFormat(min: 1).parse(arguments).arguments
    }

    func run(_ context: DFSContext) async throws -> Int32 {
        try await context.forEachArgument(paths, nonexistent: { item in
            if let parent = PathResolver.parent(of: item.absolute), try await context.fs(item).fileStatus(parent) == nil {
                // Hadoop adds the qualified path (PathNotFoundException.withFullyQualifiedPath).
                throw PathFailure(PathMessage.notFound(item.display) + ": `\(context.qualified(item.absolute, on: item))'")
            }
            try await context.fs(item).createEmptyFile(item.absolute)
        }, existing: { item in
            guard let status = item.status, !status.isDirectory else { throw PathFailure(PathMessage.isDirectory(item.display)) }
            guard status.length == 0 else { throw PathFailure(PathMessage.other(item.display, "Not a zero-length file")) }
            try await context.fs(item).createEmptyFile(item.absolute)
        })
        return context.exitCode
    }
}

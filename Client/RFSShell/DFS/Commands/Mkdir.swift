import RFSClient

/// `-mkdir [-p] <path> ...` (Hadoop's `Mkdir`): without -p an existing path or a missing
/// parent is an error; the parent is named fully qualified, as FsShell does.
struct MkdirCommand: DFSCommand {
    static let name = "mkdir"
    static let usage = "[-p] <path> ..."

    let paths: [String]
    let createParents: Bool

    init(arguments: [String]) throws(UsageError) {
        let parsed = try CommandFormat(min: 1, flags: ["p"]).parse(arguments)
        paths = parsed.arguments
        createParents = parsed.has("p")
    }

    func run(_ context: DFSContext) async throws -> Int32 {
        try await context.forEachArgument(paths, nonexistent: { item in
            if !createParents, let parent = PathResolver.parent(of: item.absolute), try await !context.fs(item).exists(parent) {
                throw PathFailure(PathMessage.notFound(context.qualified(parent, on: item)))
            }
            guard try await context.fs(item).mkdirs(item.absolute, createParent: true) else {
                throw PathFailure(PathMessage.ioError(item.display))
            }
        }, existing: { item in
            if item.status?.isDirectory == true {
                if !createParents { throw PathFailure(PathMessage.exists(item.display)) }
            } else {
                throw PathFailure(PathMessage.isNotDirectory(item.display))
            }
        })
        return context.exitCode
    }
}

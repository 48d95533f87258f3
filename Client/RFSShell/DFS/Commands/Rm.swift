import RFSClient

/// `-rm [-f] [-r|-R] [-skipTrash] [-safely] <src> ...` (Hadoop's `Delete.Rm`): to the trash when
/// it is on (`fs.trash.interval` > 0 on the server or in the client's configuration), else
/// deleted with "Deleted <path>".
struct RmCommand: DFSCommand {
    static let name = "rm"
    static let usage = "[-f] [-r|-R] [-skipTrash] [-safely] <src> ..."

    let paths: [String]
    let ignoreMissing: Bool
    let recursive: Bool
    let skipTrash: Bool

    init(arguments: [String]) throws(UsageError) {
        let parsed = try CommandFormat(min: 1, flags: ["f", "r", "R", "skipTrash", "safely"]).parse(arguments)
        paths = parsed.arguments
        ignoreMissing = parsed.has("f")
        recursive = parsed.has("r") || parsed.has("R")
        skipTrash = parsed.has("skipTrash")
    }

    func run(_ context: DFSContext) async throws -> Int32 {
        // Hadoop's Rm: with -f, a glob that matches nothing is not an error either.
        try await context.forEachArgument(paths, unmatchedGlobsAreEmpty: ignoreMissing, nonexistent: { item in
            if !ignoreMissing { throw PathFailure(PathMessage.notFound(item.display)) }
        }, existing: { item in
            if item.status?.isDirectory == true, !recursive { throw PathFailure(PathMessage.isDirectory(item.display)) }
            if !skipTrash, try await Trash(context: context).moveToTrash(item) { return }
            guard try await context.fs(item).delete(item.absolute, recursive: recursive) else {
                throw PathFailure(PathMessage.ioError(item.display))
            }
            context.printLine("Deleted \(item.display)")
        })
        return context.exitCode
    }
}

import RFSClient

/// `-rmdir [--ignore-fail-on-non-empty] <dir> ...` (Hadoop's `Delete.Rmdir`).
struct RmdirCommand: DFSCommand {
    static let name = "rmdir"
    static let usage = "[--ignore-fail-on-non-empty] <dir> ..."

    let paths: [String]
    let ignoreNonEmpty: Bool

    init(arguments: [String]) throws(UsageError) {
        let parsed = try CommandFormat(min: 1, flags: ["-ignore-fail-on-non-empty"]).parse(arguments)
        paths = parsed.arguments
        ignoreNonEmpty = parsed.has("-ignore-fail-on-non-empty")
    }

    func run(_ context: DFSContext) async throws -> Int32 {
        try await context.forEachArgument(paths) { item in
            guard item.status?.isDirectory == true else { throw PathFailure(PathMessage.isNotDirectory(item.display)) }
            var entries = try context.fs(item).listing(item.absolute).makeAsyncIterator()
            if try await entries.next() == nil {
                guard try await context.fs(item).delete(item.absolute, recursive: false) else {
                    throw PathFailure(PathMessage.ioError(item.display))
                }
            } else if !ignoreNonEmpty {
                throw PathFailure(PathMessage.notEmpty(item.display))
            }
        }
        return context.exitCode
    }
}

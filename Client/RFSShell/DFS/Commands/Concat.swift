import RFSClient

/// `-concat <target path> <src path> <src path> ...` (Hadoop's `Concat`): the sources' blocks
/// moved, in order, onto the end of the target, and the sources deleted (the namenode's
/// concat: every file closed and non-empty, all in one directory).
struct ConcatCommand: DFSCommand {
    static let name = "concat"
    static let usage = "<target path> <src path> <src path> ..."

    let paths: [String]

    init(arguments: [String]) throws(UsageError) {
        paths = try CommandFormat(min: 0).parse(arguments).arguments
    }

    func run(_ context: DFSContext) async throws -> Int32 {
        do {
            var items: [ShellPath] = []
            for path in paths { items += try await context.expand(path) }
            guard let target = items.first else { throw PathFailure("Target path not specified. \(Self.usage)") }
            guard items.count >= 3 else { throw PathFailure("The number of source paths is less than 2. \(Self.usage)") }
            guard target.status?.isDirectory == false else {
                throw PathFailure("Target path \(context.qualified(target.absolute, on: target)) does not exist or is not file.")
            }
            for source in items.dropFirst() where source.status?.isDirectory != false {
                throw PathFailure("\(context.qualified(source.absolute, on: source)) does not exist or is not file.")
            }
            try await context.fs(target).concat(target.absolute, sources: items.dropFirst().map(\.absolute))
        } catch {
            try context.report(error)
        }
        return context.exitCode
    }
}

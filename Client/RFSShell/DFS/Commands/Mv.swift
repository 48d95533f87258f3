import RFSClient
import RFSModel

/// `-mv <src> ... <dst>` (Hadoop's `MoveCommands.Rename`): the old `rename`; into `<dst>` when
/// it is a directory; several sources need a directory destination; an existing target is an error.
struct MvCommand: DFSCommand {
    static let name = "mv"
    static let usage = "<src> ... <dst>"

    let sources: [String]
    let destination: String

    init(arguments: [String]) throws(UsageError) {
        let parsed = try CommandFormat(min: 2).parse(arguments)
        sources = Array(parsed.arguments.dropLast())
        destination = parsed.arguments.last!
    }

    func run(_ context: DFSContext) async throws -> Int32 {
        let target: ShellPath
        do {
            target = try await context.lookup(destination)
            if let status = target.status {
                if !status.isDirectory, sources.count > 1 { throw PathFailure(PathMessage.isNotDirectory(target.display)) }
            } else if sources.count > 1 {
                throw PathFailure(PathMessage.notFound(target.display))
            }
        } catch {
            try context.report(error)
            return context.exitCode
        }
        try await context.forEachArgument(sources) { source in
            if source.authority.lowercased() != target.authority.lowercased() {
                // FsShell compares scheme and host only: another port on the same host gets as
                // far as the rename, which refuses the foreign path.
                guard Self.host(source.authority) == Self.host(target.authority) else {
                    throw PathFailure(PathMessage.other(source.display, "Does not match target filesystem"))
                }
                throw UsageError("Wrong FS: \(context.qualified(source.absolute, on: source)), expected: \(context.fs(target).uri)")
            }
            let into = target.status?.isDirectory == true
            let destinationPath = into ? try await context.lookup(PathResolver.child(of: target.display, named: source.status!.name)) : target
            if into, destinationPath.exists { throw PathFailure(PathMessage.exists(destinationPath.display)) }
            if !into, target.exists { throw PathFailure(PathMessage.exists(target.display)) }
            guard try await context.fs(source).rename(source.absolute, to: destinationPath.absolute) else {
                throw PathFailure(PathMessage.ioError(source.display))
            }
        }
        return context.exitCode
    }

    static func host(_ authority: String) -> String {
        HostPort(parsing: authority)?.host.lowercased() ?? authority.lowercased()
    }
}

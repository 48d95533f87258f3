import RFSClient

/// `-chmod [-R] <MODE[,MODE]... | OCTALMODE> PATH...` (Hadoop's `FsShellPermissions.Chmod`):
/// setPermission only where the mode changes.
struct ChmodCommand: DFSCommand {
    static let name = "chmod"
    static let usage = "[-R] <MODE[,MODE]... | OCTALMODE> PATH..."

    let change: ModeChange
    let paths: [String]
    let recursive: Bool

    init(arguments: [String]) throws(UsageError) {
        let parsed = try CommandFormat(min: 2, flags: ["R"]).parse(arguments)
        change = try ModeChange(parsing: parsed.arguments[0])
        paths = Array(parsed.arguments.dropFirst())
        recursive = parsed.has("R")
    }

    func run(_ context: DFSContext) async throws -> Int32 {
        try await context.forEachArgument(paths) { item in
            try await context.walk([item], recursive: recursive) { entry in
                let status = entry.status!
                let mode = change.apply(to: status.permission.mode, isDirectory: status.isDirectory)
                guard mode != status.permission.mode else { return }
                do {
                    try await context.fs(entry).setPermission(entry.absolute, FsPermission(mode: mode))
                } catch {
                    throw PathFailure("changing permissions of '\(entry.display)': \(DFSContext.message(for: error))")
                }
            }
        }
        return context.exitCode
    }
}

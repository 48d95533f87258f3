import RFSClient

/// `-chown [-R] [OWNER][:[GROUP]] PATH...` and `-chgrp [-R] GROUP PATH...` (Hadoop's
/// `FsShellPermissions.Chown`/`Chgrp`): setOwner only for what changes.
struct ChownCommand: DFSCommand {
    static let name = "chown"
    static let usage = "[-R] [OWNER][:[GROUP]] PATH..."

    let change: OwnerChange
    let paths: [String]
    let recursive: Bool

    init(arguments: [String]) throws(UsageError) {
        let parsed = try CommandFormat(min: 2, flags: ["R"]).parse(arguments)
        change = try OwnerChange(chown: parsed.arguments[0])
        paths = Array(parsed.arguments.dropFirst())
        recursive = parsed.has("R")
    }

    init(change: OwnerChange, paths: [String], recursive: Bool) {
        self.change = change
        self.paths = paths
        self.recursive = recursive
    }

    func run(_ context: DFSContext) async throws -> Int32 {
        try await context.forEachArgument(paths) { item in
            try await context.walk([item], recursive: recursive) { entry in
                let status = entry.status!
                let owner = change.owner == status.owner ? nil : change.owner
                let group = change.group == status.group ? nil : change.group
                guard owner != nil || group != nil else { return }
                do {
                    try await context.fs(entry).setOwner(entry.absolute, owner: owner, group: group)
                } catch {
                    throw PathFailure("changing ownership of '\(entry.display)': \(DFSContext.message(for: error))")
                }
            }
        }
        return context.exitCode
    }
}

struct ChgrpCommand: DFSCommand {
    static let name = "chgrp"
    static let usage = "[-R] GROUP PATH..."

    let chown: ChownCommand

    init(arguments: [String]) throws(UsageError) {
        let parsed = try CommandFormat(min: 2, flags: ["R"]).parse(arguments)
        chown = ChownCommand(change: try OwnerChange(chgrp: parsed.arguments[0]), paths: Array(parsed.arguments.dropFirst()),
                             recursive: parsed.has("R"))
    }

    func run(_ context: DFSContext) async throws -> Int32 {
        try await chown.run(context)
    }
}

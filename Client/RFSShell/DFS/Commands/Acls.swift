import RFSClient

/// `-getfacl [-R] <path>` (Hadoop's `AclCommands.GetfaclCommand`): owner, group, the sticky
/// flag and the ACL. rfs keeps no ACL entries, so every inode's ACL is the minimal one its
/// permission bits make (user::, group::, other::), which FsShell prints without asking the
/// namenode for an AclStatus.
struct GetfaclCommand: DFSCommand {
    static let name = "getfacl"
    static let usage = "[-R] <path>"

    let recursive: Bool
    let path: String

    init(arguments: [String]) throws(UsageError) {
        let parsed = try CommandFormat(min: 0, flags: ["R"]).parse(arguments)
        recursive = parsed.has("R")
        guard let first = parsed.arguments.first else { throw UsageError("<path> is missing") }
        guard parsed.arguments.count == 1 else { throw UsageError("Too many arguments") }
        path = first
    }

    func run(_ context: DFSContext) async throws -> Int32 {
        try await context.forEachArgument([path]) { item in
            try await context.walk([item], recursive: recursive) { entry in
                guard let status = entry.status else { return }
                let mode = status.permission.mode
                var text = "# file: \(entry.display)\n# owner: \(status.owner)\n# group: \(status.group)\n"
                if status.permission.isSticky { text += "# flags: --" + (mode & 0o001 != 0 ? "t" : "T") + "\n" }
                text += "user::\(FsPermission.actionSymbol(mode >> 6))\ngroup::\(FsPermission.actionSymbol(mode >> 3))\nother::\(FsPermission.actionSymbol(mode))\n\n"
                context.print(text)
            }
        }
        return context.exitCode
    }
}

/// `-setfacl [-R] [{-b|-k} {-m|-x <acl_spec>} <path>]|[--set <acl_spec> <path>]` (Hadoop's
/// `AclCommands.SetfaclCommand`): the options and the ACL spec checked as FsShell checks them,
/// then the change asked of the namenode, which refuses it as HDFS does with ACLs disabled.
struct SetfaclCommand: DFSCommand {
    static let name = "setfacl"
    static let usage = "[-R] [{-b|-k} {-m|-x <acl_spec>} <path>]|[--set <acl_spec> <path>]"

    enum Action { case removeAll, removeDefault, modify, remove, set }

    let action: Action
    let recursive: Bool
    let entries: [AclEntry]
    let path: String

    init(arguments: [String]) throws(UsageError) {
        let parsed = try CommandFormat(min: 0, flags: ["b", "k", "R", "m", "x", "-set"]).parse(arguments)
        recursive = parsed.has("R")
        let remove = [parsed.has("b"), parsed.has("k")], modify = [parsed.has("m"), parsed.has("x")], set = parsed.has("-set")
        let oneRemove = remove.contains(true), oneModify = modify.contains(true)
        if !remove.contains(false) || !modify.contains(false) || (oneRemove && oneModify) || (set && (oneRemove || oneModify)) {
            throw UsageError("Specified flags contains both remove and modify flags")
        }
        var rest = parsed.arguments
        var entries: [AclEntry] = []
        if oneModify || set {
            if rest.isEmpty { throw UsageError("Missing arguments: <acl_spec> <path>") }
            if rest.count < 2 { throw UsageError("Missing either <acl_spec> or <path>") }
            do {
                entries = try AclEntry.parseSpec(rest.removeFirst(), includePermission: !parsed.has("x"))
            } catch {
                throw UsageError(error.description)
            }
            if entries.isEmpty { throw UsageError("Missing <acl_spec> entry") }
        }
        guard let first = rest.first else { throw UsageError("<path> is missing") }
        guard rest.count == 1 else { throw UsageError("Too many arguments") }
        guard oneRemove || oneModify || set else { throw UsageError("Expected one of -b, -k, -m, -x or --set options") }
        path = first
        self.entries = entries
        action = parsed.has("b") ? .removeAll : parsed.has("k") ? .removeDefault : parsed.has("m") ? .modify : parsed.has("x") ? .remove : .set
    }

    func run(_ context: DFSContext) async throws -> Int32 {
        try await context.forEachArgument([path]) { item in
            try await context.walk([item], recursive: recursive) { entry in
                // Recursively, a file gets only the access entries (only directories have defaults).
                let chosen = recursive && entry.status?.isDirectory != true ? entries.filter { $0.scope == .access } : entries
                let change: FileSystem.AclChange
                switch action {
                case .removeAll: change = .removeAll
                case .removeDefault: change = .removeDefault
                case .modify: change = .modify(chosen)
                case .remove: change = .remove(chosen)
                case .set: change = .set(chosen)
                }
                if [.modify, .remove, .set].contains(action) && chosen.isEmpty { return }
                try await context.fs(entry).changeAcl(entry.absolute, change)
            }
        }
        return context.exitCode
    }
}

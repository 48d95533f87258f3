import RFSClient

/// `-test -[defswrz] <path>` (Hadoop's `Test`): the answer is the exit code alone.
struct TestCommand: DFSCommand {
    static let name = "test"
    static let usage = "-[defswrz] <path>"

    let flag: String
    let path: String

    init(arguments: [String]) throws(UsageError) {
        let parsed = try CommandFormat(min: 1, max: 1, flags: ["e", "d", "f", "s", "z", "w", "r"]).parse(arguments)
        switch parsed.flagsSet.count {
        case 0: throw UsageError("No test flag given")
        case 1: flag = parsed.flagsSet[0]
        default: throw UsageError("Only one test flag is allowed")
        }
        path = parsed.arguments[0]
    }

    func run(_ context: DFSContext) async throws -> Int32 {
        var answer = false
        try await context.forEachArgument([path], nonexistent: { _ in answer = false }, existing: { item in
            guard let status = item.status else { return }
            switch flag {
            case "e": answer = true
            case "d": answer = status.isDirectory
            case "f": answer = status.isFile
            case "s": answer = status.length > 0
            case "z": answer = status.length == 0
            default: answer = try await Self.permits(item, flag == "w" ? .write : .read, context)
            }
        })
        if context.errorCount > 0 { return context.exitCode }
        return answer ? 0 : 1
    }

    /// -r/-w ask the namenode (checkAccess), as Hadoop's `Test.testAccess`: a denial or a
    /// missing path answers no; any other failure is reported.
    static func permits(_ item: ShellPath, _ action: FsAction, _ context: DFSContext) async throws -> Bool {
        do {
            try await context.fs(item).checkAccess(item.absolute, action)
            return true
        } catch let remote as RemoteException where remote.isAccessControl || remote.isFileNotFound {
            return false
        }
    }
}

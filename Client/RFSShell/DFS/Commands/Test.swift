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
            // -r/-w: HDFS asks the namenode (checkAccess); rfs answers from the permission bits.
            default: answer = Self.permits(status, user: context.fs.user, write: flag == "w")
            }
        })
        if context.errorCount > 0 { return context.exitCode }
        return answer ? 0 : 1
    }

    static func permits(_ status: FileStatus, user: String, write: Bool) -> Bool {
        let bit: UInt16 = write ? 2 : 4
        let shift: UInt16 = status.owner == user ? 6 : 0
        return status.permission.mode >> shift & bit != 0 || (shift == 0 && status.permission.mode >> 3 & bit != 0)
    }
}

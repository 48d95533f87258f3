import Foundation
import RFSClient

/// `-touch [-a] [-m] [-t TIMESTAMP (yyyyMMdd:HHmmss)] [-c] <path> ...` (Hadoop's `Touch`):
/// sets a file's access and/or modification time (now, or the timestamp, in this machine's
/// time zone as Hadoop reads it); a missing file is created empty unless `-c`.
struct TouchCommand: DFSCommand {
    static let name = "touch"
    static let usage = "[-a] [-m] [-t TIMESTAMP (yyyyMMdd:HHmmss) ] [-c] <path> ..."

    let paths: [String]
    let accessOnly: Bool
    let modificationOnly: Bool
    let noCreate: Bool
    let timestamp: String?

    init(arguments: [String]) throws(UsageError) {
        let parsed = try CommandFormat(min: 1, flags: ["a", "m", "c"], valueOptions: ["t"]).parse(arguments)
        paths = parsed.arguments
        accessOnly = parsed.has("a")
        modificationOnly = parsed.has("m")
        noCreate = parsed.has("c")
        timestamp = parsed.values["t"]
    }

    /// The time to set, in milliseconds since the epoch.
    func timeMillis() throws -> Int64 {
        guard let timestamp else { return Int64(Date().timeIntervalSince1970 * 1000) }
        let format = DateFormatter()
        format.locale = Locale(identifier: "en_US_POSIX")
        format.timeZone = TimeZone.current
        format.dateFormat = "yyyyMMdd:HHmmss"
        guard let date = format.date(from: timestamp) else {
            throw UsageError("Unable to parse the specified timestamp \(timestamp). The expected format is yyyyMMdd:HHmmss")
        }
        return Int64(date.timeIntervalSince1970 * 1000)
    }

    func run(_ context: DFSContext) async throws -> Int32 {
        let time = try timeMillis()
        // Only one of -a and -m changes only that time; neither or both change both.
        let (modification, access): (Int64?, Int64?) = accessOnly != modificationOnly
            ? (accessOnly ? nil : time, modificationOnly ? nil : time) : (time, time)
        try await context.forEachArgument(paths, nonexistent: { item in
            guard !noCreate else { return }
            if let parent = PathResolver.parent(of: item.absolute), try await context.fs(item).fileStatus(parent) == nil {
                throw PathFailure(PathMessage.notFound(item.display) + ": `\(context.qualified(item.absolute, on: item))'")
            }
            try await context.fs(item).createEmptyFile(item.absolute)
            if timestamp != nil {
                try await context.fs(item).setTimes(item.absolute, modificationTimeMs: modification, accessTimeMs: access)
            }
        }, existing: { item in
            if item.status?.isDirectory == true { throw PathFailure(PathMessage.isDirectory(item.display)) }
            try await context.fs(item).setTimes(item.absolute, modificationTimeMs: modification, accessTimeMs: access)
        })
        return context.exitCode
    }
}

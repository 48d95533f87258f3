import Foundation
import RFSClient

/// `-getmerge [-nl] [-skip-empty-file] <src> ... <localdst>` (Hadoop's `Merge`): the files of
/// each `<src>` (a directory's files in name order, one level only, or the files a glob
/// matches), in the order given, concatenated into one local file; `-nl` adds a newline after
/// each, `-skip-empty-file` leaves out empty files and their newline. When a source is
/// missing nothing is written, as in Hadoop.
struct GetmergeCommand: DFSCommand {
    static let name = "getmerge"
    static let usage = "[-nl] [-skip-empty-file] <src> <localdst>"
    static let readBytes = 8 << 20

    let sources: [String]
    let destination: String
    let newlines: Bool
    let skipEmpty: Bool

    init(arguments: [String]) throws(UsageError) {
        let parsed = try CommandFormat(min: 2, flags: ["nl", "skip-empty-file"]).parse(arguments)
        sources = Array(parsed.arguments.dropLast())
        let last = parsed.arguments[parsed.arguments.count - 1]
        destination = localFilePath(last)
        newlines = parsed.has("nl")
        skipEmpty = parsed.has("skip-empty-file")
    }

    func run(_ context: DFSContext) async throws -> Int32 {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: destination, isDirectory: &isDirectory), isDirectory.boolValue {
            throw PathFailure(PathMessage.isDirectory(destination))
        }
        var files: [String] = []
        try await context.forEachArgument(sources) { item in
            if item.status?.isDirectory == true {
                let prefix = item.absolute == "/" ? "" : item.absolute
                files += try await context.fs.listStatus(item.absolute).filter { !$0.isDirectory }.map { "\(prefix)/\($0.name)" }
            } else {
                files.append(item.absolute)
            }
        }
        // A source that could not be read: report it (done above) and write nothing.
        guard context.exitCode == 0 else { return context.exitCode }
        guard FileManager.default.createFile(atPath: destination, contents: nil),
              let output = FileHandle(forWritingAtPath: destination) else {
            throw PathFailure(PathMessage.other(destination, "Permission denied"))
        }
        defer { try? output.close() }
        for file in files {
            let input = try await context.fs.open(file)
            if skipEmpty, await input.length == 0 { continue }
            while true {
                let bytes = try await input.read(maxBytes: Self.readBytes)
                if bytes.isEmpty { break }
                try output.write(contentsOf: bytes)
            }
            if newlines { try output.write(contentsOf: [0x0A]) }
        }
        return context.exitCode
    }
}

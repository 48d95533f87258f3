import Foundation
import RFSClient

/// `-getmerge [-nl] [-skip-empty-file] <src> <localdst>` (Hadoop's `Merge`): the files of
/// `<src>` (a directory's files in name order, or the files a glob matches) concatenated
/// into one local file; `-nl` adds a newline after each.
struct GetmergeCommand: DFSCommand {
    static let name = "getmerge"
    static let usage = "[-nl] [-skip-empty-file] <src> <localdst>"
    static let readBytes = 8 << 20

    let source: String
    let destination: String
    let newlines: Bool
    let skipEmpty: Bool

    init(arguments: [String]) throws(UsageError) {
        let parsed = try CommandFormat(min: 2, max: 2, flags: ["nl", "skip-empty-file"]).parse(arguments)
        source = parsed.arguments[0]
        destination = parsed.arguments[1]
        newlines = parsed.has("nl")
        skipEmpty = parsed.has("skip-empty-file")
    }

    func run(_ context: DFSContext) async throws -> Int32 {
        var files: [String] = []
        try await context.forEachArgument([source]) { item in
            if item.status?.isDirectory == true {
                files += try await context.fs.listStatus(item.absolute).filter { !$0.isDirectory }
                    .map { "\(item.absolute == "/" ? "" : item.absolute)/\($0.path.split(separator: "/").last.map(String.init) ?? "")" }
            } else {
                files.append(item.absolute)
            }
        }
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

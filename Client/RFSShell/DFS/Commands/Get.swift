import Foundation
import RFSClient

/// `-get [-f] [-p] [-ignoreCrc] [-crc] <src> ... <localdst>` (Hadoop's `Get`, also
/// `-copyToLocal`): each file is written to `<localdst>._COPYING_`, then renamed.
struct GetCommand: DFSCommand {
    static let name = "get"
    static let usage = "[-f] [-p] [-crc] [-ignoreCrc] [-t <thread count>] [-q <thread pool queue size>] <src> ... <localdst>"
    static let readBytes = 8 << 20

    let sources: [String]
    let destination: String
    let overwrite: Bool

    init(arguments: [String]) throws(UsageError) {
        let parsed = try CommandFormat(min: 1, flags: ["f", "p", "crc", "ignoreCrc"], valueOptions: ["t", "q"]).parse(arguments)
        var operands = parsed.arguments
        destination = operands.count > 1 ? operands.removeLast() : "."
        sources = operands
        overwrite = parsed.has("f")
    }

    func run(_ context: DFSContext) async throws -> Int32 {
        let localTarget = destination.hasPrefix("file://") ? String(destination.dropFirst("file://".count)) : destination
        var isDirectory: ObjCBool = false
        let targetExists = FileManager.default.fileExists(atPath: localTarget, isDirectory: &isDirectory)
        try await context.forEachArgument(sources) { item in
            guard let status = item.status, !status.isDirectory else {
                throw PathFailure(PathMessage.other(item.display, "rfs dfs -get copies files; use a file, not a directory"))
            }
            let name = item.absolute.split(separator: "/").last.map(String.init) ?? "file"
            let path = targetExists && isDirectory.boolValue ? "\(localTarget)/\(name)" : localTarget
            if FileManager.default.fileExists(atPath: path), !overwrite {
                throw PathFailure(PathMessage.exists(path))
            }
            let copying = path + "._COPYING_"
            guard FileManager.default.createFile(atPath: copying, contents: nil),
                  let output = FileHandle(forWritingAtPath: copying) else {
                throw PathFailure(PathMessage.other(path, "Permission denied"))
            }
            do {
                let input = try await context.fs(item).open(item.absolute)
                while true {
                    let bytes = try await input.read(maxBytes: Self.readBytes)
                    if bytes.isEmpty { break }
                    try output.write(contentsOf: bytes)
                }
                try output.close()
                if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
                try FileManager.default.moveItem(atPath: copying, toPath: path)
            } catch {
                try? output.close()
                try? FileManager.default.removeItem(atPath: copying)
                throw error
            }
        }
        return context.exitCode
    }
}

/// `-copyToLocal`: `-get` under its other name.
struct CopyToLocalCommand: DFSCommand {
    static let name = "copyToLocal"
    static let usage = "[-f] [-p] [-crc] [-ignoreCrc] [-t <thread count>] [-q <thread pool queue size>] <src> ... <localdst>"
    let get: GetCommand
    init(arguments: [String]) throws(UsageError) { get = try GetCommand(arguments: arguments) }
    func run(_ context: DFSContext) async throws -> Int32 { try await get.run(context) }
}

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
    /// `-p`: times, ownership and permission of each file and directory.
    let preservation: Preservation?

    init(arguments: [String]) throws(UsageError) {
        let parsed = try CommandFormat(min: 1, flags: ["f", "p", "crc", "ignoreCrc"], valueOptions: ["t", "q"]).parse(arguments)
        var operands = parsed.arguments
        destination = operands.count > 1 ? operands.removeLast() : "."
        sources = operands
        overwrite = parsed.has("f")
        preservation = parsed.has("p") ? .standard : nil
    }

    func run(_ context: DFSContext) async throws -> Int32 {
        let localTarget = localFilePath(destination)
        var isDirectory: ObjCBool = false
        let targetExists = FileManager.default.fileExists(atPath: localTarget, isDirectory: &isDirectory)
        try await context.forEachArgument(sources) { item in
            guard let status = item.status else { throw PathFailure(PathMessage.notFound(item.display)) }
            let name = item.absolute.split(separator: "/").last.map(String.init) ?? "file"
            let path = targetExists && isDirectory.boolValue ? "\(localTarget)/\(name)" : localTarget
            let fs = context.fs(item)
            if status.isDirectory {
                try await copyDirectory(item.absolute, status: status, to: path, fs: fs, context: context)
            } else {
                try await copyFile(item.absolute, status: status, to: path, fs: fs, context: context)
            }
        }
        return context.exitCode
    }

    /// A directory and everything under it, as FsShell copies one: the local directory is
    /// made if missing.
    func copyDirectory(_ source: String, status: FileStatus, to path: String, fs: FileSystem, context: DFSContext) async throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw PathFailure(PathMessage.exists(path)) }
        } else {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        }
        for child in try await fs.listStatus(source) {
            let childSource = "\(source == "/" ? "" : source)/\(child.name)"
            do {
                if child.isDirectory {
                    try await copyDirectory(childSource, status: child, to: "\(path)/\(child.name)", fs: fs, context: context)
                } else {
                    try await copyFile(childSource, status: child, to: "\(path)/\(child.name)", fs: fs, context: context)
                }
            } catch {
                try context.report(error)
            }
        }
        try preservation?.applyLocally(CopiedAttributes(status), to: path)
    }

    /// One file written to `<path>._COPYING_`, then renamed to `path`.
    func copyFile(_ source: String, status: FileStatus, to path: String, fs: FileSystem, context: DFSContext) async throws {
        let length = status.length
        if FileManager.default.fileExists(atPath: path), !overwrite {
            throw PathFailure(PathMessage.exists(path))
        }
        let copying = path + "._COPYING_"
        guard FileManager.default.createFile(atPath: copying, contents: nil),
              let output = FileHandle(forWritingAtPath: copying) else {
            throw PathFailure(PathMessage.other(path, "Permission denied"))
        }
        let name = source.split(separator: "/").last.map(String.init) ?? "file"
        let progress = TransferProgress(label: "get: \(name)", totalBytes: length, output: context.output)
        defer { progress.finish() }
        do {
            let input = try await fs.open(source)
            while true {
                let bytes = try await input.read(maxBytes: Self.readBytes)
                if bytes.isEmpty { break }
                try output.write(contentsOf: bytes)
                progress.advance(by: bytes.count)
            }
            try output.close()
            if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
            try FileManager.default.moveItem(atPath: copying, toPath: path)
        } catch {
            try? output.close()
            try? FileManager.default.removeItem(atPath: copying)
            throw error
        }
        try preservation?.applyLocally(CopiedAttributes(status), to: path)
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

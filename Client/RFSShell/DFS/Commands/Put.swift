import Foundation
import RFSClient

/// `-put [-f] [-p] [-l] [-d] <localsrc> ... <dst>` (Hadoop's `Put`, also `-copyFromLocal`):
/// each local file is written to `<dst>._COPYING_` and renamed into place when complete, so
/// a reader never sees half a file; `-f` overwrites.
struct PutCommand: DFSCommand {
    static let name = "put"
    static let usage = "[-f] [-p] [-l] [-d] [-t <thread count>] [-q <thread pool queue size>] <localsrc> ... <dst>"
    /// Bytes read from the local file per write.
    static let chunkBytes = 8 << 20

    let sources: [String]
    let destination: String
    let overwrite: Bool
    /// `-p`: times, ownership and permission of each local file and directory.
    let preservation: Preservation?

    init(arguments: [String]) throws(UsageError) {
        let parsed = try CommandFormat(min: 1, flags: ["f", "p", "l", "d"], valueOptions: ["t", "q"]).parse(arguments)
        var operands = parsed.arguments
        destination = operands.count > 1 ? operands.removeLast() : "."
        sources = operands
        overwrite = parsed.has("f")
        preservation = parsed.has("p") ? .standard : nil
    }

    func run(_ context: DFSContext) async throws -> Int32 {
        try await run(context, afterEachCopied: { _ in })
    }

    /// Copies every source; `afterEachCopied` runs with each local source that arrived whole.
    func run(_ context: DFSContext, afterEachCopied: (String) throws -> Void) async throws -> Int32 {
        let target = try context.fs.resolve(destination)
        let targetStatus = try await context.fs.fileStatus(target)
        if sources.count > 1, targetStatus?.isDirectory != true {
            throw PathFailure(targetStatus == nil ? PathMessage.notFound(destination) : PathMessage.isNotDirectory(destination))
        }
        // A lone "-" is standard input, written to <dst> (or <dst>/- when it is a directory).
        if sources == ["-"] {
            let isDirectory = targetStatus?.isDirectory == true
            let final = isDirectory ? (target == "/" ? "/-" : "\(target)/-") : target
            let display = isDirectory ? (destination.hasSuffix("/") ? destination + "-" : destination + "/-") : destination
            do {
                try await copyStream(FileHandle.standardInput, size: 0, label: "put: -", to: final, display: display, context: context)
            } catch {
                try context.report(error)
            }
            return context.exitCode
        }
        for source in sources {
            do {
                let errorsBefore = context.errorCount
                try await copy(source, into: target, targetIsDirectory: targetStatus?.isDirectory == true, context: context)
                if context.errorCount == errorsBefore { try afterEachCopied(source) }
            } catch {
                try context.report(error)
            }
        }
        return context.exitCode
    }

    func copy(_ source: String, into target: String, targetIsDirectory: Bool, context: DFSContext) async throws {
        let localPath = localFilePath(source)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: localPath, isDirectory: &isDirectory) else {
            throw PathFailure(PathMessage.notFound(source))
        }
        let name = URL(fileURLWithPath: localPath).lastPathComponent
        let final = targetIsDirectory ? (target == "/" ? "/\(name)" : "\(target)/\(name)") : target
        let display = targetIsDirectory ? (destination.hasSuffix("/") ? destination + name : destination + "/" + name) : destination
        if isDirectory.boolValue {
            try await copyDirectory(localPath, to: final, display: display, context: context)
        } else {
            try await copyFile(localPath, to: final, display: display, context: context)
        }
    }

    /// A local directory and everything under it, as FsShell copies one: the target
    /// directory is made if missing; an existing file in the way is an error.
    func copyDirectory(_ localPath: String, to final: String, display: String, context: DFSContext) async throws {
        if let existing = try await context.fs.fileStatus(final) {
            guard existing.isDirectory else { throw PathFailure(PathMessage.exists(display)) }
        } else {
            _ = try await context.fs.mkdirs(final)
        }
        let children = try FileManager.default.contentsOfDirectory(atPath: localPath).sorted()
        for child in children {
            var isDirectory: ObjCBool = false
            let childPath = "\(localPath)/\(child)"
            guard FileManager.default.fileExists(atPath: childPath, isDirectory: &isDirectory) else { continue }
            do {
                if isDirectory.boolValue {
                    try await copyDirectory(childPath, to: "\(final)/\(child)", display: "\(display)/\(child)", context: context)
                } else {
                    try await copyFile(childPath, to: "\(final)/\(child)", display: "\(display)/\(child)", context: context)
                }
            } catch {
                try context.report(error)
            }
        }
        if let preservation { try await preservation.apply(try CopiedAttributes(localPath: localPath), to: final, fs: context.fs) }
    }

    /// One local file written to `<final>._COPYING_`, then renamed to `final`.
    func copyFile(_ localPath: String, to final: String, display: String, context: DFSContext) async throws {
        let name = URL(fileURLWithPath: localPath).lastPathComponent
        if let existing = try await context.fs.fileStatus(final) {
            if existing.isDirectory { throw PathFailure(PathMessage.isDirectory(display)) }
            if !overwrite { throw PathFailure(PathMessage.exists(display)) }
        }
        guard let input = FileHandle(forReadingAtPath: localPath) else {
            throw PathFailure(PathMessage.other(localPath, "Permission denied"))
        }
        defer { try? input.close() }
        let size = (try? FileManager.default.attributesOfItem(atPath: localPath)[.size] as? NSNumber)?.int64Value ?? 0
        try await copyStream(input, size: size, label: "put: \(name)", to: final, display: display, context: context)
        if let preservation { try await preservation.apply(try CopiedAttributes(localPath: localPath), to: final, fs: context.fs) }
    }

    /// `input` to the end, written to `<final>._COPYING_`, then renamed to `final`.
    func copyStream(_ input: FileHandle, size: Int64, label: String, to final: String, display: String, context: DFSContext) async throws {
        if let existing = try await context.fs.fileStatus(final) {
            if existing.isDirectory { throw PathFailure(PathMessage.isDirectory(display)) }
            if !overwrite { throw PathFailure(PathMessage.exists(display)) }
        }
        let copying = final + "._COPYING_"
        let progress = TransferProgress(label: label, totalBytes: size, output: context.output)
        defer { progress.finish() }
        let output = try await context.fs.create(copying, overwrite: true, createParent: false)
        do {
            while let chunk = try input.read(upToCount: Self.chunkBytes), !chunk.isEmpty {
                try await output.write(chunk)
                progress.advance(by: chunk.count)
            }
            try await output.close()
        } catch {
            _ = try? await context.fs.delete(copying, recursive: false)
            throw error
        }
        if overwrite, try await context.fs.fileStatus(final) != nil {
            _ = try await context.fs.delete(final, recursive: false)
        }
        guard try await context.fs.rename(copying, to: final) else {
            throw PathFailure(PathMessage.other(display, "could not rename \(copying) into place"))
        }
    }
}

/// `-moveFromLocal` (Hadoop's `MoveFromLocal`): `-put`, then each local source that was
/// copied whole is removed.
struct MoveFromLocalCommand: DFSCommand {
    static let name = "moveFromLocal"
    static let usage = "[-f] [-p] [-l] [-d] <localsrc> ... <dst>"
    let put: PutCommand
    init(arguments: [String]) throws(UsageError) { put = try PutCommand(arguments: arguments) }
    func run(_ context: DFSContext) async throws -> Int32 {
        try await put.run(context) { source in
            let localPath = localFilePath(source)
            do { try FileManager.default.removeItem(atPath: localPath) } catch {
                throw PathFailure(PathMessage.other(source, "Input/output error"))
            }
        }
    }
}

/// `-moveToLocal`: as in Hadoop, named but not implemented.
struct MoveToLocalCommand: DFSCommand {
    static let name = "moveToLocal"
    static let usage = "<src> <localdst>"
    init(arguments: [String]) throws(UsageError) { _ = try CommandFormat(min: 2, max: 2).parse(arguments) }
    func run(_ context: DFSContext) async throws -> Int32 {
        context.displayError("Option '-moveToLocal' is not implemented yet.")
        return context.exitCode
    }
}

/// `-copyFromLocal`: `-put` under its other name.
struct CopyFromLocalCommand: DFSCommand {
    static let name = "copyFromLocal"
    static let usage = "[-f] [-p] [-l] [-d] [-t <thread count>] [-q <thread pool queue size>] <localsrc> ... <dst>"
    let put: PutCommand
    init(arguments: [String]) throws(UsageError) { put = try PutCommand(arguments: arguments) }
    func run(_ context: DFSContext) async throws -> Int32 { try await put.run(context) }
}

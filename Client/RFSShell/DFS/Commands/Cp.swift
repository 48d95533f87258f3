import RFSClient

/// `-cp [-f] [-p | -p[topax]] [-d] <src> ... <dst>` (Hadoop's `Cp`): files copied through
/// the client (read from the datanodes, written as a new file via `<dst>._COPYING_` unless
/// `-d`), directories copied recursively; `-f` overwrites.
struct CpCommand: DFSCommand {
    static let name = "cp"
    static let usage = "[-f] [-p | -p[topax]] [-d] [-t <thread count>] [-q <thread pool queue size>] <src> ... <dst>"
    static let chunkBytes = 8 << 20

    let sources: [String]
    let destination: String
    let overwrite: Bool
    let direct: Bool
    /// `-p` or `-p[topax]`: what of each source its copy keeps.
    let preservation: Preservation?

    init(arguments: [String]) throws(UsageError) {
        var arguments = arguments
        preservation = try Preservation.pop(from: &arguments)
        let parsed = try CommandFormat(min: 2, flags: ["f", "d"], valueOptions: ["t", "q"]).parse(arguments)
        var operands = parsed.arguments
        destination = operands.removeLast()
        sources = operands
        overwrite = parsed.has("f")
        direct = parsed.has("d")
    }

    func run(_ context: DFSContext) async throws -> Int32 {
        let target = try context.fs.resolve(destination)
        let targetStatus = try await context.fs.fileStatus(target)
        let intoDirectory = targetStatus?.isDirectory == true
        if sources.count > 1, !intoDirectory {
            throw PathFailure(targetStatus == nil ? PathMessage.notFound(destination) : PathMessage.isNotDirectory(destination))
        }
        try await context.forEachArgument(sources) { item in
            let name = item.absolute.split(separator: "/").last.map(String.init) ?? ""
            let copyTo = intoDirectory ? (target == "/" ? "/\(name)" : "\(target)/\(name)") : target
            let display = intoDirectory ? (destination.hasSuffix("/") ? destination + name : destination + "/" + name) : destination
            try await copy(item.absolute, status: item.status!, to: copyTo, display: display, context: context)
        }
        return context.exitCode
    }

    func copy(_ source: String, status: FileStatus, to target: String, display: String, context: DFSContext) async throws {
        if target == source || target.hasPrefix(source + "/") {
            throw PathFailure(PathMessage.other(display, "is a subdirectory of itself"))
        }
        if status.isDirectory {
            if try await context.fs.fileStatus(target) == nil { _ = try await context.fs.mkdirs(target) }
            for child in try await context.fs.listStatus(source) {
                let name = child.path.split(separator: "/").last.map(String.init) ?? ""
                try await copy("\(source == "/" ? "" : source)/\(name)", status: child, to: "\(target)/\(name)",
                               display: "\(display)/\(name)", context: context)
            }
            try await preservation?.apply(CopiedAttributes(status), to: target, fs: context.fs)
            return
        }
        if let existing = try await context.fs.fileStatus(target) {
            if existing.isDirectory { throw PathFailure(PathMessage.isDirectory(display)) }
            if !overwrite { throw PathFailure(PathMessage.exists(display)) }
        }
        let temporary = direct ? target : target + "._COPYING_"
        let input = try await context.fs.open(source)
        let output = try await context.fs.create(temporary, overwrite: true, createParent: false)
        do {
            while true {
                let bytes = try await input.read(maxBytes: Self.chunkBytes)
                if bytes.isEmpty { break }
                try await output.write(bytes)
            }
            try await output.close()
        } catch {
            _ = try? await context.fs.delete(temporary, recursive: false)
            throw error
        }
        if !direct {
            if overwrite, try await context.fs.fileStatus(target) != nil { _ = try await context.fs.delete(target, recursive: false) }
            guard try await context.fs.rename(temporary, to: target) else {
                throw PathFailure(PathMessage.other(display, "could not rename \(temporary) into place"))
            }
        }
        try await preservation?.apply(CopiedAttributes(status), to: target, fs: context.fs)
    }
}

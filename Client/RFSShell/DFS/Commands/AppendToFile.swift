import Foundation
import RFSClient

/// `-appendToFile <localsrc> ... <dst>` (Hadoop's `AppendToFile`): local files (or `-` for
/// stdin) appended to `<dst>`, which is created when missing.
struct AppendToFileCommand: DFSCommand {
    static let name = "appendToFile"
    static let usage = "[-n] <localsrc> ... <dst>"
    static let chunkBytes = 8 << 20

    let sources: [String]
    let destination: String

    init(arguments: [String]) throws(UsageError) {
        var operands = try CommandFormat(min: 2, flags: ["n"]).parse(arguments).arguments
        destination = operands.removeLast()
        sources = operands
    }

    func run(_ context: DFSContext) async throws -> Int32 {
        let target = try context.fs.resolve(destination)
        let existing = try await context.fs.fileStatus(target)
        if existing?.isDirectory == true { throw PathFailure(PathMessage.isDirectory(destination)) }
        let output = existing == nil ? try await context.fs.create(target, createParent: false) : try await context.fs.append(target)
        do {
            for source in sources {
                let handle = source == "-" ? FileHandle.standardInput : FileHandle(forReadingAtPath: source)
                guard let handle else { throw PathFailure(PathMessage.notFound(source)) }
                while let chunk = try handle.read(upToCount: Self.chunkBytes), !chunk.isEmpty {
                    try await output.write(chunk)
                }
                if source != "-" { try? handle.close() }
            }
            try await output.close()
        } catch {
            try? await output.close()
            throw error
        }
        return context.exitCode
    }
}

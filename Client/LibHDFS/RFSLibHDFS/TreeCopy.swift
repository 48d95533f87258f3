#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import RFSClient

/// hdfsCopy/hdfsMove as Hadoop's FileUtil.copy does them: a file's bytes streamed into a new
/// file (an existing one replaced), a directory made and its entries copied into it; a
/// destination that is an existing directory receives the source under its own name.
struct TreeCopy: Sendable {
    let source: Connection
    let target: Connection

    init(from source: Connection, to target: Connection) {
        self.source = source
        self.target = target
    }

    /// Both connections reach the same namespace (the same filesystem URI).
    var sameNamespace: Bool { source.fileSystem.uri == target.fileSystem.uri }

    /// Bytes moved per read and write: large enough that one READ_BLOCK carries many packets.
    static let chunkBytes = 4 << 20

    func copy(_ from: String, to destination: String) async throws {
        guard let status = try await source.fileSystem.fileStatus(from) else {
            throw RemoteException(.fileNotFound, "File does not exist: \(from)")
        }
        var to = destination
        if let existing = try await target.fileSystem.fileStatus(destination), existing.isDirectory {
            to = PathResolver.child(of: destination, named: status.name)
        }
        // Creating the target would truncate a source that is the same file, and a tree copied
        // into itself never ends.
        if sameNamespace && (to == from || (status.isDirectory && to.hasPrefix(from == "/" ? "/" : from + "/"))) {
            throw LibHDFSError(EINVAL, "org.apache.hadoop.fs.PathOperationException: Cannot copy \(from) to itself or below itself: \(to)")
        }
        try await copyTree(status, to: to)
    }

    private func copyTree(_ status: FileStatus, to destination: String) async throws {
        guard status.isDirectory else { return try await copyFile(status.path, to: destination) }
        try await target.fileSystem.mkdirs(destination)
        for child in try await source.fileSystem.listStatus(status.path) {
            try await copyTree(child, to: PathResolver.child(of: destination, named: child.name))
        }
    }

    private func copyFile(_ from: String, to destination: String) async throws {
        let input = try await source.fileSystem.open(from)
        let output: FileOutputStream
        do {
            output = try await target.fileSystem.create(destination, overwrite: true)
        } catch {
            await input.close()
            throw error
        }
        // One buffer lent to each stream in turn, never to both at once.
        let buffer = LentMemory(bytes: .allocate(byteCount: Self.chunkBytes, alignment: 16))
        defer { buffer.bytes.deallocate() }
        do {
            while true {
                let count = try await input.read(into: buffer.bytes)
                if count == 0 { break }
                let filled = LentReadOnlyMemory(bytes: UnsafeRawBufferPointer(rebasing: buffer.bytes[..<count]))
                try await output.write(contentsOf: filled.bytes)
            }
            await input.close()
            try await output.close()
        } catch {
            await input.close()
            try? await output.close()
            throw error
        }
    }
}

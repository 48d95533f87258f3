#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed system call: which operation, on which path, and errno.
public struct FileIOError: Error, Equatable, Sendable {
    public let operation: String
    public let path: String
    public let code: Int32

    public init(operation: String, path: String, code: Int32) {
        self.operation = operation
        self.path = path
        self.code = code
    }
}

/// The file system calls rfs's storage makes (the WAL, block storage), written once: each
/// retries EINTR where that is safe and reports a failure as `FileIOError`. Modules wrap the
/// error in their own type (`WALError.io`, `BlockStorageError.io`).
public enum FileIO {
    public static func open(_ path: String, flags: Int32, mode: mode_t = 0o644) throws(FileIOError) -> Int32 {
        while true {
            let descriptor = sysOpen(path, flags | O_CLOEXEC, mode)
            if descriptor >= 0 { return descriptor }
            if errno != EINTR { throw FileIOError(operation: "open", path: path, code: errno) }
        }
    }

    public static func close(_ descriptor: Int32) {
        sysClose(descriptor)
    }

    /// Reads until `buffer` is full or the file ends; returns the bytes read.
    public static func read(_ descriptor: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: Int64,
                            path: String) throws(FileIOError) -> Int {
        var done = 0
        while done < buffer.count {
            let count = pread(descriptor, buffer.baseAddress! + done, buffer.count - done, off_t(offset) + off_t(done))
            if count > 0 {
                done += count
            } else if count == 0 {
                break
            } else if errno != EINTR {
                throw FileIOError(operation: "read", path: path, code: errno)
            }
        }
        return done
    }

    /// Writes all of `bytes` at `offset` (a short write continues where it stopped).
    public static func write(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int64,
                             path: String) throws(FileIOError) {
        var done = 0
        while done < bytes.count {
            let count = pwrite(descriptor, bytes.baseAddress! + done, bytes.count - done, off_t(offset) + off_t(done))
            if count > 0 {
                done += count
            } else if count < 0 && errno != EINTR {
                throw FileIOError(operation: "write", path: path, code: errno)
            } else if count == 0 {
                throw FileIOError(operation: "write", path: path, code: EIO)
            }
        }
    }

    /// Makes written data durable: `fdatasync` on Linux (the file's size is part of what it
    /// flushes), `F_FULLFSYNC` on Darwin, whose `fsync` does not reach the platter. No EINTR
    /// retry: after a failed fsync the kernel may have dropped the dirty pages, so a retry that
    /// succeeds proves nothing (PostgreSQL's "fsyncgate").
    public static func syncData(_ descriptor: Int32, path: String) throws(FileIOError) {
        #if canImport(Darwin)
        let result = fcntl(descriptor, F_FULLFSYNC)
        #else
        let result = fdatasync(descriptor)
        #endif
        if result != 0 { throw FileIOError(operation: "fdatasync", path: path, code: errno) }
    }

    /// `fsync`, for metadata changes (a truncation, a file's size).
    public static func syncFile(_ descriptor: Int32, path: String) throws(FileIOError) {
        #if canImport(Darwin)
        let result = fcntl(descriptor, F_FULLFSYNC)
        #else
        let result = fsync(descriptor)
        #endif
        if result != 0 { throw FileIOError(operation: "fsync", path: path, code: errno) }
    }

    /// Makes the creation, deletion or renaming of entries in `directory` durable.
    public static func syncDirectory(_ directory: String) throws(FileIOError) {
        let descriptor = try open(directory, flags: O_RDONLY | O_DIRECTORY)
        defer { sysClose(descriptor) }
        if fsync(descriptor) != 0 { throw FileIOError(operation: "fsync", path: directory, code: errno) }
    }

    public static func truncate(_ descriptor: Int32, to length: Int64, path: String) throws(FileIOError) {
        while ftruncate(descriptor, off_t(length)) != 0 {
            if errno != EINTR { throw FileIOError(operation: "ftruncate", path: path, code: errno) }
        }
    }

    public static func rename(_ from: String, to: String) throws(FileIOError) {
        if sysRename(from, to) != 0 { throw FileIOError(operation: "rename to \(to)", path: from, code: errno) }
    }

    public static func unlink(_ path: String) throws(FileIOError) {
        if sysUnlink(path) != 0 { throw FileIOError(operation: "unlink", path: path, code: errno) }
    }

    public static func size(_ descriptor: Int32, path: String) throws(FileIOError) -> Int64 {
        var status = stat()
        if fstat(descriptor, &status) != 0 { throw FileIOError(operation: "fstat", path: path, code: errno) }
        return Int64(status.st_size)
    }

    /// The size of the file at `path`, or nil if it does not exist.
    public static func size(path: String) throws(FileIOError) -> Int64? {
        var status = stat()
        if stat(path, &status) != 0 {
            if errno == ENOENT { return nil }
            throw FileIOError(operation: "stat", path: path, code: errno)
        }
        return Int64(status.st_size)
    }

    public static func exists(_ path: String) -> Bool {
        var status = stat()
        return stat(path, &status) == 0
    }

    public static func isDirectory(_ path: String) -> Bool {
        var status = stat()
        return stat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR
    }

    /// Creates `path` and its missing parents (`mkdir -p`).
    public static func makeDirectories(_ path: String) throws(FileIOError) {
        var status = stat()
        if stat(path, &status) == 0 {
            if (status.st_mode & S_IFMT) == S_IFDIR { return }
            throw FileIOError(operation: "mkdir", path: path, code: ENOTDIR)
        }
        let parent = parentDirectory(of: path)
        if parent != path { try makeDirectories(parent) }
        if mkdir(path, 0o755) != 0 && errno != EEXIST { throw FileIOError(operation: "mkdir", path: path, code: errno) }
    }

    public static func parentDirectory(of path: String) -> String {
        let trimmed = path.hasSuffix("/") && path.count > 1 ? String(path.dropLast()) : path
        guard let slash = trimmed.lastIndex(of: "/") else { return "." }
        return slash == trimmed.startIndex ? "/" : String(trimmed[..<slash])
    }

    /// Names of the entries of `directory`, without "." and "..". A missing directory is an
    /// error, or empty with `missingIsEmpty`.
    public static func listDirectory(_ directory: String, missingIsEmpty: Bool = false) throws(FileIOError) -> [String] {
        guard let stream = opendir(directory) else {
            if missingIsEmpty && errno == ENOENT { return [] }
            throw FileIOError(operation: "opendir", path: directory, code: errno)
        }
        defer { closedir(stream) }
        var names: [String] = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }
}

// Inside `FileIO` its own `open`, `close`, `rename` and `unlink` shadow the C functions; these
// names reach the C ones.
@inline(__always) func sysOpen(_ path: String, _ flags: Int32, _ mode: mode_t) -> Int32 { open(path, flags, mode) }
@inline(__always) func sysClose(_ descriptor: Int32) { _ = close(descriptor) }
@inline(__always) func sysUnlink(_ path: String) -> Int32 { unlink(path) }
@inline(__always) func sysRename(_ from: String, _ to: String) -> Int32 { rename(from, to) }

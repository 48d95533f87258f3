#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The system calls the WAL makes, each retrying EINTR and turning a failure into
/// `WALError.io` naming the operation and the path.
enum POSIX {
    static func open(_ path: String, flags: Int32, mode: mode_t = 0o644) throws(WALError) -> Int32 {
        while true {
            let descriptor = sysOpen(path, flags | O_CLOEXEC, mode)
            if descriptor >= 0 { return descriptor }
            if errno != EINTR { throw .io(operation: "open", path: path, code: errno) }
        }
    }

    /// Reads until `buffer` is full or the file ends; returns the bytes read.
    static func read(_ descriptor: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: Int64,
                     path: String) throws(WALError) -> Int {
        var done = 0
        while done < buffer.count {
            let count = pread(descriptor, buffer.baseAddress! + done, buffer.count - done, off_t(offset) + off_t(done))
            if count > 0 {
                done += count
            } else if count == 0 {
                break
            } else if errno != EINTR {
                throw .io(operation: "read", path: path, code: errno)
            }
        }
        return done
    }

    /// Writes all of `bytes` at `offset` (a short write continues where it stopped).
    static func write(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int64,
                      path: String) throws(WALError) {
        var done = 0
        while done < bytes.count {
            let count = pwrite(descriptor, bytes.baseAddress! + done, bytes.count - done, off_t(offset) + off_t(done))
            if count > 0 {
                done += count
            } else if count < 0 && errno != EINTR {
                throw .io(operation: "write", path: path, code: errno)
            } else if count == 0 {
                throw .io(operation: "write", path: path, code: EIO)
            }
        }
    }

    /// Makes written data durable: `fdatasync` on Linux (the file's size is part of what it
    /// flushes), `F_FULLFSYNC` on Darwin, whose `fsync` does not reach the platter.
    static func syncData(_ descriptor: Int32, path: String) throws(WALError) {
        #if canImport(Darwin)
        let result = fcntl(descriptor, F_FULLFSYNC)
        #else
        let result = fdatasync(descriptor)
        #endif
        // No EINTR retry: after a failed fsync the kernel may have dropped the dirty pages, so a
        // retry that succeeds proves nothing (PostgreSQL's "fsyncgate").
        if result != 0 { throw .io(operation: "fdatasync", path: path, code: errno) }
    }

    /// `fsync`, for metadata changes (truncation, directories).
    static func syncFile(_ descriptor: Int32, path: String) throws(WALError) {
        #if canImport(Darwin)
        let result = fcntl(descriptor, F_FULLFSYNC)
        #else
        let result = fsync(descriptor)
        #endif
        if result != 0 { throw .io(operation: "fsync", path: path, code: errno) }
    }

    /// Makes the creation, deletion or renaming of entries in `directory` durable.
    static func syncDirectory(_ directory: String) throws(WALError) {
        let descriptor = try open(directory, flags: O_RDONLY | O_DIRECTORY)
        defer { sysClose(descriptor) }
        if fsync(descriptor) != 0 { throw .io(operation: "fsync", path: directory, code: errno) }
    }

    static func truncate(_ descriptor: Int32, to length: Int64, path: String) throws(WALError) {
        while ftruncate(descriptor, off_t(length)) != 0 {
            if errno != EINTR { throw .io(operation: "ftruncate", path: path, code: errno) }
        }
    }

    static func unlink(_ path: String) throws(WALError) {
        if sysUnlink(path) != 0 { throw .io(operation: "unlink", path: path, code: errno) }
    }

    static func size(_ descriptor: Int32, path: String) throws(WALError) -> Int64 {
        var status = stat()
        if fstat(descriptor, &status) != 0 { throw .io(operation: "fstat", path: path, code: errno) }
        return Int64(status.st_size)
    }

    /// Creates `path` and its missing parents (`mkdir -p`).
    static func makeDirectories(_ path: String) throws(WALError) {
        var status = stat()
        if stat(path, &status) == 0 {
            if (status.st_mode & S_IFMT) == S_IFDIR { return }
            throw .io(operation: "mkdir", path: path, code: ENOTDIR)
        }
        let parent = parentDirectory(of: path)
        if parent != path { try makeDirectories(parent) }
        if mkdir(path, 0o755) != 0 && errno != EEXIST { throw .io(operation: "mkdir", path: path, code: errno) }
    }

    static func parentDirectory(of path: String) -> String {
        let trimmed = path.hasSuffix("/") && path.count > 1 ? String(path.dropLast()) : path
        guard let slash = trimmed.lastIndex(of: "/") else { return "." }
        return slash == trimmed.startIndex ? "/" : String(trimmed[..<slash])
    }

    /// Names of the entries of `directory`, without "." and "..".
    static func listDirectory(_ directory: String) throws(WALError) -> [String] {
        guard let stream = opendir(directory) else { throw .io(operation: "opendir", path: directory, code: errno) }
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

// The module's own `open`, `close` and `unlink` shadow the C functions inside `POSIX`; these
// names reach the C ones.
@inline(__always) func sysOpen(_ path: String, _ flags: Int32, _ mode: mode_t) -> Int32 { open(path, flags, mode) }
@inline(__always) func sysClose(_ descriptor: Int32) { _ = close(descriptor) }
@inline(__always) func sysUnlink(_ path: String) -> Int32 { unlink(path) }

/// `flock(LOCK_EX | LOCK_NB)` on `<directory>/wal.lock`, so that two WALs never write the same
/// directory. The lock belongs to the open file description: a second open in the same process
/// fails as well, and the kernel drops it if the process dies.
final class DirectoryLock: Sendable {
    let path: String
    private let descriptor: Int32

    init(directory: String) throws(WALError) {
        path = directory + "/wal.lock"
        descriptor = try POSIX.open(path, flags: O_RDWR | O_CREAT)
        if flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            let holder = Self.holderPID(descriptor)
            sysClose(descriptor)
            if code == EWOULDBLOCK { throw .locked(path: path, holderPID: holder) }
            throw .io(operation: "flock", path: path, code: code)
        }
        // The holder's pid, for the error a second opener sees; best effort.
        let text = Array("\(getpid())\n".utf8)
        _ = ftruncate(descriptor, 0)
        _ = text.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
    }

    private static func holderPID(_ descriptor: Int32) -> Int32? {
        var bytes = [UInt8](repeating: 0, count: 16)
        let count = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        return Int32(String(decoding: bytes[..<count], as: UTF8.self).split(separator: "\n").first ?? "")
    }

    /// Releases the lock (closing the descriptor drops it). Called once, by `close()`.
    func release() {
        sysClose(descriptor)
    }
}

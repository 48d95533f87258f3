#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The system calls block storage makes, each retrying EINTR where that is safe and turning a
/// failure into `BlockStorageError.io` naming the operation and the path.
enum POSIX {
    static func open(_ path: String, flags: Int32, mode: mode_t = 0o644) throws(BlockStorageError) -> Int32 {
        while true {
            let descriptor = sysOpen(path, flags | O_CLOEXEC, mode)
            if descriptor >= 0 { return descriptor }
            if errno != EINTR { throw .io(operation: "open", path: path, code: errno) }
        }
    }

    /// Reads until `buffer` is full or the file ends; returns the bytes read.
    static func read(_ descriptor: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: Int,
                     path: String) throws(BlockStorageError) -> Int {
        var done = 0
        while done < buffer.count {
            let count = pread(descriptor, buffer.baseAddress! + done, buffer.count - done, off_t(offset + done))
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

    /// Reads `length` bytes at `offset` (fewer if the file ends first).
    static func read(_ descriptor: Int32, length: Int, at offset: Int, path: String) throws(BlockStorageError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: length)
        let count = try withMutableBytes(&bytes) { (buffer) throws(BlockStorageError) -> Int in
            try read(descriptor, into: buffer, at: offset, path: path)
        }
        if count < length { bytes.removeLast(length - count) }
        return bytes
    }

    /// Writes all of `bytes` at `offset` (a short write continues where it stopped).
    static func write(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int,
                      path: String) throws(BlockStorageError) {
        var done = 0
        while done < bytes.count {
            let count = pwrite(descriptor, bytes.baseAddress! + done, bytes.count - done, off_t(offset + done))
            if count > 0 {
                done += count
            } else if count < 0 && errno != EINTR {
                throw .io(operation: "write", path: path, code: errno)
            } else if count == 0 {
                throw .io(operation: "write", path: path, code: EIO)
            }
        }
    }

    /// Makes written data durable. No EINTR retry: after a failed fsync the kernel may have
    /// dropped the dirty pages, so a retry that succeeds proves nothing.
    static func syncData(_ descriptor: Int32, path: String) throws(BlockStorageError) {
        #if canImport(Darwin)
        let result = fcntl(descriptor, F_FULLFSYNC)
        #else
        let result = fdatasync(descriptor)
        #endif
        if result != 0 { throw .io(operation: "fdatasync", path: path, code: errno) }
    }

    /// Makes a file's metadata (its size after a truncation) durable.
    static func syncFile(_ descriptor: Int32, path: String) throws(BlockStorageError) {
        #if canImport(Darwin)
        let result = fcntl(descriptor, F_FULLFSYNC)
        #else
        let result = fsync(descriptor)
        #endif
        if result != 0 { throw .io(operation: "fsync", path: path, code: errno) }
    }

    /// Makes the creation, deletion or renaming of entries in `directory` durable.
    static func syncDirectory(_ directory: String) throws(BlockStorageError) {
        let descriptor = try open(directory, flags: O_RDONLY | O_DIRECTORY)
        defer { sysClose(descriptor) }
        if fsync(descriptor) != 0 { throw .io(operation: "fsync", path: directory, code: errno) }
    }

    static func truncate(_ descriptor: Int32, to length: Int, path: String) throws(BlockStorageError) {
        while ftruncate(descriptor, off_t(length)) != 0 {
            if errno != EINTR { throw .io(operation: "ftruncate", path: path, code: errno) }
        }
    }

    static func rename(_ from: String, to: String) throws(BlockStorageError) {
        if sysRename(from, to) != 0 { throw .io(operation: "rename to \(to)", path: from, code: errno) }
    }

    static func unlink(_ path: String) throws(BlockStorageError) {
        if sysUnlink(path) != 0 { throw .io(operation: "unlink", path: path, code: errno) }
    }

    static func size(_ descriptor: Int32, path: String) throws(BlockStorageError) -> Int {
        var status = stat()
        if fstat(descriptor, &status) != 0 { throw .io(operation: "fstat", path: path, code: errno) }
        return Int(status.st_size)
    }

    /// The size of the file at `path`, or nil if it does not exist.
    static func size(path: String) throws(BlockStorageError) -> Int? {
        var status = stat()
        if stat(path, &status) != 0 {
            if errno == ENOENT { return nil }
            throw .io(operation: "stat", path: path, code: errno)
        }
        return Int(status.st_size)
    }

    static func exists(_ path: String) -> Bool {
        var status = stat()
        return stat(path, &status) == 0
    }

    /// Creates `path` and its missing parents (`mkdir -p`).
    static func makeDirectories(_ path: String) throws(BlockStorageError) {
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

    /// Names of the entries of `directory`, without "." and ".."; empty if it does not exist.
    static func listDirectory(_ directory: String) throws(BlockStorageError) -> [String] {
        guard let stream = opendir(directory) else {
            if errno == ENOENT { return [] }
            throw .io(operation: "opendir", path: directory, code: errno)
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

    static func isDirectory(_ path: String) -> Bool {
        var status = stat()
        return stat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR
    }
}

// The module's own `open`, `close`, `rename` and `unlink` shadow the C functions inside `POSIX`.
@inline(__always) func sysOpen(_ path: String, _ flags: Int32, _ mode: mode_t) -> Int32 { open(path, flags, mode) }
@inline(__always) func sysClose(_ descriptor: Int32) { _ = close(descriptor) }
@inline(__always) func sysUnlink(_ path: String) -> Int32 { unlink(path) }
@inline(__always) func sysRename(_ from: String, _ to: String) -> Int32 { rename(from, to) }

/// `Array.withUnsafeBytes` keeping the typed error (the standard library's version rethrows
/// `any Error`).
func withBytes<R>(_ array: [UInt8], _ body: (UnsafeRawBufferPointer) throws(BlockStorageError) -> R) throws(BlockStorageError) -> R {
    let result: Result<R, BlockStorageError> = array.withUnsafeBytes { bytes in
        do throws(BlockStorageError) { return .success(try body(bytes)) } catch { return .failure(error) }
    }
    return try result.get()
}

func withMutableBytes<R>(_ array: inout [UInt8], _ body: (UnsafeMutableRawBufferPointer) throws(BlockStorageError) -> R) throws(BlockStorageError) -> R {
    let result: Result<R, BlockStorageError> = array.withUnsafeMutableBytes { bytes in
        do throws(BlockStorageError) { return .success(try body(bytes)) } catch { return .failure(error) }
    }
    return try result.get()
}

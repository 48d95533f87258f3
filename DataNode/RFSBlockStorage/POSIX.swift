#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

import RFSFileIO

/// The system calls block storage makes: `FileIO`'s (written once for all of rfs's storage),
/// with a failure turned into `BlockStorageError.io` naming the operation and the path.
enum POSIX {
    @inline(__always)
    private static func mapped<T>(_ body: () throws(FileIOError) -> T) throws(BlockStorageError) -> T {
        do { return try body() } catch { throw .io(operation: error.operation, path: error.path, code: error.code) }
    }

    static func open(_ path: String, flags: Int32, mode: mode_t = 0o644) throws(BlockStorageError) -> Int32 {
        try mapped { () throws(FileIOError) in try FileIO.open(path, flags: flags, mode: mode) }
    }

    /// Reads until `buffer` is full or the file ends; returns the bytes read.
    static func read(_ descriptor: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: Int,
                     path: String) throws(BlockStorageError) -> Int {
        try mapped { () throws(FileIOError) in try FileIO.read(descriptor, into: buffer, at: Int64(offset), path: path) }
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
        try mapped { () throws(FileIOError) in try FileIO.write(descriptor, bytes, at: Int64(offset), path: path) }
    }

    static func syncData(_ descriptor: Int32, path: String) throws(BlockStorageError) {
        try mapped { () throws(FileIOError) in try FileIO.syncData(descriptor, path: path) }
    }

    static func syncFile(_ descriptor: Int32, path: String) throws(BlockStorageError) {
        try mapped { () throws(FileIOError) in try FileIO.syncFile(descriptor, path: path) }
    }

    static func syncDirectory(_ directory: String) throws(BlockStorageError) {
        try mapped { () throws(FileIOError) in try FileIO.syncDirectory(directory) }
    }

    static func truncate(_ descriptor: Int32, to length: Int, path: String) throws(BlockStorageError) {
        try mapped { () throws(FileIOError) in try FileIO.truncate(descriptor, to: Int64(length), path: path) }
    }

    static func rename(_ from: String, to: String) throws(BlockStorageError) {
        try mapped { () throws(FileIOError) in try FileIO.rename(from, to: to) }
    }

    static func unlink(_ path: String) throws(BlockStorageError) {
        try mapped { () throws(FileIOError) in try FileIO.unlink(path) }
    }

    static func size(_ descriptor: Int32, path: String) throws(BlockStorageError) -> Int {
        Int(try mapped { () throws(FileIOError) in try FileIO.size(descriptor, path: path) })
    }

    /// The size of the file at `path`, or nil if it does not exist.
    static func size(path: String) throws(BlockStorageError) -> Int? {
        try mapped { () throws(FileIOError) in try FileIO.size(path: path) }.map { Int($0) }
    }

    static func exists(_ path: String) -> Bool {
        FileIO.exists(path)
    }

    static func makeDirectories(_ path: String) throws(BlockStorageError) {
        try mapped { () throws(FileIOError) in try FileIO.makeDirectories(path) }
    }

    static func parentDirectory(of path: String) -> String {
        FileIO.parentDirectory(of: path)
    }

    /// Names of the entries of `directory`, without "." and ".."; empty if it does not exist.
    static func listDirectory(_ directory: String) throws(BlockStorageError) -> [String] {
        try mapped { () throws(FileIOError) in try FileIO.listDirectory(directory, missingIsEmpty: true) }
    }

    static func isDirectory(_ path: String) -> Bool {
        FileIO.isDirectory(path)
    }
}

// `close` and `unlink` reach the C functions from code that also sees `POSIX`'s own names.
@inline(__always) func sysClose(_ descriptor: Int32) { _ = close(descriptor) }
@inline(__always) func sysUnlink(_ path: String) -> Int32 { unlink(path) }

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

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

import Metrics
import RFSFileIO

/// The system calls the WAL makes: `FileIO`'s (written once for all of rfs's storage), with a
/// failure turned into `WALError.io` naming the operation and the path.
enum POSIX {
    @inline(__always)
    private static func mapped<T>(_ body: () throws(FileIOError) -> T) throws(WALError) -> T {
        do { return try body() } catch { throw .io(operation: error.operation, path: error.path, code: error.code) }
    }

    static func open(_ path: String, flags: Int32, mode: mode_t = 0o644) throws(WALError) -> Int32 {
        try mapped { () throws(FileIOError) in try FileIO.open(path, flags: flags, mode: mode) }
    }

    /// Reads until `buffer` is full or the file ends; returns the bytes read.
    static func read(_ descriptor: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: Int64,
                     path: String) throws(WALError) -> Int {
        try mapped { () throws(FileIOError) in try FileIO.read(descriptor, into: buffer, at: offset, path: path) }
    }

    static func write(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int64,
                      path: String) throws(WALError) {
        try mapped { () throws(FileIOError) in try FileIO.write(descriptor, bytes, at: offset, path: path) }
    }

    /// How long each segment fsync takes (the figure group commit exists to amortize);
    /// `/metrics` shows it as a histogram.
    static let fsyncDuration = Timer(label: "rfs_wal_fsync_duration")

    static func syncData(_ descriptor: Int32, path: String) throws(WALError) {
        let started = ContinuousClock.now
        defer { fsyncDuration.record(duration: ContinuousClock.now - started) }
        try mapped { () throws(FileIOError) in try FileIO.syncData(descriptor, path: path) }
    }

    static func syncFile(_ descriptor: Int32, path: String) throws(WALError) {
        try mapped { () throws(FileIOError) in try FileIO.syncFile(descriptor, path: path) }
    }

    static func syncDirectory(_ directory: String) throws(WALError) {
        try mapped { () throws(FileIOError) in try FileIO.syncDirectory(directory) }
    }

    static func truncate(_ descriptor: Int32, to length: Int64, path: String) throws(WALError) {
        try mapped { () throws(FileIOError) in try FileIO.truncate(descriptor, to: length, path: path) }
    }

    static func unlink(_ path: String) throws(WALError) {
        try mapped { () throws(FileIOError) in try FileIO.unlink(path) }
    }

    static func size(_ descriptor: Int32, path: String) throws(WALError) -> Int64 {
        try mapped { () throws(FileIOError) in try FileIO.size(descriptor, path: path) }
    }

    static func makeDirectories(_ path: String) throws(WALError) {
        try mapped { () throws(FileIOError) in try FileIO.makeDirectories(path) }
    }

    static func parentDirectory(of path: String) -> String {
        FileIO.parentDirectory(of: path)
    }

    static func listDirectory(_ directory: String) throws(WALError) -> [String] {
        try mapped { () throws(FileIOError) in try FileIO.listDirectory(directory) }
    }
}

// `close` reaches the C function from code that also sees `POSIX`'s own names.
@inline(__always) func sysClose(_ descriptor: Int32) { _ = close(descriptor) }

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
